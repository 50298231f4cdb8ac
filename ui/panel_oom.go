package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/memtui/memtui/internal/termtext"
	"github.com/memtui/memtui/internal/units"
	"github.com/memtui/memtui/probes"
)

// OOMSource (Deps.OOM) is the kernel log's OOM kills: those found at start, the
// source's status, and a wait for new ones. Satisfied by
// *probes.OOMFollower, whose Next blocks in one goroutine on the log (no
// polling); Kills, Status and StartCount only read memory.
type OOMSource interface {
	Kills() []probes.OOMKill                            // found so far, oldest first
	Status() probes.OOMSourceStatus                     // which source, why not the others
	StartCount() probes.Val                             // oom_kill counter when memtui started
	Next(ctx context.Context) ([]probes.OOMKill, error) // waits for new kills
}

// oomWaitTimeout bounds one wait for new kills. The wait is a blocked read
// in the follower, not a poll; the timeout only keeps every I/O Cmd bounded,
// and an expired wait is simply started again.
const oomWaitTimeout = time.Minute

// oomMaxKills bounds the kills the panel keeps (the follower keeps as many).
const oomMaxKills = 256

// oomEntry is one kill as the panel shows it.
type oomEntry struct {
	k       probes.OOMKill
	isNew   bool      // arrived while memtui runs
	arrived time.Time // when the panel learned of it (new kills only)
}

// oomPanel lists the OOM kills, newest first: the ones in the kernel log at
// start and, highlighted, those that arrive while memtui runs. The counts
// come from the oom_kill counter the memory panel already reads each
// interval (memSampledMsg), so the panel has no tick of its own: new kills
// arrive through one blocked wait on the kernel log.
type oomPanel struct {
	src   OOMSource
	id    int
	clock func() time.Time
	loc   *time.Location
	keys  *KeyMap

	now     time.Time
	loaded  bool
	waiting bool // a waitOOMCmd is out; never two at once
	paused  bool

	entries []oomEntry // oldest first, at most oomMaxKills
	held    []oomEntry // arrived while paused, shown on resume
	status  probes.OOMSourceStatus
	endErr  error      // why following stopped, nil while it runs
	start   probes.Val // oom_kill when memtui started
	count   probes.Val // oom_kill now
	// counted1h is the last hour's kills from the counter's history, where
	// the host keeps one (Prometheus) and the log that names them is not
	// here.
	counted1h probes.Val
	sel       int // selected row, 0 = newest
}

// lastOOMPanelID gives every oomPanel its own id, so a wait started by one
// model never feeds another (tests build many).
var lastOOMPanelID int

func newOOMPanel(d Deps) oomPanel {
	lastOOMPanelID++
	return oomPanel{src: d.OOM, id: lastOOMPanelID, clock: d.Now, loc: d.Location,
		keys: DefaultKeyMap(d.ReadOnly), now: d.Now()}
}

// init loads what the follower found at start.
func (p *oomPanel) init() tea.Cmd {
	if p.src == nil {
		return nil
	}
	return loadOOMCmd(p.id, p.src)
}

// loadOOMCmd reads the kills the follower holds (memory only).
func loadOOMCmd(id int, src OOMSource) tea.Cmd {
	return func() tea.Msg {
		return oomLoadedMsg{id: id, kills: src.Kills(), status: src.Status(), start: src.StartCount()}
	}
}

// waitOOMCmd waits, bounded by oomWaitTimeout, for the next kills.
func waitOOMCmd(id int, src OOMSource, clock func() time.Time) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), oomWaitTimeout)
		defer cancel()
		ks, err := src.Next(ctx)
		switch {
		case err == nil:
			return oomKilledMsg{id: id, at: clock(), kills: ks}
		case errors.Is(err, context.DeadlineExceeded):
			return oomWaitEndedMsg{id: id}
		}
		return oomWaitEndedMsg{id: id, err: err, status: src.Status()}
	}
}

func (p *oomPanel) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case oomLoadedMsg:
		if msg.id != p.id {
			return nil
		}
		p.now = p.clock()
		p.loaded, p.status = true, msg.status
		if msg.start.OK {
			p.start = msg.start
		}
		for _, k := range msg.kills {
			p.add(oomEntry{k: k})
		}
		if err := msg.status.Err(); err != nil || !msg.status.Following {
			return nil
		}
		p.waiting = true
		return waitOOMCmd(p.id, p.src, p.clock)
	case oomKilledMsg:
		if msg.id != p.id {
			return nil
		}
		p.now = p.clock()
		var fresh []oomEntry
		for _, k := range msg.kills {
			fresh = append(fresh, oomEntry{k: k, isNew: true, arrived: msg.at})
		}
		if p.paused {
			p.held = append(p.held, fresh...)
			if over := len(p.held) - oomMaxKills; over > 0 {
				p.held = p.held[over:]
			}
		} else {
			for _, e := range fresh {
				p.add(e)
			}
		}
		p.waiting = true
		return tea.Batch(waitOOMCmd(p.id, p.src, p.clock), oomFlashCmd(msg.kills))
	case oomWaitEndedMsg:
		if msg.id != p.id {
			return nil
		}
		if msg.err == nil {
			return waitOOMCmd(p.id, p.src, p.clock)
		}
		p.waiting = false
		p.endErr = msg.err
		p.status = msg.status
		return nil
	case memSampledMsg:
		p.now = p.clock()
		p.counted1h = msg.mem.OOMKills1h
		if c := msg.mem.VMStat.OOMKill; c.OK {
			p.count = c
			if !p.start.OK {
				p.start = c
			}
		}
	case pauseToggledMsg:
		p.paused = msg.paused
		if !p.paused {
			for _, e := range p.held {
				p.add(e)
			}
			p.held = nil
		}
	case tea.KeyMsg:
		return p.key(msg)
	}
	return nil
}

// oomFlashCmd announces new kills on the flash line, whatever panel has
// focus: an OOM kill during an incident is news for the whole room.
func oomFlashCmd(ks []probes.OOMKill) tea.Cmd {
	if len(ks) == 0 {
		return nil
	}
	k := ks[len(ks)-1]
	rss := "unknown"
	if k.AnonRSSKB != nil {
		rss = units.KiB(uint64(max(*k.AnonRSSKB, 0)))
	}
	text := fmt.Sprintf("OOM kill: pid %d (%s) in %s, anon-rss %s", k.PID, oneLine(k.Comm), probes.OOMKillUnit(k), rss)
	if len(ks) > 1 {
		text += fmt.Sprintf(" (+%d more)", len(ks)-1)
	}
	return func() tea.Msg { return flashMsg{level: flashErr, text: text} }
}

// add keeps a kill unless it is one already held (the follower's backlog
// and its first new kills can overlap by one record).
func (p *oomPanel) add(e oomEntry) {
	for i := len(p.entries) - 1; i >= 0 && i >= len(p.entries)-16; i-- {
		if sameOOMKill(p.entries[i].k, e.k) {
			return
		}
	}
	p.entries = append(p.entries, e)
	if over := len(p.entries) - oomMaxKills; over > 0 {
		p.entries = append(p.entries[:0], p.entries[over:]...)
	}
	if p.sel > 0 {
		p.sel++ // keep the same kill selected as a new one lands on top
	}
	p.sel = min(p.sel, max(len(p.entries)-1, 0))
}

func sameOOMKill(a, b probes.OOMKill) bool {
	if a.PID != b.PID || a.Comm != b.Comm || a.Source != b.Source {
		return false
	}
	switch {
	case a.KernelTimeS != nil && b.KernelTimeS != nil:
		return *a.KernelTimeS == *b.KernelTimeS
	case a.Time != nil && b.Time != nil:
		return a.Time.Equal(*b.Time)
	}
	return true
}

func (p *oomPanel) key(k tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(k, p.keys.Up):
		p.sel = max(p.sel-1, 0)
	case key.Matches(k, p.keys.Down):
		p.sel = min(p.sel+1, max(len(p.entries)-1, 0))
	case key.Matches(k, p.keys.Enter):
		if e, ok := p.selected(); ok {
			return openDialogCmd(&oomDetailDialog{e: e, now: p.now, loc: p.loc, keys: p.keys})
		}
	}
	return nil
}

// selected is the kill under the cursor.
func (p oomPanel) selected() (oomEntry, bool) {
	if len(p.entries) == 0 {
		return oomEntry{}, false
	}
	return p.entries[len(p.entries)-1-p.sel], true
}

// when is a kill's wall time, or when the panel learned of it.
func (e oomEntry) when() (time.Time, bool) {
	if e.k.Time != nil {
		return *e.k.Time, true
	}
	if e.isNew {
		return e.arrived, true
	}
	return time.Time{}, false
}

// lastHour counts kills of the last hour: the kernel log's, or the
// counter's history when it counts more (the log is elsewhere).
func (p oomPanel) lastHour() int {
	n := 0
	for _, e := range p.entries {
		if t, ok := e.when(); ok && p.now.Sub(t) <= time.Hour && p.now.Sub(t) >= -time.Minute {
			n++
		}
	}
	if p.counted1h.OK {
		n = max(n, int(p.counted1h.V))
	}
	return n
}

func (p *oomPanel) view(st Styles, w, h int, focused bool) string {
	note := ""
	switch {
	case p.paused && len(p.held) > 0:
		note = fmt.Sprintf("⏸ %d new held", len(p.held))
	case p.paused:
		note = "⏸ PAUSED"
	case p.src != nil && p.status.Following:
		note = p.status.Source + " · live"
	}
	return frame(st, "OOM kills", note, p.body(st, w-2, h-2, focused), w, h, focused)
}

func (p oomPanel) body(st Styles, w, h int, focused bool) string {
	lines := []string{p.summary(st)}
	// An error must be read in full to be acted on: wrap it rather than cut.
	lines = append(lines, strings.Split(ansi.Wrap(p.statusLine(st), w, ""), "\n")...)
	if len(p.entries) == 0 {
		if e := p.emptyLine(st); e != "" {
			lines = append(lines, strings.Split(ansi.Wrap(e, w, ""), "\n")...)
		}
		return strings.Join(lines, "\n")
	}
	// One column is the selection mark (selGutter).
	cols := oomColumns(w - 1)
	lines = append(lines, " "+st.Header.Render(oomRow(cols, oomHeaderCells())))
	rows := h - len(lines)
	if rows <= 0 {
		return strings.Join(lines[:h], "\n")
	}
	// Newest first; scroll so the selected row stays visible.
	off := 0
	if p.sel >= rows {
		off = p.sel - rows + 1
	}
	for i := off; i < len(p.entries) && i < off+rows; i++ {
		e := p.entries[len(p.entries)-1-i]
		cells := p.cells(e, cols)
		row := oomRow(cols, cells)
		switch {
		case focused && i == p.sel:
			lines = append(lines, selGutter(st, st.Selected.Render(fit(row, w-1)), 0))
		case e.isNew:
			// The mark column leads the row, so styling it apart keeps the
			// word visible without colour.
			mw := cols[0].w
			lines = append(lines, " "+st.Crit.Render(ansi.Truncate(row, mw, ""))+st.Bold.Render(ansi.TruncateLeft(row, mw, "")))
		default:
			lines = append(lines, " "+st.Text.Render(row))
		}
	}
	return strings.Join(lines, "\n")
}

// summary is the header: kills in the last hour and since boot, and how
// many happened since memtui started (from the counter, so it works even
// when the kernel log is restricted).
func (p oomPanel) summary(st Styles) string {
	n := p.lastHour()
	var head string
	switch {
	case n > 0:
		head = st.Crit.Render(fmt.Sprintf("✖ %d in the last hour", n))
	case p.loaded && p.status.Err() != nil && !p.counted1h.OK:
		// Not "none": the log that would name them cannot be read (not
		// root, dmesg_restrict); the counter beside it still counts.
		head = st.Warn.Render("▲ last hour: unknown")
	default:
		head = st.OK.Render("● none in the last hour")
	}
	parts := []string{head}
	if p.count.OK {
		parts = append(parts, st.Text.Render(fmt.Sprintf("%d since boot", p.count.V)))
		if p.start.OK && p.count.V > p.start.V {
			parts = append(parts, st.Warn.Render(fmt.Sprintf("▲ +%d since memtui started", p.count.V-p.start.V)))
		}
	} else {
		parts = append(parts, st.Muted.Render("since boot: reading /proc/vmstat …"))
	}
	return strings.Join(parts, st.Muted.Render(" · "))
}

// statusLine says where the kills come from, or why they cannot be read.
func (p oomPanel) statusLine(st Styles) string {
	switch {
	case p.src == nil:
		return st.Muted.Render("kernel log: not read by this build")
	case !p.loaded:
		return st.Muted.Render("kernel log: reading …")
	}
	if err := p.status.Err(); err != nil {
		return st.Crit.Render("✖ " + err.Error())
	}
	if p.endErr != nil {
		why := strings.TrimPrefix(p.endErr.Error(), "kernel log: ")
		return st.Warn.Render(fmt.Sprintf("▲ no longer following %s (%s): newer kills show only in the counter", p.status.What, why))
	}
	return st.Muted.Render(p.status.String())
}

func (p oomPanel) emptyLine(st Styles) string {
	switch {
	case p.src == nil || !p.loaded:
		return ""
	case p.status.Err() != nil && p.count.OK && p.count.V > 0:
		return st.Warn.Render(fmt.Sprintf("▲ the counter shows %d kills since boot; the log that names them is not readable", p.count.V))
	case p.status.Err() != nil:
		return ""
	case p.count.OK && p.count.V > 0:
		return st.Muted.Render(fmt.Sprintf("no kill lines left in the kernel log (its ring buffer has moved on past %d kills)", p.count.V))
	}
	return st.Muted.Render("no OOM kills in the kernel log since boot")
}

// oomCol is one column of the kill table.
type oomCol struct {
	title string
	w     int
	right bool
	flex  bool // takes the width left over
}

// Column indexes, in display order.
const (
	ocMark = iota
	ocTime
	ocAge
	ocPID
	ocComm
	ocRSS
	ocConstr
	ocCgroup
	ocTrigger
	ocCount
)

// oomColumns picks the columns that fit in w cells: the mark, pid, comm
// and memory always; then age, constraint, cgroup, time and trigger as
// room allows (in that order: what an incident needs first).
func oomColumns(w int) []oomCol {
	all := [ocCount]oomCol{
		ocMark:    {title: "", w: 5},
		ocTime:    {title: "TIME", w: 8},
		ocAge:     {title: "AGE", w: 4, right: true},
		ocPID:     {title: "PID", w: 7, right: true},
		ocComm:    {title: "COMM", w: 15},
		ocRSS:     {title: "ANON-RSS", w: 8, right: true},
		ocConstr:  {title: "CONSTR", w: 6},
		ocCgroup:  {title: "CGROUP", w: 13, flex: true},
		ocTrigger: {title: "TRIGGER", w: 18},
	}
	// The age says "how recent" at a glance, so it goes before the clock
	// time, which narrow panels (the 200-column grid's third) leave out;
	// the constraint says whether the host or one cgroup ran out.
	order := []int{ocMark, ocPID, ocComm, ocRSS, ocAge, ocConstr, ocCgroup, ocTime, ocTrigger}
	on := [ocCount]bool{}
	used := -1 // separators: one fewer than columns
	for _, c := range order {
		if used+1+all[c].w > w {
			continue
		}
		on[c] = true
		used += 1 + all[c].w
	}
	var cols []oomCol
	for c := 0; c < ocCount; c++ {
		if !on[c] {
			cols = append(cols, oomCol{})
			continue
		}
		col := all[c]
		if col.flex {
			col.w += w - used
		}
		cols = append(cols, col)
	}
	return cols
}

func oomHeaderCells() [ocCount]string {
	var h [ocCount]string
	for i, t := range []string{"", "TIME", "AGE", "PID", "COMM", "ANON-RSS", "CONSTR", "CGROUP", "TRIGGER"} {
		h[i] = t
	}
	return h
}

// cells renders one kill's values for the chosen columns.
func (p oomPanel) cells(e oomEntry, cols []oomCol) [ocCount]string {
	k := e.k
	var c [ocCount]string
	if e.isNew {
		c[ocMark] = "✖ NEW"
	}
	c[ocTime] = p.killClock(e)
	if t, ok := e.when(); ok {
		c[ocAge] = probes.FormatAge(p.now.Sub(t))
	} else {
		c[ocAge] = "—"
	}
	c[ocPID] = strconv.Itoa(k.PID)
	c[ocComm] = oneLine(k.Comm)
	switch {
	case k.AnonRSSKB != nil:
		c[ocRSS] = units.KiB(uint64(max(*k.AnonRSSKB, 0)))
	case k.RSSKB != nil:
		c[ocRSS] = units.KiB(uint64(max(*k.RSSKB, 0))) // earlyoom's VmRSS
	default:
		c[ocRSS] = "—"
	}
	c[ocConstr] = "—"
	if k.Constraint != nil {
		c[ocConstr] = strings.Replace(*k.Constraint, "mempolicy", "mempol", 1)
	}
	c[ocCgroup] = "—"
	if k.Source != "kernel" {
		// A userspace killer (earlyoom): no kernel constraint, no cgroup.
		c[ocConstr], c[ocCgroup] = "user", "by "+k.Source
	}
	if k.Memcg != nil {
		full := oneLine(*k.Memcg)
		if ansi.StringWidth(full) <= cols[ocCgroup].w {
			c[ocCgroup] = full
		} else {
			c[ocCgroup] = probes.OOMKillUnit(k)
		}
	}
	c[ocTrigger] = "—"
	if k.TriggerComm != nil {
		c[ocTrigger] = oneLine(probes.OOMKillTrigger(k))
	}
	return c
}

// killClock is the time of day of a kill today, else its date; a kill with
// only a kernel stamp shows seconds since boot.
func (p oomPanel) killClock(e oomEntry) string {
	t, ok := e.when()
	if !ok {
		if e.k.KernelTimeS != nil {
			return "+" + strconv.FormatFloat(*e.k.KernelTimeS, 'f', 0, 64) + "s"
		}
		return "—"
	}
	t = t.In(p.loc)
	n := p.now.In(p.loc)
	if t.Year() == n.Year() && t.YearDay() == n.YearDay() {
		return t.Format("15:04:05")
	}
	return t.Format("Jan 02")
}

// oomRow joins cells into a line by the columns' widths.
func oomRow(cols []oomCol, cells [ocCount]string) string {
	var b strings.Builder
	first := true
	for i, col := range cols {
		if col.w == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		s := cells[i]
		if ansi.StringWidth(s) > col.w {
			s = ansi.Truncate(s, col.w, "…")
		}
		pad := strings.Repeat(" ", col.w-ansi.StringWidth(s))
		if col.right {
			b.WriteString(pad + s)
		} else {
			b.WriteString(s + pad)
		}
	}
	return b.String()
}

// oneLine keeps text from the log on one line and free of control
// characters, so a crafted comm cannot move the cursor.
func oneLine(s string) string { return termtext.Printable(s) }

// oomDetailDialog shows every field the log gave for one kill.
type oomDetailDialog struct {
	e    oomEntry
	now  time.Time
	loc  *time.Location
	keys *KeyMap
	done bool
}

func (d *oomDetailDialog) update(msg tea.Msg) (dialog, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok && key.Matches(k, d.keys.Back, d.keys.Enter, d.keys.Quit) {
		d.done = true
	}
	return d, nil
}

func (d *oomDetailDialog) closed() bool { return d.done }

func (d *oomDetailDialog) view(st Styles, w, h int) string {
	k := d.e.k
	unknown := "— (not in the log)"
	str := func(p *string) string {
		if p == nil {
			return unknown
		}
		return oneLine(*p)
	}
	num := func(p *int) string {
		if p == nil {
			return unknown
		}
		return strconv.Itoa(*p)
	}
	kb := func(p *int64) string {
		if p == nil {
			return unknown
		}
		return units.KiB(uint64(max(*p, 0)))
	}
	when := unknown
	if t, ok := d.e.when(); ok {
		when = t.In(d.loc).Format("2006-01-02 15:04:05 MST") + " (" + probes.FormatAge(d.now.Sub(t)) + " ago)"
	}
	ktime := unknown
	if k.KernelTimeS != nil {
		ktime = strconv.FormatFloat(*k.KernelTimeS, 'f', 6, 64) + " s after boot"
	}
	reaped := "no reaper line"
	if k.Reaped {
		reaped = "yes: the oom_reaper took its memory back"
	}
	rows := [][2]string{
		{"killed", fmt.Sprintf("pid %d (%s) by %s", k.PID, oneLine(k.Comm), k.Source)},
		{"when", when},
		{"kernel time", ktime},
		{"constraint", str(k.Constraint)},
		{"cgroup", str(k.Memcg)},
		{"limit of", str(k.OOMMemcg)},
		{"anon-rss", kb(k.AnonRSSKB)},
		{"file-rss", kb(k.FileRSSKB)},
		{"shmem-rss", kb(k.ShmemRSSKB)},
		{"total-vm", kb(k.TotalVMKB)},
		{"page tables", kb(k.PgtablesKB)},
		{"uid", num(k.UID)},
		{"oom_score_adj", num(k.OOMScoreAdj)},
		{"trigger", probes.OOMKillTrigger(k)},
		{"allocation", "gfp_mask=" + str(k.GFPMask) + " order=" + num(k.Order)},
		{"reaped", reaped},
	}
	if k.RSSKB != nil {
		rows = append(rows, [2]string{"VmRSS", kb(k.RSSKB)})
	}
	var off int
	body := fieldsBody(st, rows, "", "", min(w, 90)-4, h-3, &off)
	title := fmt.Sprintf("OOM kill · pid %d", k.PID)
	if d.e.isNew {
		title = "✖ NEW " + title
	}
	return dialogBox(st, title, body, min(w, 90), h)
}
