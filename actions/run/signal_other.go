//go:build !linux

package run

import (
	"context"

	"github.com/memtui/memtui/actions"
)

// runSignal needs pidfds to be sure a recycled pid is never hit; without
// them (not Linux) it refuses rather than signal on a guess.
func (r *Runner) runSignal(ctx context.Context, a actions.Action, req actions.Request, out *tail, res *actions.Result) error {
	res.Status, res.Message = actions.StatusRefused, "signal-process needs Linux (pidfd): nothing sent"
	return nil
}
