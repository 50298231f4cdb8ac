package pgtest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/memtui/memtui/probes/pgtest"
)

func TestMain(m *testing.M) {
	stop := pgtest.StartMain(pgtest.MaxConnections(20))
	code := m.Run()
	stop()
	os.Exit(code)
}

func connect(t *testing.T, dsn string) (*pgx.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatalf("parse DSN: %v", err)
	}
	return pgx.ConnectConfig(ctx, cfg)
}

func TestSharedServerAcceptsSocketAndTCP(t *testing.T) {
	srv := pgtest.Shared(t)
	for name, dsn := range map[string]string{"socket": srv.DSN(""), "tcp": srv.TCPURL("postgres")} {
		t.Run(name, func(t *testing.T) {
			conn, err := connect(t, dsn)
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			defer conn.Close(context.Background())
			var maxConn string
			if err := conn.QueryRow(context.Background(), "SHOW max_connections").Scan(&maxConn); err != nil {
				t.Fatal(err)
			}
			if maxConn != "20" {
				t.Errorf("max_connections = %s, want 20 (the MaxConnections option)", maxConn)
			}
		})
	}
	sock := filepath.Join(srv.SocketDir(), ".s.PGSQL."+strconv.Itoa(srv.Port()))
	if _, err := os.Stat(sock); err != nil {
		t.Errorf("socket: %v", err)
	}
}

func TestWrongPasswordIsRejected(t *testing.T) {
	srv := pgtest.Shared(t)
	_, err := connect(t, srv.DSNFor(srv.User(), "not-the-password", ""))
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
		t.Fatalf("err = %v, want SQLSTATE 28P01 (password authentication failed)", err)
	}
}

func TestStopAndRestart(t *testing.T) {
	srv := pgtest.Start(t)
	conn, err := connect(t, srv.DSN(""))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	conn.Close(context.Background())

	srv.Stop()
	if _, err := connect(t, srv.DSN("")); err == nil {
		t.Fatal("connect to a stopped server succeeded")
	}
	srv.Restart()
	conn, err = connect(t, srv.DSN(""))
	if err != nil {
		t.Fatalf("connect after restart: %v", err)
	}
	conn.Close(context.Background())
}
