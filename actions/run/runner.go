// Package run executes the runbook's actions on the machine: commands in
// their own process group under a timeout, signals through pidfds, drop
// caches, the SQL and Redis steps through the interfaces actions defines,
// oom_score_adj, and loading the runbook file. main.go builds the Runner;
// the ui sees it only through its own interfaces.
package run

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/internal/redact"
	"github.com/memtui/memtui/internal/units"
	"github.com/memtui/memtui/probes"
	"golang.org/x/sys/unix"
)

// Runner executes actions. The zero value runs commands with no PostgreSQL
// and no memory figures; main.go fills the fields.
type Runner struct {
	// PG is memtui's own PostgreSQL session (nil: --pg none); see
	// actions/pgexec.
	PG actions.Postgres
	// Redis is the server of the redis kinds (nil: --redis none); see
	// actions/redisexec.
	Redis actions.Redis
	// Memory gives the before/after and re-check readings (nil: none).
	Memory actions.MemorySampler
	// Who is recorded with every run.
	Who actions.Who
	// ReadOnly refuses every action that would change the machine.
	ReadOnly bool
	// ReadOnlyWhy is the refusal's message ("" means --read-only): the
	// host's reason, e.g. that a replay runs nothing.
	ReadOnlyWhy string
	// ProcRoot is the /proc root for process checks; "" means /proc.
	ProcRoot string
	// LookPath finds programs; nil means exec.LookPath.
	LookPath func(string) (string, error)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// TailBytes and TailLines bound the kept output (0: the defaults).
	TailBytes, TailLines int
	// KillWait bounds how long a run waits for output pipes after the
	// process group is gone (0: 2s).
	KillWait time.Duration
	// ChildOOMScoreAdj, when set, is written to each started command's
	// oom_score_adj: memtui lowers its own (ProtectSelf), and a command
	// would otherwise inherit that protection.
	ChildOOMScoreAdj *int
	// OdooConf is --odoo-conf ("" finds the file as Odoo does); OdooHost
	// gives the odoo.conf proposal this host's RAM, CPUs and PostgreSQL
	// (nil: unknown, and no limits are proposed).
	OdooConf string
	OdooHost func(context.Context) probes.OdooHost
	// Keeper, when set, runs command actions under a keeper process that
	// outlives memtui (see Keeper); nil runs them as memtui's children.
	Keeper *Keeper
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) procRoot() string {
	if r.ProcRoot != "" {
		return r.ProcRoot
	}
	return "/proc"
}

// Errors that end a run; Status and Message carry them to the person.
var (
	errTimedOut  = errors.New("timed out")
	errCancelled = errors.New("cancelled")
)

// Run is a run in progress. Its methods are safe to call from any goroutine:
// the UI polls Output while the run goroutine writes.
type Run struct {
	id      string
	info    actions.Started
	req     actions.Request
	started time.Time
	out     *tail
	cancel  context.CancelCauseFunc
	done    chan struct{}
	mu      sync.Mutex
	res     actions.Result
}

// ID names this run: "<action id>@<start time>", unique per process.
func (h *Run) ID() string { return h.id }

// Info is the record of the run's start.
func (h *Run) Info() actions.Started { return h.info }

// Request is the request this run executes.
func (h *Run) Request() actions.Request { return h.req }

// Started is when the run started.
func (h *Run) Started() time.Time { return h.started }

// Output is a snapshot of the live, redacted output tail.
func (h *Run) Output() string { return h.out.String() }

// Done is closed when the run has finished and Result is ready.
func (h *Run) Done() <-chan struct{} { return h.done }

// Cancel stops the run: its process group is killed. Safe to call twice or
// after the end.
func (h *Run) Cancel() { h.cancel(errCancelled) }

// CancelBecause stops the run like Cancel and puts why in its result
// ("cancelled on quit"), so the record of its end says why it was stopped.
// Only the first cancel counts.
func (h *Run) CancelBecause(why string) { h.cancel(cancelReason(why)) }

// cancelReason is the cause of a cancel that says why.
type cancelReason string

func (c cancelReason) Error() string { return string(c) }

// Wait blocks until the run is over and returns its result.
func (h *Run) Wait() actions.Result {
	<-h.done
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.res
}

// Result returns the result and true once the run is over.
func (h *Run) Result() (actions.Result, bool) {
	select {
	case <-h.done:
		return h.Wait(), true
	default:
		return actions.Result{}, false
	}
}

// runSeq keeps run ids unique when two start in the same millisecond.
var runSeq atomic.Int64

// Start runs req in the background and returns once the memory reading
// before it is taken (call it from a goroutine or a tea.Cmd, not a UI
// loop). The run ends on its own, on its timeout, on Cancel, or when ctx
// ends.
func (r *Runner) Start(ctx context.Context, req actions.Request) *Run {
	a := req.Action
	cctx, cancel := context.WithCancelCause(ctx)
	started := r.now()
	id := fmt.Sprintf("%s@%s#%d", a.ID, started.UTC().Format("20060102T150405.000Z"), runSeq.Add(1))
	h := &Run{
		id:      id,
		req:     req,
		started: started,
		out:     newTail(r.TailBytes, r.TailLines),
		cancel:  cancel,
		done:    make(chan struct{}),
	}
	h.info = actions.Started{
		RunID: id, ActionID: a.ID, ActionName: a.Name, Risk: a.Risk, Kind: a.Kind,
		Commands: startedCommands(a, req.Target), Confirmation: redact.Redact(req.Confirmation),
		Who: r.Who, At: started, Target: req.Target,
	}
	if !(r.ReadOnly || a.Kind.RunsNothing()) {
		h.info.MemBefore = r.sample(ctx)
	}
	go func() {
		defer close(h.done)
		defer cancel(nil)
		tctx, tcancel := context.WithTimeoutCause(cctx, a.EffectiveTimeout(), errTimedOut)
		defer tcancel()
		res := r.execute(tctx, h)
		h.mu.Lock()
		h.res = res
		h.mu.Unlock()
	}()
	return h
}

// startedCommands is what the started record says will run.
func startedCommands(a actions.Action, t *actions.Target) [][]string {
	if a.Kind == actions.KindCommands {
		out := make([][]string, 0, len(a.Commands))
		for _, argv := range a.Commands {
			if a.Shell {
				argv = []string{"/bin/sh", "-c", strings.Join(argv, " ")}
			}
			out = append(out, redact.RedactArgv(argv))
		}
		return out
	}
	var out [][]string
	for _, l := range a.Plan(t) {
		out = append(out, []string{l})
	}
	return out
}

// RunSync runs req and waits for it (for `memtui` subcommands and tests).
func (r *Runner) RunSync(ctx context.Context, req actions.Request) actions.Result {
	return r.Start(ctx, req).Wait()
}

// execute is the body of a run, on the run's goroutine.
func (r *Runner) execute(ctx context.Context, h *Run) actions.Result {
	req := h.req
	a := req.Action
	res := actions.Result{
		RunID: h.id, ActionID: a.ID, ActionName: a.Name, Risk: a.Risk, Kind: a.Kind,
		Plan: a.Plan(req.Target), Confirmation: redact.Redact(req.Confirmation),
		Who: r.Who, Started: h.started, RecheckAfter: a.RecheckAfter,
	}
	if req.Target != nil {
		t := *req.Target
		res.Target = &t
	}
	finish := func() actions.Result {
		res.Outcome = actions.Outcome(&res)
		res.Finished = r.now()
		res.Duration = res.Finished.Sub(res.Started)
		res.Output = h.out.String()
		res.OutputDroppedLines, res.OutputBytes = h.out.stats()
		return res
	}
	if r.ReadOnly && !a.Kind.RunsNothing() {
		res.Status = actions.StatusRefused
		res.Message = "read-only: memtui was started with --read-only, so it runs no actions"
		if r.ReadOnlyWhy != "" {
			res.Message = r.ReadOnlyWhy
		}
		return finish()
	}
	res.MemBefore = h.info.MemBefore
	var err error
	switch a.Kind {
	case actions.KindCommands:
		if r.Keeper != nil {
			err = r.runKept(ctx, a, h.out, &res)
		} else {
			err = r.runCommands(ctx, a, h.out, &res)
		}
	case actions.KindSQL:
		err = r.runSQL(ctx, a, h.out, &res)
	case actions.KindTerminateIdle:
		err = r.runTerminateIdle(ctx, a, req.Preview, h.out, &res)
	case actions.KindSignal:
		err = r.runSignal(ctx, a, req, h.out, &res)
	case actions.KindDropCaches:
		err = r.runDropCaches(ctx, a, h.out, &res)
	case actions.KindOdooLimits, actions.KindOdooRestore:
		err = r.runOdoo(ctx, a, req, h.out, &res)
	case actions.KindRedisFlushAll, actions.KindRedisFlushDB:
		err = r.runRedisFlush(ctx, a, h.out, &res)
	case actions.KindChecklist:
		for _, s := range a.Steps {
			h.out.Line(s)
		}
		res.Status, res.Message = actions.StatusOK, "checklist shown; nothing was run"
	case actions.KindNote:
		res.Note = redact.Redact(req.Note)
		h.out.Line(res.Note)
		res.Status, res.Message = actions.StatusOK, "note added"
	default:
		res.Status, res.Message = actions.StatusRefused, fmt.Sprintf("unknown kind %q", a.Kind)
	}
	settle(ctx, a, &res, err)
	if !a.Kind.RunsNothing() && res.Status != actions.StatusRefused {
		// The run's context may be over (timeout): give the reading its own.
		res.MemAfter = r.sample(context.WithoutCancel(ctx))
	}
	return finish()
}

// settle gives a run stopped by ctx its status and message, and makes its
// last step say so. A context that ended wins over whatever error that
// caused downstream, so a killed process reads "timed out", not "signal:
// killed". Only commands have a process group to kill; SQL and a signal's
// wait just stop.
func settle(ctx context.Context, a actions.Action, res *actions.Result, err error) {
	stopped := "; stopped it"
	if a.Kind == actions.KindCommands {
		stopped += " (process group killed)"
	}
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errTimedOut) && res.Status != actions.StatusOK:
		res.Status = actions.StatusTimedOut
		res.Message = fmt.Sprintf("timed out after %s", units.Duration(a.EffectiveTimeout())) + stopped
	case cause != nil && res.Status != actions.StatusOK:
		res.Status = actions.StatusCancelled
		res.Message = "cancelled" + stopped
		var why cancelReason
		if errors.As(cause, &why) {
			res.Message = string(why) + stopped
		}
	case err != nil && res.Status == "":
		res.Status, res.Message = actions.StatusFailed, err.Error()
	}
	endSteps(res)
}

// sample reads memory with a short timeout of its own; a failed reading is
// nil (unknown), never zero.
func (r *Runner) sample(ctx context.Context) *actions.Memory {
	if r.Memory == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	m, err := r.Memory.SampleMemory(ctx)
	if err != nil {
		return nil
	}
	return &m
}

// runCommands runs each argv in turn, stopping at the first that fails.
func (r *Runner) runCommands(ctx context.Context, a actions.Action, out *tail, res *actions.Result) error {
	look := r.LookPath
	if look == nil {
		look = exec.LookPath
	}
	for _, argv := range a.Commands {
		if len(argv) == 0 {
			continue
		}
		run := argv
		if a.Shell {
			run = []string{"/bin/sh", "-c", strings.Join(argv, " ")}
		}
		shown := redact.RedactArgv(run)
		res.Argv = append(res.Argv, shown)
		out.Line("$ " + actions.QuoteArgv(shown))
		step := actions.Step{Argv: shown}
		t0 := r.now()
		path, err := look(run[0])
		if err != nil {
			step.Status, step.Message = actions.StatusError, startError(run[0], err)
			step.Outcome = actions.NoExit(actions.StatusError, step.Message)
			res.Steps = append(res.Steps, step)
			res.Status, res.Message = actions.StatusError, step.Message
			out.Line(step.Message)
			return nil
		}
		code, msg, st := r.runOne(ctx, path, run, out)
		step.Duration = r.now().Sub(t0)
		step.ExitCode, step.Message, step.Status = code, msg, st
		step.Outcome = exitOutcome(code, st, msg)
		res.Steps = append(res.Steps, step)
		res.ExitCode = code
		res.Status, res.Message = st, msg
		if st != actions.StatusOK {
			out.Line(msg)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if res.Status == actions.StatusOK && len(res.Steps) > 1 {
		res.Message = fmt.Sprintf("all %d commands exited 0", len(res.Steps))
	}
	return nil
}

// exitOutcome is a command step's outcome: its exit status, or why it has
// none.
func exitOutcome(code *int, st actions.Status, msg string) string {
	switch {
	case code != nil:
		return fmt.Sprintf("exit %d", *code)
	case st == actions.StatusFailed:
		// It ran but did not exit on its own: killed by a signal.
		return "no exit status: " + msg
	}
	return actions.NoExit(st, msg)
}

// endSteps makes the last step of a run stopped by its timeout or a cancel
// say so: the step itself only saw its process die or its query fail, not
// why. A run stopped before any step ran gets nothing: its outcome is the
// run's own status and message.
func endSteps(res *actions.Result) {
	if res.Status != actions.StatusTimedOut && res.Status != actions.StatusCancelled || len(res.Steps) == 0 {
		return
	}
	last := &res.Steps[len(res.Steps)-1]
	if last.Status == actions.StatusOK {
		return
	}
	last.Status, last.Message = res.Status, res.Message
	if res.Kind == actions.KindCommands {
		last.Outcome = actions.NoExit(res.Status, res.Message)
	} else {
		// A statement or a signal's wait has no exit status to lack.
		last.Outcome = "not finished: " + res.Message
	}
}

// runOne runs one program in its own process group and waits for it. When
// ctx ends the whole group gets SIGKILL, so children and grandchildren that
// did not start a session of their own die with it; when the program exits,
// anything it left behind in its group is killed too, so nothing a run
// started outlives it.
func (r *Runner) runOne(ctx context.Context, path string, argv []string, out *tail) (*int, string, actions.Status) {
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stdout, cmd.Stderr = out, out // one pipe: order of stdout/stderr kept
	cmd.WaitDelay = r.KillWait
	if cmd.WaitDelay <= 0 {
		cmd.WaitDelay = 2 * time.Second
	}
	if err := cmd.Start(); err != nil {
		return nil, startError(argv[0], err), actions.StatusError
	}
	pid := cmd.Process.Pid
	if r.ChildOOMScoreAdj != nil {
		// Best effort: the command runs either way, and a failure here
		// only means it keeps memtui's lowered score.
		_ = setChildOOMScoreAdj(pid, *r.ChildOOMScoreAdj)
	}
	exited, wait := watchExit(cmd)
	select {
	case <-exited:
	case <-ctx.Done():
	}
	_ = unix.Kill(-pid, unix.SIGKILL) // ESRCH when the group is already empty
	<-exited
	err := wait()
	ps := cmd.ProcessState
	if ps == nil {
		return nil, fmt.Sprintf("%s: %v", argv[0], err), actions.StatusError
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return nil, fmt.Sprintf("%s: killed by signal %s", argv[0], unix.SignalName(ws.Signal())), actions.StatusFailed
	}
	code := ps.ExitCode()
	if code == 0 {
		return &code, fmt.Sprintf("%s exited 0", argv[0]), actions.StatusOK
	}
	msg := fmt.Sprintf("%s exited %d", argv[0], code)
	if hint := outputHint(out.String()); hint != "" {
		msg += ": " + hint
	}
	return &code, msg, actions.StatusFailed
}

// outputHint turns the well-known failure lines of the runbook's programs
// into advice.
func outputHint(output string) string {
	l := strings.ToLower(output)
	switch {
	case os.Geteuid() != 0 && (strings.Contains(l, "access denied") ||
		strings.Contains(l, "interactive authentication required") ||
		strings.Contains(l, "permission denied") ||
		strings.Contains(l, "operation not permitted") ||
		strings.Contains(l, "must be root")):
		return "needs root: run memtui with sudo"
	case strings.Contains(l, "unit ") && strings.Contains(l, "not found"):
		return "no such systemd unit (set the unit in the runbook's [builtin] table)"
	case strings.Contains(l, "could not connect to redis"):
		return "Redis is not reachable"
	}
	return ""
}

// startError says in plain words why a program could not be started.
func startError(prog string, err error) string {
	switch {
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, os.ErrNotExist):
		return prog + ": not installed (not found in PATH)"
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		if os.Geteuid() == 0 {
			return prog + ": permission denied (not executable?)"
		}
		return prog + ": permission denied; needs root: run memtui with sudo"
	}
	return fmt.Sprintf("%s: could not start: %v", prog, err)
}

// Recheck reads memory now and compares it with the reading before res ran.
func (r *Runner) Recheck(ctx context.Context, res actions.Result) actions.Recheck {
	rc := actions.Recheck{ActionID: res.ActionID, Before: res.MemBefore, Memory: r.sample(ctx)}
	switch {
	case rc.Memory == nil:
		rc.Message = "memory could not be read"
	case rc.Before == nil:
		rc.Message = fmt.Sprintf("memory now %.1f%% used (no reading from before the action)", rc.Memory.UsedPercent)
	default:
		rc.Known = true
		rc.FreedBytes = int64(rc.Before.UsedBytes) - int64(rc.Memory.UsedBytes)
		verb := "freed"
		n := rc.FreedBytes
		if n < 0 {
			verb, n = "grew by", -n
		}
		rc.Message = fmt.Sprintf("memory %.1f%% → %.1f%% used; %s %s", rc.Before.UsedPercent, rc.Memory.UsedPercent, verb, units.Bytes(uint64(n)))
	}
	return rc
}
