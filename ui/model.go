// Package ui is memtui's dashboard: Bubble Tea models only. It reads nothing
// from the machine itself; every source comes in through Deps.
package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/memtui/memtui/internal/units"
	"github.com/memtui/memtui/probes"
)

// flashDuration is how long a flash line stays.
const flashDuration = 6 * time.Second

// Model is the root of the dashboard and the only tea.Model.
type Model struct {
	d     Deps
	st    Styles
	keys  *KeyMap
	help  *help.Model // by pointer, like keys: 4 KB of styles
	w, h  int
	focus panelID
	lower panelID // the tab shown under memory in the stacked layout

	paused bool
	now    time.Time

	// Shared-screen state (warroom.go, zoom.go): the presentation view,
	// the focused panel on the whole screen, and privacy.
	warRoom bool
	zoom    bool
	private bool

	flash    flashMsg
	flashSeq int
	flashOn  bool

	dlg dialog

	rkeys replayKeyMap // the time cursor's keys, in a replay (replay.go)

	frame *frameCache // the last View, reused while only refresh ticks arrived
	gen   int         // bumped by every message that may change the screen

	// The panels, each owning its results and ticks.
	mem      memPanel
	procs    procPanel
	pg       pgPanel
	oom      oomPanel
	timeline timelinePanel

	// The actions this process runs, so quitting cancels them (quit.go).
	runs     []runningAction
	quitting bool
	// headless: quitting on SIGHUP/SIGTERM, waiting for runs to end on
	// their own (quit.go's rule) rather than cancelling them.
	headless bool
}

// New builds the dashboard from its dependencies.
func New(d Deps) Model {
	d = d.withDefaults()
	h := help.New()
	h.Styles.ShortKey = d.Styles.Key
	h.Styles.FullKey = d.Styles.Key
	h.Styles.ShortDesc = d.Styles.Text
	h.Styles.FullDesc = d.Styles.Text
	h.Styles.ShortSeparator = d.Styles.Muted
	h.Styles.FullSeparator = d.Styles.Muted
	m := Model{
		d:        d,
		st:       d.Styles,
		keys:     DefaultKeyMap(d.ReadOnly),
		help:     &h,
		focus:    pMem,
		lower:    pProcs,
		now:      d.Now(),
		mem:      memPanelAt(d),
		frame:    &frameCache{},
		rkeys:    newReplayKeyMap(),
		procs:    newProcPanel(d),
		oom:      newOOMPanel(d),
		pg:       newPGPanel(d),
		timeline: newTimelinePanel(d),
	}
	if d.WarRoom {
		m.warRoom = true
		m.setPrivacy(true)
	}
	if d.LeaveTo != "" {
		m.keys.Quit.SetHelp("q", "back to "+d.LeaveTo)
	}
	return m
}

// Init starts every panel's schedule and the clock.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{clockCmd(), waitSignalCmd(m.d.Signals)}
	for _, p := range m.panels() {
		cmds = append(cmds, p.init())
	}
	return tea.Batch(cmds...)
}

// clockCmd ticks the clock once a second, aligned to the wall clock.
func clockCmd() tea.Cmd {
	return tea.Every(time.Second, func(t time.Time) tea.Msg { return clockTickedMsg{at: t} })
}

// Update is the Elm loop: global keys first, then the dialog, then panels.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	if !refreshTick(msg) && !m.clockFollowsReadings(msg) && !m.joinsNextReading(msg) && !m.timeline.unchangedBy(msg) {
		m.gen++ // this model may draw differently: the cached frame is stale
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
	case clockTickedMsg:
		m.now = m.d.Now()
		return m, clockCmd()
	case flashMsg:
		m.flash, m.flashOn = msg, true
		m.flashSeq++
		seq := m.flashSeq
		return m, tea.Tick(flashDuration, func(time.Time) tea.Msg { return flashExpiredMsg{seq: seq} })
	case flashExpiredMsg:
		if msg.seq == m.flashSeq {
			m.flashOn = false
		}
		return m, nil
	case openDialogMsg:
		m.dlg = msg.d
		return m, nil
	case tea.KeyMsg:
		return m.handleKey(msg)
	case tea.MouseMsg:
		return m.mouse(msg)
	case memSampledMsg:
		m.now = m.d.Now()
	case actionStartingMsg, actionStartedMsg, actionFinishedMsg:
		cmds = append(cmds, m.trackRun(msg))
	case quitConfirmedMsg:
		return m.quitCancelling(quitGrace)
	case signalledMsg:
		model, cmd := m.onSignal(msg.sig)
		return model, tea.Batch(cmd, waitSignalCmd(m.d.Signals))
	case quitDeadlineMsg:
		return m, tea.Quit
	}
	// Every other message goes to every panel (and an open dialog), so each
	// owns its own results and ticks.
	for _, p := range m.panels() {
		cmds = append(cmds, p.update(msg))
	}
	if m.dlg != nil {
		var cmd tea.Cmd
		m.dlg, cmd = m.dlg.update(msg)
		cmds = append(cmds, cmd)
		if m.dlg.closed() {
			m.dlg = nil
		}
	}
	if m.quitting && m.quitReady() {
		return m, tea.Quit
	}
	return m, tea.Batch(cmds...)
}

// handleKey routes a key: quit always works; an open dialog takes the rest;
// then global keys; then the focused panel.
func (m Model) handleKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	if k.String() == "ctrl+c" {
		return m.quitNow()
	}
	if m.quitting {
		return m, nil // nothing new starts while the runs are being stopped
	}
	if m.dlg != nil {
		var cmd tea.Cmd
		m.dlg, cmd = m.dlg.update(k)
		if m.dlg.closed() {
			m.dlg = nil
		}
		return m, cmd
	}
	if m.d.Replay != nil {
		if next, cmd, ok := m.replayKey(k); ok {
			return next, cmd
		}
	}
	switch {
	case key.Matches(k, m.keys.Quit):
		return m.quitKey()
	case key.Matches(k, m.keys.Help):
		m.dlg = newHelpDialog(m.keys, m.d.Host)
		return m, nil
	case key.Matches(k, m.keys.FocusNext):
		m.setFocus((m.focus + 1) % numPanels)
		return m, nil
	case key.Matches(k, m.keys.FocusPrev):
		m.setFocus((m.focus + numPanels - 1) % numPanels)
		return m, nil
	case key.Matches(k, m.keys.Pause):
		m.paused = !m.paused
		text := "refresh resumed"
		if m.paused {
			text = "refresh paused: the figures are frozen; press p to resume"
		}
		next, cmd := m.Update(pauseToggledMsg{paused: m.paused})
		return next, tea.Batch(cmd, func() tea.Msg { return flashMsg{level: flashInfo, text: text} })
	case key.Matches(k, m.keys.WarRoom):
		return m.toggleWarRoom()
	case key.Matches(k, m.keys.Zoom):
		m.zoom = !m.zoom
		return m, nil
	case key.Matches(k, m.keys.Privacy):
		m.setPrivacy(!m.private)
		return m, nil
		// Global keys that panels own (palette, note, export).
	case key.Matches(k, m.keys.Palette):
		// Opened from the process panel, the palette aims signal-process
		// at the selected process.
		m.dlg = newPalette(m.d, m.keys, m.procs.paletteTarget(m.focus == pProcs), m.w, m.h)
		return m, nil
	case key.Matches(k, m.keys.Note):
		return m, m.timeline.noteCmd()
	case key.Matches(k, m.keys.Export):
		return m, m.timeline.exportCmd()
	case key.Matches(k, m.keys.ActingOff):
		return m, msgCmd(flashMsg{level: flashWarn, text: m.d.readOnlyReason()})
	}
	if m.focus != pProcs && m.isProcKey(k) {
		// Nothing else binds these: say where they work instead of
		// silently doing nothing.
		return m, msgCmd(flashMsg{level: flashInfo, text: fmt.Sprintf("%s works in the Processes panel: %s",
			k.String(), m.howToProcs())})
	}
	return m, m.panels()[m.focus].update(k)
}

// isProcKey: k is one of the process panel's own keys (sort, group,
// baseline, diff, signal).
func (m Model) isProcKey(k tea.KeyMsg) bool {
	km := m.keys
	return key.Matches(k, km.ProcSort, km.ProcGroups, km.ProcMark, km.ProcDiff, km.ProcSignal)
}

// howToProcs says how to reach the process panel from the current focus:
// tab presses forward or back, whichever is fewer.
func (m Model) howToProcs() string {
	fwd := int(pProcs-m.focus+numPanels) % int(numPanels)
	back := int(m.focus-pProcs+numPanels) % int(numPanels)
	switch {
	case fwd <= back && fwd == 1:
		return "press tab, then the key again"
	case fwd <= back:
		return fmt.Sprintf("press tab %d times, then the key again", fwd)
	case back == 1:
		return "press shift+tab, then the key again"
	}
	return fmt.Sprintf("press shift+tab %d times, then the key again", back)
}

// setFocus moves focus; in the stacked layout it also picks the lower tab.
func (m *Model) setFocus(p panelID) {
	m.focus = p
	if p != pMem {
		m.lower = p
	}
}

// View draws the whole screen: the top bar, the panels, the bottom bar and
// any dialog over them.
func (m Model) View() string {
	if m.w == 0 {
		return ""
	}
	if c := m.frame; c != nil && c.gen == m.gen && c.w == m.w && c.h == m.h && c.out != "" {
		return c.out
	}
	out := m.render()
	if m.st.ASCII {
		out = toASCII(out)
	}
	if m.frame != nil {
		*m.frame = frameCache{out: out, w: m.w, h: m.h, gen: m.gen}
	}
	return out
}

// frameCache keeps the last frame. Bubble Tea calls View after every
// message; the refresh ticks of the memory, process and PostgreSQL panels
// only start a reading and change nothing on screen, so redrawing for them
// was a third of the dashboard's rendering work.
type frameCache struct {
	out  string
	w, h int
	gen  int
}

// refreshTick reports whether msg is a tick that only starts a reading.
func refreshTick(msg tea.Msg) bool {
	switch msg.(type) {
	case memTickMsg, procTickMsg, pgTickMsg, timelineTickMsg:
		return true
	}
	return false
}

// clockFollowsReadings reports whether a clock tick can skip the redraw:
// while memory readings arrive every second they already move the clock,
// so the tick would draw the same screen again. Paused, at a slower
// interval, or with a reading in flight (a stalled /proc), the tick redraws
// so the clock never looks frozen.
func (m Model) clockFollowsReadings(msg tea.Msg) bool {
	_, ok := msg.(clockTickedMsg)
	return ok && !m.paused && m.d.Interval <= time.Second && m.mem.have > 0 && !m.mem.inFlight
}

// render draws the frame.
func (m Model) render() string {
	l := layout(m.w, m.h, m.lower)
	if l.tooSmall {
		msg := fmt.Sprintf("terminal too small: %d×%d\nmemtui needs at least %d×%d\nenlarge the window or reduce the font size · q quits",
			m.w, m.h, minWidth, minHeight)
		return block(m.st.Crit.Render(msg), m.w, m.h)
	}
	if m.warRoom || m.zoom {
		return m.fullScreen()
	}
	// Panels tile the body without overlapping, so each screen row is the
	// concatenation, left to right, of the lines of the panels crossing it:
	// no cell-width arithmetic per line (it dominated the frame time).
	var parts [numPanels][]string
	order := make([]panelID, 0, numPanels)
	for id := panelID(0); id < numPanels; id++ {
		r := l.rects[id]
		if r.w == 0 || r.h == 0 {
			continue
		}
		parts[id] = strings.Split(m.panelView(id, r.w, r.h), "\n")
		order = append(order, id)
	}
	sort.SliceStable(order, func(i, j int) bool { return l.rects[order[i]].x < l.rects[order[j]].x })
	rows := make([]string, m.h)
	rows[0] = m.topBar()
	rows[m.h-1] = m.bottomBar()
	var b strings.Builder
	for y := 1; y < m.h-1; y++ {
		if !l.grid && y == l.tabs.y {
			rows[y] = m.tabStrip(l.tabs.w)
			continue
		}
		b.Reset()
		for _, id := range order {
			r := l.rects[id]
			if y >= r.y && y < r.y+r.h && y-r.y < len(parts[id]) {
				b.WriteString(parts[id][y-r.y])
			}
		}
		rows[y] = b.String()
	}
	screen := strings.Join(rows, "\n")
	if m.dlg != nil {
		screen = overlay(screen, m.dlg.view(m.st, m.w-4, m.h-2), m.w, m.h)
	}
	return screen
}

// panelView renders one panel by its id.
func (m Model) panelView(id panelID, w, h int) string {
	if id < 0 || id >= numPanels {
		return frame(m.st, "", "", m.st.Muted.Render("not available in this build"), w, h, false)
	}
	return m.panels()[id].view(m.st, w, h, m.focus == id)
}

// tabStrip names the panels that share the lower area, marking the one shown.
func (m Model) tabStrip(w int) string {
	var b strings.Builder
	for id := pProcs; id < numPanels; id++ {
		name := fmt.Sprintf(" %s ", panelNames[id])
		if id == m.lower {
			b.WriteString(m.st.Selected.Render("▸" + name))
		} else {
			b.WriteString(m.st.Muted.Render(" " + name))
		}
		b.WriteString(m.st.Border.Render("│"))
	}
	b.WriteString(m.st.Muted.Render(" tab/shift+tab switch"))
	return fit(b.String(), w)
}

// topBar: host, uptime, clock, severity — what an observer joining the
// screen share needs first.
func (m Model) topBar() string {
	sev := m.st.Muted.Render("● reading…")
	if m.mem.readErr() != nil {
		// Not "reading…" forever: the reading came back and failed (the
		// memory panel says why).
		sev = m.st.Warn.Render("▲ memory unreadable ")
	}
	if c, ok := m.condition(); ok {
		_, pct, memOK := m.mem.severity()
		text := " " + c.Cause + " "
		if c.Memory && m.w < 100 {
			text = fmt.Sprintf(" mem %.1f %% ", pct) // room for the incident clock at 80 columns
		}
		if memOK && !c.Memory {
			// The cause is elsewhere; memory use stays in view. Narrow
			// screens take the short cause, so the host, READ-ONLY and
			// the incident clock keep their place.
			text = fmt.Sprintf(" %s · memory %.1f %% ", c.Cause, pct)
			if m.w < 100 {
				text = fmt.Sprintf(" %s · mem %.1f %% ", c.Short, pct)
			}
		}
		sev = m.st.SevBadgeFor(c.Level) + m.st.Bar.Render(text)
	}
	if m.private {
		// Beside the severity, which is never cut: whoever shares the
		// screen must see at any width that secrets are hidden.
		sev = m.st.Bar.Render("privacy on ") + sev
	}
	room := m.w - ansi.StringWidth(sev) - 1
	// Narrow screens drop the date, the uptime, then the wall clock before
	// anything an observer needs (host, read-only, pause, the incident
	// clock) is cut.
	var left string
	for _, variant := range []struct {
		date, uptime bool
		short        int  // the incident segment's (timelinePanel.status)
		noClock      bool // the wall clock goes before the incident clock is cut: panel titles carry the time
	}{{true, true, 0, false}, {false, true, 0, false}, {false, false, 0, false}, {false, false, 0, true}, {false, false, 1, true}, {false, false, 2, true}} {
		parts := []string{m.st.Title.Render(" memtui"), m.st.Bar.Render(m.d.Host.Name)}
		// A replay says so before anything else can be cut: its figures are
		// not this machine's, and its read-only state goes without saying.
		kind := m.d.Host.Kind
		if kind != "" && kind != "live" {
			parts = []string{m.st.Title.Render(" memtui"), m.st.Crit.Render("▶ " + strings.ToUpper(kind)), m.st.Bar.Render(m.d.Host.Name)}
		}
		if variant.uptime && !m.d.Host.BootTime.IsZero() {
			parts = append(parts, m.st.Bar.Render("up "+units.Duration(m.now.Sub(m.d.Host.BootTime))))
		}
		layout := "15:04:05 MST"
		if variant.date {
			layout = "2006-01-02 15:04:05 MST"
		}
		if !variant.noClock {
			parts = append(parts, m.st.Bar.Render(m.now.In(m.d.Location).Format(layout)))
		}
		if m.d.ReadOnly && (kind == "" || kind == "live") {
			parts = append(parts, m.st.Warn.Render("READ-ONLY"))
		}
		if m.paused {
			parts = append(parts, m.st.Warn.Render("⏸ PAUSED"))
		}
		if seg := m.replayStatus(); seg != "" {
			parts = append(parts, seg)
		}
		if seg := m.timeline.status(m.st, variant.short); seg != "" {
			parts = append(parts, seg)
		}
		left = strings.Join(parts, m.st.Bar.Render(" │ "))
		if ansi.StringWidth(left) <= room {
			break
		}
	}
	return m.st.Bar.Render(fit(left, max(room, 0))) + " " + sev
}

// condition is the worst current condition of memory, PostgreSQL
// connections and recent OOM kills, with its cause: the header must not say
// NORMAL while PostgreSQL refuses clients or the OOM killer is at work.
func (m Model) condition() (probes.Condition, bool) {
	var r probes.Readings
	if _, pct, ok := m.mem.severity(); ok {
		r.MemPercent, r.MemOK = pct, true
	}
	if s := m.pg.current(); s != nil {
		r.PGUsed, r.PGMax, r.PGOrdinaryLimit = s.SlotsUsed, s.MaxConnections, s.OrdinaryLimit()
	}
	r.PGRefusedFull = m.pg.refusedFull()
	if m.oom.src != nil && m.oom.loaded {
		r.OOMKillsLastHour, r.OOMOK = m.oom.lastHour(), true
	}
	return probes.Assess(r, m.d.Thresholds)
}

// bottomBar shows the flash line while one is live, else the key hints.
func (m Model) bottomBar() string {
	if m.flashOn {
		style, glyph := m.st.OK, "✔ "
		switch m.flash.level {
		case flashWarn:
			style, glyph = m.st.Warn, "▲ "
		case flashErr:
			style, glyph = m.st.Crit, "✖ "
		}
		return fit(style.Render(glyph+m.flash.text), m.w)
	}
	hints := m.keys.ShortHelp()
	if m.warRoom {
		hints = m.keys.warRoomHelp()
	}
	if m.d.Replay != nil {
		hints = append(m.rkeys.shortHelp(), hints...)
	}
	h := *m.help // shared between copies of the model: never changed in place
	h.Width = m.w
	return fit(" "+h.ShortHelpView(hints), m.w)
}

// helpDialog is the full key map, grouped.
type helpDialog struct {
	keys *KeyMap
	host string // the machine, for observers who joined late
	done bool
}

func newHelpDialog(k *KeyMap, h HostInfo) *helpDialog {
	host := "Host: " + h.Name
	for _, f := range []string{h.Platform, h.Kernel} {
		if f != "" {
			host += " · " + f
		}
	}
	if h.CPUs > 0 {
		host += fmt.Sprintf(" · %d CPUs", h.CPUs)
	}
	return &helpDialog{keys: k, host: host}
}

func (d *helpDialog) update(msg tea.Msg) (dialog, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok {
		if key.Matches(k, d.keys.Help, d.keys.Back, d.keys.Quit) {
			d.done = true
		}
	}
	return d, nil
}

func (d *helpDialog) view(st Styles, w, h int) string {
	width := min(w, 110)
	inner := width - 4
	// Lay the groups out as a grid: as many columns as fit, then the next
	// row, so no key is cut off on an 80- or 120-column screen.
	var cols []string
	for _, g := range d.keys.helpGroups() {
		var keys []key.Binding
		kw := 0
		for _, b := range g.keys {
			if b.Enabled() {
				keys = append(keys, b)
				kw = max(kw, ansi.StringWidth(b.Help().Key))
			}
		}
		if len(keys) == 0 {
			continue
		}
		lines := []string{st.Header.Render(g.title)}
		for _, b := range keys {
			lines = append(lines, st.Key.Render(fit(b.Help().Key, kw))+" "+st.Text.Render(b.Help().Desc))
		}
		cols = append(cols, strings.Join(lines, "\n"))
	}
	colW := 0
	for _, c := range cols {
		colW = max(colW, lipgloss.Width(c))
	}
	// Two columns at least once there is room for them: long descriptions
	// are cut rather than pushing every group into one tall column.
	if inner >= 60 {
		colW = min(colW, (inner-2)/2)
	}
	perRow := max(1, (inner+2)/(colW+2))
	var rows []string
	for i := 0; i < len(cols); i += perRow {
		row := cols[i:min(i+perRow, len(cols))]
		padded := make([]string, len(row))
		for j, c := range row {
			ls := strings.Split(c, "\n")
			cw := colW + 2 // a gap after every column but the last
			if j == len(row)-1 {
				cw = colW
			}
			for k := range ls {
				ls[k] = fit(ls[k], cw)
			}
			padded[j] = strings.Join(ls, "\n")
		}
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, padded...))
	}
	body := strings.Join(rows, "\n") +
		"\n\n" + st.Muted.Render("Severity: ● NORMAL  △ WARNING  ▲ HIGH  ✖ CRITICAL") +
		"\n" + st.Muted.Render(d.host) +
		"\n" + st.Muted.Render("? or esc closes this help")
	return dialogBox(st, "Keys", body, width, h)
}

func (d *helpDialog) closed() bool { return d.done }
