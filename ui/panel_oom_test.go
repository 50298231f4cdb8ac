package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/memtui/memtui/probes/procfs"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"

	"github.com/memtui/memtui/probes"
)

// fakeOOM is an OOMSource whose Next hands out what the test sends.
type fakeOOM struct {
	kills  []probes.OOMKill
	status probes.OOMSourceStatus
	start  probes.Val
	next   chan []probes.OOMKill
	err    error // returned by Next once next is closed
}

func (f *fakeOOM) Kills() []probes.OOMKill        { return f.kills }
func (f *fakeOOM) Status() probes.OOMSourceStatus { return f.status }
func (f *fakeOOM) StartCount() probes.Val         { return f.start }
func (f *fakeOOM) Next(ctx context.Context) ([]probes.OOMKill, error) {
	select {
	case ks, ok := <-f.next:
		if !ok {
			return nil, f.err
		}
		return ks, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// oomLog is a kernel log of this host's morning, parsed by the real
// parser: a cgroup kill at 12:20, a global one at 12:59:30, one yesterday,
// an earlyoom kill and one whose log had only a kernel stamp.
const oomLog = `2026-11-27T22:14:03+0000 h kernel: Out of memory: Killed process 9001 (celery) total-vm:900000kB, anon-rss:812000kB, file-rss:0kB, shmem-rss:0kB, UID:33 pgtables:1800kB oom_score_adj:0
2026-11-28T12:20:11+0000 h kernel: odoo-bin invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0
2026-11-28T12:20:11+0000 h kernel: CPU: 1 PID: 51230 Comm: odoo-bin Not tainted 6.1.0-18-amd64 #1 Debian 6.1.76-1
2026-11-28T12:20:11+0000 h kernel: oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/system.slice/odoo.service,task_memcg=/system.slice/odoo.service,task=odoo-bin,pid=51231,uid=113
2026-11-28T12:20:11+0000 h kernel: Memory cgroup out of memory: Killed process 51231 (odoo-bin) total-vm:1153640kB, anon-rss:1039648kB, file-rss:0kB, shmem-rss:0kB, UID:113 pgtables:2296kB oom_score_adj:0
2026-11-28T12:45:00+0000 h earlyoom[612]: sending SIGTERM to process 7712 uid 113 "python3": oom_score 702, VmRSS 981 MiB, cmdline "python3 x.py"
2026-11-28T12:59:30+0000 h kernel: postgres invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0
2026-11-28T12:59:30+0000 h kernel: CPU: 0 PID: 9120 Comm: postgres Not tainted 6.1.0-18-amd64 #1 Debian 6.1.76-1
2026-11-28T12:59:30+0000 h kernel: oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/postgresql@15-main.service,task=postgres,pid=9121,uid=110
2026-11-28T12:59:30+0000 h kernel: Out of memory: Killed process 9121 (postgres) total-vm:3920124kB, anon-rss:3648016kB, file-rss:0kB, shmem-rss:12044kB, UID:110 pgtables:7460kB oom_score_adj:0
[ 5012.771133] Out of memory: Killed process 6612 (gunicorn: worker) total-vm:2210044kB, anon-rss:1980112kB, file-rss:2040kB, shmem-rss:0kB
`

// newKill is a kill that arrives while memtui runs, at 13:09:50.
const newKillLog = `2026-11-28T13:09:50+0000 h kernel: oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/system.slice/odoo.service,task_memcg=/system.slice/odoo.service,task=odoo-bin,pid=51877,uid=113
2026-11-28T13:09:50+0000 h kernel: Memory cgroup out of memory: Killed process 51877 (odoo-bin) total-vm:1203000kB, anon-rss:1101000kB, file-rss:0kB, shmem-rss:0kB, UID:113 pgtables:2300kB oom_score_adj:0
`

func parseKills(t *testing.T, log string) []probes.OOMKill {
	t.Helper()
	l := probes.ParseOOMBytes([]byte(log), probes.OOMParseOptions{Location: time.UTC, Now: t0.Add(time.Hour)})
	return l.Kills
}

func kmsgStatus() probes.OOMSourceStatus {
	return probes.OOMSourceStatus{Source: probes.OOMSourceKmsg, What: "/dev/kmsg", Following: true, Attempts: []probes.OOMAttempt{
		{Source: probes.OOMSourceKmsg, What: "/dev/kmsg"},
		{Source: probes.OOMSourceDmesg, What: "dmesg", Err: probes.ErrNotNeeded},
		{Source: probes.OOMSourceJournal, What: "journalctl", Err: probes.ErrNotNeeded},
	}}
}

func restrictedStatus() probes.OOMSourceStatus {
	return probes.OOMSourceStatus{Restricted: true, DmesgRestrict: true, Attempts: []probes.OOMAttempt{
		{Source: probes.OOMSourceKmsg, What: "/dev/kmsg", Err: errors.New("/dev/kmsg: permission denied")},
	}}
}

// loadedPanel is an oomPanel after its load and a memory reading with
// oom_kill = count.
func loadedPanel(t *testing.T, src *fakeOOM, count uint64) oomPanel {
	t.Helper()
	d := testDeps(nil)
	d.OOM = src
	p := newOOMPanel(d.withDefaults())
	msg := p.init()()
	p.update(msg)
	r := memAt(t0.Add(10*time.Minute), 80, 10, 0)
	r.VMStat.OOMKill = probes.Some(count)
	p.update(memSampledMsg{at: r.Time, mem: r})
	return p
}

// TestOOMPanelGolden draws the panel at the size the layout gives it at
// 80×24 and 120×40 (stacked, as the lower tab) and 200×60 (grid).
func TestOOMPanelGolden(t *testing.T) {
	kills := parseKills(t, oomLog)
	if len(kills) != 5 {
		t.Fatalf("parsed %d kills from the test log, want 5", len(kills))
	}
	cases := []struct {
		name    string
		src     func() *fakeOOM
		count   uint64
		arrive  string // a log of kills that arrive while running
		focused bool
	}{
		{name: "kills_one_new", src: func() *fakeOOM {
			return &fakeOOM{kills: kills, status: kmsgStatus(), start: probes.Some(6), next: make(chan []probes.OOMKill)}
		}, count: 7, arrive: newKillLog, focused: true},
		{name: "restricted", src: func() *fakeOOM {
			return &fakeOOM{status: restrictedStatus(), start: probes.Some(6)}
		}, count: 8},
		{name: "none", src: func() *fakeOOM {
			return &fakeOOM{status: kmsgStatus(), start: probes.Some(0), next: make(chan []probes.OOMKill)}
		}, count: 0},
		{name: "follow_ended", src: func() *fakeOOM {
			return &fakeOOM{kills: kills[:2], status: kmsgStatus(), start: probes.Some(2), next: make(chan []probes.OOMKill)}
		}, count: 2},
	}
	for _, tc := range cases {
		for _, sz := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
			l := layout(sz[0], sz[1], pOOM)
			r := l.rects[pOOM]
			t.Run(tc.name+"_"+strings.Join([]string{itoa(sz[0]), itoa(sz[1])}, "x"), func(t *testing.T) {
				src := tc.src()
				p := loadedPanel(t, src, tc.count)
				if tc.arrive != "" {
					p.update(oomKilledMsg{id: p.id, at: t0.Add(9*time.Minute + 50*time.Second), kills: parseKills(t, tc.arrive)})
				}
				if tc.name == "follow_ended" {
					st := kmsgStatus()
					st.Following = false
					p.update(oomWaitEndedMsg{id: p.id, err: probes.ErrFollowEnded, status: st})
				}
				v := p.view(p.testStyles(), r.w, r.h, tc.focused)
				checkBlock(t, v, r.w, r.h)
				// The root joins panel lines side by side: each must be
				// exactly as wide as the panel.
				for i, line := range strings.Split(v, "\n") {
					if lw := ansi.StringWidth(line); lw != r.w {
						t.Errorf("line %d is %d cells, want exactly %d", i, lw, r.w)
					}
				}
				golden(t, v)
			})
		}
	}
}

func itoa(n int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(n)) }

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func (p oomPanel) testStyles() Styles { return NewStyles(nil, DarkTheme()) }

func TestOOMPanelUpdate(t *testing.T) {
	kills := parseKills(t, oomLog)
	newKills := parseKills(t, newKillLog)

	t.Run("load starts one wait; kills are not new", func(t *testing.T) {
		src := &fakeOOM{kills: kills, status: kmsgStatus(), start: probes.Some(6), next: make(chan []probes.OOMKill, 1)}
		d := testDeps(nil)
		d.OOM = src
		p := newOOMPanel(d.withDefaults())
		cmd := p.update(p.init()())
		if cmd == nil || !p.waiting || len(p.entries) != 5 {
			t.Fatalf("after load: cmd %v waiting %v entries %d", cmd != nil, p.waiting, len(p.entries))
		}
		for _, e := range p.entries {
			if e.isNew {
				t.Errorf("backlog kill %d marked new", e.k.PID)
			}
		}
		// The wait Cmd returns the kills the source hands out.
		src.next <- newKills
		msg, ok := cmd().(oomKilledMsg)
		if !ok || msg.id != p.id || len(msg.kills) != 1 {
			t.Fatalf("wait returned %#v", msg)
		}
		cmd = p.update(msg)
		if len(p.entries) != 6 || !p.entries[5].isNew || p.entries[5].k.PID != 51877 {
			t.Fatalf("new kill not kept as new: %+v", p.entries[len(p.entries)-1])
		}
		// The Batch holds the next wait and the flash.
		var flashes []string
		for _, c := range cmd().(tea.BatchMsg) {
			if c == nil {
				continue
			}
			done := make(chan tea.Msg, 1)
			go func() { done <- c() }()
			select {
			case m := <-done:
				if f, ok := m.(flashMsg); ok {
					flashes = append(flashes, f.text)
				}
			case <-time.After(100 * time.Millisecond):
				// the next wait: blocked on the source, as it should be
			}
		}
		if diff := cmp.Diff([]string{"OOM kill: pid 51877 (odoo-bin) in odoo.service, anon-rss 1.05 GiB"}, flashes); diff != "" {
			t.Errorf("flash (-want +got):\n%s", diff)
		}
	})

	t.Run("the same kill twice is kept once", func(t *testing.T) {
		p := loadedPanel(t, &fakeOOM{kills: kills, status: kmsgStatus(), next: make(chan []probes.OOMKill)}, 6)
		p.update(oomKilledMsg{id: p.id, at: t0, kills: kills[len(kills)-1:]})
		if len(p.entries) != 5 {
			t.Errorf("%d entries, want 5", len(p.entries))
		}
	})

	t.Run("another panel's messages are ignored", func(t *testing.T) {
		p := loadedPanel(t, &fakeOOM{kills: kills, status: kmsgStatus(), next: make(chan []probes.OOMKill)}, 6)
		cmd := p.update(oomKilledMsg{id: p.id + 1000, at: t0, kills: newKills})
		if cmd != nil || len(p.entries) != 5 {
			t.Error("a kill for another panel was taken")
		}
	})

	t.Run("an expired wait starts another; an ended follow stops", func(t *testing.T) {
		p := loadedPanel(t, &fakeOOM{kills: kills, status: kmsgStatus(), next: make(chan []probes.OOMKill)}, 6)
		if cmd := p.update(oomWaitEndedMsg{id: p.id}); cmd == nil {
			t.Error("no new wait after a timeout")
		}
		st := kmsgStatus()
		st.Following = false
		cmd := p.update(oomWaitEndedMsg{id: p.id, err: probes.ErrFollowEnded, status: st})
		if cmd != nil || p.waiting || !errors.Is(p.endErr, probes.ErrFollowEnded) {
			t.Errorf("after the end: cmd %v waiting %v err %v", cmd != nil, p.waiting, p.endErr)
		}
	})

	t.Run("restricted: no wait, counter still counts", func(t *testing.T) {
		p := loadedPanel(t, &fakeOOM{status: restrictedStatus(), start: probes.Some(6)}, 8)
		if p.waiting {
			t.Error("waiting on a source that does not work")
		}
		s := ansi.Strip(p.view(p.testStyles(), 118, 10, false))
		for _, want := range []string{"8 since boot", "▲ +2 since memtui started", "✖ kernel log: permission denied — kernel.dmesg_restrict=1; run as root or grant CAP_SYSLOG"} {
			if !strings.Contains(s, want) {
				t.Errorf("view lacks %q:\n%s", want, s)
			}
		}
	})

	t.Run("paused: new kills are held, shown on resume", func(t *testing.T) {
		p := loadedPanel(t, &fakeOOM{kills: kills, status: kmsgStatus(), next: make(chan []probes.OOMKill)}, 6)
		p.update(pauseToggledMsg{paused: true})
		p.update(oomKilledMsg{id: p.id, at: t0, kills: newKills})
		if len(p.entries) != 5 || len(p.held) != 1 {
			t.Fatalf("entries %d held %d", len(p.entries), len(p.held))
		}
		if v := ansi.Strip(p.view(p.testStyles(), 80, 10, false)); !strings.Contains(v, "⏸ 1 new held") {
			t.Errorf("paused view does not say a kill is held:\n%s", v)
		}
		p.update(pauseToggledMsg{paused: false})
		if len(p.entries) != 6 || len(p.held) != 0 {
			t.Errorf("after resume: entries %d held %d", len(p.entries), len(p.held))
		}
	})

	t.Run("keys move the selection and enter opens the details", func(t *testing.T) {
		p := loadedPanel(t, &fakeOOM{kills: kills, status: kmsgStatus(), next: make(chan []probes.OOMKill)}, 6)
		down := tea.KeyMsg{Type: tea.KeyDown}
		for range 10 {
			p.update(down)
		}
		if p.sel != 4 {
			t.Errorf("selection %d after many downs, want the last row 4", p.sel)
		}
		p.update(tea.KeyMsg{Type: tea.KeyUp})
		cmd := p.update(tea.KeyMsg{Type: tea.KeyEnter})
		if cmd == nil {
			t.Fatal("enter opened nothing")
		}
		od, ok := cmd().(openDialogMsg)
		if !ok {
			t.Fatalf("enter gave %T", cmd())
		}
		v := ansi.Strip(od.d.view(p.testStyles(), 100, 30))
		// Row 3 newest-first is the odoo-bin kill of 12:20.
		for _, want := range []string{"pid 51231 (odoo-bin) by kernel", "/system.slice/odoo.service", "odoo-bin[51230]", "2026-11-28 12:20:11 UTC (49m ago)"} {
			if !strings.Contains(v, want) {
				t.Errorf("details lack %q:\n%s", want, v)
			}
		}
		if d, _ := od.d.update(tea.KeyMsg{Type: tea.KeyEsc}); !d.closed() {
			t.Error("esc did not close the details")
		}
	})
}

// TestOOMPanelLiveFollower runs the panel's Cmds against the real
// follower over a FIFO standing in for /dev/kmsg: a record written to it
// reaches the panel as a highlighted new kill.
func TestOOMPanelLiveFollower(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "kmsg")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	w, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	f := procfs.NewFS(filepath.Join("..", "probes", "testdata", "oom", "proc"), "").FollowOOM(context.Background(), probes.OOMConfig{KmsgPath: fifo, Location: time.UTC})
	defer f.Close()
	d := testDeps(nil)
	d.OOM = f
	d.Now = time.Now
	p := newOOMPanel(d.withDefaults())
	wait := p.update(p.init()())
	if wait == nil {
		t.Fatalf("no wait started; status %s", f.Status())
	}
	got := make(chan tea.Msg, 1)
	go func() { got <- wait() }()
	w.WriteString("3,900,700000000,-;Memory cgroup out of memory: Killed process 31337 (stress) total-vm:9000kB, anon-rss:8000kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:40kB oom_score_adj:0\n")
	select {
	case msg := <-got:
		p.update(msg)
	case <-time.After(3 * time.Second):
		t.Fatal("the kill did not reach the panel within 3 s")
	}
	v := ansi.Strip(p.view(p.testStyles(), 118, 20, false))
	if !strings.Contains(v, "✖ NEW") || !strings.Contains(v, "31337") || !strings.Contains(v, "kernel log: "+fifo+", following") {
		t.Errorf("view:\n%s", v)
	}
}

// Through the root: the kills reach the panel at 200×60 (grid) and, once
// the OOM tab is chosen, at 80×24; enter on the panel opens the details.
func TestOOMInDashboard(t *testing.T) {
	src := &fakeOOM{kills: parseKills(t, oomLog), status: kmsgStatus(), start: probes.Some(6), next: make(chan []probes.OOMKill)}
	d := testDeps(&fakeMemory{readings: risingSeries()})
	d.OOM = src
	m := New(d)
	m = feed(m, tea.WindowSizeMsg{Width: 200, Height: 60},
		oomLoadedMsg{id: m.oom.id, kills: src.kills, status: src.status, start: src.start},
		oomKilledMsg{id: m.oom.id, at: t0.Add(9*time.Minute + 50*time.Second), kills: parseKills(t, newKillLog)})
	if v := ansi.Strip(m.View()); !strings.Contains(v, "✖ NEW") || !strings.Contains(v, "51877") {
		t.Errorf("200×60 lacks the new kill:\n%s", v)
	}
	m = feed(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	for m.focus != pOOM {
		m = feed(m, tea.KeyMsg{Type: tea.KeyTab})
	}
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "✖ NEW") || !strings.Contains(v, "kernel log: /dev/kmsg, following") {
		t.Errorf("80×24 with the OOM tab lacks the kills:\n%s", v)
	}
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	if cmd == nil {
		t.Fatal("enter on the OOM panel did nothing")
	}
	m = feed(m, cmd())
	if m.dlg == nil || !strings.Contains(ansi.Strip(m.View()), "✖ NEW OOM kill · pid 51877") {
		t.Errorf("details not open:\n%s", ansi.Strip(m.View()))
	}
}
