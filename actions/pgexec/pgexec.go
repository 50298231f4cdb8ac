// Package pgexec runs the PostgreSQL kinds of the runbook (sql,
// terminate-idle-postgres) over pgx's low-level pgconn. It is apart from
// package actions so that the ui, which imports actions for its types,
// never depends on a database driver. Values go both ways as text: a
// pgx.Conn's type system (pgtype) would add about 2.9 MB to the binary
// for the handful of columns read here.
package pgexec

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/internal/pgtext"
	"github.com/memtui/memtui/internal/redact"
)

// Conn lends a connection for one statement at a time: *LazyConn does
// (memtui's own session), and a test can lend one it holds.
type Conn interface {
	// Lend returns the connection, opening it if need be, and the
	// release to call when the statement is done.
	Lend(ctx context.Context) (*pgconn.PgConn, func(), error)
}

// Session implements actions.Postgres on a connection.
type Session struct{ C Conn }

var _ actions.Postgres = Session{}

// idleBackendsSQL lists the client backends idle for longer than $1 seconds.
// Idle time is measured from state_change (when the session went idle), not
// query_start as the seed's query does: a session whose last query ran for
// 40 minutes and finished a minute ago is not idle for 40 minutes.
// pg_backend_pid() keeps memtui's own session out; backend_type keeps
// autovacuum, walsender and the other server processes out. backend_start
// comes as microseconds since the epoch, exact, whatever the session's
// DateStyle and TimeZone; terminateIdleSQL compares it the same way.
const idleBackendsSQL = `SELECT pid, coalesce(usename, ''), coalesce(datname, ''),
       extract(epoch FROM now() - state_change)::float8,
       (extract(epoch FROM backend_start) * 1000000)::int8
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
       extract(epoch FROM now() - a.state_change)::float8,
       (extract(epoch FROM a.backend_start) * 1000000)::int8,
       pg_terminate_backend(a.pid)
  FROM pg_stat_activity a
  JOIN unnest($2::int4[], $3::int8[]) AS p(pid, start_us)
    ON p.pid = a.pid AND p.start_us = (extract(epoch FROM a.backend_start) * 1000000)::int8
 WHERE a.backend_type = 'client backend'
   AND a.state = 'idle'
   AND a.state_change < now() - make_interval(secs => $1::float8)
   AND a.pid <> pg_backend_pid()
 ORDER BY a.pid`

// query runs one statement with text parameters and hands each row's
// text values (nil for NULL) to row, which must not keep them; it returns
// the columns' names.
func (s Session) query(ctx context.Context, sql string, params []string, row func([][]byte) error) ([]string, error) {
	pc, release, err := s.C.Lend(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	vals := make([][]byte, len(params))
	for i, p := range params {
		vals[i] = []byte(p)
	}
	rr := pc.ExecParams(ctx, sql, vals, nil, nil, nil)
	var names []string
	for _, f := range rr.FieldDescriptions() {
		names = append(names, f.Name)
	}
	var rowErr error
	for rr.NextRow() {
		if rowErr == nil {
			rowErr = row(rr.Values())
		}
	}
	if _, err := rr.Close(); err != nil {
		return names, err
	}
	return names, rowErr
}

// seconds is d as a float8 parameter.
func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) }

// CurrentDatabase is the database the session is connected to.
func (s Session) CurrentDatabase(ctx context.Context) (string, error) {
	var db string
	n := 0
	_, err := s.query(ctx, "SELECT current_database()", nil, func(v [][]byte) error {
		n++
		r := pgtext.NewRow(v, 1)
		db = r.Text(0)
		return r.Err()
	})
	if err == nil && n != 1 {
		err = fmt.Errorf("%d rows for the current database", n)
	}
	return db, wordErr(err)
}

// IdleBackends lists client backends idle for longer than after.
func (s Session) IdleBackends(ctx context.Context, after time.Duration) ([]actions.Backend, error) {
	var out []actions.Backend
	_, err := s.query(ctx, idleBackendsSQL, []string{seconds(after)}, func(v [][]byte) error {
		r := pgtext.NewRow(v, 5)
		b := actions.Backend{PID: r.Int32(0), User: r.Text(1), Database: r.Text(2), IdleFor: r.Seconds(3), BackendStart: r.Time(4)}
		if err := r.Err(); err != nil {
			return err
		}
		out = append(out, b)
		return nil
	})
	if err != nil {
		return nil, wordErr(err)
	}
	return out, nil
}

// TerminateIdle terminates those of want that still qualify.
func (s Session) TerminateIdle(ctx context.Context, after time.Duration, want []actions.Backend) ([]actions.Terminated, error) {
	pids := make([]string, len(want))
	starts := make([]string, len(want))
	for i, b := range want {
		pids[i] = strconv.FormatInt(int64(b.PID), 10)
		starts[i] = strconv.FormatInt(b.BackendStart.UnixMicro(), 10)
	}
	params := []string{seconds(after), "{" + strings.Join(pids, ",") + "}", "{" + strings.Join(starts, ",") + "}"}
	var out []actions.Terminated
	_, err := s.query(ctx, terminateIdleSQL, params, func(v [][]byte) error {
		r := pgtext.NewRow(v, 6)
		b := actions.Backend{PID: r.Int32(0), User: r.Text(1), Database: r.Text(2), IdleFor: r.Seconds(3), BackendStart: r.Time(4)}
		t := actions.Terminated{Backend: b, OK: r.Bool(5)}
		if err := r.Err(); err != nil {
			return err
		}
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, wordErr(err)
	}
	return out, nil
}

// Exec runs sql through the simple protocol, so a string of several
// statements runs as one implicit transaction, and returns every
// statement's command tag (a driver's Exec that keeps only the last one
// turned "DELETE 5000; DELETE 100" into "DELETE 100").
func (s Session) Exec(ctx context.Context, sql string) ([]actions.StatementOutcome, error) {
	pc, release, err := s.C.Lend(ctx)
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

// QueryText runs a query and returns up to maxRows rows as PostgreSQL
// writes them in text (as psql shows them), NULL as "NULL", and how many
// rows there were in all.
func (s Session) QueryText(ctx context.Context, sql string, maxRows int) ([]string, [][]string, int, error) {
	var out [][]string
	n := 0
	cols, err := s.query(ctx, sql, nil, func(v [][]byte) error {
		n++
		if len(out) >= maxRows {
			return nil
		}
		row := make([]string, len(v))
		for i, b := range v {
			if b == nil {
				row[i] = "NULL"
			} else {
				row[i] = string(b)
			}
		}
		out = append(out, row)
		return nil
	})
	if err != nil {
		return nil, nil, 0, wordErr(err)
	}
	return cols, out, n, nil
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
