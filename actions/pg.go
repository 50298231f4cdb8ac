package actions

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// PGConn is the part of a PostgreSQL connection the sql and
// terminate-idle-postgres kinds use. *pgx.Conn and *pgxpool.Pool satisfy it.
type PGConn interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
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

// idleBackendsSQL lists the client backends idle for longer than $1 seconds.
// Idle time is measured from state_change (when the session went idle), not
// query_start as the seed's query does: a session whose last query ran for
// 40 minutes and finished a minute ago is not idle for 40 minutes.
// pg_backend_pid() keeps memtui's own session out; backend_type keeps
// autovacuum, walsender and the other server processes out.
const idleBackendsSQL = `SELECT pid, coalesce(usename, ''), coalesce(datname, ''),
       extract(epoch FROM now() - state_change)::float8, backend_start
  FROM pg_stat_activity
 WHERE backend_type = 'client backend'
   AND state = 'idle'
   AND state_change < now() - make_interval(secs => $1::float8)
   AND pid <> pg_backend_pid()
 ORDER BY state_change, pid`

// terminateIdleSQL terminates the previewed sessions only, re-checking in
// the same statement that each is still the same session (pid and
// backend_start) and still idle past the threshold.
const terminateIdleSQL = `SELECT a.pid, coalesce(a.usename, ''), coalesce(a.datname, ''),
       extract(epoch FROM now() - a.state_change)::float8, a.backend_start,
       pg_terminate_backend(a.pid)
  FROM pg_stat_activity a
  JOIN unnest($2::int4[], $3::timestamptz[]) AS p(pid, backend_start)
    ON p.pid = a.pid AND p.backend_start = a.backend_start
 WHERE a.backend_type = 'client backend'
   AND a.state = 'idle'
   AND a.state_change < now() - make_interval(secs => $1::float8)
   AND a.pid <> pg_backend_pid()
 ORDER BY a.pid`

// Preview gathers what the confirmation of a must show. It runs only
// read-only queries and reads /proc; nothing is changed.
func (r *Runner) Preview(ctx context.Context, a Action, t *Target) (Preview, error) {
	switch a.Kind {
	case KindTerminateIdle:
		if r.PG == nil {
			return Preview{}, errNoPG
		}
		bs, err := idleBackends(ctx, r.PG, a.idleAfter())
		if err != nil {
			return Preview{}, pgError(err)
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
		return Preview{Target: &v, Message: fmt.Sprintf("pid %d (%s), RSS %s", v.PID, v.Comm, FormatBytes(v.RSSBytes))}, nil
	}
	return Preview{}, nil
}

var errNoPG = errors.New("PostgreSQL is off: start memtui with --pg DSN (or the PG* environment)")

func idleBackends(ctx context.Context, pg PGConn, after time.Duration) ([]Backend, error) {
	rows, err := pg.Query(ctx, idleBackendsSQL, after.Seconds())
	if err != nil {
		return nil, err
	}
	var out []Backend
	for rows.Next() {
		var b Backend
		var idle float64
		if err := rows.Scan(&b.PID, &b.User, &b.Database, &idle, &b.BackendStart); err != nil {
			rows.Close()
			return nil, err
		}
		b.IdleFor = time.Duration(idle * float64(time.Second))
		out = append(out, b)
	}
	return out, rows.Err()
}

// queryPreview runs a preview query and keeps its rows as text.
func queryPreview(ctx context.Context, pg PGConn, q string) (Preview, error) {
	rows, err := pg.Query(ctx, q)
	if err != nil {
		return Preview{}, pgError(err)
	}
	defer rows.Close()
	var p Preview
	for _, f := range rows.FieldDescriptions() {
		p.Columns = append(p.Columns, f.Name)
	}
	n := 0
	for rows.Next() {
		n++
		if len(p.Rows) >= MaxPreviewRows {
			p.Truncated = true
			continue
		}
		vals, err := rows.Values()
		if err != nil {
			return Preview{}, pgError(err)
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			if v == nil {
				row[i] = "NULL"
			} else {
				row[i] = Redact(fmt.Sprint(v))
			}
		}
		p.Rows = append(p.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return Preview{}, pgError(err)
	}
	p.Message = fmt.Sprintf("%d row(s)", n)
	return p, nil
}

// checkDatabase refuses when the connection is not to the database the
// action was written for: the seed's DELETEs belong to odoo_production, and
// running them in another database would be a silent mistake.
func checkDatabase(ctx context.Context, pg PGConn, want string) error {
	if want == "" {
		return nil
	}
	rows, err := pg.Query(ctx, "SELECT current_database()")
	if err != nil {
		return pgError(err)
	}
	got, err := pgx.CollectExactlyOneRow(rows, pgx.RowTo[string])
	if err != nil {
		return pgError(err)
	}
	if got != want {
		return &refusedError{fmt.Sprintf("connected to database %q but this action is for %q: start memtui with --pg pointing at %s, or set database/[builtin] app_database in the runbook", got, want, want)}
	}
	return nil
}

// refusedError marks a run that was not started for a reason a person can
// fix (wrong database, recycled pid).
type refusedError struct{ msg string }

func (e *refusedError) Error() string { return e.msg }

// runSQL runs a.SQL. With no arguments pgx uses the simple protocol, so a
// string of several statements runs as one implicit transaction: the seed's
// two DELETEs both happen or neither does.
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
	tag, err := r.PG.Exec(ctx, a.SQL)
	if err != nil {
		e := pgError(err)
		out.Line(e.Error())
		res.Status, res.Message = StatusFailed, e.Error()
		return nil
	}
	out.Line(tag.String())
	res.Status, res.Message = StatusOK, "SQL done: "+tag.String()
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
		bs, err := idleBackends(ctx, r.PG, a.idleAfter())
		if err != nil {
			res.Status, res.Message = StatusFailed, pgError(err).Error()
			return nil
		}
		want = bs
	}
	if len(want) == 0 {
		out.Line("no idle client backends to terminate")
		res.Status, res.Message = StatusOK, "nothing to terminate"
		return nil
	}
	pids := make([]int32, len(want))
	starts := make([]time.Time, len(want))
	for i, b := range want {
		pids[i], starts[i] = b.PID, b.BackendStart
	}
	rows, err := r.PG.Query(ctx, terminateIdleSQL, a.idleAfter().Seconds(), pids, starts)
	if err != nil {
		res.Status, res.Message = StatusFailed, pgError(err).Error()
		return nil
	}
	done := map[int32]bool{}
	for rows.Next() {
		var b Backend
		var idle float64
		var ok bool
		if err := rows.Scan(&b.PID, &b.User, &b.Database, &idle, &b.BackendStart, &ok); err != nil {
			rows.Close()
			res.Status, res.Message = StatusFailed, pgError(err).Error()
			return nil
		}
		b.IdleFor = time.Duration(idle * float64(time.Second))
		if ok {
			done[b.PID] = true
			res.Terminated = append(res.Terminated, b)
			out.Line(fmt.Sprintf("terminated pid %d (%s@%s, idle %s)", b.PID, b.User, b.Database, fmtDur(b.IdleFor.Truncate(time.Second))))
		} else {
			out.Line(fmt.Sprintf("pid %d: pg_terminate_backend returned false", b.PID))
		}
	}
	if err := rows.Err(); err != nil {
		res.Status, res.Message = StatusFailed, pgError(err).Error()
		return nil
	}
	for _, b := range want {
		if !done[b.PID] {
			out.Line(fmt.Sprintf("skipped pid %d: no longer the same idle session", b.PID))
		}
	}
	res.Status = StatusOK
	res.Message = fmt.Sprintf("terminated %d of %d listed backend(s)", len(res.Terminated), len(want))
	return nil
}

// pgError words a PostgreSQL error for a person.
func pgError(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "42501": // insufficient_privilege
			return fmt.Errorf("postgres: %s: connect as a superuser or a role with pg_signal_backend / ownership of the tables (--pg 'user=postgres …')", pe.Message)
		case "42P01": // undefined_table
			return fmt.Errorf("postgres: %s: is this the right database?", pe.Message)
		}
		return fmt.Errorf("postgres: %s (SQLSTATE %s)", pe.Message, pe.Code)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("postgres: no answer before the timeout")
	}
	return fmt.Errorf("postgres: %w", err)
}

func statusOf(err error) Status {
	var re *refusedError
	if errors.As(err, &re) {
		return StatusRefused
	}
	return StatusFailed
}
