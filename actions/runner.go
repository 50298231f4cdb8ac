package actions

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

	"github.com/memtui/memtui/internal/redact"
	"github.com/memtui/memtui/internal/units"
	"golang.org/x/sys/unix"
)

// Who ran an action. main.go fills it from the environment (USER, SUDO_USER);
// the runner never reads the environment itself.
type Who struct {
	User     string `json:"user"`
	SudoUser string `json:"sudo_user,omitempty"`
}

// String is "root (sudo from alice)" or "alice".
func (w Who) String() string {
	u := w.User
	if u == "" {
		u = "unknown user"
	}
	if w.SudoUser != "" && w.SudoUser != w.User {
		return u + " (sudo from " + w.SudoUser + ")"
	}
	return u
}

// Memory is one reading of the machine's memory, as the caller's sampler
// sees it (main.go adapts probes.Memory).
type Memory struct {
	At             time.Time `json:"at"`
	TotalBytes     uint64    `json:"total_bytes"`
	UsedBytes      uint64    `json:"used_bytes"`
	AvailableBytes uint64    `json:"available_bytes"`
	UsedPercent    float64   `json:"used_percent"`
	SwapUsedBytes  uint64    `json:"swap_used_bytes"`
}

// MemorySampler reads memory for the before/after and re-check figures.
type MemorySampler interface {
	SampleMemory(ctx context.Context) (Memory, error)
}

// MemorySamplerFunc adapts a function to MemorySampler.
type MemorySamplerFunc func(ctx context.Context) (Memory, error)

// SampleMemory calls f.
func (f MemorySamplerFunc) SampleMemory(ctx context.Context) (Memory, error) { return f(ctx) }

// Status is how a run ended.
type Status string

// Run outcomes.
const (
	StatusOK        Status = "ok"
	StatusFailed    Status = "failed"    // ran, and a step failed (non-zero exit, SQL error)
	StatusTimedOut  Status = "timed out" // the timeout killed it
	StatusCancelled Status = "cancelled" // the user cancelled it
	StatusRefused   Status = "refused"   // not started: read-only, wrong database, pid recycled …
	StatusError     Status = "error"     // could not start: not installed, needs root …
)

// Request is one confirmed run.
type Request struct {
	Action Action
	// Confirmation is what the user gave ("y", "enter", "typed drop-page-caches"),
	// recorded with the run.
	Confirmation string
	// Target is the process of a KindSignal action.
	Target *Target
	// Preview is what the confirmation showed. For KindTerminateIdle the run
	// terminates exactly Preview.Backends that still qualify; for KindSignal
	// Preview.Target carries the verified start time.
	Preview *Preview
	// Note is the text of a KindNote action.
	Note string
}

// Result is everything known about a finished run; the incident timeline
// records it and the report's actions table is built from it. Every string
// in it is redacted.
type Result struct {
	// RunID ties the started, finished and re-checked records of one run.
	RunID        string        `json:"run"`
	ActionID     string        `json:"action_id"`
	ActionName   string        `json:"action_name"`
	Risk         Risk          `json:"risk"`
	Kind         Kind          `json:"kind"`
	Plan         []string      `json:"plan"`           // what the confirmation showed
	Argv         [][]string    `json:"argv,omitempty"` // argv of each command started
	Confirmation string        `json:"confirmation"`
	Who          Who           `json:"who"`
	Started      time.Time     `json:"started"`
	Finished     time.Time     `json:"finished"`
	Duration     time.Duration `json:"duration_ns"`
	Status       Status        `json:"status"`
	ExitCode     *int          `json:"exit_code"` // of the last command run; nil when none exited
	// Message is the outcome in words a person can act on.
	Message string `json:"message"`
	// Outcome is the outcome in a few words, from the steps: "exit 0",
	// "DELETE 5000; DELETE 100", "4 of 4 backends ended". It is what the
	// timeline's line and the report's Actions table show.
	Outcome string `json:"outcome"`
	// Output is the bounded, cleaned, redacted tail of stdout+stderr (and of
	// memtui's own step lines).
	Output             string    `json:"output"`
	OutputBytes        int64     `json:"output_bytes"`
	OutputDroppedLines int       `json:"output_dropped_lines,omitempty"`
	Steps              []Step    `json:"steps,omitempty"`
	MemBefore          *Memory   `json:"mem_before"`
	MemAfter           *Memory   `json:"mem_after"`
	Terminated         []Backend `json:"terminated,omitempty"`
	Target             *Target   `json:"target,omitempty"`
	Note               string    `json:"note,omitempty"`
	// RecheckAfter is how long to wait before calling Runner.Recheck.
	RecheckAfter time.Duration `json:"recheck_after_ns"`
}

// Runner executes actions. The zero value runs commands with no PostgreSQL
// and no memory figures; main.go fills the fields.
type Runner struct {
	// PG is memtui's own PostgreSQL session (nil: --pg none); see
	// actions/pgexec.
	PG Postgres
	// Memory gives the before/after and re-check readings (nil: none).
	Memory MemorySampler
	// Who is recorded with every run.
	Who Who
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
	info    Started
	req     Request
	started time.Time
	out     *tail
	cancel  context.CancelCauseFunc
	done    chan struct{}
	mu      sync.Mutex
	res     Result
}

// ID names this run: "<action id>@<start time>", unique per process.
func (h *Run) ID() string { return h.id }

// Info is the record of the run's start.
func (h *Run) Info() Started { return h.info }

// Request is the request this run executes.
func (h *Run) Request() Request { return h.req }

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
func (h *Run) Wait() Result {
	<-h.done
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.res
}

// Result returns the result and true once the run is over.
func (h *Run) Result() (Result, bool) {
	select {
	case <-h.done:
		return h.Wait(), true
	default:
		return Result{}, false
	}
}

// runSeq keeps run ids unique when two start in the same millisecond.
var runSeq atomic.Int64

// Started is what is known the moment a run starts: the record of what was
// confirmed, exactly as it will run.
type Started struct {
	RunID      string `json:"run"`
	ActionID   string `json:"action_id"`
	ActionName string `json:"action_name"`
	Risk       Risk   `json:"risk"`
	Kind       Kind   `json:"kind"`
	// Commands are the argv lists a commands action runs (redacted); for
	// the other kinds, each step of the plan as a one-element list.
	Commands     [][]string `json:"commands"`
	Confirmation string     `json:"confirmation"`
	Who          Who        `json:"who"`
	At           time.Time  `json:"at"`
	MemBefore    *Memory    `json:"mem_before"`
	Target       *Target    `json:"target,omitempty"`
}

// Start runs req in the background and returns once the memory reading
// before it is taken (call it from a goroutine or a tea.Cmd, not a UI
// loop). The run ends on its own, on its timeout, on Cancel, or when ctx
// ends.
func (r *Runner) Start(ctx context.Context, req Request) *Run {
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
	h.info = Started{
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
func startedCommands(a Action, t *Target) [][]string {
	if a.Kind == KindCommands {
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
func (r *Runner) RunSync(ctx context.Context, req Request) Result {
	return r.Start(ctx, req).Wait()
}

// execute is the body of a run, on the run's goroutine.
func (r *Runner) execute(ctx context.Context, h *Run) Result {
	req := h.req
	a := req.Action
	res := Result{
		RunID: h.id, ActionID: a.ID, ActionName: a.Name, Risk: a.Risk, Kind: a.Kind,
		Plan: a.Plan(req.Target), Confirmation: redact.Redact(req.Confirmation),
		Who: r.Who, Started: h.started, RecheckAfter: a.RecheckAfter,
	}
	if req.Target != nil {
		t := *req.Target
		res.Target = &t
	}
	finish := func() Result {
		res.Outcome = outcome(&res)
		res.Finished = r.now()
		res.Duration = res.Finished.Sub(res.Started)
		res.Output = h.out.String()
		res.OutputDroppedLines, res.OutputBytes = h.out.stats()
		return res
	}
	if r.ReadOnly && !a.Kind.RunsNothing() {
		res.Status = StatusRefused
		res.Message = "read-only: memtui was started with --read-only, so it runs no actions"
		if r.ReadOnlyWhy != "" {
			res.Message = r.ReadOnlyWhy
		}
		return finish()
	}
	res.MemBefore = h.info.MemBefore
	var err error
	switch a.Kind {
	case KindCommands:
		err = r.runCommands(ctx, a, h.out, &res)
	case KindSQL:
		err = r.runSQL(ctx, a, h.out, &res)
	case KindTerminateIdle:
		err = r.runTerminateIdle(ctx, a, req.Preview, h.out, &res)
	case KindSignal:
		err = r.runSignal(ctx, a, req, h.out, &res)
	case KindDropCaches:
		err = r.runDropCaches(ctx, a, h.out, &res)
	case KindChecklist:
		for _, s := range a.Steps {
			h.out.Line(s)
		}
		res.Status, res.Message = StatusOK, "checklist shown; nothing was run"
	case KindNote:
		res.Note = redact.Redact(req.Note)
		h.out.Line(res.Note)
		res.Status, res.Message = StatusOK, "note added"
	default:
		res.Status, res.Message = StatusRefused, fmt.Sprintf("unknown kind %q", a.Kind)
	}
	// A context that ended wins over whatever error that caused downstream,
	// so a killed process reads "timed out", not "signal: killed".
	// Only commands have a process group to kill; SQL and a signal's wait
	// just stop.
	stopped := "; stopped it"
	if a.Kind == KindCommands {
		stopped += " (process group killed)"
	}
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errTimedOut) && res.Status != StatusOK:
		res.Status = StatusTimedOut
		res.Message = fmt.Sprintf("timed out after %s", fmtDur(a.EffectiveTimeout())) + stopped
	case cause != nil && res.Status != StatusOK:
		res.Status = StatusCancelled
		res.Message = "cancelled" + stopped
		var why cancelReason
		if errors.As(cause, &why) {
			res.Message = string(why) + stopped
		}
	case err != nil && res.Status == "":
		res.Status, res.Message = StatusFailed, err.Error()
	}
	endSteps(&res)
	if !a.Kind.RunsNothing() && res.Status != StatusRefused {
		// The run's context may be over (timeout): give the reading its own.
		res.MemAfter = r.sample(context.WithoutCancel(ctx))
	}
	return finish()
}

// sample reads memory with a short timeout of its own; a failed reading is
// nil (unknown), never zero.
func (r *Runner) sample(ctx context.Context) *Memory {
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
func (r *Runner) runCommands(ctx context.Context, a Action, out *tail, res *Result) error {
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
		out.Line("$ " + QuoteArgv(shown))
		step := Step{Argv: shown}
		t0 := r.now()
		path, err := look(run[0])
		if err != nil {
			step.Status, step.Message = StatusError, startError(run[0], err)
			step.Outcome = noExit(StatusError, step.Message)
			res.Steps = append(res.Steps, step)
			res.Status, res.Message = StatusError, step.Message
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
		if st != StatusOK {
			out.Line(msg)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if res.Status == StatusOK && len(res.Steps) > 1 {
		res.Message = fmt.Sprintf("all %d commands exited 0", len(res.Steps))
	}
	return nil
}

// exitOutcome is a command step's outcome: its exit status, or why it has
// none.
func exitOutcome(code *int, st Status, msg string) string {
	switch {
	case code != nil:
		return fmt.Sprintf("exit %d", *code)
	case st == StatusFailed:
		// It ran but did not exit on its own: killed by a signal.
		return "no exit status: " + msg
	}
	return noExit(st, msg)
}

// endSteps makes the last step of a run stopped by its timeout or a cancel
// say so: the step itself only saw its process die or its query fail, not
// why. A run stopped before any step ran gets nothing: its outcome is the
// run's own status and message.
func endSteps(res *Result) {
	if res.Status != StatusTimedOut && res.Status != StatusCancelled || len(res.Steps) == 0 {
		return
	}
	last := &res.Steps[len(res.Steps)-1]
	if last.Status == StatusOK {
		return
	}
	last.Status, last.Message = res.Status, res.Message
	if res.Kind == KindCommands {
		last.Outcome = noExit(res.Status, res.Message)
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
func (r *Runner) runOne(ctx context.Context, path string, argv []string, out *tail) (*int, string, Status) {
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stdout, cmd.Stderr = out, out // one pipe: order of stdout/stderr kept
	cmd.WaitDelay = r.KillWait
	if cmd.WaitDelay <= 0 {
		cmd.WaitDelay = 2 * time.Second
	}
	if err := cmd.Start(); err != nil {
		return nil, startError(argv[0], err), StatusError
	}
	pid := cmd.Process.Pid
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
		return nil, fmt.Sprintf("%s: %v", argv[0], err), StatusError
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return nil, fmt.Sprintf("%s: killed by signal %s", argv[0], unix.SignalName(ws.Signal())), StatusFailed
	}
	code := ps.ExitCode()
	if code == 0 {
		return &code, fmt.Sprintf("%s exited 0", argv[0]), StatusOK
	}
	msg := fmt.Sprintf("%s exited %d", argv[0], code)
	if hint := outputHint(out.String()); hint != "" {
		msg += ": " + hint
	}
	return &code, msg, StatusFailed
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

// Recheck is the memory reading taken RecheckAfter after a run.
type Recheck struct {
	ActionID string  `json:"action_id"`
	Memory   *Memory `json:"memory"` // nil: could not read memory
	Before   *Memory `json:"before"`
	// FreedBytes is before.Used − now.Used (negative: memory grew); valid
	// only when both readings exist.
	FreedBytes int64  `json:"freed_bytes"`
	Known      bool   `json:"known"`
	Message    string `json:"message"`
}

// Recheck reads memory now and compares it with the reading before res ran.
func (r *Runner) Recheck(ctx context.Context, res Result) Recheck {
	rc := Recheck{ActionID: res.ActionID, Before: res.MemBefore, Memory: r.sample(ctx)}
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
