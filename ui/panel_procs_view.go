package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/memtui/memtui/internal/units"
	"github.com/memtui/memtui/probes"
)

func (p *procPanel) view(st Styles, w, h int, focused bool) string {
	c := p.cache
	if c != nil && c.seq == p.seq && c.w == w && c.h == h && c.focused == focused {
		return c.out
	}
	out := p.draw(st, w, h, focused)
	if c != nil {
		*c = procViewCache{seq: p.seq, w: w, h: h, focused: focused, out: out}
	}
	return out
}

// draw renders the panel (view caches it).
func (p procPanel) draw(st Styles, w, h int, focused bool) string {
	if p.src == nil {
		// Same words as the root's placeholder for a panel without a source.
		return frame(st, panelNames[pProcs], "", st.Muted.Render("not available in this build"), w, h, focused)
	}
	title := "Top memory consumers"
	if p.groups {
		title = "Memory by program"
	}
	if p.diff {
		title += " · changes since " + p.base.At.In(p.loc).Format("15:04:05")
	}
	return frame(st, title, p.note(), p.body(st, w-2, h-2), w, h, focused)
}

// note is the frame's right-hand summary: count, order, state.
func (p procPanel) note() string {
	if p.paused {
		return "⏸ PAUSED"
	}
	if !p.have {
		return ""
	}
	parts := []string{fmt.Sprintf("%d procs", len(p.res.Table.Procs))}
	if p.programsOnly() {
		parts[0] = fmt.Sprintf("%d programs", len(p.res.Programs))
	}
	if p.cursor > 0 {
		// The table may be scrolled: say where the selection is.
		parts = append(parts, fmt.Sprintf("row %d/%d", p.cursor+1, p.rows()))
	}
	if !p.diff {
		parts = append(parts, "by "+p.sort.String())
	}
	parts = append(parts, p.res.Table.At.In(p.loc).Format("15:04:05"))
	return strings.Join(parts, " · ")
}

// body is the table of the current view, a status line when there is one,
// and the reason when there is no table.
func (p procPanel) body(st Styles, w, h int) string {
	switch {
	case !p.have && p.err != nil:
		return st.Crit.Render("✖ processes: ") + st.Text.Render(procErrText(p.err))
	case !p.have:
		return st.Muted.Render("scanning the process table …")
	}
	var status []string
	if p.err != nil {
		status = append(status, st.Crit.Render("✖ last scan failed: ")+st.Text.Render(procErrText(p.err)))
	}
	if p.programsOnly() {
		status = append(status, fit(st.Muted.Render(p.res.ProgramsOnly), w))
	}
	if p.filter != "" {
		what := fmt.Sprintf("%d of %d processes", len(p.order), len(p.res.Table.Procs))
		if p.programsOnly() {
			what = fmt.Sprintf("%d of %d programs", len(p.grp), len(p.res.Programs))
		}
		status = append(status, st.Accent.Render("/ ")+st.Text.Render(fmt.Sprintf("filter %q: %s · esc clears", p.filter, what)))
	}
	if !p.base.IsZero() && !p.diff {
		status = append(status, st.Muted.Render(fmt.Sprintf("baseline %s marked · d shows the changes", p.base.At.In(p.loc).Format("15:04:05"))))
	}
	if l := p.odooLine(st, w); l != "" {
		status = append(status, l)
	}
	if l := p.odooWarning(st, w); l != "" {
		status = append(status, l)
	}
	if len(status) > max(h-3, 0) {
		status = status[:max(h-3, 0)]
	}
	tableH := h - len(status)
	// The tables leave one column for the selection mark.
	tw := w - 1
	var tbl string
	switch {
	case p.diff && p.groups:
		tbl = p.groupDiffTable(st, tw, tableH)
	case p.diff:
		tbl = p.procDiffTable(st, tw, tableH)
	case p.groups:
		tbl = p.groupTable(st, tw, tableH)
	default:
		tbl = p.procTable(st, tw, tableH)
	}
	sel := -1
	if p.rows() > 0 {
		sel = 1 + p.cursor - procWindow(p.cursor, p.rows(), tableH-1) // below the header
	}
	out := block(selGutter(st, tbl, sel), w, tableH)
	if len(status) > 0 {
		out += "\n" + strings.Join(status, "\n")
	}
	return out
}

// statusLines counts the lines body puts under the table.
func (p procPanel) statusLines(h int) int {
	n := 0
	if p.err != nil {
		n++
	}
	if p.programsOnly() {
		n++
	}
	if p.filter != "" {
		n++
	}
	if !p.base.IsZero() && !p.diff {
		n++
	}
	if p.showsOdoo() {
		n++
	}
	if p.odooWarningText() != "" {
		n++
	}
	return min(n, max(h-3, 0))
}

// clickRow selects the row drawn on line of the body (0 is the table's
// header) of a body h lines tall; a click elsewhere changes nothing.
func (p procPanel) clickRow(line, h int) procPanel {
	if !p.have || line < 1 || p.rows() == 0 {
		return p
	}
	visible := h - p.statusLines(h) - 1
	if line > visible {
		return p
	}
	row := procWindow(p.cursor, p.rows(), visible) + line - 1
	if row < p.rows() {
		p.cursor = row
		p.seq = procViewSeq.Add(1) // the cached frame is stale
	}
	return p
}

// procWindow returns the first row to draw so the cursor stays visible.
func procWindow(cursor, rows, visible int) int {
	if visible <= 0 || cursor < visible {
		return 0
	}
	return min(cursor-visible+1, max(rows-visible, 0))
}

// procCol is one table column: a header, a width, and right alignment.
type procCol struct {
	title string
	w     int
	right bool
}

// cell fits s into a column.
func (c procCol) cell(s string) string {
	if c.right {
		if pad := c.w - len([]rune(s)); pad > 0 {
			s = strings.Repeat(" ", pad) + s
		}
	}
	return fit(s, c.w)
}

// procHeader renders the column titles.
func procHeader(st Styles, cols []procCol) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(c.cell(c.title))
	}
	return st.Header.Render(b.String())
}

// procColumns picks the process table's columns for width w; the command
// takes what is left.
func procColumns(w int, window time.Duration) (cols []procCol, spark bool) {
	userW := 8
	if w >= 140 {
		userW = 10
	}
	cols = []procCol{{"PID", 7, true}, {"USER", userW, false}, {"RSS", 9, true}, {"SWAP", 9, true}, {"%MEM", 5, true}, {procGrowthTitle(window), 10, true}}
	if w >= 110 {
		sw := 12
		if w >= 160 {
			sw = 20
		}
		cols = append(cols, procCol{"TREND", sw, false})
		spark = true
	}
	used := 0
	for _, c := range cols {
		used += c.w + 1
	}
	cols = append(cols, procCol{"COMMAND", max(w-used, 8), false})
	return cols, spark
}

// odooMark is an Odoo worker's place against the memory limits, by
// virtual size as Odoo measures it ("" for any other process, or a fine one).
func (p procPanel) odooMark(pr *probes.Proc) string {
	c := p.deps.Odoo
	if c == nil || !p.odooWorker(pr) {
		return ""
	}
	switch c.WorkerState(pr.VM) {
	case probes.OdooWorkerAtHard:
		return "✖ ODOO HARD LIMIT"
	case probes.OdooWorkerOverSoft:
		return "▲ ODOO RECYCLE"
	case probes.OdooWorkerNearSoft:
		return "◐ ODOO NEAR SOFT"
	}
	return ""
}

// odooWorker says whether pr is a live Odoo worker: an Odoo process whose
// parent is the Odoo master (a zombie holds no memory).
func (p procPanel) odooWorker(pr *probes.Proc) bool {
	return probes.IsOdoo(pr.Program) && p.odooPIDs[pr.PPID] && pr.State != 'Z'
}

// odooLine is the panel's summary of Odoo's workers against the limits
// ("" without Odoo).
func (p procPanel) odooLine(st Styles, w int) string {
	if !p.showsOdoo() {
		return ""
	}
	c := p.deps.Odoo
	workers, near, over, hard := 0, 0, 0, 0
	procs := p.res.Table.Procs
	for i := range procs {
		if !p.odooWorker(&procs[i]) {
			continue
		}
		workers++
		switch c.WorkerState(procs[i].VM) {
		case probes.OdooWorkerAtHard:
			hard++
		case probes.OdooWorkerOverSoft:
			over++
		case probes.OdooWorkerNearSoft:
			near++
		}
	}
	if c.Workers == 0 {
		return fit(st.Muted.Render("odoo: threaded mode (workers = 0): no worker memory limits"), w)
	}
	limits := fmt.Sprintf(" · limits by virtual size: soft %s (recycled after the request), hard %s (MemoryError)",
		units.Bytes(c.LimitMemorySoft), units.Bytes(c.LimitMemoryHard))
	var bad []string
	for _, b := range []struct {
		n    int
		what string
	}{{hard, "at the hard limit"}, {over, "to be recycled"}, {near, "near the soft limit"}} {
		if b.n > 0 {
			bad = append(bad, fmt.Sprintf("%d %s", b.n, b.what))
		}
	}
	if len(bad) == 0 {
		return fit(st.Muted.Render(fmt.Sprintf("odoo: %d workers, all under their limits", workers)+limits), w)
	}
	return fit(st.High.Render(fmt.Sprintf("▲ odoo: %s of %d workers", strings.Join(bad, ", "), workers))+st.Muted.Render(limits), w)
}

// odooWarning is the first reason Odoo's limits are wrong for this host
// (RAM and CPUs; PostgreSQL's share is in memtui snapshot), with its
// arithmetic and how many more there are; "" when none.
func (p procPanel) odooWarning(st Styles, w int) string {
	text := p.odooWarningText()
	if text == "" {
		return ""
	}
	return fit(st.High.Render(text), w)
}

// showsOdoo says whether the panel has an Odoo line: Odoo's configuration
// is known and its processes are in the last scan.
func (p procPanel) showsOdoo() bool {
	return p.deps.Odoo != nil && p.have && len(p.odooPIDs) > 0
}

// odooWarningText is odooWarning's text before styling.
func (p procPanel) odooWarningText() string {
	c := p.deps.Odoo
	if !p.showsOdoo() || c.Workers == 0 {
		return ""
	}
	a := probes.AssessOdoo(*c, nil, probes.OdooHost{MemTotal: p.memTotal, CPUs: p.deps.Host.CPUs})
	if len(a.Warnings) == 0 {
		return ""
	}
	text := "▲ odoo.conf: " + a.Warnings[0]
	if n := len(a.Warnings) - 1; n > 0 {
		text += fmt.Sprintf(" (+%d more: memtui snapshot)", n)
	}
	return text
}

// procMarkText is the glyph and word of a process's flags (never colour alone).
func procMarkText(m probes.ProcMark) string {
	var parts []string
	if m&probes.MarkLeak != 0 {
		parts = append(parts, "▲ LEAK?")
	}
	if m&probes.MarkRestarted != 0 {
		parts = append(parts, "↻ RESTARTED")
	}
	return strings.Join(parts, " ")
}

func (p procPanel) procTable(st Styles, w, h int) string {
	cols, spark := procColumns(w, p.res.Window)
	lines := []string{procHeader(st, cols)}
	visible := h - 1
	if len(p.order) == 0 {
		msg := "no process matches the filter"
		if p.filter == "" {
			msg = "no user-space process found"
		}
		return lines[0] + "\n" + st.Muted.Render(msg)
	}
	procs := p.res.Table.Procs
	start := procWindow(p.cursor, len(p.order), visible)
	for i := start; i < len(p.order) && i < start+visible; i++ {
		pr := &procs[p.order[i]]
		cells := []string{
			cols[0].cell(fmt.Sprint(pr.PID)),
			cols[1].cell(hideIf(p.private, pr.User)),
			cols[2].cell(units.Bytes(pr.RSS)),
			cols[3].cell(procSwapText(pr)),
			cols[4].cell(procPctText(pr.MemPercent(p.memTotal), p.memTotal != 0)),
			cols[5].cell(procGrowthCell(pr)),
		}
		if spark {
			cells = append(cells, cols[6].cell(procSparkline(p.res.Histories[pr.Key()], cols[6].w)))
		}
		mark := procMarkText(pr.Mark)
		if om := p.odooMark(pr); om != "" {
			mark = strings.TrimSpace(om + " " + mark)
		}
		cmd := pr.Comm
		if pr.CmdlineOK && pr.Cmdline != "" && !p.private {
			cmd = pr.Cmdline
		}
		if pr.State == 'Z' {
			cmd = pr.Comm + " <defunct>"
		}
		cmdCol := cols[len(cols)-1]
		row := strings.Join(cells, " ") + " "
		if i == p.cursor {
			text := cmd
			if mark != "" {
				text = mark + " " + cmd
			}
			lines = append(lines, st.Selected.Render(fit(row+cmdCol.cell(text), w)))
			continue
		}
		if mark != "" {
			markW := len([]rune(mark)) + 1
			lines = append(lines, st.Text.Render(row)+st.High.Render(mark+" ")+st.Text.Render(fit(cmd, max(cmdCol.w-markW, 0))))
		} else {
			lines = append(lines, st.Text.Render(row+cmdCol.cell(cmd)))
		}
	}
	return strings.Join(lines, "\n")
}

func procSwapText(p *probes.Proc) string {
	if !p.SwapOK {
		return "—"
	}
	return units.Bytes(p.Swap)
}

func procPctText(v float64, ok bool) string {
	if !ok {
		return "—"
	}
	return fmt.Sprintf("%.1f", v)
}

// procGrowthTitle heads the growth column with the window it is measured
// over: the figure is the change over that window, per minute.
func procGrowthTitle(window time.Duration) string {
	switch {
	case window <= 0:
		return "GROWTH/m"
	case window%time.Minute == 0:
		return fmt.Sprintf("GROWTH %dm", int(window/time.Minute))
	}
	return fmt.Sprintf("GROWTH %ds", int(window/time.Second))
}

// procGrowthCell is a process's growth, "new" while a process that started
// under memtui's eyes has not been followed for a whole window (its
// start-up allocation is not growth), "—" while nobody has been.
func procGrowthCell(p *probes.Proc) string {
	if !p.GrowthOK && p.Mark&probes.MarkNew != 0 {
		return "new"
	}
	return procGrowthText(p.Growth, p.GrowthOK)
}

// procGrowthText formats bytes per second as a signed amount per minute.
func procGrowthText(perSec float64, ok bool) string {
	if !ok {
		return "—"
	}
	return units.SignedRate(perSec * 60)
}

// procSparkline draws samples as w cells, each the highest RSS of its slice of
// the samples, scaled between the series' own low and high so a slow leak
// shows as a slope. A flat series (under 1 MiB of range) is a flat line.
func procSparkline(samples []probes.RSSSample, w int) string {
	if w <= 0 {
		return ""
	}
	if len(samples) == 0 {
		return strings.Repeat(" ", w)
	}
	n := min(w, len(samples))
	vals := make([]uint64, n)
	for i := range n {
		from := i * len(samples) / n
		to := max((i+1)*len(samples)/n, from+1)
		for _, s := range samples[from:to] {
			vals[i] = max(vals[i], s.RSS)
		}
	}
	lo, hi := vals[0], vals[0]
	for _, v := range vals {
		lo, hi = min(lo, v), max(hi, v)
	}
	var b strings.Builder
	for _, v := range vals {
		k := 0
		if hi-lo >= 1<<20 {
			k = int(float64(v-lo) / float64(hi-lo) * float64(len(sparkBlocks)-1))
		}
		b.WriteRune(sparkBlocks[k])
	}
	return fit(b.String(), w)
}

func (p procPanel) groupTable(st Styles, w, h int) string {
	progW := 18
	if w < 100 {
		progW = 14 // leave the notes room for "▲ 1 LEAK? · odoo"
	}
	cols := []procCol{{"PROGRAM", progW, false}, {"COUNT", 5, true}, {"RSS", 9, true}, {"PSS", 9, true}, {"SWAP", 9, true}, {procGrowthTitle(p.res.Window), 10, true}}
	used := 0
	for _, c := range cols {
		used += c.w + 1
	}
	cols = append(cols, procCol{"NOTES · USERS", max(w-used, 8), false})
	lines := []string{procHeader(st, cols)}
	visible := h - 1
	if len(p.grp) == 0 {
		return lines[0] + "\n" + st.Muted.Render("no process matches the filter")
	}
	start := procWindow(p.cursor, len(p.grp), visible)
	for i := start; i < len(p.grp) && i < start+visible; i++ {
		g := p.grp[i]
		pss := "—"
		if g.PSSOK {
			pss = units.Bytes(g.PSS)
		} else if g.PSS > 0 {
			pss = "≥" + units.Bytes(g.PSS)
		}
		swap := "—"
		if g.SwapOK {
			swap = units.Bytes(g.Swap)
		} else if g.Swap > 0 {
			swap = "≥" + units.Bytes(g.Swap)
		}
		// Flags first: at 80 columns the users are what gets cut.
		var notes []string
		if g.Leaks > 0 {
			notes = append(notes, fmt.Sprintf("▲ %d LEAK?", g.Leaks))
		}
		if g.Restarted > 0 {
			notes = append(notes, fmt.Sprintf("↻ %d RESTARTED", g.Restarted))
		}
		notes = append(notes, hideIf(p.private, g.Users))
		row := strings.Join([]string{
			cols[0].cell(g.Program), cols[1].cell(fmt.Sprint(g.Count)), cols[2].cell(units.Bytes(g.RSS)),
			cols[3].cell(pss), cols[4].cell(swap), cols[5].cell(procGrowthText(g.Growth, g.GrowthOK)), cols[6].cell(strings.Join(notes, " · ")),
		}, " ")
		if i == p.cursor {
			lines = append(lines, st.Selected.Render(fit(row, w)))
		} else if g.Leaks > 0 || g.Restarted > 0 {
			lines = append(lines, st.High.Render(row))
		} else {
			lines = append(lines, st.Text.Render(row))
		}
	}
	return strings.Join(lines, "\n")
}

// procDiffStatus words a diff status with a glyph.
func procDiffStatus(s probes.DiffStatus, delta int64) string {
	switch s {
	case probes.DiffNew:
		return "✚ NEW"
	case probes.DiffGone:
		return "✖ GONE"
	}
	if delta < 0 {
		return "▼ SHRANK"
	}
	return "▲ GREW"
}

func (p procPanel) procDiffTable(st Styles, w, h int) string {
	cols := []procCol{{"CHANGE", 8, false}, {"PID", 7, true}, {"USER", 8, false}, {"BEFORE", 9, true}, {"NOW", 9, true}, {"DELTA", 10, true}}
	used := 0
	for _, c := range cols {
		used += c.w + 1
	}
	cols = append(cols, procCol{"COMMAND", max(w-used, 8), false})
	lines := []string{procHeader(st, cols)}
	if len(p.diffP) == 0 {
		return lines[0] + "\n" + st.Muted.Render("no process appeared, went away or moved by 1 MiB since the baseline")
	}
	visible := h - 1
	start := procWindow(p.cursor, len(p.diffP), visible)
	for i := start; i < len(p.diffP) && i < start+visible; i++ {
		d := p.diffP[i]
		before, now := units.Bytes(d.RSSBefore), units.Bytes(d.RSSAfter)
		if d.Status == probes.DiffNew {
			before = "—"
		}
		if d.Status == probes.DiffGone {
			now = "—"
		}
		row := strings.Join([]string{
			cols[0].cell(procDiffStatus(d.Status, d.Delta())), cols[1].cell(fmt.Sprint(d.Key.PID)), cols[2].cell(hideIf(p.private, d.User)),
			cols[3].cell(before), cols[4].cell(now), cols[5].cell(units.SignedBytes(d.Delta())), cols[6].cell(d.Comm),
		}, " ")
		lines = append(lines, p.diffRow(st, row, i, w))
	}
	return strings.Join(lines, "\n")
}

func (p procPanel) groupDiffTable(st Styles, w, h int) string {
	cols := []procCol{{"CHANGE", 8, false}, {"PROGRAM", 18, false}, {"COUNT", 9, true}, {"BEFORE", 9, true}, {"NOW", 9, true}, {"DELTA", 10, true}}
	lines := []string{procHeader(st, cols)}
	if len(p.diffG) == 0 {
		return lines[0] + "\n" + st.Muted.Render("no program appeared, went away or moved by 1 MiB since the baseline")
	}
	visible := h - 1
	start := procWindow(p.cursor, len(p.diffG), visible)
	for i := start; i < len(p.diffG) && i < start+visible; i++ {
		d := p.diffG[i]
		row := strings.Join([]string{
			cols[0].cell(procDiffStatus(d.Status, d.Delta())), cols[1].cell(d.Program),
			cols[2].cell(fmt.Sprintf("%d→%d", d.CountBefore, d.CountAfter)),
			cols[3].cell(units.Bytes(d.RSSBefore)), cols[4].cell(units.Bytes(d.RSSAfter)), cols[5].cell(units.SignedBytes(d.Delta())),
		}, " ")
		lines = append(lines, p.diffRow(st, row, i, w))
	}
	return strings.Join(lines, "\n")
}

func (p procPanel) diffRow(st Styles, row string, i, w int) string {
	if i == p.cursor {
		return st.Selected.Render(fit(row, w))
	}
	return st.Text.Render(row)
}
