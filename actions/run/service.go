package run

import (
	"context"

	"github.com/memtui/memtui/actions"
)

// Service is the effective runbook with the runner that executes it: what
// the dashboard's palette is given (through an interface of its own).
type Service struct {
	Runbook actions.Runbook
	Runner  *Runner
}

// Actions lists the effective runbook, in palette order.
func (s Service) Actions() []actions.Action { return s.Runbook.Actions }

// ReadOnly reports whether the runner refuses to change the machine.
func (s Service) ReadOnly() bool { return s.Runner.ReadOnly }

// Preview gathers what a's confirmation must show (see Runner.Preview).
func (s Service) Preview(ctx context.Context, a actions.Action, t *actions.Target) (actions.Preview, error) {
	return s.Runner.Preview(ctx, a, t)
}

// Start runs req in the background (see Runner.Start).
func (s Service) Start(ctx context.Context, req actions.Request) actions.RunHandle {
	return s.Runner.Start(ctx, req)
}

// Recheck reads memory again after a run (see Runner.Recheck).
func (s Service) Recheck(ctx context.Context, res actions.Result) actions.Recheck {
	return s.Runner.Recheck(ctx, res)
}
