package pgprobe

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/memtui/memtui/probes/pgtest"
)

// TestLibpqEnvironmentReachesTheServer: the libpq variables beyond the
// common eight (PGAPPNAME, PGCONNECT_TIMEOUT, PGSERVICE with PGSERVICEFILE,
// PGPASSFILE) are honoured, as main hands them over, against a real server:
// they used to be overwritten with empty values.
func TestLibpqEnvironmentReachesTheServer(t *testing.T) {
	srv := pgtest.Start(t)
	dir := t.TempDir()
	svcFile := filepath.Join(dir, "pg_service.conf")
	svc := fmt.Sprintf("[incident-db]\nhost=%s\nport=%d\nuser=%s\ndbname=postgres\nsslmode=disable\n",
		srv.SocketDir(), srv.Port(), srv.User())
	if err := os.WriteFile(svcFile, []byte(svc), 0o600); err != nil {
		t.Fatal(err)
	}
	passFile := filepath.Join(dir, "pgpass")
	if err := os.WriteFile(passFile, []byte("*:*:*:"+srv.User()+":"+srv.Password()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := map[string]string{
		"PGHOST": srv.SocketDir(), "PGPORT": strconv.Itoa(srv.Port()), "PGUSER": srv.User(),
		"PGPASSWORD": srv.Password(), "PGDATABASE": "postgres", "PGSSLMODE": "disable",
	}
	with := func(extra map[string]string, drop ...string) map[string]string {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		for _, k := range drop {
			delete(env, k)
		}
		for k, v := range extra {
			env[k] = v
		}
		return env
	}
	for _, c := range []struct {
		name    string
		env     map[string]string
		app     string
		timeout time.Duration
	}{
		{"defaults are memtui's", base, "memtui", 3 * time.Second},
		{"PGAPPNAME and PGCONNECT_TIMEOUT", with(map[string]string{"PGAPPNAME": "oncall-laptop", "PGCONNECT_TIMEOUT": "7"}), "oncall-laptop", 7 * time.Second},
		{"PGSERVICE from PGSERVICEFILE, password from PGPASSFILE",
			with(map[string]string{"PGSERVICE": "incident-db", "PGSERVICEFILE": svcFile, "PGPASSFILE": passFile},
				"PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE"),
			"memtui", 3 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			tg, err := ResolvePGTargetWith("", c.env, ReadService)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := ConnConfig(tg, 3*time.Second, 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.ConnectTimeout != c.timeout {
				t.Errorf("connect timeout %s, want %s", cfg.ConnectTimeout, c.timeout)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			conn, err := pgconn.ConnectConfig(ctx, cfg)
			if err != nil {
				t.Fatalf("connect to %s: %v", tg.Redacted(), err)
			}
			defer conn.Close(context.Background())
			res := conn.ExecParams(ctx, "SELECT current_setting('application_name')", nil, nil, nil, nil).Read()
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if app := string(res.Rows[0][0]); app != c.app {
				t.Errorf("application_name %q, want %q", app, c.app)
			}
		})
	}
}

// TestPGServiceMissing: a service that is not in the file is a
// configuration error that names the service, never a silent default.
func TestPGServiceMissing(t *testing.T) {
	f := filepath.Join(t.TempDir(), "pg_service.conf")
	if err := os.WriteFile(f, []byte("[other]\nhost=h\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := ResolvePGTargetWith("", map[string]string{"PGSERVICE": "incident-db", "PGSERVICEFILE": f}, ReadService)
	if err == nil {
		t.Fatal("no error for a missing service")
	}
	if got := err.Error(); !contains(got, `"incident-db"`) {
		t.Errorf("error does not name the service: %s", got)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
