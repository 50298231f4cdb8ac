package actions

import (
	"context"
	"time"
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

// RunHandle is a run in progress as its watchers see it; *Run satisfies
// it, and the ui's tests hand in fakes.
type RunHandle interface {
	ID() string
	Info() Started
	Output() string
	Done() <-chan struct{}
	Cancel()
	Wait() Result
}
