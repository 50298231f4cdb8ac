// Package pgexec runs the PostgreSQL kinds of the runbook (sql,
// terminate-idle-postgres) over a pgx connection. It is apart from package
// actions so that the ui, which imports actions for its types, never
// depends on a database driver.
package pgexec

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/internal/redact"
)

// PGConn is the part of a PostgreSQL connection the kinds use. *pgx.Conn
// and *LazyConn satisfy it; the sql kind also needs the low-level
// connection (see Session.Exec), which both lend.
type PGConn interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Session implements actions.Postgres on a connection.
type Session struct{ C PGConn }

var _ actions.Postgres = Session{}

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

// CurrentDatabase is the database the session is connected to.
func (s Session) CurrentDatabase(ctx context.Context) (string, error) {
	rows, err := s.C.Query(ctx, "SELECT current_database()")
	if err != nil {
		return "", wordErr(err)
	}
	db, err := pgx.CollectExactlyOneRow(rows, pgx.RowTo[string])
	return db, wordErr(err)
}

// IdleBackends lists client backends idle for longer than after.
func (s Session) IdleBackends(ctx context.Context, after time.Duration) ([]actions.Backend, error) {
	rows, err := s.C.Query(ctx, idleBackendsSQL, after.Seconds())
	if err != nil {
		return nil, wordErr(err)
	}
	var out []actions.Backend
	for rows.Next() {
		var b actions.Backend
		var idle float64
		if err := rows.Scan(&b.PID, &b.User, &b.Database, &idle, &b.BackendStart); err != nil {
			rows.Close()
			return nil, wordErr(err)
		}
		b.IdleFor = time.Duration(idle * float64(time.Second))
		out = append(out, b)
	}
	return out, wordErr(rows.Err())
}

// TerminateIdle terminates those of want that still qualify.
func (s Session) TerminateIdle(ctx context.Context, after time.Duration, want []actions.Backend) ([]actions.Terminated, error) {
	pids := make([]int32, len(want))
	starts := make([]time.Time, len(want))
	for i, b := range want {
		pids[i], starts[i] = b.PID, b.BackendStart
	}
	rows, err := s.C.Query(ctx, terminateIdleSQL, after.Seconds(), pids, starts)
	if err != nil {
		return nil, wordErr(err)
	}
	var out []actions.Terminated
	for rows.Next() {
		var t actions.Terminated
		var idle float64
		if err := rows.Scan(&t.PID, &t.User, &t.Database, &idle, &t.BackendStart, &t.OK); err != nil {
			rows.Close()
			return nil, wordErr(err)
		}
		t.IdleFor = time.Duration(idle * float64(time.Second))
		out = append(out, t)
	}
	return out, wordErr(rows.Err())
}

// Exec runs sql through the simple protocol, so a string of several
// statements runs as one implicit transaction, and returns every
// statement's command tag: pgx's own Exec keeps only the last one, which
// turned "DELETE 5000; DELETE 100" into "DELETE 100".
func (s Session) Exec(ctx context.Context, sql string) ([]actions.StatementOutcome, error) {
	pc, release, err := s.pgConn(ctx)
	if err != nil {
		return nil, wordErr(err)
	}
	defer release()
	mrr := pc.Exec(ctx, sql)
	var out []actions.StatementOutcome
	for mrr.NextResult() {
		// Close reads and drops any rows: a SELECT in the action's SQL must
		// not be held in memory on a host short of it.
		tag, err := mrr.ResultReader().Close()
		if err != nil {
			_ = mrr.Close()
			return out, wordErr(err)
		}
		out = append(out, actions.NewStatementOutcome(tag.String()))
	}
	if err := mrr.Close(); err != nil {
		return out, wordErr(err)
	}
	return out, nil
}

// pgConner is a connection that lends out its low-level connection:
// *pgx.Conn and *LazyConn.
type pgConner interface {
	lendPgConn(ctx context.Context) (*pgconn.PgConn, func(), error)
}

// pgConn lends the low-level connection under s.C, which only it can run
// several statements through with a tag for each.
func (s Session) pgConn(ctx context.Context) (*pgconn.PgConn, func(), error) {
	switch c := s.C.(type) {
	case pgConner:
		return c.lendPgConn(ctx)
	case interface{ PgConn() *pgconn.PgConn }:
		return c.PgConn(), func() {}, nil
	}
	return nil, nil, fmt.Errorf("connection type %T cannot run statements one by one", s.C)
}

// QueryText runs a query and returns up to maxRows rows as text.
func (s Session) QueryText(ctx context.Context, sql string, maxRows int) ([]string, [][]string, int, error) {
	rows, err := s.C.Query(ctx, sql)
	if err != nil {
		return nil, nil, 0, wordErr(err)
	}
	defer rows.Close()
	var cols []string
	for _, f := range rows.FieldDescriptions() {
		cols = append(cols, f.Name)
	}
	var out [][]string
	n := 0
	for rows.Next() {
		n++
		if len(out) >= maxRows {
			continue
		}
		vals, err := rows.Values()
		if err != nil {
			return nil, nil, 0, wordErr(err)
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			if v == nil {
				row[i] = "NULL"
			} else {
				row[i] = fmt.Sprint(v)
			}
		}
		out = append(out, row)
	}
	return cols, out, n, wordErr(rows.Err())
}

// wordErr words a PostgreSQL error for a person (nil stays nil).
func wordErr(err error) error {
	if err == nil {
		return nil
	}
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
	return fmt.Errorf("postgres: %s", redact.Redact(err.Error()))
}

// Unavailable is the PostgreSQL of actions when the connection settings
// could not be read: every call answers with why, so the confirmation says
// it instead of pretending PostgreSQL is off.
type Unavailable struct{ Err error }

var _ actions.Postgres = Unavailable{}

// CurrentDatabase returns the reason.
func (u Unavailable) CurrentDatabase(context.Context) (string, error) { return "", u.Err }

// IdleBackends returns the reason.
func (u Unavailable) IdleBackends(context.Context, time.Duration) ([]actions.Backend, error) {
	return nil, u.Err
}

// TerminateIdle returns the reason.
func (u Unavailable) TerminateIdle(context.Context, time.Duration, []actions.Backend) ([]actions.Terminated, error) {
	return nil, u.Err
}

// Exec returns the reason.
func (u Unavailable) Exec(context.Context, string) ([]actions.StatementOutcome, error) {
	return nil, u.Err
}

// QueryText returns the reason.
func (u Unavailable) QueryText(context.Context, string, int) ([]string, [][]string, int, error) {
	return nil, nil, 0, u.Err
}
