package pgprobe

// Tests against a real throwaway PostgreSQL server (probes/pgtest). Each
// test that changes the server (stops it, fills it) starts its own; the
// others share one per test function to keep initdb runs few.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/memtui/memtui/probes/procfs"

	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/pgtest"
)

// sessions opens n sessions to dsn, closed when the test ends.
func sessions(t testing.TB, dsn string, n int) []*pgx.Conn {
	t.Helper()
	out := make([]*pgx.Conn, 0, n)
	for i := 0; i < n; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		c, err := pgx.Connect(ctx, dsn)
		cancel()
		if err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
		out = append(out, c)
	}
	t.Cleanup(func() {
		for _, c := range out {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = c.Close(ctx)
			cancel()
		}
	})
	return out
}

func exec(t testing.TB, c *pgx.Conn, sql string) {
	t.Helper()
	if _, err := c.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// sleepers starts pg_sleep on each session in the background; the returned
// function cancels them and waits.
func sleepers(t testing.TB, conns []*pgx.Conn) func() {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func(c *pgx.Conn) {
			defer wg.Done()
			_, _ = c.Exec(ctx, "SELECT pg_sleep(60)")
		}(c)
	}
	stop := func() { cancel(); wg.Wait() }
	t.Cleanup(stop)
	return stop
}

func targetFor(t testing.TB, dsn string) PGTarget {
	t.Helper()
	tg, err := ResolvePGTarget(dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// readUntil reads until ok(reading) or the deadline; it returns the last reading.
func readUntil(t testing.TB, p *Probe, within time.Duration, ok func(probes.PGReading) bool) probes.PGReading {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		r := p.Read(context.Background())
		if ok(r) || time.Now().After(deadline) {
			return r
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestPGReadingCountsSessionsByState(t *testing.T) {
	srv := pgtest.Start(t)
	dsn := srv.DSN("")
	const nIdle, nActive, nIdleTx, nAborted = 3, 2, 2, 1
	idle := sessions(t, dsn, nIdle)
	active := sessions(t, dsn, nActive)
	idleTx := sessions(t, dsn, nIdleTx)
	aborted := sessions(t, dsn, nAborted)
	for _, c := range idle {
		exec(t, c, "SELECT 1")
	}
	for _, c := range idleTx {
		exec(t, c, "BEGIN")
		// A raw escape sequence in the query text, as any client may send.
		exec(t, c, "SELECT txid_current() /* \x1b[2J */")
	}
	for _, c := range aborted {
		exec(t, c, "BEGIN")
		if _, err := c.Exec(context.Background(), "SELECT 1/0"); err == nil {
			t.Fatal("1/0 did not fail")
		}
	}
	sleepers(t, active)

	p := New(targetFor(t, dsn), procfs.NewFS("", ""), Options{IdleThreshold: time.Hour})
	defer p.Close()
	r := readUntil(t, p, 10*time.Second, func(r probes.PGReading) bool {
		return r.Connected && r.Stats.ByState["active"] == nActive
	})
	if !r.Connected {
		t.Fatalf("not connected: %v", r.Err)
	}
	st := r.Stats
	want := map[string]int{"active": nActive, "idle": nIdle, "idle in transaction": nIdleTx,
		"idle in transaction (aborted)": nAborted, "fastpath function call": 0, "disabled": 0}
	if d := cmp.Diff(want, st.ByState); d != "" {
		t.Errorf("ByState (-want +got):\n%s", d)
	}
	total := nIdle + nActive + nIdleTx + nAborted
	if st.Total != total || st.SlotsUsed != total+1 {
		t.Errorf("Total %d SlotsUsed %d, want %d and %d (memtui's own session excluded, then counted as a slot)", st.Total, st.SlotsUsed, total, total+1)
	}
	if st.MaxConnections != 100 || st.SuperuserReserved != 3 {
		t.Errorf("max_connections %d superuser_reserved %d, want the defaults 100, 3", st.MaxConnections, st.SuperuserReserved)
	}
	if st.ReservedKnown != (st.VersionNum >= 160000) {
		t.Errorf("ReservedKnown %v on version %d", st.ReservedKnown, st.VersionNum)
	}
	if st.IdleOver != 0 {
		t.Errorf("IdleOver = %d with a 1 h threshold, want 0", st.IdleOver)
	}
	if st.VersionNum < 120000 || st.ServerVersion == "" || st.Uptime <= 0 {
		t.Errorf("version %d %q uptime %v", st.VersionNum, st.ServerVersion, st.Uptime)
	}

	// Top lists: every session with an open transaction, oldest first (the
	// server clears xact_start of an aborted transaction, so that one is not
	// listed); the two sleepers as the longest queries.
	if got := len(st.OldestXacts); got != nActive+nIdleTx {
		t.Errorf("%d oldest transactions, want %d", got, nActive+nIdleTx)
	}
	for i := 1; i < len(st.OldestXacts); i++ {
		if st.OldestXacts[i].XactAge > st.OldestXacts[i-1].XactAge {
			t.Errorf("oldest transactions not sorted by age: %v then %v", st.OldestXacts[i-1].XactAge, st.OldestXacts[i].XactAge)
		}
	}
	for _, x := range st.OldestXacts {
		if strings.ContainsRune(x.Query, 0x1b) || (x.State == "idle in transaction" && !strings.Contains(x.Query, "/* �[2J */")) {
			t.Errorf("query text %q: the escape must arrive as �", x.Query)
		}
	}
	if len(st.LongestQueries) != nActive {
		t.Fatalf("%d longest queries, want %d", len(st.LongestQueries), nActive)
	}
	activePIDs := map[int]bool{}
	for _, c := range active {
		activePIDs[int(c.PgConn().PID())] = true
	}
	for _, q := range st.LongestQueries {
		if !activePIDs[q.PID] || !strings.Contains(q.Query, "pg_sleep") || q.State != "active" ||
			q.User != "postgres" || q.Database != "postgres" || q.ClientAddr != "local" || q.WaitEvent != "Timeout:PgSleep" {
			t.Errorf("longest query row %+v: want one of the sleepers, local, waiting on Timeout:PgSleep", q)
		}
	}

	// Backend memory: the server is local (unix socket) so every backend
	// has an RSS and the postmaster's family is counted.
	m := st.Memory
	if !m.Known {
		t.Fatalf("memory unknown: %s", m.Reason)
	}
	if len(st.Backends) != total {
		t.Errorf("%d backends for the RSS join, want %d", len(st.Backends), total)
	}
	for _, b := range st.Backends {
		if !b.RSS.OK || b.RSS.V == 0 {
			t.Errorf("backend %d: no RSS", b.PID)
		}
	}
	// postmaster + our sessions + memtui's + background processes
	if m.Processes < total+3 || m.RSSSum < m.BackendRSS || m.Estimate() > m.RSSSum || m.BackendRSS == 0 {
		t.Errorf("memory %+v: implausible for %d sessions", m, total)
	}
	if !st.RAM.OK || len(st.Guidance) == 0 {
		t.Errorf("RAM %v, %d guidance lines: want both for a local server", st.RAM, len(st.Guidance))
	}
	if st.Settings.SharedBuffers != probes.Some(16<<20) || st.Settings.MaxConnections != 100 || st.Settings.HugePages == "" {
		t.Errorf("settings %+v: want shared_buffers 16 MiB (pgtest), max_connections 100", st.Settings)
	}

	// The snapshot section agrees and has the fixed names.
	js, err := json.Marshal(r.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	var snap map[string]any
	if err := json.Unmarshal(js, &snap); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"connected", "error", "max_connections", "by_state", "idle_over_30m"} {
		if _, ok := snap[k]; !ok {
			t.Errorf("snapshot lacks %q: %s", k, js)
		}
	}
	if snap["connected"] != true || snap["max_connections"] != 100.0 || snap["by_state"].(map[string]any)["idle"] != float64(nIdle) {
		t.Errorf("snapshot disagrees with the reading: %s", js)
	}
	if strings.Contains(string(js), srv.Password()) {
		t.Errorf("snapshot contains the password")
	}

	// memtui's session carries its name and the server-side timeout.
	res := p.conn.ExecParams(context.Background(), "SELECT current_setting('application_name'), current_setting('statement_timeout')", nil, nil, nil, nil).Read()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if app, stmt := string(res.Rows[0][0]), string(res.Rows[0][1]); app != "memtui" || stmt != "2s" {
		t.Errorf("application_name %q statement_timeout %q, want memtui and 2s", app, stmt)
	}

	// p's own session would count as idle for the next probe.
	p.Close()
	t.Run("idle over threshold", func(t *testing.T) {
		short := New(targetFor(t, dsn), procfs.NewFS("", ""), Options{IdleThreshold: 1500 * time.Millisecond})
		defer short.Close()
		time.Sleep(1600 * time.Millisecond)
		exec(t, idle[0], "SELECT 1") // this one is fresh again
		r := short.Read(context.Background())
		if !r.Connected {
			t.Fatal(r.Err)
		}
		if r.Stats.IdleOver != nIdle-1 {
			t.Errorf("IdleOver = %d, want %d: idle sessions untouched for longer than the threshold", r.Stats.IdleOver, nIdle-1)
		}
	})
}

// secretLeaks fails the test if any text a person could see contains secret.
func secretLeaks(t *testing.T, secret string, r probes.PGReading, tg PGTarget) {
	t.Helper()
	js, _ := json.Marshal(r.Snapshot())
	for name, s := range map[string]string{
		"Err.Error()": r.Err.Error(), "snapshot": string(js), "Target": r.Target,
		"%v": fmt.Sprintf("%v", tg), "%+v": fmt.Sprintf("%+v", tg), "%#v": fmt.Sprintf("%#v", tg),
		"%+v reading": fmt.Sprintf("%+v", r),
	} {
		if strings.Contains(s, secret) {
			t.Errorf("%s contains the password: %s", name, s)
		}
	}
}

func TestPGConnectionErrorsInPlainWords(t *testing.T) {
	srv := pgtest.Start(t)
	const wrong = "Wr0ng-Pa55-9f8e7d"
	cases := []struct {
		name   string
		dsn    string
		kind   probes.PGErrKind
		says   []string
		secret string
	}{
		{"wrong password", srv.DSNFor("postgres", wrong, ""), probes.PGErrAuth,
			[]string{"password authentication failed for user postgres", srv.SocketDir(), "PGPASSWORD"}, wrong},
		{"wrong password over TCP", strings.Replace(srv.TCPURL(""), srv.Password(), wrong, 1), probes.PGErrAuth,
			[]string{"password authentication failed for user postgres", fmt.Sprintf("127.0.0.1:%d", srv.Port())}, wrong},
		{"no such database", srv.DSN("nosuchdb"), probes.PGErrNoDatabase,
			[]string{"database nosuchdb does not exist"}, srv.Password()},
		{"no socket", fmt.Sprintf("host=%s port=1 user=postgres password=%s", srv.SocketDir(), wrong), probes.PGErrRefused,
			[]string{"connection refused on " + srv.SocketDir() + "/.s.PGSQL.1", "--pg"}, wrong},
		{"TCP refused", fmt.Sprintf("host=127.0.0.1 port=1 user=postgres password=%s sslmode=disable", wrong), probes.PGErrRefused,
			[]string{"connection refused on 127.0.0.1:1"}, wrong},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tg := targetFor(t, c.dsn)
			p := New(tg, procfs.NewFS("", ""), Options{})
			defer p.Close()
			r := p.Read(context.Background())
			if r.Connected || r.Err == nil {
				t.Fatalf("connected; want %v", c.kind)
			}
			if r.Err.Kind != c.kind {
				t.Errorf("kind %v, want %v: %v", r.Err.Kind, c.kind, r.Err)
			}
			for _, s := range c.says {
				if !strings.Contains(r.Err.Error(), s) {
					t.Errorf("error %q does not say %q", r.Err.Error(), s)
				}
			}
			secretLeaks(t, c.secret, r, tg)
		})
	}
}

func TestPGConnectTimeoutOnSilentServer(t *testing.T) {
	// A listener that accepts and never answers: a hung server.
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
	port := l.Addr().(*net.TCPAddr).Port
	tg := targetFor(t, fmt.Sprintf("host=127.0.0.1 port=%d user=u password=sekrit-77 sslmode=disable", port))
	p := New(tg, procfs.NewFS("", ""), Options{ConnectTimeout: 300 * time.Millisecond})
	start := time.Now()
	r := p.Read(context.Background())
	took := time.Since(start)
	if r.Connected || r.Err == nil || r.Err.Kind != probes.PGErrTimeout {
		t.Fatalf("reading %+v, want a timeout", r.Err)
	}
	if took > 2*time.Second {
		t.Errorf("took %v with a 300 ms connect timeout", took)
	}
	if !strings.Contains(r.Err.Msg, fmt.Sprintf("no answer from PostgreSQL on 127.0.0.1:%d", port)) {
		t.Errorf("message %q", r.Err.Msg)
	}
	secretLeaks(t, "sekrit-77", r, tg)
}

func TestPGOutageAndRecovery(t *testing.T) {
	srv := pgtest.Start(t)
	p := New(targetFor(t, srv.DSN("")), procfs.NewFS("", ""), Options{BackoffMin: 50 * time.Millisecond, BackoffMax: 200 * time.Millisecond})
	defer p.Close()
	if r := p.Read(context.Background()); !r.Connected {
		t.Fatalf("first reading: %v", r.Err)
	}
	srv.Stop()
	// The very next reading (one refresh) must say what is wrong.
	r := p.Read(context.Background())
	if r.Connected || r.Err == nil {
		t.Fatal("reading after the server stopped still says connected")
	}
	if r.LastGood == nil || r.LastGood.MaxConnections != 100 {
		t.Errorf("LastGood %+v: the last figures should be kept", r.LastGood)
	}
	t.Logf("after stop: %v", r.Err)
	r = p.Read(context.Background())
	if r.Connected || r.Err.Kind != probes.PGErrRefused || !strings.Contains(r.Err.Msg, "connection refused on "+srv.SocketDir()) {
		t.Errorf("second reading while down: %v, want connection refused on the socket", r.Err)
	}

	srv.Restart()
	r = readUntil(t, p, 5*time.Second, func(r probes.PGReading) bool { return r.Connected })
	if !r.Connected {
		t.Fatalf("did not recover after restart: %v", r.Err)
	}
}

func TestPGTooManyClients(t *testing.T) {
	const maxConn = 6
	srv := pgtest.Start(t, pgtest.MaxConnections(maxConn))
	dsn := srv.DSN("")
	// memtui connected first: it keeps its slot and says the server is full.
	p := New(targetFor(t, dsn), procfs.NewFS("", ""), Options{BackoffMin: time.Millisecond, BackoffMax: time.Millisecond})
	defer p.Close()
	r := p.Read(context.Background())
	if !r.Connected {
		t.Fatal(r.Err)
	}
	fill := sessions(t, dsn, maxConn-1)
	if _, err := pgx.Connect(context.Background(), dsn); !isSQLState(err, "53300") {
		t.Fatalf("server not full: %v", err)
	}
	r = p.Read(context.Background())
	if !r.Connected || !r.Stats.Full() || r.Stats.SlotsUsed != maxConn {
		t.Fatalf("reading at max_connections: connected %v, err %v, stats %+v", r.Connected, r.Err, r.Stats)
	}

	// Now memtui loses its session and cannot get a slot back.
	exec(t, fill[0], fmt.Sprintf("SELECT pg_terminate_backend(%d)", p.ownPID))
	// The slot frees when the terminated backend has exited: retry until
	// another session takes it.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := pgx.Connect(context.Background(), dsn)
		if err == nil {
			t.Cleanup(func() { c.Close(context.Background()) })
			break
		}
		if !isSQLState(err, "53300") || time.Now().After(deadline) {
			t.Fatalf("taking the freed slot: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	r = readUntil(t, p, 5*time.Second, func(r probes.PGReading) bool { return r.Err != nil && r.Err.Kind == probes.PGErrTooMany })
	if r.Connected || r.Err == nil || r.Err.Kind != probes.PGErrTooMany {
		t.Fatalf("want too many clients, got connected %v err %v", r.Connected, r.Err)
	}
	if !strings.Contains(r.Err.Msg, "too many clients already") {
		t.Errorf("message %q does not say too many clients", r.Err.Msg)
	}
	if r.LastGood == nil || r.LastGood.MaxConnections != maxConn || !r.LastGood.Full() {
		t.Errorf("LastGood %+v: what was known should still be said", r.LastGood)
	}
	// A fresh probe (memtui started while the server was full) says it too.
	q := New(targetFor(t, dsn), procfs.NewFS("", ""), Options{})
	defer q.Close()
	if r := q.Read(context.Background()); r.Err == nil || r.Err.Kind != probes.PGErrTooMany {
		t.Errorf("fresh probe on a full server: %v", r.Err)
	}
}

// A server that stops answering mid-reading (its backend frozen with
// SIGSTOP) costs one QueryTimeout, not a stalled caller; the probe then
// reconnects on a fresh backend.
func TestPGQueryTimeoutOnHungBackend(t *testing.T) {
	srv := pgtest.Start(t)
	p := New(targetFor(t, srv.DSN("")), procfs.NewFS("", ""), Options{QueryTimeout: 300 * time.Millisecond})
	defer p.Close()
	if r := p.Read(context.Background()); !r.Connected {
		t.Fatal(r.Err)
	}
	pid := p.ownPID
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Skipf("cannot stop the backend (not allowed to signal the server user?): %v", err)
	}
	defer syscall.Kill(pid, syscall.SIGCONT)
	start := time.Now()
	r := p.Read(context.Background())
	took := time.Since(start)
	if r.Connected || r.Err == nil || r.Err.Kind != probes.PGErrTimeout {
		t.Fatalf("reading from a hung backend: connected %v err %v", r.Connected, r.Err)
	}
	if took > 1500*time.Millisecond {
		t.Errorf("hung reading took %v with a 300 ms query timeout", took)
	}
	_ = syscall.Kill(pid, syscall.SIGCONT)
	r = readUntil(t, p, 5*time.Second, func(r probes.PGReading) bool { return r.Connected })
	if !r.Connected || p.ownPID == pid {
		t.Errorf("no recovery on a new session: %v (pid %d → %d)", r.Err, pid, p.ownPID)
	}
}

func isSQLState(err error, code string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == code
}

// BenchmarkPGRead is one full reading (one query, RSS of every backend)
// against a server with 200 client sessions: 150 idle, 30 idle in a
// transaction, 20 running pg_sleep.
func BenchmarkPGRead(b *testing.B) {
	srv := pgtest.Start(b, pgtest.MaxConnections(210))
	dsn := srv.DSN("")
	conns := sessions(b, dsn, 200)
	for _, c := range conns[:150] {
		exec(b, c, "SELECT 1")
	}
	for _, c := range conns[150:180] {
		exec(b, c, "BEGIN")
		exec(b, c, "SELECT txid_current()")
	}
	sleepers(b, conns[180:])
	p := New(targetFor(b, dsn), procfs.NewFS("", ""), Options{})
	defer p.Close()
	r := readUntil(b, p, 10*time.Second, func(r probes.PGReading) bool { return r.Connected && r.Stats.ByState["active"] == 20 })
	if !r.Connected || r.Stats.Total != 200 {
		b.Fatalf("setup: %v %+v", r.Err, r.Stats)
	}
	rt := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := p.Read(context.Background())
		if !r.Connected {
			b.Fatal(r.Err)
		}
		rt += r.RoundTrips
	}
	b.ReportMetric(float64(rt)/float64(b.N), "roundtrips/op")
}

// Reconnects back off: the next refresh first, then 1 s doubling to the
// cap; a reading before the retry time does not connect and repeats the
// last error.
func TestPGBackoff(t *testing.T) {
	dir := t.TempDir() // a socket directory with no server in it
	now := time.Date(2026, 11, 28, 14, 0, 0, 0, time.UTC)
	p := New(targetFor(t, fmt.Sprintf("host=%s port=5432 user=u", dir)), procfs.NewFS("", ""),
		Options{BackoffMin: time.Second, BackoffMax: 4 * time.Second, Now: func() time.Time { return now }})
	var waits []time.Duration
	for i := 0; i < 5; i++ {
		r := p.Read(context.Background())
		if r.Connected || r.Err.Kind != probes.PGErrRefused {
			t.Fatalf("reading %d: %+v", i, r)
		}
		waits = append(waits, r.RetryAt.Sub(now))
		if r.RetryAt.After(now) {
			// Before the retry time: no attempt, same error and retry time.
			again := p.Read(context.Background())
			if again.Err != r.Err || !again.RetryAt.Equal(r.RetryAt) || again.RoundTrips != 0 {
				t.Errorf("reading before the retry time attempted a connection: %+v", again)
			}
		}
		now = r.RetryAt
	}
	want := []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second}
	if d := cmp.Diff(want, waits); d != "" {
		t.Errorf("waits (-want +got):\n%s", d)
	}
}

// RSS is left out, with the reason, when the server's processes are not
// in the /proc memtui reads (a server in a container, another pid
// namespace): here a fixture /proc that lacks the backends.
func TestPGMemoryNotVisible(t *testing.T) {
	srv := pgtest.Start(t)
	p := New(targetFor(t, srv.DSN("")), procfs.NewFS("../testdata/pg/proc", ""), Options{})
	defer p.Close()
	r := p.Read(context.Background())
	if !r.Connected {
		t.Fatal(r.Err)
	}
	if m := r.Stats.Memory; m.Known || !strings.Contains(m.Reason, "not visible in ../testdata/pg/proc") {
		t.Errorf("memory %+v, want unknown and why", m)
	}
	// The fixture root has no meminfo: RAM is unknown, so no advice is
	// made up against a RAM of 0.
	if r.Stats.RAM.OK || r.Stats.Guidance != nil {
		t.Errorf("RAM %+v, guidance %+v: want unknown and none", r.Stats.RAM, r.Stats.Guidance)
	}
}

func TestIsLocalIP(t *testing.T) {
	for ip, want := range map[string]bool{"127.0.0.1": true, "::1": true, "192.0.2.1": false, "8.8.8.8": false} {
		if got := isLocalIP(net.ParseIP(ip)); got != want {
			t.Errorf("isLocalIP(%s) = %v, want %v", ip, got, want)
		}
	}
}
