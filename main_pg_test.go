package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/memtui/memtui/probes/pgtest"
)

// snapshotPG runs `memtui snapshot --json` with args and returns the
// postgres section, the section names and how long it took.
func snapshotPG(t *testing.T, bin string, args ...string) (map[string]any, []string, time.Duration) {
	t.Helper()
	start := time.Now()
	out, err := exec.Command(bin, append([]string{"snapshot", "--json"}, args...)...).Output()
	took := time.Since(start)
	if err != nil {
		t.Fatalf("snapshot %v: %v (must exit 0 whatever PostgreSQL does)", args, err)
	}
	var snap map[string]json.RawMessage
	if err := json.Unmarshal(out, &snap); err != nil {
		t.Fatalf("snapshot JSON: %v\n%s", err, out)
	}
	var names []string
	for k := range snap {
		names = append(names, k)
	}
	var pg map[string]any
	if err := json.Unmarshal(snap["postgres"], &pg); err != nil {
		t.Fatalf("postgres section: %v\n%s", err, out)
	}
	return pg, names, took
}

// The snapshot agrees with pg_stat_activity on a live server with sessions
// in several states; with the server down or hung it still prints every
// other section, says why, and exits 0 within 5 s.
func TestSnapshotPostgres(t *testing.T) {
	srv := pgtest.Start(t)
	bin := buildBinary(t)
	dsn := srv.DSN("")
	ctx := context.Background()
	open := func(n int) []*pgx.Conn {
		var cs []*pgx.Conn
		for i := 0; i < n; i++ {
			c, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close(context.Background()) })
			cs = append(cs, c)
		}
		return cs
	}
	for _, c := range open(4) {
		c.Exec(ctx, "SELECT 1")
	}
	for _, c := range open(2) {
		c.Exec(ctx, "BEGIN")
		c.Exec(ctx, "SELECT 1")
	}
	sctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, c := range open(3) {
		wg.Add(1)
		go func() { defer wg.Done(); c.Exec(sctx, "SELECT pg_sleep(30)") }()
	}
	defer func() { stop(); wg.Wait() }()
	check := open(1)[0]
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		check.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()").Scan(&n)
		if n == 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}

	t.Run("live", func(t *testing.T) {
		pg, _, _ := snapshotPG(t, bin, "--pg", dsn)
		// What pg_stat_activity says, from a session of our own (counted as
		// idle, as the snapshot saw it), memtui's own session left out.
		want := map[string]any{}
		rows, err := check.Query(ctx, `SELECT CASE WHEN pid = pg_backend_pid() THEN 'idle' ELSE state END, count(*)
			FROM pg_stat_activity WHERE backend_type = 'client backend' AND application_name <> 'memtui' GROUP BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			var n int
			rows.Scan(&s, &n)
			want[s] = float64(n)
		}
		got := map[string]any{}
		for k, v := range pg["by_state"].(map[string]any) {
			if v.(float64) != 0 {
				got[k] = v
			}
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("by_state disagrees with pg_stat_activity (-pg_stat_activity +snapshot):\n%s", d)
		}
		if pg["connected"] != true || pg["max_connections"] != 100.0 || pg["error"] != "" || pg["idle_over_30m"] != 0.0 {
			t.Errorf("postgres section: %v", pg)
		}
		if d := cmp.Diff(map[string]any{"active": 3.0, "idle": 5.0, "idle in transaction": 2.0}, got); d != "" {
			t.Errorf("by_state is not the sessions this test opened (-want +got):\n%s", d)
		}
	})

	t.Run("down", func(t *testing.T) {
		srv.Stop()
		defer srv.Restart()
		pg, names, took := snapshotPG(t, bin, "--pg", dsn)
		if took > 5*time.Second {
			t.Errorf("took %s with the server down", took)
		}
		if pg["connected"] != false || !strings.Contains(pg["error"].(string), "connection refused on "+srv.SocketDir()) {
			t.Errorf("postgres section with the server down: %v", pg)
		}
		for _, want := range []string{"time", "host", "memory"} {
			if !strings.Contains(" "+strings.Join(names, " ")+" ", " "+want+" ") {
				t.Errorf("sections %v lack %q: the others must still be printed", names, want)
			}
		}
	})

	t.Run("hung", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				defer c.Close()
			}
		}()
		dsn := fmt.Sprintf("host=127.0.0.1 port=%d user=u password=Hung-Secret-1 sslmode=disable", l.Addr().(*net.TCPAddr).Port)
		pg, _, took := snapshotPG(t, bin, "--pg", dsn)
		if took > 5*time.Second {
			t.Errorf("took %s against a silent server", took)
		}
		if pg["connected"] != false || pg["error_kind"] != "timeout" {
			t.Errorf("postgres section against a silent server: %v", pg)
		}
		if b, _ := json.Marshal(pg); strings.Contains(string(b), "Hung-Secret-1") {
			t.Errorf("the password is in the snapshot: %s", b)
		}
	})
}

// The real binary in tmux at 80×24 against a real server: the PostgreSQL
// tab shows the sessions; stopping the server shows the error within a
// refresh or two, and restarting it brings the figures back.
func TestEndToEndPostgresPanel(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	needTmux(t)
	srv := pgtest.Start(t)
	bin := buildBinary(t)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		c, err := pgx.Connect(ctx, srv.DSN(""))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(context.Background())
		c.Exec(ctx, "BEGIN")
		c.Exec(ctx, "SELECT 'memtui-e2e-marker'")
	}
	s := startTmux(t, 80, 24, bin, "--read-only", "--pg", srv.DSN(""))
	s.waitFor(10*time.Second, "Memory & swap")
	s.keys("Tab")
	s.keys("Tab")
	screen := s.waitFor(10*time.Second, "● connected", "idle in tx 3", "memtui-e2e-marker")
	t.Logf("screen:\n%s", screen)
	if strings.Contains(screen, srv.Password()) {
		t.Errorf("the password is on screen:\n%s", screen)
	}
	s.keys("H")
	s.waitFor(5*time.Second, "hidden: H shows")
	srv.Stop()
	t.Logf("down:\n%s", s.waitFor(5*time.Second, "NOT CONNECTED", "last known at"))
	srv.Restart()
	s.waitFor(20*time.Second, "● connected")
	s.keys("q")
}
