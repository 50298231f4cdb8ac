package pgexec

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
)

// LazyConn is memtui's own PostgreSQL session for actions: opened on first
// use (so a down server never delays start-up), reopened after it breaks,
// and used by one statement at a time (a connection is not safe for
// concurrent use). It names itself memtui-actions in pg_stat_activity.
type LazyConn struct {
	cfg *pgconn.Config
	mu  sync.Mutex
	c   *pgconn.PgConn
}

// NewLazyConn parses dsn (a URL or key=value string; "" means the libpq
// environment, which pgconn reads) without connecting.
func NewLazyConn(dsn string) (*LazyConn, error) {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.RuntimeParams["application_name"] = "memtui-actions"
	return &LazyConn{cfg: cfg}, nil
}

func (l *LazyConn) conn(ctx context.Context) (*pgconn.PgConn, error) {
	if l.c != nil && !l.c.IsClosed() {
		return l.c, nil
	}
	c, err := pgconn.ConnectConfig(ctx, l.cfg)
	if err != nil {
		return nil, err
	}
	l.c = c
	return c, nil
}

// Lend lends the session, locked until the returned release is called.
func (l *LazyConn) Lend(ctx context.Context) (*pgconn.PgConn, func(), error) {
	l.mu.Lock()
	c, err := l.conn(ctx)
	if err != nil {
		l.mu.Unlock()
		return nil, nil, err
	}
	return c, l.mu.Unlock, nil
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
