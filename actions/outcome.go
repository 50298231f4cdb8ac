package actions

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Step is one step of a run, whatever its kind: a command of KindCommands,
// a statement of KindSQL, the terminate of KindTerminateIdle, each signal of
// KindSignal, the sync and the write of KindDropCaches. Every kind fills
// Status and Outcome, so the timeline and the report can say what happened
// without knowing the kind; the per-kind fields keep the figures behind
// the words.
type Step struct {
	// Argv is the command (redacted); for kinds that run no program, the
	// step in words as one element ("SQL statement 1", "SIGTERM").
	Argv     []string      `json:"argv"`
	Status   Status        `json:"status"`
	ExitCode *int          `json:"exit_code"` // nil: did not exit on its own (or runs no program)
	Duration time.Duration `json:"duration_ns"`
	Message  string        `json:"message,omitempty"`
	// Outcome is the step's result in a few words: "exit 0", "DELETE 5000",
	// "4 of 4 backends ended", "exited 1.2s after SIGTERM", or "no exit
	// status: timed out after 1m" — never a bare "no exit status".
	Outcome string `json:"outcome"`

	SQL       *StatementOutcome `json:"sql,omitempty"`
	Terminate *TerminateOutcome `json:"terminate,omitempty"`
	Signal    *SignalOutcome    `json:"signal,omitempty"`
	Redis     *RedisOutcome     `json:"redis,omitempty"`
}

// StatementOutcome is what the server answered to one SQL statement.
type StatementOutcome struct {
	// Tag is the command tag as sent ("DELETE 5000", "INSERT 0 3",
	// "CREATE TABLE").
	Tag string `json:"tag"`
	// Rows is the row count the tag carries; nil for commands without one
	// (CREATE, SET …), so "no count" never reads as "0 rows".
	Rows *int64 `json:"rows,omitempty"`
	// RolledBack marks a statement that ran but was undone because a later
	// statement of the same implicit transaction failed.
	RolledBack bool `json:"rolled_back,omitempty"`
}

// NewStatementOutcome reads the row count out of a command tag: its last
// word when that is a number ("INSERT 0 3" → 3).
func NewStatementOutcome(tag string) StatementOutcome {
	so := StatementOutcome{Tag: tag}
	f := strings.Fields(tag)
	if len(f) >= 2 {
		if n, err := strconv.ParseInt(f[len(f)-1], 10, 64); err == nil {
			so.Rows = &n
		}
	}
	return so
}

// TerminateOutcome is what a terminate-idle-postgres run did to the
// backends the confirmation listed.
type TerminateOutcome struct {
	Targeted int     `json:"targeted"` // backends listed at confirmation
	Ended    []int32 `json:"ended"`    // pg_terminate_backend returned true
	// Gone are listed backends that no longer qualified at run time: the
	// session ended, its pid was reused, or it was no longer idle.
	Gone []int32 `json:"gone,omitempty"`
	// NotEnded are backends that qualified but pg_terminate_backend
	// returned false for.
	NotEnded []int32 `json:"not_ended,omitempty"`
}

// Text is "4 of 4 backends ended" with what happened to the rest.
func (t TerminateOutcome) Text() string {
	s := fmt.Sprintf("%d of %d backends ended", len(t.Ended), t.Targeted)
	if len(t.Gone) > 0 {
		s += fmt.Sprintf("; %d no longer idle or already gone (pid %s)", len(t.Gone), pidList(t.Gone))
	}
	if len(t.NotEnded) > 0 {
		s += fmt.Sprintf("; %d not ended: pg_terminate_backend returned false (pid %s)", len(t.NotEnded), pidList(t.NotEnded))
	}
	return s
}

func pidList(ps []int32) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = strconv.Itoa(int(p))
	}
	return strings.Join(s, ", ")
}

// SignalOutcome is one signal sent by a signal-process run and what
// followed it.
type SignalOutcome struct {
	Signal string    `json:"signal"` // "SIGTERM", "SIGKILL"
	SentAt time.Time `json:"sent_at"`
	// Exited says the process was seen to exit after this signal, After
	// it was sent.
	Exited bool          `json:"exited"`
	After  time.Duration `json:"after_ns,omitempty"`
}

// Outcome is the one-line outcome of the whole run, for the timeline and
// the report: per kind, the step outcomes put together; with no step, the
// status and why.
func Outcome(res *Result) string {
	if len(res.Steps) == 0 {
		if res.Status == StatusOK {
			return res.Message
		}
		return NoExit(res.Status, res.Message)
	}
	switch res.Kind {
	case KindCommands:
		if res.Status == StatusOK {
			if len(res.Steps) == 1 {
				return res.Steps[0].Outcome
			}
			return fmt.Sprintf("all %d commands exited 0", len(res.Steps))
		}
		last := res.Steps[len(res.Steps)-1]
		prog := ""
		if len(last.Argv) > 0 && !strings.Contains(last.Outcome, last.Argv[0]+":") {
			prog = last.Argv[0] + ": "
		}
		if len(res.Steps) > 1 || len(res.Plan) > 1 {
			return fmt.Sprintf("command %d of %d, %s%s", len(res.Steps), max(len(res.Plan), len(res.Steps)), prog, last.Outcome)
		}
		return prog + last.Outcome
	case KindSignal, KindTerminateIdle:
		// The last step is the one that decided the end.
		return res.Steps[len(res.Steps)-1].Outcome
	case KindDropCaches:
		if res.Status == StatusOK {
			return res.Message
		}
		return res.Steps[len(res.Steps)-1].Outcome
	}
	parts := make([]string, len(res.Steps))
	for i, st := range res.Steps {
		parts[i] = st.Outcome
	}
	return strings.Join(parts, "; ")
}

// NoExit says why there is no exit status: "no exit status: timed out
// after 1m; …". Only runs that did not end on their own get it.
func NoExit(st Status, why string) string {
	switch st {
	case StatusRefused:
		return "not run: refused: " + why
	case StatusError:
		return "not run: could not start: " + why
	case StatusFailed:
		return "failed: " + why
	}
	return "no exit status: " + why
}
