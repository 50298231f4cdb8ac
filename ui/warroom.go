package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/internal/units"
	"github.com/memtui/memtui/probes"
)

// The war-room view is the dashboard for people who watch and do not
// drive: a call with ten people or a projector at the end of a room. It
// shows few things, large: the severity and used percentage, the incident
// clock and escalation stage, the top consumers, PostgreSQL saturation and
// the latest timeline events. It is drawn only from what the panels already
// hold, so toggling it costs no reading.

// warRoomTop is how many consumers and events the view lists: five is what
// a room can read out loud and still follow.
const warRoomTop = 5

// warRoomView draws the presentation body, exactly w×h.
func (m Model) warRoomView(w, h int) string {
	hero := m.warRoomHero(w, h)
	left, right := w*3/5, w-w*3/5-1
	if w >= 160 {
		left, right = w/2, w-w/2-1
	}
	spread := h >= len(hero)+2*(1+2*warRoomTop)+6 // room to double-space the lists
	cons := m.warRoomConsumers(left, spread)
	pg := m.warRoomPG(right)
	var lists []string
	for i := range max(len(cons), len(pg)) {
		var l, r string
		if i < len(cons) {
			l = cons[i]
		}
		if i < len(pg) {
			r = pg[i]
		}
		lists = append(lists, fit(l, left)+m.st.Border.Render("│")+fit(r, right))
	}
	events := m.warRoomEvents(w, spread)

	// The three sections share the spare lines as equal gaps, so a large
	// screen is filled evenly instead of leaving a blank bottom half.
	sections := [][]string{hero, lists, events}
	used := 0
	for _, s := range sections {
		used += len(s)
	}
	gap := max(h-used, 0) / (len(sections) + 1)
	var out []string
	for _, s := range sections {
		for range gap {
			out = append(out, "")
		}
		out = append(out, s...)
	}
	return block(strings.Join(out, "\n"), w, h)
}

// warRoomHero is the used percentage in block digits beside the severity
// word (a wide badge) and the incident's clock and stage: what someone
// glancing at the screen from across the room needs first.
func (m Model) warRoomHero(w, h int) []string {
	level, pct, ok := m.mem.severity()
	figure := "--.-%"
	if ok {
		figure = fmt.Sprintf("%.1f%%", pct)
	}
	// Five rows when the screen has them, half-block three rows at 80×24
	// short of room; wider pixels on wide screens.
	rows := 5
	if h < 22 {
		rows = 3
	}
	scale := 2
	if w >= 180 {
		scale = 3
	}
	for scale > 1 && bigTextWidth(figure, scale)+40 > w {
		scale--
	}
	big := bigText(figure, rows, scale)
	bigW := bigTextWidth(figure, scale)
	digitStyle := m.st.For(level)
	if !ok {
		digitStyle = m.st.Muted
	}

	side := w - bigW - 4
	badge := m.st.Muted.Render("● reading…")
	if ok {
		// The word and glyph carry the level; the badge's colour repeats it.
		word := " " + strings.ReplaceAll(sevLabel(level), " ", "  ") + " "
		badge = m.st.SevBadge[level].Render(fit(word, min(max(24, len(word)+4), side-2)))
	}
	facts := m.warRoomFacts()
	right := append([]string{badge}, facts...)
	if rows == 3 {
		right = right[:min(len(right), 3)]
	}
	out := make([]string, rows)
	for i := range rows {
		r := ""
		if i < len(right) {
			r = right[i]
		}
		out[i] = "  " + digitStyle.Render(big[i]) + "  " + fit(r, side)
	}
	return out
}

// warRoomFacts are the lines beside the big figure: incident clock and
// stage, then memory and swap in words.
func (m Model) warRoomFacts() []string {
	st := m.st
	s := &m.timeline.st.Summary
	var clock, stage string
	switch {
	case !s.Started():
		clock = st.OK.Render("○ no incident open")
	case s.Active():
		clock = st.Bold.Render("⏱ INCIDENT " + units.Duration(s.Elapsed(m.now)))
		if s.Samples > 0 {
			clock += st.Text.Render(fmt.Sprintf(" · peak %.1f %%", s.Peak.UsedPct))
		}
		stage = st.Muted.Render("escalation: none yet")
		if s.Stage > incident.StageNone {
			stage = st.High.Render("⚑ ESCALATE: " + strings.ToUpper(stageShort(s.Stage)))
		}
		if s.OOMKills > 0 {
			stage += st.Crit.Render(fmt.Sprintf(" · ✗ %d OOM kill(s)", s.OOMKills))
		}
	default:
		clock = st.Text.Render("■ incident ended after " + units.Duration(s.Elapsed(m.now)))
	}
	out := []string{clock}
	if stage != "" {
		out = append(out, stage)
	}
	if m.mem.have > 0 {
		mi := m.mem.cur.Meminfo
		if mi.MemTotal.OK && mi.MemAvailable.OK && mi.MemTotal.V >= mi.MemAvailable.V {
			out = append(out, st.Text.Render(fmt.Sprintf("memory %s of %s used",
				units.Bytes(mi.MemTotal.V-mi.MemAvailable.V), units.Bytes(mi.MemTotal.V))))
		}
		switch {
		case mi.SwapTotal.OK && mi.SwapTotal.V == 0:
			out = append(out, st.Muted.Render("no swap"))
		case mi.SwapTotal.OK && mi.SwapFree.OK && mi.SwapTotal.V >= mi.SwapFree.V:
			used := mi.SwapTotal.V - mi.SwapFree.V
			out = append(out, st.Text.Render(fmt.Sprintf("swap %s of %s used (%.0f %%)",
				units.Bytes(used), units.Bytes(mi.SwapTotal.V), 100*float64(used)/float64(mi.SwapTotal.V))))
		}
	}
	return out
}

// warRoomConsumers lists the largest processes by RSS, whatever the process
// panel's sort or filter: the room asks "what is eating the memory".
func (m Model) warRoomConsumers(w int, spread bool) []string {
	st := m.st
	out := []string{st.Title.Render(" TOP CONSUMERS") + st.Muted.Render(" by resident memory")}
	if !m.procs.have {
		return append(out, st.Muted.Render(" reading the process table…"))
	}
	procs := m.procs.res.Table.Procs
	// A partial selection: five passes over the table, no sort, no copy of
	// a 2,000-process table every frame.
	var top []int
	for range warRoomTop {
		best := -1
		for i := range procs {
			if contains(top, i) {
				continue
			}
			if best < 0 || procs[i].RSS > procs[best].RSS {
				best = i
			}
		}
		if best < 0 {
			break
		}
		top = append(top, best)
	}
	// The figures stay near the names: on a wide screen a long gap makes
	// the eye lose the row.
	nameW := min(max(w-36, 10), 32)
	for n, i := range top {
		pr := &procs[i]
		// The kernel's comm is the program without its arguments: safe to
		// show with privacy on. The user name is not.
		who := ""
		if !m.procs.private && pr.User != "" {
			who = " " + pr.User
		}
		pct := ""
		if m.procs.memTotal > 0 {
			pct = fmt.Sprintf("%5.1f %%", pr.MemPercent(m.procs.memTotal))
		}
		line := fmt.Sprintf(" %d  %s %9s %7s %s", n+1, fit(pr.Comm+who, nameW), units.Bytes(pr.RSS), pct, procGrowthText(pr.Growth, pr.GrowthOK))
		style := st.Text
		if n == 0 {
			style = st.Bold
		}
		if spread {
			out = append(out, "")
		}
		out = append(out, style.Render(line))
	}
	return out
}

// contains reports whether xs holds x.
func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// warRoomPG is PostgreSQL saturation: used of max connections with a bar,
// or why there is no figure.
func (m Model) warRoomPG(w int) []string {
	st := m.st
	out := []string{st.Title.Render(" POSTGRESQL") + st.Muted.Render(" connections")}
	if m.pg.src == nil {
		return append(out, st.Muted.Render(" not watched (--pg none)"))
	}
	s := m.pg.lastGood()
	if s == nil {
		if m.pg.have {
			return append(out, st.Crit.Render(" ✖ not connected"))
		}
		return append(out, st.Muted.Render(" connecting…"))
	}
	if s.MaxConnections <= 0 {
		return append(out, st.Text.Render(fmt.Sprintf(" %d used · max_connections unknown", s.SlotsUsed)))
	}
	ratio := float64(s.SlotsUsed) / float64(s.MaxConnections)
	level := probes.SeverityOf(100*ratio, m.pg.th)
	out = append(out, "", " "+st.For(level).Render(fmt.Sprintf("%s %d / %d used (%.0f %%)", sevGlyph(level), s.SlotsUsed, s.MaxConnections, 100*ratio)))
	barW := max(min(w-4, 40), 4)
	fill := min(int(ratio*float64(barW)+0.5), barW)
	out = append(out, " "+st.For(level).Render(strings.Repeat("█", fill))+st.Muted.Render(strings.Repeat("░", barW-fill)))
	if lim := s.OrdinaryLimit(); lim > 0 && s.SlotsUsed >= lim {
		out = append(out, " "+st.Crit.Render("✖ FULL for ordinary roles (reserved slots only)"))
	}
	if s != m.pg.r.Stats {
		out = append(out, " "+st.Warn.Render("▲ last known figures: not connected now"))
	}
	return out
}

// warRoomEvents are the latest timeline events, newest last, as the
// timeline panel words them.
func (m Model) warRoomEvents(w int, spread bool) []string {
	st := m.st
	out := []string{st.Title.Render(" LATEST EVENTS")}
	p := m.timeline
	if !p.st.Recording {
		return append(out, st.Muted.Render(" no timeline in this run"))
	}
	shown, pending := p.st.Events, p.st.Pending
	all := len(shown) + len(pending)
	if all == 0 {
		return append(out, st.Muted.Render(" no events yet"))
	}
	for i := max(all-warRoomTop, 0); i < all; i++ {
		var line string
		if i < len(shown) {
			line = p.eventLine(st, shown[i], false)
		} else {
			line = p.eventLine(st, pending[i-len(shown)], true)
		}
		if spread {
			out = append(out, "")
		}
		out = append(out, " "+ansi.Truncate(line, w-2, "…"))
	}
	return out
}
