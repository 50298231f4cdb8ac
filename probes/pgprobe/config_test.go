package pgprobe

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/memtui/memtui/probes"
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

// TestDecodeReading: the reading's row, as the server sends it in text,
// fills the stats; a NULL where a count belongs, or pids that do not pair
// with the states, fail the reading instead of showing zeros.
func TestDecodeReading(t *testing.T) {
	row := func() [][]byte {
		return [][]byte{
			[]byte("15.18"), []byte("3600.5"), []byte("100"), []byte("3"), nil, []byte("3"),
			[]byte(`{"active" : 1, "idle" : 1, "idle in transaction" : 1}`), []byte("1"),
			[]byte(`[]`), []byte(`[{"pid" : 12, "user" : "odoo", "query" : "SELECT 1", "query_age" : 2.5}]`),
			[]byte("{12,34,56}"), []byte(`["active", "idle", "idle in transaction"]`),
			[]byte(`{"shared_buffers" : 134217728, "max_connections" : 100, "huge_pages" : "try"}`),
			[]byte("memtui"), []byte("t"), []byte("0"),
		}
	}
	var st probes.PGStats
	if err := decodeReading(&st, row()); err != nil {
		t.Fatal(err)
	}
	wantPIDs := []probes.PGBackendPID{{PID: 12, State: "active"}, {PID: 34, State: "idle"}, {PID: 56, State: "idle in transaction"}}
	if diff := cmp.Diff(wantPIDs, st.Backends); diff != "" {
		t.Errorf("backends (-want +got):\n%s", diff)
	}
	if st.ServerVersion != "15.18" || st.Uptime != 3600500*time.Millisecond || st.MaxConnections != 100 || st.ReservedKnown ||
		st.SlotsUsed != 4 || st.ByState["idle in transaction"] != 1 || st.IdleOver != 1 || !st.SeesAll || st.Role != "memtui" ||
		len(st.LongestQueries) != 1 || st.LongestQueries[0].QueryAge != 2500*time.Millisecond || st.Settings.HugePages != "try" ||
		st.Settings.SharedBuffers.Or(0) != 128<<20 {
		t.Errorf("decoded %+v", st)
	}
	for name, c := range map[string]struct {
		col  int
		val  []byte
		want string
	}{
		"null total":      {5, nil, "column 6 is NULL"},
		"pids and states": {10, []byte("{12,34}"), "2 pids but 3 states"},
		"bad pid":         {10, []byte("{12,x,56}"), `backend pid "x"`},
		"bad bool":        {14, []byte("yes"), `column 15 ("yes"): not t or f`},
	} {
		r := row()
		r[c.col] = c.val
		var st probes.PGStats
		if err := decodeReading(&st, r); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}
