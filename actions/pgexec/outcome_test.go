package pgexec

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/actions/run"
	"github.com/memtui/memtui/probes/pgtest"
)

// sqlSteps is each step of a run as "status outcome rows".
func sqlSteps(res actions.Result) []string {
	var out []string
	for _, st := range res.Steps {
		s := string(st.Status) + " " + st.Outcome
		if st.SQL != nil && st.SQL.Rows != nil {
			s += " rows=" + strings.Fields(st.SQL.Tag)[len(strings.Fields(st.SQL.Tag))-1]
		}
		out = append(out, s)
	}
	return out
}

// TestSQLOutcomes: a multi-statement SQL action records every statement's
// command tag and row count, not only the last one; a failing statement
// records the ones before it as rolled back.
func TestSQLOutcomes(t *testing.T) {
	srv := pgtest.Shared(t)
	ctx := context.Background()
	admin := connect(t, srv.DSN(""))
	if _, err := admin.Exec(ctx, "CREATE DATABASE outcomes_sql"); err != nil {
		t.Fatal(err)
	}
	db := connect(t, srv.DSN("outcomes_sql"))
	fill := func() {
		t.Helper()
		if _, err := db.Exec(ctx, `DROP TABLE IF EXISTS cache; CREATE TABLE cache (id int);
			INSERT INTO cache SELECT g FROM generate_series(1, 5100) g`); err != nil {
			t.Fatal(err)
		}
	}
	count := func() int {
		t.Helper()
		var n int
		if err := db.QueryRow(ctx, "SELECT count(*) FROM cache").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	act := func(sql string) actions.Action {
		return actions.Action{ID: "clear-odoo-caches", Risk: actions.RiskLow, Kind: actions.KindSQL, SQL: sql, Database: "outcomes_sql", Timeout: 20 * time.Second}
	}
	// memtui's lazy session, and a connection held by its caller.
	for name, conn := range map[string]Conn{"lazy": NewLazyConnT(t, srv.DSN("outcomes_sql")), "held": held{connect(t, srv.DSN("outcomes_sql")).PgConn()}} {
		t.Run(name, func(t *testing.T) {
			fill()
			r := &run.Runner{PG: Session{C: conn}}
			res := r.RunSync(ctx, actions.Request{Action: act("DELETE FROM cache WHERE id <= 5000;\n DELETE FROM cache; SELECT 1 WHERE false")})
			if res.Status != actions.StatusOK {
				t.Fatalf("%q %q", res.Status, res.Message)
			}
			want := []string{"ok DELETE 5000 rows=5000", "ok DELETE 100 rows=100", "ok SELECT 0 rows=0"}
			if diff := cmp.Diff(want, sqlSteps(res)); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
			if res.Outcome != "DELETE 5000; DELETE 100; SELECT 0" || res.Message != "SQL done: DELETE 5000; DELETE 100; SELECT 0" {
				t.Errorf("outcome %q message %q", res.Outcome, res.Message)
			}
			if n := count(); n != 0 {
				t.Errorf("%d rows left", n)
			}

			// The second statement fails: the first is reported, and
			// reported undone, because the server rolled it back.
			fill()
			res = r.RunSync(ctx, actions.Request{Action: act("DELETE FROM cache WHERE id <= 5000; DELETE FROM no_such_table")})
			if res.Status != actions.StatusFailed {
				t.Fatalf("%q %q", res.Status, res.Message)
			}
			got := sqlSteps(res)
			if len(got) != 2 || got[0] != "failed DELETE 5000 (rolled back) rows=5000" || !strings.HasPrefix(got[1], `failed failed: postgres: relation "no_such_table" does not exist`) {
				t.Errorf("steps %q", got)
			}
			if !res.Steps[0].SQL.RolledBack || !strings.HasPrefix(res.Outcome, "DELETE 5000 (rolled back); failed: postgres: relation") {
				t.Errorf("outcome %q", res.Outcome)
			}
			if n := count(); n != 5100 {
				t.Errorf("%d rows left, want all 5100 (rolled back)", n)
			}
			// The session is usable after the failure.
			res = r.RunSync(ctx, actions.Request{Action: act("DELETE FROM cache")})
			if res.Status != actions.StatusOK || res.Outcome != "DELETE 5100" {
				t.Errorf("after a failure: %q %q", res.Status, res.Outcome)
			}
			// A statement stopped by the timeout says so, not "failed". The
			// server sends the tags of a query string when it ends, so a
			// timeout may leave none of the earlier ones; the last step
			// says how the run ended either way. (A held connection is
			// closed by the cancel, so this comes last.)
			fill()
			slow := act("DELETE FROM cache WHERE id <= 10; SELECT pg_sleep(10)")
			slow.Timeout = 300 * time.Millisecond
			res = r.RunSync(ctx, actions.Request{Action: slow})
			got = sqlSteps(res)
			if res.Status != actions.StatusTimedOut || len(got) == 0 || got[len(got)-1] != "timed out not finished: timed out after 300 ms; stopped it" {
				t.Errorf("timed out: %q %q", res.Status, got)
			}
			if n := count(); n != 5100 {
				t.Errorf("%d rows left after the timeout, want all 5100", n)
			}
		})
	}
}

// TestTerminateOutcomes: terminate-idle-postgres counts the backends it
// ended against those the confirmation listed, and names a listed one that
// went away on its own between preview and run.
func TestTerminateOutcomes(t *testing.T) {
	srv := pgtest.Shared(t)
	ctx := context.Background()
	dsn := srv.DSN("")
	const threshold = time.Second
	a := actions.Action{ID: "terminate-idle-postgres", Risk: actions.RiskLow, Kind: actions.KindTerminateIdle, IdleAfter: threshold, Timeout: 20 * time.Second}
	r := &run.Runner{PG: Session{C: NewLazyConnT(t, dsn)}}
	observer := connect(t, dsn)

	// idle opens n connections, lets them idle past the threshold and
	// returns the preview restricted to them (other tests' sessions on the
	// shared server are none of this test's business).
	idle := func(n int) ([]*pgx.Conn, []int32, actions.Preview) {
		t.Helper()
		var cs []*pgx.Conn
		var pids []int32
		for range n {
			c := connect(t, dsn)
			cs, pids = append(cs, c), append(pids, backendPID(t, c))
		}
		time.Sleep(threshold + 300*time.Millisecond)
		p, err := r.Preview(ctx, a, nil)
		if err != nil {
			t.Fatal(err)
		}
		p.Backends = slices.DeleteFunc(p.Backends, func(b actions.Backend) bool { return !slices.Contains(pids, b.PID) })
		if len(p.Backends) != n {
			t.Fatalf("preview lists %d of the %d idle sessions", len(p.Backends), n)
		}
		return cs, pids, p
	}
	gone := func(pid int32) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			var n int
			if err := observer.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("backend %d still listed", pid)
			}
		}
	}

	t.Run("N of N", func(t *testing.T) {
		_, pids, p := idle(4)
		res := r.RunSync(ctx, actions.Request{Action: a, Preview: &p})
		if res.Status != actions.StatusOK || res.Outcome != "4 of 4 backends ended" || len(res.Steps) != 1 {
			t.Fatalf("%q %q %+v", res.Status, res.Outcome, res.Steps)
		}
		to := res.Steps[0].Terminate
		slices.Sort(pids)
		slices.Sort(to.Ended)
		if to.Targeted != 4 || !cmp.Equal(pids, to.Ended) || len(to.Gone) != 0 {
			t.Errorf("terminate outcome %+v, want %v ended", to, pids)
		}
		for _, pid := range pids {
			gone(pid)
		}
	})

	t.Run("one vanished between preview and run", func(t *testing.T) {
		cs, pids, p := idle(5)
		// The client of the last one disconnects after the confirmation
		// was shown: nothing to end, and the record says so.
		if err := cs[4].Close(ctx); err != nil {
			t.Fatal(err)
		}
		gone(pids[4])
		res := r.RunSync(ctx, actions.Request{Action: a, Preview: &p})
		if res.Status != actions.StatusOK {
			t.Fatalf("%q %q", res.Status, res.Message)
		}
		to := res.Steps[0].Terminate
		if to.Targeted != 5 || len(to.Ended) != 4 || !cmp.Equal([]int32{pids[4]}, to.Gone) {
			t.Errorf("terminate outcome %+v", to)
		}
		want := "4 of 5 backends ended; 1 no longer idle or already gone (pid " + strconv.Itoa(int(pids[4])) + ")"
		if res.Outcome != want || res.Steps[0].Outcome != want {
			t.Errorf("outcome %q, want %q", res.Outcome, want)
		}
	})
}
