package ui

import (
	"context"
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

// PGSource takes one PostgreSQL reading; it never fails as a whole (a
// failure is a reading with Connected false). Satisfied by *pgprobe.Probe;
// main.go puts it in Deps.PG.
type PGSource interface {
	Read(ctx context.Context) probes.PGReading
}

// pgPanel shows PostgreSQL: connections against max_connections, sessions
// by state, idle sessions over the threshold, the oldest transactions or
// longest queries, the memory settings against the machine's RAM and the
// server processes' memory; or, when it cannot connect, why in plain words
// and the last figures it had.
type pgPanel struct {
	src      PGSource
	offWhy   string // why src is nil, when the host says ("" means --pg none)
	interval time.Duration
	timeout  time.Duration
	th       probes.Thresholds
	loc      *time.Location
	now      func() time.Time

	id, tag  int
	inFlight bool
	paused   bool

	have        bool
	r           probes.PGReading
	hideQueries bool // privacy: query text, users and client addresses hidden
	queries     bool // show the longest queries instead of the oldest transactions
	sel         int  // selected row of the session list; ↑/↓ move it and scroll
	keys        *KeyMap
}

// lastPGPanelID gives every pgPanel its own tick id.
var lastPGPanelID int

func newPGPanel(d Deps) pgPanel {
	lastPGPanelID++
	iv := d.PGInterval
	if iv <= 0 {
		iv = d.Interval
	}
	iv = max(iv, time.Second)
	to := d.PGTimeout
	if to <= 0 {
		to = 5 * time.Second
	}
	return pgPanel{src: d.PG, offWhy: d.PGOffWhy, interval: iv, timeout: to, th: d.Thresholds, loc: d.Location, now: d.Now,
		id: lastPGPanelID, keys: DefaultKeyMap(d.ReadOnly)}
}

// init takes the first reading at once (none when PostgreSQL is off).
func (p *pgPanel) init() tea.Cmd {
	if p.src == nil {
		return nil
	}
	return readPGCmd(p.src, p.timeout)
}

// readPGCmd takes one reading off the Update goroutine. The probe has its
// own connect and query timeouts; this guard is the last line, for a Read
// that is stuck anyway, so the panel always gets an answer in time.
func readPGCmd(src PGSource, timeout time.Duration) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		done := make(chan probes.PGReading, 1)
		go func() { done <- src.Read(ctx) }()
		select {
		case r := <-done:
			return pgSampledMsg{at: r.Time, r: r}
		case <-ctx.Done():
			now := time.Now()
			return pgSampledMsg{at: now, r: probes.PGReading{Time: now, Err: &probes.PGError{
				Kind: probes.PGErrTimeout,
				Msg:  fmt.Sprintf("no PostgreSQL reading within %s", timeout),
				Hint: "the server or the network is stuck; memtui keeps trying",
			}}}
		}
	}
}

// pgTickCmd schedules the next reading.
func pgTickCmd(id, tag int, d time.Duration) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return pgTickMsg{id: id, tag: tag} })
}

func (p *pgPanel) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pgTickMsg:
		if msg.id != p.id || msg.tag != p.tag || p.inFlight || p.paused || p.src == nil {
			return nil
		}
		p.inFlight = true
		return readPGCmd(p.src, p.timeout)
	case pgSampledMsg:
		p.inFlight = false
		// A failed reading keeps the figures and the target we had (the
		// guard's timeout reading knows neither).
		if !msg.r.Connected && p.have {
			if msg.r.Target == "" {
				msg.r.Target = p.r.Target
			}
			if msg.r.LastGood == nil {
				msg.r.LastGood = p.lastGood()
			}
		}
		p.r, p.have = msg.r, true
		if p.paused {
			return nil
		}
		return pgTickCmd(p.id, p.tag, p.interval)
	case pauseToggledMsg:
		p.paused = msg.paused
		p.tag++
		if !p.paused && !p.inFlight && p.src != nil {
			p.inFlight = true
			return readPGCmd(p.src, p.timeout)
		}
	case privacyChangedMsg:
		p.hideQueries = msg.on
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, p.keys.PGList):
			p.queries, p.sel = !p.queries, 0
		case key.Matches(msg, p.keys.Up):
			p.sel = max(p.sel-1, 0)
		case key.Matches(msg, p.keys.Down):
			p.sel = min(p.sel+1, max(len(p.listRows())-1, 0))
		case key.Matches(msg, p.keys.Enter):
			if rows := p.listRows(); len(rows) > 0 {
				return openDialogCmd(p.sessionDialog(rows[min(p.sel, len(rows)-1)]))
			}
		}
	}
	return nil
}

// sessionDialog is the selected session's detail: every field the reading
// has and the whole query (as the server cut it, secrets masked), hidden
// like the table's while privacy is on.
func (p pgPanel) sessionDialog(b probes.PGBackend) *fieldsDialog {
	orDash := func(s string) string {
		if s == "" {
			return "—"
		}
		return termtext.Printable(s)
	}
	rss := "unknown (a remote server, or not readable)"
	if b.RSS.OK {
		rss = units.Bytes(b.RSS.V)
	}
	rows := [][2]string{
		{"pid", strconv.Itoa(b.PID)},
		{"user", orDash(p.private(b.User))},
		{"database", orDash(b.Database)},
		{"application", orDash(b.Application)},
		{"client", orDash(p.private(b.ClientAddr))},
		{"state", orDash(b.State) + " for " + units.Duration(b.StateAge)},
		{"waiting on", orDash(b.WaitEvent)},
		{"transaction", units.Duration(b.XactAge)},
		{"query running", units.Duration(b.QueryAge)},
		{"backend RSS", rss},
		{"to end it", fmt.Sprintf("SELECT pg_terminate_backend(%d);  (or the palette's terminate-idle-postgres)", b.PID)},
	}
	q := b.Query
	if p.hideQueries {
		q = "hidden: privacy is on (P shows it)"
	} else if strings.TrimSpace(q) == "" {
		q = "—"
	}
	return &fieldsDialog{title: fmt.Sprintf("PostgreSQL session · pid %d", b.PID), rows: rows, textTitle: "query (as PostgreSQL cut it, secrets masked)",
		text: termtext.Printable(q), keys: p.keys}
}

// current is this reading's figures, nil when the last reading failed or
// PostgreSQL is off: old figures never drive the header's severity.
func (p pgPanel) current() *probes.PGStats {
	if !p.have || !p.r.Connected {
		return nil
	}
	return p.r.Stats
}

// refusedFull: the last reading was refused because every slot is taken.
func (p pgPanel) refusedFull() bool {
	return p.have && p.r.Err != nil && p.r.Err.Kind == probes.PGErrTooMany
}

// lastGood is the newest figures the panel holds.
func (p pgPanel) lastGood() *probes.PGStats {
	if p.r.Stats != nil {
		return p.r.Stats
	}
	return p.r.LastGood
}

func (p *pgPanel) view(st Styles, w, h int, focused bool) string {
	note := ""
	switch {
	case p.paused:
		note = "⏸ PAUSED"
	case p.have:
		note = p.r.Time.In(p.loc).Format("15:04:05")
	}
	// o switches the session list: the title says which one is shown.
	title := "PostgreSQL"
	switch {
	case p.lastGood() == nil: // no figures, no list
	case p.lastGood().CountsOnly != "":
		title += " · connections" // an exporter's counts: no list
	case p.queries:
		title += " · longest queries"
	default:
		title += " · oldest transactions"
	}
	return frame(st, title, note, p.body(st, w-2, h-2), w, h, focused)
}

// body is the panel's inside, w×h.
func (p pgPanel) body(st Styles, w, h int) string {
	if p.src == nil && p.offWhy != "" {
		return strings.Join(wrapText(st.Muted.Render(p.offWhy), w), "\n")
	}
	if p.src == nil {
		return strings.Join(wrapText(st.Muted.Render("PostgreSQL is off (--pg none). Start memtui with --pg 'host=… user=… dbname=…' "+
			"or the PGHOST, PGUSER, PGPASSWORD, PGDATABASE environment to watch connections and settings."), w), "\n")
	}
	if !p.have {
		return st.Muted.Render("connecting to PostgreSQL …")
	}
	if !p.r.Connected {
		return p.errorBody(st, w, h)
	}
	return p.statsBody(st, p.r.Stats, w, h, false)
}

// errorBody says what is wrong, then what was last known (a full server
// is exactly when the figures matter), then what to do and where memtui
// is connecting to, as far as the height allows.
func (p pgPanel) errorBody(st Styles, w, h int) string {
	e := p.r.Err
	msg, hint := "no reading", ""
	if e != nil {
		msg, hint = e.Msg, e.Hint
	}
	lines := wrapText(st.Crit.Render("✖ NOT CONNECTED")+" "+st.Text.Render(msg), w)
	if lg := p.r.LastGood; lg != nil && len(lines)+2 <= h {
		age := units.Duration(p.now().Sub(lg.Time))
		lines = append(lines, st.Header.Render(fmt.Sprintf("last known at %s (%s ago):", lg.Time.In(p.loc).Format("15:04:05"), age)))
		lines = append(lines, strings.Split(p.statsBody(st, lg, w, h-len(lines), true), "\n")...)
	}
	if hint != "" && len(lines) < h {
		hl := wrapText(st.Muted.Render(hint), w)
		if len(lines)+len(hl) > h-1 {
			hl = []string{fit(st.Muted.Render(hint), w)}
		}
		lines = append(lines, hl...)
	}
	if p.r.Target != "" && len(lines) < h {
		retry := ""
		if !p.r.RetryAt.IsZero() {
			if d := p.r.RetryAt.Sub(p.now()); d > 0 {
				retry = " · retry in " + units.Duration(d)
			}
		}
		lines = append(lines, st.Muted.Render("target "+p.r.Target+retry))
	}
	return strings.Join(lines, "\n")
}

// statsBody draws one reading's figures in h lines, most important first:
// connections, states, idle and memory, the settings, then the table.
func (p pgPanel) statsBody(st Styles, s *probes.PGStats, w, h int, stale bool) string {
	var lines []string
	if s.CountsOnly != "" {
		// An exporter's counts: no session, setting or memory to show.
		lines = append(lines, fit(st.OK.Render("● ")+st.Text.Render(p.r.Target+" · "+s.Time.In(p.loc).Format("15:04:05")), w),
			p.connBar(st, s, w), p.statesLine(st, s))
		lines = append(lines, wrapText(st.Muted.Render(s.CountsOnly), w)...)
		return strings.Join(lines[:min(len(lines), h)], "\n")
	}
	if !stale {
		lines = append(lines, p.statusLine(st, s, w))
		if l := p.privilegeLine(st, s, w); l != "" {
			lines = append(lines, l)
		}
	}
	lines = append(lines, p.connBar(st, s, w))
	lines = append(lines, p.statesLine(st, s))
	lines = append(lines, p.idleMemLine(st, s))
	if stale {
		return strings.Join(lines[:min(len(lines), h)], "\n")
	}
	left := h - len(lines)
	// The settings: one line per setting when there is room for them and a
	// table of at least three rows, else one compact line.
	guide := p.settingsLines(st, s)
	switch {
	case left >= len(guide)+5:
		lines = append(lines, guide...)
	case left >= 4:
		lines = append(lines, p.settingsCompact(st, s))
	}
	left = h - len(lines)
	if left >= 2 {
		lines = append(lines, p.table(st, s, w, left)...)
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	return strings.Join(lines, "\n")
}

// privilegeLine warns when the role cannot see other roles' sessions: their
// state is hidden, so the counts below would look idle while they work. It
// names the fix. Empty when the role sees everything (or the reading
// predates the check: no role).
func (p pgPanel) privilegeLine(st Styles, s *probes.PGStats, w int) string {
	if s.SeesAll || s.Role == "" {
		return ""
	}
	role := probes.PGText(s.Role)
	msg := fmt.Sprintf("role %s cannot see other sessions' state", role)
	if s.Hidden > 0 {
		msg = fmt.Sprintf("%d sessions' state hidden from role %s", s.Hidden, role)
	}
	return fit(st.High.Render("▲ "+msg+": ")+st.Text.Render("GRANT pg_monitor TO "+role+";"), w)
}

// statusLine: server version and uptime, and a FULL warning.
func (p pgPanel) statusLine(st Styles, s *probes.PGStats, w int) string {
	ver := s.ServerVersion
	if i := strings.IndexByte(ver, ' '); i > 0 {
		ver = ver[:i] // "15.18 (Debian …)" → "15.18"
	}
	out := st.OK.Render("● connected") + st.Text.Render(fmt.Sprintf(" · PostgreSQL %s · up %s", ver, units.Duration(s.Uptime)))
	out += st.Muted.Render(" · " + p.r.Target)
	return fit(out, w)
}

// connBar draws used slots against max_connections, with the reserved
// slots at the right end (▒) so "full for ordinary roles" is visible.
func (p pgPanel) connBar(st Styles, s *probes.PGStats, w int) string {
	if s.MaxConnections <= 0 {
		return kv(st, "conns", "max_connections unknown")
	}
	pct := 100 * float64(s.SlotsUsed) / float64(s.MaxConnections)
	level := probes.SeverityOf(pct, p.th)
	reserved := s.SuperuserReserved + s.Reserved
	label := fmt.Sprintf(" %d/%d", s.SlotsUsed, s.MaxConnections)
	tail := ""
	switch {
	case s.Full():
		tail = " " + sevLabel(probes.Critical) + " FULL"
		level = probes.Critical
	case s.SlotsUsed >= s.OrdinaryLimit():
		tail = " " + sevLabel(probes.High) + " reserved slots only"
		level = max(level, probes.High)
	default:
		tail = " " + sevLabel(level)
	}
	resText := fmt.Sprintf(" · %d reserved", reserved)
	barW := w - 10 - ansi.StringWidth(label+tail+resText)
	if barW < 10 {
		resText = ""
		barW = w - 10 - ansi.StringWidth(label+tail)
	}
	if barW < 4 {
		return kv(st, "conns", label[1:]+tail)
	}
	used := int(float64(s.SlotsUsed) / float64(s.MaxConnections) * float64(barW))
	used = max(0, min(used, barW))
	if s.SlotsUsed > 0 && used == 0 {
		used = 1
	}
	resCells := int(float64(reserved) / float64(s.MaxConnections) * float64(barW))
	if reserved > 0 && resCells == 0 {
		resCells = 1
	}
	var b strings.Builder
	on := st.For(level)
	for i := 0; i < barW; i++ {
		switch {
		case i < used:
			b.WriteString(on.Render("█"))
		case i >= barW-resCells:
			b.WriteString(st.Muted.Render("▒"))
		default:
			b.WriteString(st.Muted.Render("░"))
		}
	}
	return st.Muted.Render(fmt.Sprintf("%-10s", "conns")) + b.String() + st.Text.Render(label) + on.Render(tail) + st.Muted.Render(resText)
}

// pgStateNames are the short names of the states, in display order.
var pgStateNames = []struct{ state, short string }{
	{"active", "active"}, {"idle", "idle"}, {"idle in transaction", "idle in tx"},
	{"idle in transaction (aborted)", "aborted tx"}, {"fastpath function call", "fastpath"}, {"disabled", "disabled"},
}

// statesLine counts sessions by state; fastpath and disabled only when
// there are some.
func (p pgPanel) statesLine(st Styles, s *probes.PGStats) string {
	var parts []string
	known := map[string]bool{}
	for _, n := range pgStateNames {
		known[n.state] = true
		c := s.ByState[n.state]
		if c == 0 && (n.state == "fastpath function call" || n.state == "disabled") {
			continue
		}
		part := fmt.Sprintf("%s %d", n.short, c)
		if c > 0 && strings.HasPrefix(n.state, "idle in transaction") {
			part = st.Warn.Render(part)
		} else {
			part = st.Text.Render(part)
		}
		parts = append(parts, part)
	}
	for state, c := range s.ByState {
		if !known[state] && c > 0 {
			if state == "unknown" {
				state = "state hidden" // another role's session, to a role without pg_monitor
			}
			parts = append(parts, st.Text.Render(fmt.Sprintf("%s %d", state, c)))
		}
	}
	return st.Muted.Render(fmt.Sprintf("%-10s", "sessions")) + strings.Join(parts, st.Muted.Render(" · "))
}

// idleMemLine: idle over the threshold, then the processes' memory.
func (p pgPanel) idleMemLine(st Styles, s *probes.PGStats) string {
	idle := fmt.Sprintf("%d over %s", s.IdleOver, units.Duration(s.IdleThreshold))
	if s.IdleOver > 0 {
		idle = st.Warn.Render(idle)
	} else {
		idle = st.Text.Render(idle)
	}
	m := s.Memory
	mem := ""
	if m.Known {
		mem = fmt.Sprintf("RSS Σ %s in %d processes · own ≈ %s · backends %s", units.Bytes(m.RSSSum), m.Processes, units.Bytes(m.Estimate()), units.Bytes(m.BackendRSS))
	} else {
		mem = m.Reason
	}
	return st.Muted.Render(fmt.Sprintf("%-10s", "long idle")) + idle + st.Muted.Render(" · ") + st.Text.Render(mem)
}

// settingsLines: one line per setting with the runbook's guidance.
func (p pgPanel) settingsLines(st Styles, s *probes.PGStats) []string {
	var out []string
	for _, a := range s.Guidance {
		name := a.Setting
		if len(name) > 9 {
			name = strings.TrimSuffix(strings.TrimSuffix(name, "_size"), "_mem")
			name = strings.ReplaceAll(name, "maintenance_work", "maint_work")
			name = strings.ReplaceAll(name, "effective_cache", "eff_cache")
			name = strings.ReplaceAll(name, "shared_buffers", "shared_buf")
		}
		glyph := "  "
		if a.Level > probes.Normal {
			glyph = st.For(a.Level).Render(sevGlyph(a.Level)) + " "
		}
		out = append(out, st.Muted.Render(fmt.Sprintf("%-11s", name))+glyph+st.Text.Render(a.Text))
	}
	if len(s.Guidance) == 0 {
		out = append(out, p.settingsCompact(st, s))
	}
	hp := s.Settings.HugePages
	if s.Settings.HugePagesStatus != "" {
		hp += " (" + s.Settings.HugePagesStatus + ")"
	}
	if s.Settings.SharedMemorySize.OK {
		hp += " · shared memory " + units.Bytes(s.Settings.SharedMemorySize.V)
	}
	out = append(out, st.Muted.Render(fmt.Sprintf("%-11s", "huge_pages"))+"  "+st.Text.Render(hp))
	return out
}

// settingsCompact is the settings in one line, worst guidance glyph first.
func (p pgPanel) settingsCompact(st Styles, s *probes.PGStats) string {
	se := s.Settings
	worst := probes.Normal
	for _, a := range s.Guidance {
		worst = max(worst, a.Level)
	}
	glyph := ""
	if worst > probes.Normal {
		glyph = st.For(worst).Render(sevGlyph(worst)) + " "
	}
	active := s.ByState["active"]
	txt := fmt.Sprintf("shared_buffers %s · work_mem %s × %d active = %s · eff_cache %s · maint %s",
		valBytes(se.SharedBuffers), valBytes(se.WorkMem), active, valBytes(mulVal(se.WorkMem, active)),
		valBytes(se.EffectiveCacheSize), valBytes(se.MaintenanceWorkMem))
	if s.RAM.OK && se.SharedBuffers.OK {
		txt = fmt.Sprintf("shared_buffers %s (%s RAM, guide 25 %%) · work_mem %s × %d active = %s · eff_cache %s",
			valBytes(se.SharedBuffers), pctText(100*float64(se.SharedBuffers.V)/float64(s.RAM.V)), valBytes(se.WorkMem), active,
			valBytes(mulVal(se.WorkMem, active)), valBytes(se.EffectiveCacheSize))
	}
	return st.Muted.Render(fmt.Sprintf("%-10s", "settings")) + glyph + st.Text.Render(txt)
}

// pctText writes a share with one decimal below 10 %, so a small setting
// does not read as "0 %".
func pctText(p float64) string {
	if p < 10 {
		return fmt.Sprintf("%.1f %%", p)
	}
	return fmt.Sprintf("%.0f %%", p)
}

func mulVal(v probes.Val, n int) probes.Val {
	if !v.OK {
		return v
	}
	return probes.Some(v.V * uint64(max(n, 0)))
}

// pgCol is one column of the sessions table.
type pgCol struct {
	title string
	width int
	right bool
	cell  func(b probes.PGBackend) string
}

// table is the oldest transactions (or longest queries): a header and up
// to h-1 rows, with the columns that fit in w.
// listRows is the session list on screen: oldest transactions or longest
// queries of the newest figures.
func (p pgPanel) listRows() []probes.PGBackend {
	s := p.lastGood()
	switch {
	case s == nil:
		return nil
	case p.queries:
		return s.LongestQueries
	}
	return s.OldestXacts
}

func (p pgPanel) table(st Styles, s *probes.PGStats, w, h int) []string {
	// One column is the selection mark (selGutter).
	w--
	rows := s.OldestXacts
	ageTitle, age := "XACT AGE", func(b probes.PGBackend) string { return units.DurationCompact(b.XactAge) }
	if p.queries {
		rows = s.LongestQueries
		ageTitle, age = "RUNNING", func(b probes.PGBackend) string { return units.DurationCompact(b.QueryAge) }
	}
	cols := []pgCol{
		{"PID", 7, true, func(b probes.PGBackend) string { return fmt.Sprint(b.PID) }},
		{ageTitle, 8, true, age},
		{"STATE", 10, false, func(b probes.PGBackend) string { return shortState(b.State) }},
	}
	opt := []struct {
		minW int
		col  pgCol
	}{
		{60, pgCol{"USER", 10, false, func(b probes.PGBackend) string { return p.private(b.User) }}},
		{70, pgCol{"RSS", 8, true, func(b probes.PGBackend) string { return valBytes(b.RSS) }}},
		{100, pgCol{"DB", 12, false, func(b probes.PGBackend) string { return b.Database }}},
		{110, pgCol{"WAIT", 16, false, func(b probes.PGBackend) string { return b.WaitEvent }}},
		{130, pgCol{"APP", 14, false, func(b probes.PGBackend) string { return b.Application }}},
		{150, pgCol{"CLIENT", 15, false, func(b probes.PGBackend) string { return p.private(b.ClientAddr) }}},
	}
	for _, o := range opt {
		if w >= o.minW && !(o.col.title == "RSS" && !s.Memory.Known) {
			cols = append(cols, o.col)
		}
	}
	used := 0
	for _, c := range cols {
		used += c.width + 1
	}
	qw := w - used
	cell := func(c pgCol, v string) string {
		v = fit(v, c.width)
		if c.right {
			v = fmt.Sprintf("%*s", c.width, strings.TrimRight(v, " "))
		}
		return v
	}
	var hdr strings.Builder
	for _, c := range cols {
		hdr.WriteString(cell(c, c.title) + " ")
	}
	qTitle := "QUERY"
	if p.hideQueries {
		qTitle = "QUERY (hidden: P shows)"
	}
	if qw > 0 {
		hdr.WriteString(fit(qTitle, qw))
	}
	out := []string{" " + st.Header.Render(fit(hdr.String(), w))}
	if len(rows) == 0 {
		what := "no open transactions"
		if p.queries {
			what = "no running queries"
		}
		return append(out, " "+st.Muted.Render(what+" · o switches list"))
	}
	// A list longer than the room scrolls with the selection (↑/↓) and
	// says which rows are shown: at 80×24 there is room for one or two.
	n := min(len(rows), h-1)
	footer := ""
	if len(rows) > h-1 && h >= 3 {
		n = h - 2
	}
	sel := min(p.sel, len(rows)-1)
	off := procWindow(sel, len(rows), n)
	if n < len(rows) {
		footer = fmt.Sprintf("rows %d–%d of %d · ↑/↓ scroll", off+1, off+n, len(rows))
	}
	for i := off; i < off+n; i++ {
		b := rows[i]
		var line strings.Builder
		for _, c := range cols {
			line.WriteString(cell(c, c.cell(b)) + " ")
		}
		if qw > 0 {
			q := "·"
			if !p.hideQueries {
				q = termtext.Printable(strings.Join(strings.Fields(b.Query), " "))
			}
			line.WriteString(fit(q, qw))
		}
		style := st.Text
		if strings.HasPrefix(b.State, "idle in transaction") {
			style = st.Warn
		}
		mark := 1 // selGutter marks line 0 of what it is given
		if i == sel {
			mark = 0
		}
		out = append(out, selGutter(st, style.Render(fit(line.String(), w)), mark))
	}
	if footer != "" {
		out = append(out, " "+st.Muted.Render(footer))
	}
	return out
}

// shortState abbreviates pg_stat_activity states for the table.
func shortState(s string) string {
	for _, n := range pgStateNames {
		if n.state == s {
			return n.short
		}
	}
	return s
}

// wrapText breaks styled text into lines of at most w cells.
func wrapText(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	return strings.Split(ansi.Wrap(s, w, " "), "\n")
}
