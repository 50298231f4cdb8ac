package ui

import (
	"context"
	"time"

	"github.com/memtui/memtui/actions"
)

// ActionService is the runbook and its runner as the palette uses them.
// Satisfied by actions.Service, built by main.go; tests hand in fakes.
type ActionService interface {
	Actions() []actions.Action
	Preview(ctx context.Context, a actions.Action, t *actions.Target) (actions.Preview, error)
	Start(ctx context.Context, req actions.Request) actions.RunHandle
	Recheck(ctx context.Context, res actions.Result) actions.Recheck
}

// ActionRecorder writes an action's events on the incident timeline. Each
// call is made from a Cmd, never from Update.
type ActionRecorder interface {
	ActionStarted(s actions.Started) error
	ActionFinished(res actions.Result) error
	ActionRechecked(res actions.Result, rc actions.Recheck, waited time.Duration) error
}
