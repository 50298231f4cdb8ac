package pgprobe

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The process environment must not change the connection: only what main
// passed in counts, and application_name, the timeouts and
// statement_timeout are memtui's.
func TestPGConnConfigIgnoresProcessEnvironment(t *testing.T) {
	for k, v := range map[string]string{
		"PGAPPNAME": "evil", "PGOPTIONS": "-c work_mem=1TB", "PGCONNECT_TIMEOUT": "600", "PGTZ": "Mars/Olympus",
		"PGHOST": "wrong-host", "PGPORT": "1", "PGUSER": "wrong-user", "PGPASSWORD": "wrong-pass",
		"PGDATABASE": "wrong-db", "PGTARGETSESSIONATTRS": "standby", "PGSSLMODE": "verify-full",
	} {
		t.Setenv(k, v)
	}
	tg, err := ResolvePGTarget("host=/run/pg port=5433 user=memtui dbname=postgres password=right", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ConnConfig(tg, 3*time.Second, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{
		"host": cfg.Host, "port": cfg.Port, "user": cfg.User, "db": cfg.Database, "password": cfg.Password,
		"runtime": cfg.RuntimeParams, "timeout": cfg.ConnectTimeout, "validate": cfg.ValidateConnect == nil,
		"fallbacks": len(cfg.Fallbacks), "tls": cfg.TLSConfig == nil,
	}
	want := map[string]any{
		"host": "/run/pg", "port": uint16(5433), "user": "memtui", "db": "postgres", "password": "right",
		"runtime": map[string]string{"application_name": "memtui", "statement_timeout": "2000"},
		"timeout": 3 * time.Second, "validate": true, "fallbacks": 0, "tls": true,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("config (-want +got):\n%s", d)
	}
}

func TestPGQueryByVersion(t *testing.T) {
	for _, c := range []struct {
		v                                     int
		reserved, sharedMemSize, hugePagesSts bool
	}{
		{120000, false, false, false}, {140005, false, false, false}, {150018, false, true, false},
		{160002, true, true, false}, {170000, true, true, true},
	} {
		q := pgQuery(c.v, 30*60e9, 10)
		if got := strings.Contains(q, "'reserved_connections'"); got != c.reserved {
			t.Errorf("%d: reserved_connections %v", c.v, got)
		}
		if got := strings.Contains(q, "'shared_memory_size'"); got != c.sharedMemSize {
			t.Errorf("%d: shared_memory_size %v", c.v, got)
		}
		if got := strings.Contains(q, "'huge_pages_status'"); got != c.hugePagesSts {
			t.Errorf("%d: huge_pages_status %v", c.v, got)
		}
		if !strings.Contains(q, "make_interval(secs => 1800.000)") || !strings.Contains(q, "LIMIT 10") {
			t.Errorf("%d: constants not written in", c.v)
		}
	}
}
