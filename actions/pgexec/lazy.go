package pgexec

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// LazyConn is memtui's own PostgreSQL session for actions: opened on first
// use (so a down server never delays start-up), reopened after it breaks,
// and used by one statement at a time (a *pgx.Conn is not safe for
// concurrent use). It names itself memtui-actions in pg_stat_activity.
type LazyConn struct {
	cfg *pgx.ConnConfig
	mu  sync.Mutex
	c   *pgx.Conn
}

// NewLazyConn parses dsn (a URL or key=value string; "" means the libpq
// environment, which pgx reads) without connecting.
func NewLazyConn(dsn string) (*LazyConn, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.RuntimeParams["application_name"] = "memtui-actions"
	return &LazyConn{cfg: cfg}, nil
}

func (l *LazyConn) conn(ctx context.Context) (*pgx.Conn, error) {
	if l.c != nil && !l.c.IsClosed() {
		return l.c, nil
	}
	c, err := pgx.ConnectConfig(ctx, l.cfg)
	if err != nil {
		return nil, err
	}
	l.c = c
	return c, nil
}

// Exec runs sql on the session.
func (l *LazyConn) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, err := l.conn(ctx)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	return c.Exec(ctx, sql, args...)
}

// lendPgConn lends the session's low-level connection, locked until the
// returned release is called.
func (l *LazyConn) lendPgConn(ctx context.Context) (*pgconn.PgConn, func(), error) {
	l.mu.Lock()
	c, err := l.conn(ctx)
	if err != nil {
		l.mu.Unlock()
		return nil, nil, err
	}
	return c.PgConn(), l.mu.Unlock, nil
}

// Query runs sql on the session. The session stays locked until the rows
// are read to the end or closed, as pgx requires.
func (l *LazyConn) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	l.mu.Lock()
	c, err := l.conn(ctx)
	if err != nil {
		l.mu.Unlock()
		return nil, err
	}
	rows, err := c.Query(ctx, sql, args...)
	if err != nil {
		l.mu.Unlock()
		return nil, err
	}
	return &lockedRows{Rows: rows, unlock: l.mu.Unlock}, nil
}

// lockedRows releases the session when the rows are done.
type lockedRows struct {
	pgx.Rows
	once   sync.Once
	unlock func()
}

// Next advances, releasing the session after the last row.
func (r *lockedRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.once.Do(r.unlock)
	return false
}

// Close closes the rows and releases the session.
func (r *lockedRows) Close() {
	r.Rows.Close()
	r.once.Do(r.unlock)
}

// Close ends the session if one is open.
func (l *LazyConn) Close(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.c == nil {
		return nil
	}
	err := l.c.Close(ctx)
	l.c = nil
	return err
}
