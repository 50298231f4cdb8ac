package actions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/memtui/memtui/internal/redact"
	"github.com/memtui/memtui/internal/units"
)

// Postgres runs the statements of the sql and terminate-idle-postgres
// kinds on memtui's own PostgreSQL session. Package actions/pgexec
// implements it over any connection *pgx.Conn satisfies; it lives apart so
// that importing actions (as the ui does) never pulls in a database driver.
// Errors it returns are already worded for a person.
type Postgres interface {
	// CurrentDatabase is the database the session is connected to.
	CurrentDatabase(ctx context.Context) (string, error)
	// IdleBackends lists the client backends idle for longer than after,
	// never the session's own backend.
	IdleBackends(ctx context.Context, after time.Duration) ([]Backend, error)
	// TerminateIdle terminates the listed backends that are, in the same
	// statement, still the same session and still idle for longer than
	// after; it returns those it found, with whether the signal was sent.
	TerminateIdle(ctx context.Context, after time.Duration, want []Backend) ([]Terminated, error)
	// Exec runs sql (one or more statements, as one implicit transaction)
	// and returns each statement's command tag, in order ("DELETE 5000",
	// "DELETE 100"). On an error it returns the statements that completed
	// before the failing one (rolled back with it).
	Exec(ctx context.Context, sql string) ([]StatementOutcome, error)
	// QueryText runs a read-only query and returns its columns and at most
	// maxRows rows as text, with the total row count.
	QueryText(ctx context.Context, sql string, maxRows int) (cols []string, rows [][]string, total int, err error)
}

// Terminated is one backend TerminateIdle found still qualifying.
type Terminated struct {
	Backend
	OK bool // pg_terminate_backend returned true
}

// Backend is one PostgreSQL client backend a terminate-idle-postgres run
// would terminate (or did).
type Backend struct {
	PID      int32         `json:"pid"`
	User     string        `json:"user"`
	Database string        `json:"database"`
	IdleFor  time.Duration `json:"idle_for_ns"`
	// BackendStart identifies the session together with PID, so a pid
	// reused by a new session between preview and run is not terminated.
	BackendStart time.Time `json:"backend_start"`
}

// Preview is what the confirmation shows beyond the plan: the rows of an SQL
// action's preview query, the backends terminate-idle-postgres would
// terminate, or the verified signal target.
type Preview struct {
	Columns   []string   `json:"columns,omitempty"`
	Rows      [][]string `json:"rows,omitempty"`
	Truncated bool       `json:"truncated,omitempty"` // more rows than MaxPreviewRows
	Backends  []Backend  `json:"backends,omitempty"`
	Target    *Target    `json:"target,omitempty"`
	// Message is a one-line summary ("3 idle client backends", "no rows").
	Message string `json:"message"`
}

// MaxPreviewRows bounds the rows a preview keeps.
const MaxPreviewRows = 50

// Preview gathers what the confirmation of a must show. It runs only
// read-only queries and reads /proc; nothing is changed.
func (r *Runner) Preview(ctx context.Context, a Action, t *Target) (Preview, error) {
	switch a.Kind {
	case KindTerminateIdle:
		if r.PG == nil {
			return Preview{}, errNoPG
		}
		bs, err := r.PG.IdleBackends(ctx, a.idleAfter())
		if err != nil {
			return Preview{}, err
		}
		p := Preview{Backends: bs, Columns: []string{"pid", "user", "database", "idle for"}}
		for _, b := range bs {
			p.Rows = append(p.Rows, []string{fmt.Sprint(b.PID), b.User, b.Database, fmtDur(b.IdleFor.Truncate(time.Second))})
		}
		p.Message = fmt.Sprintf("%d idle client backend(s) idle for more than %s", len(bs), fmtDur(a.idleAfter()))
		if len(bs) == 0 {
			p.Message = fmt.Sprintf("no client backend is idle for more than %s; nothing to terminate", fmtDur(a.idleAfter()))
		}
		return p, nil
	case KindSQL:
		if a.Preview == "" {
			return Preview{Message: "no preview query"}, nil
		}
		if r.PG == nil {
			return Preview{}, errNoPG
		}
		if err := checkDatabase(ctx, r.PG, a.Database); err != nil {
			return Preview{}, err
		}
		return queryPreview(ctx, r.PG, a.Preview)
	case KindSignal:
		if t == nil {
			return Preview{}, errors.New("no process selected: select one in the process panel first")
		}
		v, err := verifyTarget(r.procRoot(), *t)
		if err != nil {
			return Preview{}, err
		}
		return Preview{Target: &v, Message: fmt.Sprintf("pid %d (%s), RSS %s", v.PID, v.Comm, units.Bytes(v.RSSBytes))}, nil
	}
	return Preview{}, nil
}

var errNoPG = errors.New("PostgreSQL is off: start memtui with --pg DSN (or the PG* environment)")

// queryPreview runs a preview query and keeps its rows as text, redacted.
func queryPreview(ctx context.Context, pg Postgres, q string) (Preview, error) {
	cols, rows, n, err := pg.QueryText(ctx, q, MaxPreviewRows)
	if err != nil {
		return Preview{}, err
	}
	for _, row := range rows {
		for i := range row {
			row[i] = redact.Redact(row[i])
		}
	}
	return Preview{Columns: cols, Rows: rows, Truncated: n > len(rows), Message: fmt.Sprintf("%d row(s)", n)}, nil
}

// checkDatabase refuses when the connection is not to the database the
// action was written for: the seed's DELETEs belong to odoo_production, and
// running them in another database would be a silent mistake.
func checkDatabase(ctx context.Context, pg Postgres, want string) error {
	if want == "" {
		return nil
	}
	got, err := pg.CurrentDatabase(ctx)
	if err != nil {
		return err
	}
	if got != want {
		return &refusedError{fmt.Sprintf("connected to database %q but this action is for %q: start memtui with --pg pointing at %s, or set database/[builtin] app_database in the runbook", got, want, want)}
	}
	return nil
}

// refusedError marks a run that was not started for a reason a person can
// fix (wrong database, recycled pid).
type refusedError struct{ msg string }

// Error is the reason, already in words for a person.
func (e *refusedError) Error() string { return e.msg }

// runSQL runs a.SQL. Several statements run as one implicit transaction
// (see Postgres.Exec): the seed's two DELETEs both happen or neither does.
func (r *Runner) runSQL(ctx context.Context, a Action, out *tail, res *Result) error {
	if r.PG == nil {
		res.Status, res.Message = StatusError, errNoPG.Error()
		return nil
	}
	if err := checkDatabase(ctx, r.PG, a.Database); err != nil {
		res.Status, res.Message = statusOf(err), err.Error()
		return nil
	}
	out.Line("SQL: " + oneLine(a.SQL))
	t0 := r.now()
	stmts, err := r.PG.Exec(ctx, a.SQL)
	d := r.now().Sub(t0)
	for i, so := range stmts {
		step := Step{Argv: []string{fmt.Sprintf("SQL statement %d", i+1)}, Status: StatusOK, Outcome: so.Tag}
		if err != nil {
			// One implicit transaction: the failure undid what came before.
			so.RolledBack = true
			step.Status, step.Outcome = StatusFailed, so.Tag+" (rolled back)"
		}
		step.SQL = &so
		out.Line(step.Outcome)
		res.Steps = append(res.Steps, step)
	}
	if err != nil {
		out.Line(err.Error())
		res.Steps = append(res.Steps, Step{Argv: []string{fmt.Sprintf("SQL statement %d", len(stmts)+1)},
			Status: StatusFailed, Duration: d, Message: err.Error(), Outcome: "failed: " + err.Error()})
		res.Status, res.Message = StatusFailed, err.Error()
		return nil
	}
	if n := len(res.Steps); n > 0 {
		// The server reports the statements together: the time is the whole.
		res.Steps[n-1].Duration = d
	}
	tags := make([]string, len(stmts))
	for i, so := range stmts {
		tags[i] = so.Tag
	}
	res.Status, res.Message = StatusOK, "SQL done: "+strings.Join(tags, "; ")
	return nil
}

// runTerminateIdle terminates the previewed backends that still qualify. With
// no preview (memtui actions run from a script) it takes one first, so the
// rule "only what was listed" still holds for what it prints.
func (r *Runner) runTerminateIdle(ctx context.Context, a Action, p *Preview, out *tail, res *Result) error {
	if r.PG == nil {
		res.Status, res.Message = StatusError, errNoPG.Error()
		return nil
	}
	var want []Backend
	if p != nil {
		want = p.Backends
	} else {
		bs, err := r.PG.IdleBackends(ctx, a.idleAfter())
		if err != nil {
			res.Status, res.Message = StatusFailed, err.Error()
			return nil
		}
		want = bs
	}
	if len(want) == 0 {
		out.Line("no idle client backends to terminate")
		res.Status, res.Message = StatusOK, "nothing to terminate"
		res.Steps = append(res.Steps, Step{Argv: []string{"pg_terminate_backend"}, Status: StatusOK,
			Outcome: "no idle backends to end", Terminate: &TerminateOutcome{}})
		return nil
	}
	t0 := r.now()
	found, err := r.PG.TerminateIdle(ctx, a.idleAfter(), want)
	step := Step{Argv: []string{"pg_terminate_backend"}, Duration: r.now().Sub(t0)}
	if err != nil {
		step.Status, step.Message, step.Outcome = StatusFailed, err.Error(), "failed: "+err.Error()
		res.Steps = append(res.Steps, step)
		res.Status, res.Message = StatusFailed, err.Error()
		return nil
	}
	to := &TerminateOutcome{Targeted: len(want), Ended: []int32{}}
	seen := map[int32]bool{}
	for _, t := range found {
		seen[t.PID] = true
		if t.OK {
			to.Ended = append(to.Ended, t.PID)
			res.Terminated = append(res.Terminated, t.Backend)
			out.Line(fmt.Sprintf("terminated pid %d (%s@%s, idle %s)", t.PID, t.User, t.Database, fmtDur(t.IdleFor.Truncate(time.Second))))
		} else {
			to.NotEnded = append(to.NotEnded, t.PID)
			out.Line(fmt.Sprintf("pid %d: pg_terminate_backend returned false", t.PID))
		}
	}
	for _, b := range want {
		if !seen[b.PID] {
			to.Gone = append(to.Gone, b.PID)
			out.Line(fmt.Sprintf("skipped pid %d: no longer the same idle session", b.PID))
		}
	}
	// Backends that vanished on their own are what the action wanted; only
	// a refusal by the server is a failure.
	step.Status, step.Outcome, step.Terminate = StatusOK, to.Text(), to
	if len(to.NotEnded) > 0 {
		step.Status = StatusFailed
	}
	res.Steps = append(res.Steps, step)
	res.Status = step.Status
	res.Message = fmt.Sprintf("terminated %d of %d listed backend(s)", len(res.Terminated), len(want))
	return nil
}

func statusOf(err error) Status {
	var re *refusedError
	if errors.As(err, &re) {
		return StatusRefused
	}
	return StatusFailed
}
