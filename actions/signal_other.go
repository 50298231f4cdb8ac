//go:build !linux

package actions

import "context"

// runSignal needs pidfds to be sure a recycled pid is never hit; without
// them (not Linux) it refuses rather than signal on a guess.
func (r *Runner) runSignal(ctx context.Context, a Action, req Request, out *tail, res *Result) error {
	res.Status, res.Message = StatusRefused, "signal-process needs Linux (pidfd): nothing sent"
	return nil
}
