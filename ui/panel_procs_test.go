package ui

import (
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"

	"github.com/memtui/memtui/probes"
)

// fakeProcSource is a ProcSource replaying canned scans.
type fakeProcSource struct {
	mu      sync.Mutex
	results []probes.ProcScanResult
	i       int
	reqs    []probes.ProcScanRequest
	detail  probes.ProcDetail
	hist    []probes.RSSSample
}

func (f *fakeProcSource) Scan(req probes.ProcScanRequest) (probes.ProcScanResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, req)
	r := f.results[min(f.i, len(f.results)-1)]
	f.i++
	return r, nil
}

func (f *fakeProcSource) Detail(k probes.ProcKey, t *probes.ProcTable) (probes.ProcDetail, []probes.RSSSample, error) {
	return f.detail, f.hist, nil
}

const procMiB = 1 << 20

// procErrPermission stands for EACCES from the kernel.
var procErrPermission = fs.ErrPermission

// mkProc builds a table row.
func mkProc(pid, ppid int32, user, comm, cmd string, rssMiB, swapMiB uint64, growthMiBPerMin float64) probes.Proc {
	return probes.Proc{
		PID: pid, PPID: ppid, UID: 110, State: 'S', Threads: 1, Start: uint64(pid) * 10,
		RSS: rssMiB * procMiB, Swap: swapMiB * procMiB, SwapOK: true,
		Growth: growthMiBPerMin * procMiB / 60, GrowthOK: true,
		Comm: comm, User: user, Program: comm, Cmdline: cmd, CmdlineOK: cmd != "",
	}
}

const procOdooCmd = "/usr/bin/python3 /opt/odoo/odoo-bin -c /etc/odoo/odoo.conf --db_password=*** --workers=4"

// procOdooHost is a busy Odoo + PostgreSQL host: a leaking worker, a restarted
// postgres, a zombie, php-fpm and a shell.
func procOdooHost(at time.Time) probes.ProcTable {
	procs := []probes.Proc{
		mkProc(1, 0, "root", "systemd", "/sbin/init", 12, 0, 0),
		mkProc(812, 1, "odoo", "odoo-bin", procOdooCmd, 310, 40, 0),
		mkProc(820, 812, "odoo", "odoo-bin", procOdooCmd, 1126, 210, 0.5),
		mkProc(821, 812, "odoo", "odoo-bin", procOdooCmd, 950, 120, 0),
		mkProc(822, 812, "odoo", "odoo-bin", procOdooCmd, 880, 96, -2),
		mkProc(823, 812, "odoo", "odoo-bin", procOdooCmd, 1638, 300, 12.5),
		mkProc(900, 1, "postgres", "postgres", "/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main", 220, 0, 0),
		mkProc(903, 900, "postgres", "postgres", "postgres: 15/main: odoo odoo 127.0.0.1(50001) idle in transaction", 512, 8, 3),
		mkProc(904, 900, "postgres", "postgres", "postgres: 15/main: odoo odoo 127.0.0.1(50002) active", 388, 16, 0),
		mkProc(951, 950, "www-data", "php-fpm8.1", "php-fpm: pool www", 64, 0, 0),
		mkProc(952, 950, "www-data", "php-fpm8.1", "php-fpm: pool www", 73, 0, 0),
		mkProc(1400, 1200, "root", "psql", "psql postgresql://odoo:***@db.internal:5432/odoo", 10, 0, 0),
		mkProc(1500, 812, "odoo", "odoo-bin", "", 0, 0, 0),
	}
	procs[5].Mark = probes.MarkLeak
	procs[6].Mark = probes.MarkRestarted
	procs[12].State = 'Z'
	// psql started a few seconds ago: no growth measured over a window yet.
	procs[11].Mark, procs[11].GrowthOK, procs[11].Growth = probes.MarkNew, false, 0
	procs[12].SwapOK = false
	for i := range procs {
		procs[i].PSS, procs[i].PSSOK = procs[i].RSS*7/10, true
	}
	return probes.ProcTable{At: at, Procs: procs, KernelThreads: 120}
}

// procHistory is a sparkline series ending at the row's RSS.
func procHistory(p probes.Proc, end time.Time, n int) []probes.RSSSample {
	var out []probes.RSSSample
	for i := 0; i < n; i++ {
		at := end.Add(time.Duration(i-n+1) * 2 * time.Second)
		rss := float64(p.RSS) - p.Growth*2*float64(n-1-i)
		out = append(out, probes.RSSSample{At: at, RSS: uint64(rss)})
	}
	return out
}

func procScanResult(t probes.ProcTable) probes.ProcScanResult {
	r := probes.ProcScanResult{Table: t, Histories: map[probes.ProcKey][]probes.RSSSample{}, Window: time.Minute}
	for _, p := range t.Procs {
		r.Histories[p.Key()] = procHistory(p, t.At, 60)
	}
	return r
}

func procTestDeps(src *fakeProcSource) Deps {
	d := testDeps(&fakeMemory{readings: []probes.Memory{memAt(t0, 93, 60, 1000)}})
	d.Procs = src
	return d
}

func procKeyMsg(s string) tea.KeyMsg {
	switch s {
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// procScanned is the message the panel gets for a canned scan.
func procScanned(m Model, t probes.ProcTable) procsScannedMsg {
	return procsScannedMsg{id: m.procs.id, res: procScanResult(t)}
}

// procModel is the dashboard at w×h with memory read, one scan shown and
// focus on the process panel.
func procModel(w, h int) Model {
	src := &fakeProcSource{results: []probes.ProcScanResult{procScanResult(procOdooHost(t0))}}
	m := New(procTestDeps(src))
	mem := memAt(t0, 93, 60, 1000)
	m = feed(m, tea.WindowSizeMsg{Width: w, Height: h}, memSampledMsg{at: t0, mem: mem})
	m = feed(m, procScanned(m, procOdooHost(t0)), procKeyMsg("tab"))
	return m
}

// procRunCmd runs a Cmd and feeds back what it yields (Batch included), once.
func procRunCmd(m Model, cmd tea.Cmd) Model {
	if cmd == nil {
		return m
	}
	// Timers (the text input's cursor blink, ticks) would block: a Cmd that
	// does not answer at once is dropped.
	out := make(chan tea.Msg, 1)
	go func() { out <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-out:
	case <-time.After(200 * time.Millisecond):
		return m
	}
	if b, ok := msg.(tea.BatchMsg); ok {
		for _, c := range b {
			m = procRunCmd(m, c)
		}
		return m
	}
	switch msg.(type) {
	case procTickMsg, memTickMsg, nil:
		return m
	}
	return feed(m, msg)
}

// procPress sends a key and runs the Cmds it returns (dialogs, reads).
func procPress(m Model, keys ...string) Model {
	for _, k := range keys {
		next, cmd := m.Update(procKeyMsg(k))
		m = procRunCmd(next.(Model), cmd)
	}
	return m
}

func TestProcViewGolden(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {200, 60}} {
		w, h := sz[0], sz[1]
		t.Run(fmt.Sprintf("table_%dx%d", w, h), func(t *testing.T) {
			m := procModel(w, h)
			v := m.View()
			checkBlock(t, v, w, h)
			for _, want := range []string{"823", "▲ LEAK?", "1.60 GiB"} {
				if !strings.Contains(ansi.Strip(v), want) {
					t.Errorf("table lacks %q", want)
				}
			}
			if strings.Contains(v, "S3cret") {
				t.Error("a secret is on screen")
			}
			golden(t, v)
		})
		t.Run(fmt.Sprintf("groups_%dx%d", w, h), func(t *testing.T) {
			m := procPress(procModel(w, h), "g")
			v := m.View()
			checkBlock(t, v, w, h)
			if !strings.Contains(ansi.Strip(v), "odoo-bin") || !strings.Contains(ansi.Strip(v), "Memory by program") {
				t.Errorf("group view lacks the odoo-bin group:\n%s", ansi.Strip(v))
			}
			golden(t, v)
		})
		t.Run(fmt.Sprintf("detail_%dx%d", w, h), func(t *testing.T) {
			m := procModel(w, h)
			src := m.procs.src.(*fakeProcSource)
			tab := procOdooHost(t0)
			leak := tab.Procs[5]
			src.detail = probes.ProcDetail{
				Proc:      leak,
				StartedAt: t0.Add(-2 * time.Hour),
				Smaps: probes.SmapsRollup{Rss: leak.RSS, Pss: 1500 * procMiB, PssAnon: 1300 * procMiB, PssFile: 180 * procMiB, PssShmem: 20 * procMiB,
					SharedClean: 120 * procMiB, SharedDirty: 18 * procMiB, PrivateClean: 2 * procMiB, PrivateDirty: 1498 * procMiB,
					Swap: 300 * procMiB, SwapPss: 300 * procMiB, RssOK: true, PssOK: true, PssSplitOK: true, SwapOK: true, SwapPssOK: true},
				OOMScore: 745, Cgroup: "/system.slice/odoo.service", FDs: 14,
				Parent: &tab.Procs[1],
			}
			for i := 0; i < 40; i++ {
				src.hist = append(src.hist, probes.RSSSample{At: t0.Add(time.Duration(i-39) * 15 * time.Second), RSS: leak.RSS - uint64(39-i)*3*procMiB})
			}
			m = procPress(m, "up", "up", "up", "up", "up") // top row: the leaking worker
			m = procPress(m, "enter")
			if m.dlg == nil {
				t.Fatal("enter opened no dialog")
			}
			v := m.View()
			checkBlock(t, v, w, h)
			sv := ansi.Strip(v)
			for _, want := range []string{"Process 823", "PSS 1.46 GiB", "score 745", "/system.slice/odoo.service", "812 odoo-bin"} {
				if !strings.Contains(sv, want) {
					t.Errorf("detail lacks %q", want)
				}
			}
			golden(t, v)
			m = procPress(m, "esc")
			if m.dlg != nil {
				t.Error("esc did not close the detail")
			}
		})
		t.Run(fmt.Sprintf("baseline_diff_%dx%d", w, h), func(t *testing.T) {
			m := procModel(w, h)
			m = procPress(m, "m")
			later := procOdooHost(t0.Add(10 * time.Minute))
			later.Procs[5].RSS += 700 * procMiB                         // the leak went on
			later.Procs = append(later.Procs[:11], later.Procs[12:]...) // psql went away
			later.Procs = append(later.Procs, mkProc(2001, 812, "odoo", "odoo-bin", procOdooCmd, 140, 0, 0))
			m = feed(m, procScanned(m, later))
			// Rescans (g asks for one) keep returning the later table.
			m.procs.src.(*fakeProcSource).results = []probes.ProcScanResult{procScanResult(later)}
			m = procPress(m, "d")
			v := m.View()
			checkBlock(t, v, w, h)
			sv := ansi.Strip(v)
			for _, want := range []string{"changes since 13:00:00", "▲ GREW", "+700 MiB", "✚ NEW", "✖ GONE"} {
				if !strings.Contains(sv, want) {
					t.Errorf("diff lacks %q", want)
				}
			}
			golden(t, v)
			m = procPress(m, "g")
			golden2 := m.View()
			if !strings.Contains(ansi.Strip(golden2), "odoo-bin") || !strings.Contains(ansi.Strip(golden2), "6→7") {
				t.Errorf("group diff:\n%s", ansi.Strip(golden2))
			}
		})
	}
}

// procSelected is the pid under the cursor.
func procSelected(m Model) int32 {
	i, ok := m.procs.selectedIndex()
	if !ok {
		return -1
	}
	return m.procs.res.Table.Procs[i].PID
}

func procPIDs(m Model) []int32 {
	var out []int32
	for _, i := range m.procs.order {
		out = append(out, m.procs.res.Table.Procs[i].PID)
	}
	return out
}

func TestProcSelectionFollowsProcess(t *testing.T) {
	m := procModel(120, 40)
	// Before the user moves, the cursor watches the top of the list: a
	// new leader takes the first row and the selection.
	lead := procOdooHost(t0.Add(time.Second))
	lead.Procs[3].RSS = 4000 * procMiB
	m = feed(m, procScanned(m, lead))
	if procSelected(m) != 821 || m.procs.cursor != 0 {
		t.Errorf("unmoved cursor: selected %d at line %d, want 821 at line 0", procSelected(m), m.procs.cursor)
	}
	m = feed(m, procScanned(m, procOdooHost(t0.Add(time.Second))))
	m = procPress(m, "down", "down") // 821 (950 MiB) in RSS order: 823 820 821
	if got := procSelected(m); got != 821 {
		t.Fatalf("selected %d, want 821", got)
	}
	if !strings.Contains(ansi.Strip(m.View()), "row 3/13") {
		t.Error("the note does not say which row is selected")
	}
	// A new order starts again at the top.
	if c := procPress(m, "s"); c.procs.cursor != 0 || c.procs.chosen {
		t.Errorf("after a sort change: line %d chosen %v", c.procs.cursor, c.procs.chosen)
	}
	// 821 grows past everyone: it moves to the top, the cursor follows.
	next := procOdooHost(t0.Add(time.Second))
	next.Procs[3].RSS = 4000 * procMiB
	m = feed(m, procScanned(m, next))
	if got := procSelected(m); got != 821 || m.procs.cursor != 0 {
		t.Errorf("after the reorder: selected %d at line %d, want 821 at line 0", got, m.procs.cursor)
	}
	// Same pid, new start time: another process; the selection must not
	// silently stay on it as if it were the same.
	reused := procOdooHost(t0.Add(2 * time.Second))
	reused.Procs[3].RSS = 4000 * procMiB
	reused.Procs[3].Start = 999999
	m = feed(m, procScanned(m, reused))
	if m.procs.sel.Start == 8210 {
		t.Error("selection kept the old identity of a reused pid")
	}
	// The selected process vanishes: the cursor stays on its line.
	m = procPress(m, "down", "down")
	line := m.procs.cursor
	gone := procOdooHost(t0.Add(3 * time.Second))
	victim := procSelected(m)
	var kept []probes.Proc
	for _, p := range gone.Procs {
		if p.PID != victim {
			kept = append(kept, p)
		}
	}
	gone.Procs = kept
	m = feed(m, procScanned(m, gone))
	if m.procs.cursor != line || procSelected(m) == victim {
		t.Errorf("after %d vanished: line %d (was %d), selected %d", victim, m.procs.cursor, line, procSelected(m))
	}
}

func TestProcFilterAndSort(t *testing.T) {
	m := procModel(120, 40)
	t.Run("sort cycles RSS, swap, growth", func(t *testing.T) {
		if diff := cmp.Diff([]int32{823, 820, 821, 822, 903, 904, 812, 900, 952, 951, 1, 1400, 1500}, procPIDs(m)); diff != "" {
			t.Errorf("by RSS (-want +got)\n%s", diff)
		}
		m2 := procPress(m, "s")
		if got := procPIDs(m2)[:4]; fmt.Sprint(got) != "[823 820 821 822]" {
			t.Errorf("by swap: %v", got)
		}
		if last := procPIDs(m2)[len(procPIDs(m2))-1]; last != 1500 {
			t.Errorf("unknown swap should sort last, got %d", last)
		}
		m3 := procPress(m2, "s")
		if got := procPIDs(m3)[:3]; fmt.Sprint(got) != "[823 903 820]" {
			t.Errorf("by growth: %v", got)
		}
		if m3.procs.sort != sortGrowth || !strings.Contains(ansi.Strip(m3.View()), "by growth") {
			t.Error("sort not shown as growth")
		}
		if back := procPress(m3, "s"); back.procs.sort != sortRSS {
			t.Error("sort did not cycle back to RSS")
		}
	})
	t.Run("filter by name and by user, live, esc clears", func(t *testing.T) {
		m2 := procPress(m, "/")
		if _, ok := m2.dlg.(*procFilterDialog); !ok {
			t.Fatalf("/ opened %T", m2.dlg)
		}
		for _, r := range "postgres" {
			m2 = procPress(m2, string(r))
		}
		if got := procPIDs(m2); fmt.Sprint(got) != "[903 904 900 1400]" {
			// psql matches through its command line (postgresql://…)
			t.Errorf("filter postgres: %v", got)
		}
		m2 = procPress(m2, "enter")
		if m2.dlg != nil || m2.procs.filter != "postgres" {
			t.Fatalf("enter: dialog %v filter %q", m2.dlg, m2.procs.filter)
		}
		if !strings.Contains(ansi.Strip(m2.View()), `filter "postgres": 4 of 13`) {
			t.Errorf("filter status missing:\n%s", ansi.Strip(m2.View()))
		}
		m2 = procPress(m2, "esc")
		if m2.procs.filter != "" || len(procPIDs(m2)) != 13 {
			t.Errorf("esc left filter %q with %d rows", m2.procs.filter, len(procPIDs(m2)))
		}
		m3 := procPress(m, "/", "w", "w", "w", "enter")
		if got := procPIDs(m3); fmt.Sprint(got) != "[952 951]" {
			t.Errorf("filter by user www-data: %v", got)
		}
		// enter on a group lists its processes.
		mg := procPress(m, "g", "down", "enter") // postgres, the second group
		if mg.procs.groups || mg.procs.filter != "postgres" || fmt.Sprint(procPIDs(mg)) != "[903 904 900 1400]" {
			t.Errorf("enter on a group: groups %v filter %q rows %v", mg.procs.groups, mg.procs.filter, procPIDs(mg))
		}
		m4 := procPress(m3, "/", "x", "esc")
		if m4.procs.filter != "www" {
			t.Errorf("esc in the input should restore the previous filter, got %q", m4.procs.filter)
		}
	})
	t.Run("the panel asks detail for what it shows", func(t *testing.T) {
		m2 := procPress(m, "s") // swap order needs swap of everyone
		req := m2.procs.request(nil)
		if !req.AllSwap || len(req.Track) == 0 || req.Track[0] != (probes.ProcKey{PID: 823, Start: 8230}) {
			t.Errorf("request: AllSwap %v Track %v", req.AllSwap, req.Track)
		}
		if g := procPress(m, "g").procs.request(nil); !g.AllPSS || !g.AllSwap {
			t.Error("group view must read PSS and swap for everyone")
		}
		if r := m.procs.request(nil); r.AllSwap || r.AllPSS {
			t.Error("the RSS view must not pay for status/smaps of every process")
		}
		// At 80×24 the table shows 7 rows: 8 get detail (one for scrolling),
		// not a fixed 40.
		small := procModel(80, 24).procs.request(nil)
		if small.DetailTop != 8 || len(small.Track) != 8 {
			t.Errorf("80×24: DetailTop %d, %d tracked", small.DetailTop, len(small.Track))
		}
	})
}

func TestProcTicks(t *testing.T) {
	src := &fakeProcSource{results: []probes.ProcScanResult{procScanResult(procOdooHost(t0))}}
	p := newProcPanel(procTestDeps(src).withDefaults())
	cmd := p.update(procTickMsg{id: p.id, tag: p.tag})
	if cmd == nil || !p.inFlight {
		t.Fatal("a tick started no scan")
	}
	if again := p.update(procTickMsg{id: p.id, tag: p.tag}); again != nil {
		t.Error("a second scan started while one was in flight")
	}
	msg := cmd()
	sm, ok := msg.(procsScannedMsg)
	if !ok || sm.err != nil {
		t.Fatalf("scan Cmd yielded %T %v", msg, sm.err)
	}
	p.update(sm)
	if p.inFlight || !p.have || p.every() != time.Second {
		t.Errorf("after the scan: inFlight %v have %v every %v", p.inFlight, p.have, p.every())
	}
	if c := p.update(procTickMsg{id: p.id + 1, tag: p.tag}); c != nil {
		t.Error("another panel's tick started a scan")
	}
	// A big table slows the cadence.
	big := procOdooHost(t0)
	big.KernelThreads = 5000
	p.update(procsScannedMsg{id: p.id, res: procScanResult(big)})
	if p.every() != procSlowEvery {
		t.Errorf("cadence at 5,000 processes: %v, want %v", p.every(), procSlowEvery)
	}
	// The previous table is recycled into the next scan, once.
	reuse := p.spare
	if reuse == nil {
		t.Fatal("no spare table after two scans")
	}
	cmd = p.update(procTickMsg{id: p.id, tag: p.tag})
	if p.spare != nil || cmd == nil {
		t.Error("the spare table was not handed to the scan")
	}
	cmd()
	if last := src.reqs[len(src.reqs)-1]; &last.Reuse[0] != &reuse[0] {
		t.Error("the scan did not get the spare table")
	}
	// Pause kills pending ticks.
	p.inFlight = false
	p.update(pauseToggledMsg{paused: true})
	if c := p.update(procTickMsg{id: p.id, tag: p.tag - 1}); c != nil {
		t.Error("a stale tick started a scan")
	}
}

func TestProcMarkWithoutScanAndDiffWithoutBaseline(t *testing.T) {
	src := &fakeProcSource{results: []probes.ProcScanResult{procScanResult(procOdooHost(t0))}}
	p := newProcPanel(procTestDeps(src).withDefaults())
	if cmd := p.update(procKeyMsg("m")); cmd == nil {
		t.Error("m before any scan gave no explanation")
	} else if f, ok := cmd().(flashMsg); !ok || f.level != flashWarn {
		t.Errorf("m before a scan: %#v", cmd())
	}
	p.update(procsScannedMsg{id: p.id, res: procScanResult(procOdooHost(t0))})
	cmd := p.update(procKeyMsg("d"))
	if p.diff || cmd == nil {
		t.Error("d without a baseline should explain, not switch")
	}
}

func TestSparklineAndGrowthText(t *testing.T) {
	up := []probes.RSSSample{}
	for i := 0; i < 8; i++ {
		up = append(up, probes.RSSSample{At: t0.Add(time.Duration(i) * time.Second), RSS: uint64(100+10*i) * procMiB})
	}
	if got := procSparkline(up, 8); got != "▁▂▃▄▅▆▇█" {
		t.Errorf("rising sparkline %q", got)
	}
	flat := []probes.RSSSample{{At: t0, RSS: 100 * procMiB}, {At: t0.Add(time.Second), RSS: 100*procMiB + 4096}}
	if got := procSparkline(flat, 4); got != "▁▁  " {
		t.Errorf("flat sparkline %q", got)
	}
	for _, c := range []struct {
		v    float64
		ok   bool
		want string
	}{{3.75 * procMiB / 60, true, "+3.75 MiB"}, {-2 * procMiB / 60, true, "-2.00 MiB"}, {1, true, "0"}, {0, false, "—"}} {
		if got := procGrowthText(c.v, c.ok); got != c.want {
			t.Errorf("growthText(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}

func TestProcDetailDialogFollowsAndOutlives(t *testing.T) {
	src := &fakeProcSource{results: []probes.ProcScanResult{procScanResult(procOdooHost(t0))}}
	tab := procOdooHost(t0)
	p := tab.Procs[5]
	d := newProcDetailDialog(src, p, tab, time.UTC, func() time.Time { return t0 })
	src.detail = probes.ProcDetail{Proc: p, SmapsErr: fmt.Errorf("smaps_rollup: %w", probes.ErrUnavailable), OOMErr: probes.ErrUnavailable,
		CgroupErr: probes.ErrUnavailable, FDsErr: fmt.Errorf("fd: %w", procErrPermission)}
	msg := d.readCmd()()
	dl, _ := d.update(msg)
	v := ansi.Strip(dl.view(NewStyles(nil, DarkTheme()), 100, 30))
	for _, want := range []string{"Process 823", "— (not available)", "— (permission denied: run as root)", "▲ LEAK?"} {
		if !strings.Contains(v, want) {
			t.Errorf("detail lacks %q:\n%s", want, v)
		}
	}
	// Each scan re-reads the detail, one read at a time.
	_, cmd := dl.update(procsScannedMsg{res: procScanResult(procOdooHost(t0.Add(time.Second)))})
	if cmd == nil {
		t.Fatal("a scan did not refresh the open detail")
	}
	if _, again := dl.update(procsScannedMsg{res: procScanResult(procOdooHost(t0.Add(2 * time.Second)))}); again != nil {
		t.Error("a second read started while one was in flight")
	}
	// The process exits: the last reading stays, with a warning.
	dl, _ = dl.update(procDetailReadMsg{key: p.Key(), err: fmt.Errorf("process 823: %w", probes.ErrProcessGone)})
	v = ansi.Strip(dl.view(NewStyles(nil, DarkTheme()), 100, 30))
	if !strings.Contains(v, "the process has exited") || !strings.Contains(v, "Process 823") {
		t.Errorf("exited process:\n%s", v)
	}
	if _, cmd := dl.update(procsScannedMsg{res: procScanResult(procOdooHost(t0.Add(3 * time.Second)))}); cmd != nil {
		t.Error("kept re-reading a process that has exited")
	}
	// Another dialog's reading is ignored.
	other, _ := dl.update(procDetailReadMsg{key: probes.ProcKey{PID: 1, Start: 10}, err: fmt.Errorf("x")})
	if strings.Contains(ansi.Strip(other.view(NewStyles(nil, DarkTheme()), 100, 30)), "✖ x") {
		t.Error("took another process's reading")
	}
	if dl, _ = dl.update(procKeyMsg("esc")); !dl.closed() {
		t.Error("esc did not close")
	}
}

// TestProcOdooWorkerMarks: with Odoo's limits known, the workers (Odoo
// processes under the Odoo master) are marked by their virtual size, the
// way Odoo judges them — at the hard limit, to be recycled, near the soft
// limit — in words and glyphs, and a status line counts them; the master
// and other programs get no mark.
func TestProcOdooWorkerMarks(t *testing.T) {
	const mib = 1 << 20
	tab := procOdooHost(t0)
	vm := map[int32]uint64{812: 900 * mib, 820: 2600 * mib, 821: 2100 * mib, 822: 1900 * mib, 823: 1200 * mib}
	for i := range tab.Procs {
		tab.Procs[i].VM = vm[tab.Procs[i].PID]
	}
	conf, err := probes.ParseOdooConf([]byte("[options]\nworkers = 4\nlimit_memory_soft = 2147483648\nlimit_memory_hard = 2684354560\n"))
	if err != nil {
		t.Fatal(err)
	}
	src := &fakeProcSource{results: []probes.ProcScanResult{procScanResult(tab)}}
	d := procTestDeps(src)
	d.Odoo = &conf
	m := New(d)
	m = feed(m, tea.WindowSizeMsg{Width: 120, Height: 40}, memSampledMsg{at: t0, mem: memAt(t0, 93, 60, 1000)})
	m = feed(m, procScanned(m, tab), procKeyMsg("tab"))
	v := palScreen(m)
	lines := strings.Split(v, "\n")
	row := func(pid string) string {
		for _, l := range lines {
			if strings.Contains(l, " "+pid+" ") {
				return l
			}
		}
		return ""
	}
	for pid, want := range map[string]string{"820": "✖ ODOO HARD LIMIT", "821": "▲ ODOO RECYCLE", "822": "◐ ODOO NEAR SOFT"} {
		if !strings.Contains(row(pid), want) {
			t.Errorf("row of %s lacks %q: %q", pid, want, row(pid))
		}
	}
	for _, pid := range []string{"812", "823", "903"} {
		if strings.Contains(row(pid), "ODOO") {
			t.Errorf("row of %s is marked: %q", pid, row(pid))
		}
	}
	if !strings.Contains(v, "▲ odoo: 1 at the hard limit, 1 to be recycled, 1 near the soft limit of 4 workers") {
		t.Errorf("no Odoo status line:\n%s", v)
	}
	// The limits against this host's RAM (the test host has 16 GiB): 4
	// workers at 2.5 GiB fit, so no warning; 9 workers on its CPUs do not.
	if strings.Contains(v, "▲ odoo.conf:") {
		t.Errorf("a warning for limits that fit:\n%s", v)
	}
	conf9 := conf
	conf9.Workers = 9
	d.Odoo = &conf9
	m = feed(New(d), tea.WindowSizeMsg{Width: 120, Height: 40}, memSampledMsg{at: t0, mem: memAt(t0, 93, 60, 1000)})
	m = feed(m, procScanned(m, tab), procKeyMsg("tab"))
	if v := palScreen(m); !strings.Contains(v, "▲ odoo.conf: (workers 9 + cron 2) × limit_memory_hard 2.50 GiB = 27.5 GiB > RAM") {
		t.Errorf("no warning for 9 workers:\n%s", v)
	}
	// Without Odoo's configuration nothing is marked.
	m = feed(New(procTestDeps(src)), tea.WindowSizeMsg{Width: 120, Height: 40}, memSampledMsg{at: t0, mem: memAt(t0, 93, 60, 1000)})
	m = feed(m, procScanned(m, tab), procKeyMsg("tab"))
	if v := palScreen(m); strings.Contains(v, "ODOO") || strings.Contains(v, "limits by virtual size") {
		t.Errorf("marks without a configuration:\n%s", v)
	}
}
