// Package timeline turns the runner's records of a run (actions.Started,
// Result, Recheck) into the incident timeline's events, the same way for
// the dashboard's palette and for memtui watch. Pure: it copies fields.
package timeline

import (
	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/incident"
)

// memFigure is an actions memory reading as the timeline keeps it.
func memFigure(m *actions.Memory) *incident.MemFigure {
	if m == nil {
		return nil
	}
	return &incident.MemFigure{At: m.At, UsedPct: m.UsedPercent, SwapUsedBytes: m.SwapUsedBytes}
}

// Started is the timeline's record of a run's start.
func Started(s actions.Started) incident.Event {
	return incident.Event{At: s.At, Data: incident.ActionStarted{
		Run: s.RunID, Action: s.ActionID, Name: s.ActionName, Risk: string(s.Risk),
		Who:      incident.Who{User: s.Who.User, SudoUser: s.Who.SudoUser},
		Commands: s.Commands, Confirmation: s.Confirmation, MemBefore: memFigure(s.MemBefore),
	}}
}

// Finished is the timeline's record of a run's end.
func Finished(r actions.Result) incident.Event {
	ev := incident.ActionFinished{Run: r.RunID, Action: r.ActionID, Exit: r.ExitCode,
		Status: string(r.Status), Outcome: r.Outcome,
		Duration: incident.Duration(r.Duration), OutputTail: r.Output, MemAfter: memFigure(r.MemAfter)}
	if r.Status != actions.StatusOK {
		ev.Error = string(r.Status) + ": " + r.Message
	}
	for _, st := range r.Steps {
		cr := incident.CommandResult{Argv: st.Argv, Exit: st.ExitCode, Duration: incident.Duration(st.Duration),
			Status: string(st.Status), Outcome: st.Outcome}
		if st.Status != actions.StatusOK {
			cr.Error = st.Message
		}
		ev.Commands = append(ev.Commands, cr)
	}
	return incident.Event{At: r.Finished, Data: ev}
}

// Rechecked is the timeline's record of the re-check.
func Rechecked(r actions.Result, rc actions.Recheck) incident.Event {
	before, after := memFigure(rc.Before), memFigure(rc.Memory)
	at := r.Finished.Add(r.RecheckAfter)
	if rc.Memory != nil && !rc.Memory.At.IsZero() {
		at = rc.Memory.At
	}
	return incident.Event{At: at, Data: incident.ActionRechecked{
		Run: r.RunID, Action: r.ActionID, Waited: incident.Duration(r.RecheckAfter),
		MemBefore: before, MemAfter: after, Result: incident.Verdict(before, after),
	}}
}
