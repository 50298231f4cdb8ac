package pgprobe

import (
	"context"
	"testing"
	"time"

	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/pgtest"
	"github.com/memtui/memtui/probes/procfs"
)

// TestPGRoleWithoutMonitorSeesNoState: a role without pg_monitor (or
// superuser) gets other roles' sessions from pg_stat_activity with no
// state. The reading must say so — role, not all seen, how many hidden —
// instead of looking idle; after GRANT pg_monitor it sees them all.
func TestPGRoleWithoutMonitorSeesNoState(t *testing.T) {
	srv := pgtest.Start(t)
	admin := sessions(t, srv.DSN(""), 1)[0]
	const pw = "app-Pa55-1b2c"
	exec(t, admin, "CREATE ROLE watcher LOGIN PASSWORD '"+pw+"'")
	busy := sessions(t, srv.DSN(""), 3)
	stop := sleepers(t, busy)
	defer stop()

	p := New(targetFor(t, srv.DSNFor("watcher", pw, "postgres")), procfs.NewFS("", ""), Options{IdleThreshold: time.Hour})
	defer p.Close()
	r := readUntil(t, p, 10*time.Second, func(r probes.PGReading) bool {
		return r.Connected && r.Stats.Hidden >= 3
	})
	if !r.Connected {
		t.Fatalf("not connected: %v", r.Err)
	}
	if st := r.Stats; st.Role != "watcher" || st.SeesAll || st.Hidden < 3 || st.ByState["active"] != 0 {
		t.Errorf("unprivileged reading: role %q sees all %v hidden %d active %d; want watcher, false, ≥3, 0 (the state is hidden)",
			st.Role, st.SeesAll, st.Hidden, st.ByState["active"])
	}

	exec(t, admin, "GRANT pg_monitor TO watcher")
	p.Close() // a new session: role membership is checked per statement, but start clean
	p = New(targetFor(t, srv.DSNFor("watcher", pw, "postgres")), procfs.NewFS("", ""), Options{IdleThreshold: time.Hour})
	defer p.Close()
	r = readUntil(t, p, 10*time.Second, func(r probes.PGReading) bool {
		return r.Connected && r.Stats.ByState["active"] == 3
	})
	if st := r.Stats; st == nil || !st.SeesAll || st.Hidden != 0 {
		t.Errorf("after GRANT pg_monitor: %+v", st)
	}
	_ = context.Background
}
