package pgexec

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/actions/run"
	"github.com/memtui/memtui/probes/pgtest"
)

func TestMain(m *testing.M) {
	stop := pgtest.StartMain()
	code := m.Run()
	stop()
	os.Exit(code)
}

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// held lends a connection the caller holds, as any Conn may.
type held struct{ c *pgconn.PgConn }

func (h held) Lend(context.Context) (*pgconn.PgConn, func(), error) { return h.c, func() {}, nil }

func backendPID(t *testing.T, c *pgx.Conn) int32 {
	t.Helper()
	var pid int32
	if err := c.QueryRow(context.Background(), "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	return pid
}

// TestTerminateIdlePostgres runs the terminate-idle-postgres kind against a
// real server holding every kind of session: only the client backends idle
// past the threshold at preview time, and still idle at run time, go.
func TestTerminateIdlePostgres(t *testing.T) {
	srv := pgtest.Shared(t)
	ctx := context.Background()
	dsn := srv.DSN("")

	oldIdle1, oldIdle2, reused := connect(t, dsn), connect(t, dsn), connect(t, dsn)
	oldIdleInTx, active, freshIdle := connect(t, dsn), connect(t, dsn), connect(t, dsn)
	pid := map[*pgx.Conn]int32{}
	for _, c := range []*pgx.Conn{oldIdle1, oldIdle2, reused, oldIdleInTx, active, freshIdle} {
		pid[c] = backendPID(t, c) // also leaves each one idle from now
	}
	// Idle in a transaction is not "idle": terminating it would roll back
	// someone's work, and the seed's query does not select it either.
	if _, err := oldIdleInTx.Exec(ctx, "BEGIN; SELECT 1"); err != nil {
		t.Fatal(err)
	}
	// A long query is active, however old its query_start.
	activeCtx, stopActive := context.WithCancel(ctx)
	activeDone := make(chan struct{})
	var activeErr error
	go func() { _, activeErr = active.Exec(activeCtx, "SELECT pg_sleep(30)"); close(activeDone) }()
	t.Cleanup(func() { stopActive(); <-activeDone }) // before the connection closes

	const threshold = 1500 * time.Millisecond
	time.Sleep(threshold + 300*time.Millisecond)
	if _, err := freshIdle.Exec(ctx, "SELECT 1"); err != nil { // idle, but only just
		t.Fatal(err)
	}

	own := NewLazyConnT(t, dsn)
	r := &run.Runner{PG: Session{C: own}}
	a := actions.Action{ID: "terminate-idle-postgres", Risk: actions.RiskLow, Kind: actions.KindTerminateIdle,
		IdleAfter: threshold, Timeout: 20 * time.Second}

	p, err := r.Preview(ctx, a, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []int32
	for _, b := range p.Backends {
		got = append(got, b.PID)
		if b.User != "postgres" || b.Database != "postgres" || b.IdleFor < threshold || b.BackendStart.IsZero() {
			t.Errorf("backend %+v", b)
		}
	}
	slices.Sort(got)
	want := []int32{pid[oldIdle1], pid[oldIdle2], pid[reused]}
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("preview pids (-old idle +listed):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"pid", "user", "database", "idle for"}, p.Columns); diff != "" {
		t.Error(diff)
	}

	// Wait until the fresh idle session is old too: it was not listed, so
	// the run must leave it alone all the same.
	time.Sleep(threshold)
	// Between preview and run one of them wakes up: it must be skipped.
	if _, err := reused.Exec(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	res := r.RunSync(ctx, actions.Request{Action: a, Preview: &p, Confirmation: "y"})
	if res.Status != actions.StatusOK {
		t.Fatalf("%q %q\n%s", res.Status, res.Message, res.Output)
	}
	var gone []int32
	for _, b := range res.Terminated {
		gone = append(gone, b.PID)
	}
	slices.Sort(gone)
	wantGone := []int32{pid[oldIdle1], pid[oldIdle2]}
	slices.Sort(wantGone)
	if diff := cmp.Diff(wantGone, gone); diff != "" {
		t.Errorf("terminated (-want +got):\n%s", diff)
	}
	if res.Message != "terminated 2 of 3 listed backend(s)" || !strings.Contains(res.Output, "skipped pid") {
		t.Errorf("message %q output %q", res.Message, res.Output)
	}

	// The terminated sessions are really gone; every other one still works.
	deadline := time.Now().Add(5 * time.Second)
	for {
		var n int
		if err := reused.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1)", gone).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d terminated backends still listed", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, c := range []*pgx.Conn{oldIdle1, oldIdle2} {
		if _, err := c.Exec(ctx, "SELECT 1"); err == nil {
			t.Error("a terminated session still answers")
		}
	}
	for name, c := range map[string]*pgx.Conn{"reused": reused, "fresh idle": freshIdle} {
		if _, err := c.Exec(ctx, "SELECT 1"); err != nil {
			t.Errorf("%s session was hit: %v", name, err)
		}
	}
	if _, err := oldIdleInTx.Exec(ctx, "COMMIT"); err != nil {
		t.Errorf("idle-in-transaction session was hit: %v", err)
	}
	if _, err := (Session{C: own}).Exec(ctx, "SELECT 1"); err != nil {
		t.Errorf("memtui's own session was hit: %v", err)
	}
	select {
	case <-activeDone:
		t.Errorf("the active query ended early: %v", activeErr)
	default:
	}
}

// NewLazyConnT opens memtui's own lazy session for a test.
func NewLazyConnT(t *testing.T, dsn string) *LazyConn {
	t.Helper()
	l, err := NewLazyConn(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close(context.Background()) })
	return l
}

// TestClearOdooCaches runs the seed's cache SQL through the built-in action:
// refused on the wrong database, previewed and run on the right one.
func TestClearOdooCaches(t *testing.T) {
	srv := pgtest.Shared(t)
	ctx := context.Background()
	admin := connect(t, srv.DSN(""))
	if _, err := admin.Exec(ctx, "CREATE DATABASE odoo_production"); err != nil {
		t.Fatal(err)
	}
	odoo := connect(t, srv.DSN("odoo_production"))
	if _, err := odoo.Exec(ctx, `CREATE TABLE ir_cache (key text);
		CREATE TABLE ir_attachment (name text);
		INSERT INTO ir_cache SELECT 'k' || g FROM generate_series(1, 7) g;
		INSERT INTO ir_attachment VALUES ('web_cache_1'), ('asset cache'), ('invoice.pdf')`); err != nil {
		t.Fatal(err)
	}
	a, _ := actions.Runbook{Actions: actions.Builtin(actions.Options{})}.Find("clear-odoo-caches")

	// Connected to "postgres": refused before anything runs.
	wrong := &run.Runner{PG: Session{C: NewLazyConnT(t, srv.DSN(""))}}
	if _, err := wrong.Preview(ctx, a, nil); err == nil || !strings.Contains(err.Error(), `connected to database "postgres" but this action is for "odoo_production"`) {
		t.Errorf("preview on the wrong database: %v", err)
	}
	res := wrong.RunSync(ctx, actions.Request{Action: a})
	if res.Status != actions.StatusRefused {
		t.Errorf("run on the wrong database: %q %q", res.Status, res.Message)
	}

	r := &run.Runner{PG: Session{C: NewLazyConnT(t, srv.DSN("odoo_production"))}}
	p, err := r.Preview(ctx, a, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantRows := [][]string{{"ir_cache", "7"}, {"ir_attachment (name LIKE '%cache%')", "2"}}
	if diff := cmp.Diff(wantRows, p.Rows); diff != "" {
		t.Errorf("preview rows (-want +got):\n%s", diff)
	}
	res = r.RunSync(ctx, actions.Request{Action: a, Preview: &p, Confirmation: "y"})
	if res.Status != actions.StatusOK || res.Message != "SQL done: DELETE 7; DELETE 2" || res.Outcome != "DELETE 7; DELETE 2" {
		t.Fatalf("%q %q", res.Status, res.Message)
	}
	var left int
	if err := odoo.QueryRow(ctx, "SELECT (SELECT count(*) FROM ir_cache) + (SELECT count(*) FROM ir_attachment)").Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 1 {
		t.Errorf("%d rows left, want only invoice.pdf", left)
	}

	// A missing table is worded, and both statements roll back together.
	if _, err := odoo.Exec(ctx, "DROP TABLE ir_attachment; INSERT INTO ir_cache VALUES ('again')"); err != nil {
		t.Fatal(err)
	}
	res = r.RunSync(ctx, actions.Request{Action: a})
	if res.Status != actions.StatusFailed || !strings.Contains(res.Message, `relation "ir_attachment" does not exist: is this the right database?`) {
		t.Errorf("%q %q", res.Status, res.Message)
	}
	if err := odoo.QueryRow(ctx, "SELECT count(*) FROM ir_cache").Scan(&left); err != nil || left != 1 {
		t.Errorf("the first DELETE was not rolled back: %d rows, %v", left, err)
	}
}

// TestQueryTextAsPostgresWritesIt: a preview's rows read as psql shows
// them. Decoded into Go values and printed, a numeric read
// "{15 -1 false finite true}", an interval "{7200000000 1 0 true}" and a
// timestamp in Go's layout.
func TestQueryTextAsPostgresWritesIt(t *testing.T) {
	srv := pgtest.Shared(t)
	s := Session{C: NewLazyConnT(t, srv.DSN(""))}
	cols, rows, n, err := s.QueryText(context.Background(), `SELECT 1.5::numeric AS num, 12345678901234567890::numeric AS big,
		timestamptz '2026-12-04 14:00:00.123+00' AT TIME ZONE 'UTC' AS ts, NULL::int AS nothing, 'a b'::text AS txt,
		interval '1 day 2 hours' AS iv, true AS b, '{1,2}'::int[] AS arr
		FROM generate_series(1, 3)`, 2)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"num", "big", "ts", "nothing", "txt", "iv", "b", "arr"}; !slices.Equal(cols, want) {
		t.Errorf("columns %q, want %q", cols, want)
	}
	row := []string{"1.5", "12345678901234567890", "2026-12-04 14:00:00.123", "NULL", "a b", "1 day 02:00:00", "t", "{1,2}"}
	if diff := cmp.Diff([][]string{row, row}, rows); diff != "" || n != 3 {
		t.Errorf("%d rows (want 3, two kept); rows (-want +got):\n%s", n, diff)
	}
}
