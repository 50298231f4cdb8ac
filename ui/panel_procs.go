package ui

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/probes"
)

// ProcSource scans the process table and reads one process's detail.
// Satisfied by *probes.ProcMonitor; tests hand in a fake.
type ProcSource interface {
	Scan(req probes.ProcScanRequest) (probes.ProcScanResult, error)
	Detail(k probes.ProcKey, table *probes.ProcTable) (probes.ProcDetail, []probes.RSSSample, error)
}

const (
	// procScanTimeout bounds one scan: /proc reads can stall on a host in
	// deep reclaim, and the panel must then say so rather than freeze.
	procScanTimeout = 5 * time.Second
	// procManyProcs is where the table is scanned less often, every
	// procSlowEvery, while memory keeps its pace: a full scan costs about
	// 10 µs of CPU per process (docs/PERFORMANCE.md), so at 2,000 processes
	// a scan a second would cost more than the rest of memtui together.
	// Every row is then at most 2 s old, new processes included.
	procManyProcs = 1000
	procSlowEvery = 2 * time.Second
	// procRowsDefault is how many rows get detail (swap, command line) and
	// history each scan before the panel knows its height.
	procRowsDefault = 20
	// procSparkPoints is how many samples a row's sparkline is drawn from.
	procSparkPoints = 90
	// procPSSMaxAge spreads smaps_rollup reads (6× the cost of stat) in the
	// group view: each process's PSS is at most this old.
	procPSSMaxAge = 10 * time.Second
)

// procSort is the order of the table.
type procSort int

const (
	sortRSS procSort = iota
	sortSwap
	sortGrowth
	numSorts
)

// String names the order for the panel's note ("by growth").
func (s procSort) String() string {
	return [...]string{"RSS", "swap", "growth"}[s]
}

// procPanel is the top memory consumers: a table of processes (or of
// programs, folded), sorted by RSS, swap or growth, filtered by name or user,
// with growth, sparklines, leak and restart flags, and a diff against a
// marked baseline.
type procPanel struct {
	src ProcSource
	// odooPIDs are the Odoo processes of the last scan (with Deps.Odoo):
	// a worker is one whose parent is among them.
	odooPIDs map[int32]bool
	interval time.Duration
	loc      *time.Location
	now      func() time.Time
	keys     *KeyMap

	id, tag  int
	inFlight bool
	paused   bool
	rescan   bool // sort or filter changed while a scan was in flight

	have     bool
	res      probes.ProcScanResult
	spare    []probes.Proc // a table no longer shown, handed to the next scan to fill
	err      error
	took     time.Duration
	memTotal uint64

	sort   procSort
	filter string
	groups bool
	diff   bool
	base   probes.ProcBaseline

	// Derived in update, read by view.
	order  []int // indexes into res.Table.Procs, sorted and filtered
	grp    []probes.ProcGroup
	diffP  []probes.ProcDiff
	diffG  []probes.GroupDiff
	sel    probes.ProcKey // the selected process: pid and start time
	selGrp string         // the selected program in the group views
	cursor int
	// chosen is set once the user moves the cursor: from then on the
	// selection follows its process wherever it moves. Until then the
	// cursor stays on the first row, so the top of the list stays in view.
	chosen bool

	// seq counts the updates that may change the view; the drawn view is
	// cached under it (the root redraws after every message of every panel,
	// and a table of 30 rows costs about a millisecond to draw).
	seq   int64
	cache *procViewCache

	// private hides users and command-line arguments (privacy on a
	// shared screen): the program name is kept, it is what the room needs.
	private bool

	// rowsShown is the table's height in rows, from the window size.
	rowsShown int

	// deps opens the signal confirmation (K) with the runbook, read-only
	// mode and clock the palette uses; scrW×scrH is the screen it opens on.
	deps       Deps
	scrW, scrH int
}

// procViewCache is the last view drawn. It is a pointer shared by the
// copies of the panel: a cache, not state.
type procViewCache struct {
	seq     int64
	w, h    int
	focused bool
	out     string
}

var lastProcPanelID int

// procViewSeq hands out view sequence numbers, unique across all copies of
// the panel, so two copies that diverged never share a cached view.
var procViewSeq atomic.Int64

func newProcPanel(d Deps) procPanel {
	lastProcPanelID++
	return procPanel{src: d.Procs, interval: d.Interval, loc: d.Location, now: d.Now, keys: DefaultKeyMap(d.ReadOnly),
		id: lastProcPanelID, cache: &procViewCache{seq: -1}, deps: d}
}

// init takes the first scan at once.
func (p *procPanel) init() tea.Cmd {
	if p.src == nil {
		return nil
	}
	return scanProcsCmd(p.src, p.id, p.request(nil))
}

// request is the scan the current view needs. reuse is a table nobody
// reads any more.
func (p procPanel) request(reuse []probes.Proc) probes.ProcScanRequest {
	req := probes.ProcScanRequest{
		ScanOptions:   probes.ScanOptions{DetailTop: p.shown()},
		HistoryPoints: procSparkPoints,
		Reuse:         reuse,
	}
	// Swap for every process only when it orders or totals something.
	req.AllSwap = p.sort == sortSwap || p.groups
	if p.groups {
		req.AllPSS, req.PSSMaxAge = true, procPSSMaxAge
	}
	if p.have {
		for i, idx := range p.order {
			if i == p.shown() {
				break
			}
			req.Track = append(req.Track, p.res.Table.Procs[idx].Key())
		}
		if p.sel != (probes.ProcKey{}) && !slices.Contains(req.Track, p.sel) {
			req.Track = append(req.Track, p.sel)
		}
		req.HistoryFor = req.Track
	}
	return req
}

// shown is how many rows the table can show: only those get the costlier
// reads (status, cmdline, a fresh stat) and a history. Every row costs four
// more file reads a scan, so guessing high is not free.
func (p procPanel) shown() int {
	if p.rowsShown <= 0 {
		return procRowsDefault
	}
	return p.rowsShown
}

// scanProcsCmd scans off the Update goroutine, under a timeout.
func scanProcsCmd(src ProcSource, id int, req probes.ProcScanRequest) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), procScanTimeout)
		defer cancel()
		type out struct {
			r   probes.ProcScanResult
			err error
		}
		start := time.Now()
		done := make(chan out, 1)
		go func() {
			r, err := src.Scan(req)
			done <- out{r, err}
		}()
		select {
		case o := <-done:
			return procsScannedMsg{id: id, res: o.r, err: o.err, took: time.Since(start)}
		case <-ctx.Done():
			return procsScannedMsg{id: id, err: fmt.Errorf("scanning the process table took over %s (the host may be in deep reclaim)", procScanTimeout)}
		}
	}
}

// procTickCmd schedules the next scan.
func procTickCmd(id, tag int, d time.Duration) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return procTickMsg{id: id, tag: tag} })
}

// every is the scan period: the refresh interval, slowed on big tables.
func (p procPanel) every() time.Duration {
	if p.have && len(p.res.Table.Procs)+p.res.Table.KernelThreads > procManyProcs && p.interval < procSlowEvery {
		return procSlowEvery
	}
	return p.interval
}

// startScan returns the Cmd of a new scan and marks it in flight.
func (p *procPanel) startScan() tea.Cmd {
	p.inFlight, p.rescan = true, false
	reuse := p.spare
	p.spare = nil // handed to the scan: never to two at once
	return scanProcsCmd(p.src, p.id, p.request(reuse))
}

func (p *procPanel) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case procsScannedMsg, pauseToggledMsg, procFilterSetMsg, tea.KeyMsg, privacyChangedMsg:
		p.seq = procViewSeq.Add(1)
	case memSampledMsg:
		if v := msg.mem.Meminfo.MemTotal; v.OK && v.V != p.memTotal {
			p.seq = procViewSeq.Add(1) // %MEM changes
		}
	}
	switch msg := msg.(type) {
	case procTickMsg:
		if msg.id != p.id || msg.tag != p.tag || p.inFlight || p.paused || p.src == nil {
			return nil
		}
		return p.startScan()
	case procsScannedMsg:
		if msg.id != p.id {
			return nil
		}
		p.inFlight = false
		p.took = msg.took
		if msg.err != nil {
			p.err = msg.err
		} else {
			p.err = nil
			if p.have {
				p.spare = p.res.Table.Procs
			}
			p.res, p.have = msg.res, true
			if p.programsOnly() {
				p.groups, p.diff = true, false // the only view such a source has
			}
			p.derive()
		}
		if p.paused {
			return nil
		}
		if p.rescan {
			return p.startScan()
		}
		return procTickCmd(p.id, p.tag, p.every())
	case memSampledMsg:
		if v := msg.mem.Meminfo.MemTotal; v.OK {
			p.memTotal = v.V
		}
	case tea.WindowSizeMsg:
		// The panel's box in the layout where it is shown, less the frame
		// and the header line (plus one for a row scrolled into view).
		r := layout(msg.Width, msg.Height, pProcs).rects[pProcs]
		p.rowsShown = max(r.h-3, 1) + 1
		p.scrW, p.scrH = msg.Width, msg.Height
	case pauseToggledMsg:
		p.paused = msg.paused
		p.tag++
		if !p.paused && !p.inFlight && p.src != nil {
			return p.startScan()
		}
	case privacyChangedMsg:
		p.private = msg.on
	case procFilterSetMsg:
		p.filter = msg.text
		p.toTop()
	case tea.KeyMsg:
		return p.key(msg)
	}
	return nil
}

// key handles a key while the panel has focus.
func (p *procPanel) key(k tea.KeyMsg) tea.Cmd {
	km := p.keys
	if p.programsOnly() && (key.Matches(k, km.ProcGroups, km.ProcMark, km.ProcDiff, km.Enter, km.ProcSignal)) {
		return procFlashCmd(flashWarn, p.res.ProgramsOnly)
	}
	switch {
	case key.Matches(k, km.Up):
		p.move(-1)
	case key.Matches(k, km.Down):
		p.move(1)
	case key.Matches(k, km.ProcPageUp):
		p.move(-10)
	case key.Matches(k, km.ProcPageDown):
		p.move(10)
	case key.Matches(k, km.ProcSort):
		p.sort = (p.sort + 1) % numSorts
		p.toTop()
		return p.requestRescan()
	case key.Matches(k, km.ProcGroups):
		p.groups = !p.groups
		p.toTop()
		return p.requestRescan()
	case key.Matches(k, km.ProcMark):
		if !p.have {
			return procFlashCmd(flashWarn, "no process table yet: wait for the first scan, then press m")
		}
		p.base = probes.NewProcBaseline(p.res.Table)
		p.derive()
		return procFlashCmd(flashInfo, fmt.Sprintf("baseline marked at %s: %d processes; d shows what changed since",
			p.base.At.In(p.loc).Format("15:04:05"), len(p.res.Table.Procs)))
	case key.Matches(k, km.ProcDiff):
		if p.base.IsZero() {
			return procFlashCmd(flashWarn, "no baseline yet: press m to mark one, d then shows the changes")
		}
		p.diff = !p.diff
		p.toTop()
	case key.Matches(k, km.Filter):
		return openDialogCmd(newProcFilterDialog(p.filter))
	case key.Matches(k, km.Back):
		if p.filter != "" {
			p.filter = ""
			p.toTop()
			return p.requestRescan()
		}
		if p.diff {
			p.diff = false
			p.toTop()
		}
	case key.Matches(k, km.Enter):
		if p.groups && !p.diff && p.cursor < len(p.grp) {
			// A group opens as its processes: the table filtered to it.
			p.filter, p.groups = p.grp[p.cursor].Program, false
			p.toTop()
			return p.requestRescan()
		}
		return p.openDetail()
	case key.Matches(k, km.ProcSignal):
		t, why := p.target()
		if t == nil {
			return procFlashCmd(flashWarn, why)
		}
		return signalActionCmd(p.deps, km, *t, p.scrW, p.scrH)
	}
	return nil
}

// target is the selected process as an action target, or nil and why
// there is none. The start time goes along so the runner refuses a pid
// that was reused between this scan and the signal.
func (p procPanel) target() (*actions.Target, string) {
	switch {
	case !p.have:
		return nil, "no process table yet: wait for the first scan"
	case p.groups:
		return nil, "a program group is selected, not a process: enter lists its processes, then select one"
	case p.diff:
		return nil, "the diff view shows changes, not processes: esc leaves it, then select a process"
	}
	idx, ok := p.selectedIndex()
	if !ok {
		return nil, "no process selected (the filter matches none)"
	}
	pr := p.res.Table.Procs[idx]
	return &actions.Target{PID: int(pr.PID), Comm: pr.Comm, RSSBytes: pr.RSS, StartTicks: pr.Start}, ""
}

// paletteTarget is the palette's target when it is opened with the panel
// focused: the selected process, else nil (signal-process then says why).
func (p procPanel) paletteTarget(focused bool) *actions.Target {
	if !focused {
		return nil
	}
	t, _ := p.target()
	return t
}

// requestRescan scans now so the new order's rows get their detail, or
// after the scan in flight.
func (p *procPanel) requestRescan() tea.Cmd {
	if !p.have || p.src == nil || p.paused {
		return nil
	}
	if p.inFlight {
		p.rescan = true
		return nil
	}
	return p.startScan()
}

// procFlashCmd shows a flash line.
func procFlashCmd(level flashLevel, text string) tea.Cmd {
	return func() tea.Msg { return flashMsg{level: level, text: text} }
}

// openDetail opens the detail dialog of the selected process.
func (p procPanel) openDetail() tea.Cmd {
	if !p.have || p.src == nil || p.groups || p.diff {
		return nil
	}
	idx, ok := p.selectedIndex()
	if !ok {
		return nil
	}
	proc := p.res.Table.Procs[idx]
	// The dialog reads parent and children from its own copy: the panel's
	// table is recycled by a later scan.
	t := p.res.Table
	t.Procs = append([]probes.Proc(nil), t.Procs...)
	d := newProcDetailDialog(p.src, proc, t, p.loc, p.now)
	d.private = p.private
	return tea.Batch(openDialogCmd(d), d.readCmd())
}

// selectedIndex is the index in res.Table.Procs of the selected process.
func (p procPanel) selectedIndex() (int, bool) {
	if p.cursor < 0 || p.cursor >= len(p.order) {
		return 0, false
	}
	return p.order[p.cursor], true
}

// rows is the number of rows of the current view.
func (p procPanel) rows() int {
	switch {
	case p.diff && p.groups:
		return len(p.diffG)
	case p.diff:
		return len(p.diffP)
	case p.groups:
		return len(p.grp)
	}
	return len(p.order)
}

// move moves the cursor and the selection with it.
func (p *procPanel) move(delta int) {
	n := p.rows()
	if n == 0 {
		return
	}
	p.cursor = max(0, min(p.cursor+delta, n-1))
	// Back on the first row, the user is watching the top again.
	p.chosen = p.cursor > 0
	p.remember()
}

// toTop starts a new view (order, filter, grouping) on its first row.
func (p *procPanel) toTop() {
	p.cursor, p.chosen = 0, false
	p.sel, p.selGrp = probes.ProcKey{}, ""
	p.derive()
}

// remember records the identity under the cursor, so the next scan keeps
// the selection on the same process (or program), not the same line.
func (p *procPanel) remember() {
	switch {
	case p.diff:
	case p.groups:
		if p.cursor < len(p.grp) {
			p.selGrp = p.grp[p.cursor].Program
		}
	default:
		if p.cursor < len(p.order) {
			p.sel = p.res.Table.Procs[p.order[p.cursor]].Key()
		}
	}
}

// derive recomputes the sorted, filtered rows and puts the cursor back on
// the selected process. It runs in update only; view just reads.
func (p *procPanel) derive() {
	if !p.have {
		return
	}
	procs := p.res.Table.Procs
	if p.deps.Odoo != nil {
		p.odooPIDs = map[int32]bool{}
		for i := range procs {
			if probes.IsOdoo(procs[i].Program) {
				p.odooPIDs[procs[i].PID] = true
			}
		}
	}
	// A fresh slice, not order[:0]: the panel is a value, and a copy of the
	// model (tests, a stale closure) must not see its rows change.
	p.order = make([]int, 0, len(procs))
	needle := strings.ToLower(p.filter)
	for i := range procs {
		if needle == "" || procMatches(&procs[i], needle) {
			p.order = append(p.order, i)
		}
	}
	less := procLess(p.sort, procs)
	sort.SliceStable(p.order, func(a, b int) bool { return less(p.order[a], p.order[b]) })
	switch {
	case p.programsOnly():
		p.grp = make([]probes.ProcGroup, 0, len(p.res.Programs))
		for _, g := range p.res.Programs {
			if needle == "" || strings.Contains(strings.ToLower(g.Program), needle) {
				p.grp = append(p.grp, g)
			}
		}
		procSortGroups(p.grp, p.sort)
	case p.groups:
		var sub []probes.Proc
		if needle == "" {
			sub = procs
		} else {
			sub = make([]probes.Proc, 0, len(p.order))
			for _, i := range p.order {
				sub = append(sub, procs[i])
			}
		}
		p.grp = probes.GroupProcs(sub)
		procSortGroups(p.grp, p.sort)
	}
	if p.diff && !p.base.IsZero() {
		p.diffP, p.diffG = p.base.Diff(p.res.Table)
		if needle != "" {
			kept := p.diffP[:0]
			for _, d := range p.diffP {
				if strings.Contains(strings.ToLower(d.Comm+" "+d.Program+" "+d.User), needle) {
					kept = append(kept, d)
				}
			}
			p.diffP = kept
		}
	}
	// Keep the selection on the same process or program once the user
	// chose one; until then, on the first row.
	if !p.chosen {
		p.cursor = 0
		p.remember()
		return
	}
	switch {
	case p.diff:
		p.cursor = max(0, min(p.cursor, p.rows()-1))
	case p.groups:
		found := false
		for i, g := range p.grp {
			if g.Program == p.selGrp {
				p.cursor, found = i, true
				break
			}
		}
		if !found {
			p.cursor = max(0, min(p.cursor, len(p.grp)-1))
			p.remember()
		}
	default:
		found := false
		if p.sel != (probes.ProcKey{}) {
			for i, idx := range p.order {
				if procs[idx].PID == p.sel.PID && procs[idx].Start == p.sel.Start {
					p.cursor, found = i, true
					break
				}
			}
		}
		if !found {
			// Gone or filtered out: stay on the same line, take what is there.
			p.cursor = max(0, min(p.cursor, len(p.order)-1))
			p.remember()
		}
	}
}

// programsOnly: the source sees programs, not processes (process-exporter
// through Prometheus), so the group view is the only one.
func (p procPanel) programsOnly() bool { return p.have && p.res.ProgramsOnly != "" }

// procMatches: the filter matches name, program, user or command line.
func procMatches(p *probes.Proc, needle string) bool {
	return strings.Contains(strings.ToLower(p.Comm), needle) ||
		strings.Contains(strings.ToLower(p.Program), needle) ||
		strings.Contains(strings.ToLower(p.User), needle) ||
		(p.CmdlineOK && strings.Contains(strings.ToLower(p.Cmdline), needle))
}

// procLess orders by the sort key, largest first; unknown values last; pid
// breaks ties so the order is stable between scans.
func procLess(s procSort, procs []probes.Proc) func(i, j int) bool {
	return func(i, j int) bool {
		a, b := &procs[i], &procs[j]
		switch s {
		case sortSwap:
			if a.SwapOK != b.SwapOK {
				return a.SwapOK
			}
			if a.Swap != b.Swap {
				return a.Swap > b.Swap
			}
		case sortGrowth:
			if a.GrowthOK != b.GrowthOK {
				return a.GrowthOK
			}
			if a.Growth != b.Growth {
				return a.Growth > b.Growth
			}
		}
		if a.RSS != b.RSS {
			return a.RSS > b.RSS
		}
		return a.PID < b.PID
	}
}

func procSortGroups(g []probes.ProcGroup, s procSort) {
	sort.SliceStable(g, func(i, j int) bool {
		a, b := g[i], g[j]
		switch s {
		case sortSwap:
			if a.Swap != b.Swap {
				return a.Swap > b.Swap
			}
		case sortGrowth:
			if a.Growth != b.Growth {
				return a.Growth > b.Growth
			}
		}
		if a.RSS != b.RSS {
			return a.RSS > b.RSS
		}
		return a.Program < b.Program
	})
}

// procErrText words a scan error for the panel, with what to do about it.
func procErrText(err error) string {
	if errors.Is(err, fs.ErrPermission) {
		return err.Error() + " — run memtui as root, or check the hidepid option of the /proc mount"
	}
	return err.Error()
}
