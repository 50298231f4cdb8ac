package run

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/internal/units"
	"golang.org/x/sys/unix"
)

// runSignal sends TERM, waits up to the grace period, then KILL. Each
// signal goes through a pidfd opened before the start time is re-verified:
// once the pidfd and the start time agree, the signal cannot reach a
// process that reused the pid.
func (r *Runner) runSignal(ctx context.Context, a actions.Action, req actions.Request, out *tail, res *actions.Result) error {
	t := req.Target
	if req.Preview != nil && req.Preview.Target != nil {
		t = req.Preview.Target
	}
	if t == nil {
		res.Status, res.Message = actions.StatusRefused, "no process selected: select one in the process panel first"
		return nil
	}
	res.Target = &actions.Target{PID: t.PID, Comm: t.Comm, RSSBytes: t.RSSBytes, StartTicks: t.StartTicks}
	fd, err := unix.PidfdOpen(t.PID, 0)
	if err != nil {
		if errors.Is(err, unix.ESRCH) {
			res.Status, res.Message = actions.StatusOK, fmt.Sprintf("pid %d (%s) had already exited; nothing sent", t.PID, t.Comm)
			return nil
		}
		res.Status, res.Message = actions.StatusError, fmt.Sprintf("pid %d: %v", t.PID, err)
		return nil
	}
	defer unix.Close(fd)
	v, err := verifyTarget(r.procRoot(), *t)
	if errors.Is(err, errGone) {
		res.Status, res.Message = actions.StatusOK, err.Error()+"; nothing sent"
		return nil
	}
	if err != nil {
		res.Status, res.Message = statusOf(err), err.Error()
		return nil
	}
	res.Target.StartTicks = v.StartTicks
	who := fmt.Sprintf("pid %d (%s, RSS %s)", v.PID, v.Comm, units.Bytes(v.RSSBytes))
	short := fmt.Sprintf("pid %d (%s)", v.PID, v.Comm)
	if err := unix.PidfdSendSignal(fd, unix.SIGTERM, nil, 0); err != nil {
		res.Status, res.Message = signalError(err, v)
		res.Steps = append(res.Steps, signalStep("SIGTERM", res.Status, res.Message, nil))
		return nil
	}
	out.Line("sent SIGTERM to " + who)
	// The wall clock of the run's Now may be fixed in tests; the wait is
	// measured on the real one, as the process really takes it.
	t0 := time.Now()
	term := &actions.SignalOutcome{Signal: "SIGTERM", SentAt: r.now()}
	if waitPidfd(ctx, fd, a.EffectiveGrace()) {
		term.Exited, term.After = true, time.Since(t0).Round(10*time.Millisecond)
		res.Status, res.Message = actions.StatusOK, fmt.Sprintf("%s exited %s after SIGTERM", who, units.Duration(term.After))
		res.Steps = append(res.Steps, signalStep("SIGTERM", actions.StatusOK, short+" exited "+units.Duration(term.After)+" after SIGTERM", term))
		out.Line(res.Message)
		return nil
	}
	if ctx.Err() != nil {
		// Still running when the run was stopped: no status, endSteps says why.
		res.Steps = append(res.Steps, signalStep("SIGTERM", actions.StatusFailed, short+" still running after SIGTERM", term))
		return ctx.Err()
	}
	res.Steps = append(res.Steps, signalStep("SIGTERM", actions.StatusOK, fmt.Sprintf("%s still running %s after SIGTERM", short, units.Duration(a.EffectiveGrace())), term))
	out.Line(fmt.Sprintf("still running after %s", units.Duration(a.EffectiveGrace())))
	// The pidfd pins the process: if it is still running, it is still ours.
	kill := &actions.SignalOutcome{Signal: "SIGKILL", SentAt: r.now()}
	if err := unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0); err != nil {
		if errors.Is(err, unix.ESRCH) {
			res.Status, res.Message = actions.StatusOK, who+" exited just before SIGKILL"
			res.Steps[0].Signal.Exited, res.Steps[0].Signal.After = true, time.Since(t0).Round(10*time.Millisecond)
			res.Steps[0].Outcome = short + " exited " + units.Duration(res.Steps[0].Signal.After) + " after SIGTERM, just before SIGKILL"
			return nil
		}
		res.Status, res.Message = signalError(err, v)
		res.Steps = append(res.Steps, signalStep("SIGKILL", res.Status, res.Message, nil))
		return nil
	}
	out.Line("sent SIGKILL to " + who)
	if waitPidfd(ctx, fd, 5*time.Second) {
		kill.Exited, kill.After = true, time.Since(t0).Round(10*time.Millisecond)
		res.Status, res.Message = actions.StatusOK, who+" killed (SIGKILL after the grace period)"
		res.Steps = append(res.Steps, signalStep("SIGKILL", actions.StatusOK,
			fmt.Sprintf("%s killed by SIGKILL after the %s grace (%s after SIGTERM)", short, units.Duration(a.EffectiveGrace()), units.Duration(kill.After)), kill))
		out.Line(res.Message)
		return nil
	}
	if ctx.Err() != nil {
		res.Steps = append(res.Steps, signalStep("SIGKILL", actions.StatusFailed, short+" still running after SIGKILL", kill))
		return ctx.Err()
	}
	res.Status, res.Message = actions.StatusFailed, who+" still there 5s after SIGKILL (uninterruptible sleep? check its state D in the process panel)"
	res.Steps = append(res.Steps, signalStep("SIGKILL", actions.StatusFailed, short+" still there 5s after SIGKILL (uninterruptible sleep?)", kill))
	return nil
}

// signalStep is the record of one signal sent (or not) and what followed.
func signalStep(sig string, st actions.Status, outcome string, so *actions.SignalOutcome) actions.Step {
	step := actions.Step{Argv: []string{sig}, Status: st, Outcome: outcome, Signal: so}
	if st != actions.StatusOK {
		step.Message = outcome
	}
	if so != nil && so.Exited {
		step.Duration = so.After
	}
	return step
}

func signalError(err error, t actions.Target) (actions.Status, string) {
	switch {
	case errors.Is(err, unix.ESRCH):
		return actions.StatusOK, fmt.Sprintf("pid %d (%s) had already exited", t.PID, t.Comm)
	case errors.Is(err, unix.EPERM):
		return actions.StatusError, fmt.Sprintf("pid %d (%s): not allowed to signal it; needs root: run memtui with sudo", t.PID, t.Comm)
	}
	return actions.StatusError, fmt.Sprintf("pid %d (%s): %v", t.PID, t.Comm, err)
}

// waitPidfd waits until the process behind fd exits (the pidfd becomes
// readable), d passes, or ctx ends. It polls in short slices so a cancel is
// seen quickly.
func waitPidfd(ctx context.Context, fd int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 || ctx.Err() != nil {
			return false
		}
		ms := min(int(left/time.Millisecond)+1, 100)
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, ms)
		if err != nil && err != unix.EINTR {
			return false
		}
		if n > 0 {
			return true
		}
	}
}
