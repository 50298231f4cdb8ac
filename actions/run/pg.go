package run

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/internal/redact"
	"github.com/memtui/memtui/internal/units"
)

// Preview gathers what the confirmation of a must show. It runs only
// read-only queries and reads /proc; nothing is changed.
func (r *Runner) Preview(ctx context.Context, a actions.Action, t *actions.Target) (actions.Preview, error) {
	switch a.Kind {
	case actions.KindTerminateIdle:
		if r.PG == nil {
			return actions.Preview{}, errNoPG
		}
		bs, err := r.PG.IdleBackends(ctx, a.EffectiveIdleAfter())
		if err != nil {
			return actions.Preview{}, err
		}
		p := actions.Preview{Backends: bs, Columns: []string{"pid", "user", "database", "idle for"}}
		for _, b := range bs {
			p.Rows = append(p.Rows, []string{fmt.Sprint(b.PID), b.User, b.Database, units.Duration(b.IdleFor.Truncate(time.Second))})
		}
		p.Message = fmt.Sprintf("%d idle client backend(s) idle for more than %s", len(bs), units.Duration(a.EffectiveIdleAfter()))
		if len(bs) == 0 {
			p.Message = fmt.Sprintf("no client backend is idle for more than %s; nothing to terminate", units.Duration(a.EffectiveIdleAfter()))
		}
		return p, nil
	case actions.KindSQL:
		if a.Preview == "" {
			return actions.Preview{Message: "no preview query"}, nil
		}
		if r.PG == nil {
			return actions.Preview{}, errNoPG
		}
		if err := checkDatabase(ctx, r.PG, a.Database); err != nil {
			return actions.Preview{}, err
		}
		return queryPreview(ctx, r.PG, a.Preview)
	case actions.KindSignal:
		if t == nil {
			return actions.Preview{}, errors.New("no process selected: select one in the process panel first")
		}
		v, err := verifyTarget(r.procRoot(), *t)
		if err != nil {
			return actions.Preview{}, err
		}
		return actions.Preview{Target: &v, Message: fmt.Sprintf("pid %d (%s), RSS %s", v.PID, v.Comm, units.Bytes(v.RSSBytes))}, nil
	case actions.KindRedisFlushAll, actions.KindRedisFlushDB:
		return r.previewRedis(ctx, a)
	case actions.KindOdooLimits, actions.KindOdooRestore:
		return r.previewOdoo(ctx, a)
	}
	return actions.Preview{}, nil
}

var errNoPG = errors.New("PostgreSQL is off: start memtui with --pg DSN (or the PG* environment)")

// queryPreview runs a preview query and keeps its rows as text, redacted.
func queryPreview(ctx context.Context, pg actions.Postgres, q string) (actions.Preview, error) {
	cols, rows, n, err := pg.QueryText(ctx, q, actions.MaxPreviewRows)
	if err != nil {
		return actions.Preview{}, err
	}
	for _, row := range rows {
		for i := range row {
			row[i] = redact.Redact(row[i])
		}
	}
	return actions.Preview{Columns: cols, Rows: rows, Truncated: n > len(rows), Message: fmt.Sprintf("%d row(s)", n)}, nil
}

// checkDatabase refuses when the connection is not to the database the
// action was written for: the seed's DELETEs belong to odoo_production, and
// running them in another database would be a silent mistake.
func checkDatabase(ctx context.Context, pg actions.Postgres, want string) error {
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
func (r *Runner) runSQL(ctx context.Context, a actions.Action, out *tail, res *actions.Result) error {
	if r.PG == nil {
		res.Status, res.Message = actions.StatusError, errNoPG.Error()
		return nil
	}
	if err := checkDatabase(ctx, r.PG, a.Database); err != nil {
		res.Status, res.Message = statusOf(err), err.Error()
		return nil
	}
	out.Line("SQL: " + actions.OneLine(a.SQL))
	t0 := r.now()
	stmts, err := r.PG.Exec(ctx, a.SQL)
	d := r.now().Sub(t0)
	for i, so := range stmts {
		step := actions.Step{Argv: []string{fmt.Sprintf("SQL statement %d", i+1)}, Status: actions.StatusOK, Outcome: so.Tag}
		if err != nil {
			// One implicit transaction: the failure undid what came before.
			so.RolledBack = true
			step.Status, step.Outcome = actions.StatusFailed, so.Tag+" (rolled back)"
		}
		step.SQL = &so
		out.Line(step.Outcome)
		res.Steps = append(res.Steps, step)
	}
	if err != nil {
		out.Line(err.Error())
		res.Steps = append(res.Steps, actions.Step{Argv: []string{fmt.Sprintf("SQL statement %d", len(stmts)+1)},
			Status: actions.StatusFailed, Duration: d, Message: err.Error(), Outcome: "failed: " + err.Error()})
		res.Status, res.Message = actions.StatusFailed, err.Error()
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
	res.Status, res.Message = actions.StatusOK, "SQL done: "+strings.Join(tags, "; ")
	return nil
}

// runTerminateIdle terminates the previewed backends that still qualify. With
// no preview (memtui actions run from a script) it takes one first, so the
// rule "only what was listed" still holds for what it prints.
func (r *Runner) runTerminateIdle(ctx context.Context, a actions.Action, p *actions.Preview, out *tail, res *actions.Result) error {
	if r.PG == nil {
		res.Status, res.Message = actions.StatusError, errNoPG.Error()
		return nil
	}
	var want []actions.Backend
	if p != nil {
		want = p.Backends
	} else {
		bs, err := r.PG.IdleBackends(ctx, a.EffectiveIdleAfter())
		if err != nil {
			res.Status, res.Message = actions.StatusFailed, err.Error()
			return nil
		}
		want = bs
	}
	if len(want) == 0 {
		out.Line("no idle client backends to terminate")
		res.Status, res.Message = actions.StatusOK, "nothing to terminate"
		res.Steps = append(res.Steps, actions.Step{Argv: []string{"pg_terminate_backend"}, Status: actions.StatusOK,
			Outcome: "no idle backends to end", Terminate: &actions.TerminateOutcome{}})
		return nil
	}
	t0 := r.now()
	found, err := r.PG.TerminateIdle(ctx, a.EffectiveIdleAfter(), want)
	step := actions.Step{Argv: []string{"pg_terminate_backend"}, Duration: r.now().Sub(t0)}
	if err != nil {
		step.Status, step.Message, step.Outcome = actions.StatusFailed, err.Error(), "failed: "+err.Error()
		res.Steps = append(res.Steps, step)
		res.Status, res.Message = actions.StatusFailed, err.Error()
		return nil
	}
	to := &actions.TerminateOutcome{Targeted: len(want), Ended: []int32{}}
	seen := map[int32]bool{}
	for _, t := range found {
		seen[t.PID] = true
		if t.OK {
			to.Ended = append(to.Ended, t.PID)
			res.Terminated = append(res.Terminated, t.Backend)
			out.Line(fmt.Sprintf("terminated pid %d (%s@%s, idle %s)", t.PID, t.User, t.Database, units.Duration(t.IdleFor.Truncate(time.Second))))
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
	step.Status, step.Outcome, step.Terminate = actions.StatusOK, to.Text(), to
	if len(to.NotEnded) > 0 {
		step.Status = actions.StatusFailed
	}
	res.Steps = append(res.Steps, step)
	res.Status = step.Status
	res.Message = fmt.Sprintf("terminated %d of %d listed backend(s)", len(res.Terminated), len(want))
	return nil
}

func statusOf(err error) actions.Status {
	var re *refusedError
	if errors.As(err, &re) {
		return actions.StatusRefused
	}
	return actions.StatusFailed
}
