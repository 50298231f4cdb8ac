package probes

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// svcProc is a row of a captured process table with its cgroup and
// command line, as /proc/PID/cgroup and /proc/PID/cmdline hold them.
type svcProc struct {
	pid, ppid int32
	start     uint64
	comm      string
	program   string
	cgroup    string
	cmdline   string
}

// svcTable turns rows into a table and the files the tracker reads.
func svcTable(at time.Time, rows []svcProc, files map[int32]svcProc) ProcTable {
	t := ProcTable{At: at}
	for _, r := range rows {
		t.Procs = append(t.Procs, Proc{PID: r.pid, PPID: r.ppid, Start: r.start, Comm: r.comm, Program: r.program, RSS: 10 << 20})
		files[r.pid] = r
	}
	return t
}

// TestRestartsAreServices: an hour of a host's ordinary churn in three
// scans — shells, a tmux server, sleep and timeout re-parented to init,
// memtui restarted, a test suite's throwaway PostgreSQL servers (in a
// user's session, and on a host whose cgroups name no unit) — gives no
// restart; the Odoo unit getting a new main pid and PostgreSQL's unit
// restarting under the same pid give one each, named by unit.
func TestRestartsAreServices(t *testing.T) {
	const (
		session = "0::/user.slice/user-1000.slice/session-3.scope"
		tmux    = "0::/user.slice/user-1000.slice/user@1000.service/tmux-spawn-5f2c.scope"
		bare    = "0::/" // a container: no unit to tell
		odooCG  = "0::/system.slice/odoo.service"
		pgCG    = "0::/system.slice/postgresql@15-main.service"
	)
	odoo := "/usr/bin/python3 /usr/bin/odoo -c /etc/odoo/odoo.conf"
	pg := "/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main"
	scan1 := []svcProc{
		{1, 0, 1, "systemd", "systemd", "0::/init.scope", "/sbin/init"},
		{420, 1, 100, "odoo", "odoo", odooCG, odoo},
		{421, 420, 101, "odoo", "odoo", odooCG, odoo},
		{500, 1, 200, "postgres", "postgres", pgCG, pg},
		{600, 1, 300, "bash", "bash", session, "-bash"},
		{610, 1, 310, "tmux: server", "tmux: server", tmux, "tmux new -s ops"},
		{620, 1, 320, "sleep", "sleep", session, "sleep 600"},
		{625, 1, 325, "timeout", "timeout", session, "timeout 30 curl localhost"},
		{630, 1, 330, "memtui", "memtui", tmux, "memtui"},
		{700, 1, 340, "postgres", "postgres", tmux, "postgres -D /tmp/pgtest-1234/data -p 54321"},
		{710, 1, 350, "postgres", "postgres", bare, "postgres -D /tmp/pgtest-aaaa/data -p 54400"},
	}
	scan2 := []svcProc{
		scan1[0],
		{455, 1, 1000, "odoo", "odoo", odooCG, odoo}, // the unit's new main pid
		{456, 455, 1001, "odoo", "odoo", odooCG, odoo},
		scan1[3],
		{640, 1, 1100, "bash", "bash", session, "-bash"},
		{650, 1, 1110, "tmux: server", "tmux: server", tmux, "tmux new -s ops"},
		{620, 1, 1120, "sleep", "sleep", session, "sleep 600"}, // same pid, new start
		{665, 1, 1125, "timeout", "timeout", session, "timeout 30 curl localhost"},
		{670, 1, 1130, "memtui", "memtui", tmux, "memtui"},
		{720, 1, 1140, "postgres", "postgres", tmux, "postgres -D /tmp/pgtest-5678/data -p 54322"},
		{730, 1, 1150, "postgres", "postgres", bare, "postgres -D /tmp/pgtest-bbbb/data -p 54401"},
	}
	scan3 := append([]svcProc(nil), scan2...)
	scan3[3] = svcProc{500, 1, 2000, "postgres", "postgres", pgCG, pg} // systemctl restart postgresql: pid reused
	scan3[9] = svcProc{720, 1, 2100, "postgres", "postgres", tmux, "postgres -D /tmp/pgtest-9abc/data -p 54323"}

	files := map[int32]svcProc{}
	g := NewGrowthTracker(GrowthConfig{ReadProcFile: func(pid int32, name string) ([]byte, bool) {
		r, ok := files[pid]
		switch {
		case !ok:
			return nil, false
		case name == "cgroup":
			return []byte(r.cgroup + "\n"), true
		case name == "cmdline":
			b := []byte(r.cmdline)
			for i := range b {
				if b[i] == ' ' {
					b[i] = 0
				}
			}
			return append(b, 0), true
		}
		return nil, false
	}})
	t0 := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	for i, rows := range [][]svcProc{scan1, scan2, scan3} {
		clear(files)
		tab := svcTable(t0.Add(time.Duration(i)*20*time.Minute), rows, files)
		g.Observe(&tab, nil)
	}
	var got []string
	for _, r := range g.Restarts(time.Time{}) {
		got = append(got, r.Program)
	}
	if diff := cmp.Diff([]string{"odoo.service", "postgresql@15-main.service"}, got); diff != "" {
		t.Errorf("restarts (-want +got):\n%s", diff)
	}
}

func TestParseServiceCgroup(t *testing.T) {
	tests := []struct {
		in     string
		unit   string
		byHand bool
	}{
		{"0::/system.slice/odoo.service\n", "odoo.service", false},
		{"0::/system.slice/postgresql@15-main.service\n", "postgresql@15-main.service", false},
		{"0::/user.slice/user-1000.slice/session-3.scope\n", "", true},
		{"0::/user.slice/user-1000.slice/user@1000.service/tmux-spawn-1.scope\n", "", true},
		{"0::/user.slice/user-1000.slice/user@1000.service\n", "", true},
		{"0::/user.slice/user-1000.slice/user@1000.service/app.slice/syncthing.service\n", "syncthing.service", false},
		{"0::/\n", "", false},
		{"0::/docker/3f2a\n", "", false},
		// cgroup v1: the name=systemd hierarchy.
		{"12:memory:/system.slice/redis-server.service\n1:name=systemd:/system.slice/redis-server.service\n", "redis-server.service", false},
		{"", "", false},
	}
	for _, tt := range tests {
		unit, byHand := parseServiceCgroup([]byte(tt.in))
		if unit != tt.unit || byHand != tt.byHand {
			t.Errorf("%q: unit %q byHand %v, want %q %v", tt.in, unit, byHand, tt.unit, tt.byHand)
		}
	}
}
