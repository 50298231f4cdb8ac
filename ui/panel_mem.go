package ui

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/NimbleMarkets/ntcharts/canvas"
	"github.com/NimbleMarkets/ntcharts/canvas/runes"
	tslc "github.com/NimbleMarkets/ntcharts/linechart/timeserieslinechart"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/memtui/memtui/internal/units"
	"github.com/memtui/memtui/probes"
)

// ChartWindow is how far back the memory chart looks (a replay keeps as
// much before the moment it starts at).
const ChartWindow = 10 * time.Minute

// trendWindow is the span the growth rate is fitted over.
const trendWindow = 5 * time.Minute

// readTimeout bounds one memory reading: /proc reads can stall on a host in
// deep reclaim, and a stalled reading must not stop the clock or the keys.
const readTimeout = 2 * time.Second

// memPanel shows memory and swap: the used percentage with its severity,
// the breakdown, swap and its rates, PSI, the trend and a chart.
type memPanel struct {
	src      MemorySource
	interval time.Duration
	th       probes.Thresholds
	loc      *time.Location

	id, tag  int
	inFlight bool
	paused   bool

	cur, prev probes.Memory
	have      int // readings held: 0, 1 or 2
	rates     probes.Rates
	trend     probes.Trend
	hist      *probes.Ring[probes.MemPoint]
	scratch   *[]probes.MemPoint // reused by the trend fit; owned by update
	seq       int                // bumped by every reading, keys the chart cache
	cache     *chartCache        // the last chart drawn, reused until data or size change
}

// chartCache keeps the rendered chart: View runs after every message (keys,
// other panels' results, the clock) but the chart only changes with a
// reading or a resize.
type chartCache struct {
	w, h, seq int
	out       string

	chart          *tslc.Model // the ntcharts model, reused across draws of one size
	chartW, chartH int
}

// lastMemPanelID gives every memPanel its own tick id.
var lastMemPanelID int

func newMemPanel(d Deps) memPanel {
	lastMemPanelID++
	// Keep the chart window, but never more than an hour of points, so a
	// fast interval cannot grow memory without bound.
	n := int(ChartWindow / d.Interval)
	n = max(60, min(n, 3600))
	s := make([]probes.MemPoint, 0, n)
	p := memPanel{src: d.Memory, interval: d.Interval, th: d.Thresholds, loc: d.Location,
		id: lastMemPanelID, hist: probes.NewRing[probes.MemPoint](n), scratch: &s, cache: &chartCache{}}
	for _, pt := range d.MemHistory {
		p.hist.Push(pt)
	}
	if len(d.MemHistory) > 0 {
		*p.scratch = p.hist.AppendTo((*p.scratch)[:0])
		p.trend = probes.TrendOf(*p.scratch, trendWindow)
	}
	return p
}

// init takes the first reading at once.
func (p *memPanel) init() tea.Cmd {
	if p.src == nil {
		return nil
	}
	return readMemoryCmd(p.src)
}

// readMemoryCmd takes one reading off the Update goroutine, under a timeout.
func readMemoryCmd(src MemorySource) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
		defer cancel()
		done := make(chan probes.Memory, 1)
		go func() { done <- src.Read() }()
		select {
		case m := <-done:
			return memSampledMsg{at: m.Time, mem: m}
		case <-ctx.Done():
			err := fmt.Errorf("reading memory took over %s (the host may be in deep reclaim)", readTimeout)
			return memSampledMsg{at: time.Now(), mem: probes.Memory{Time: time.Now(), MeminfoErr: err}}
		}
	}
}

// memTickCmd schedules the next reading.
func memTickCmd(id, tag int, d time.Duration) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return memTickMsg{id: id, tag: tag} })
}

func (p *memPanel) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case memTickMsg:
		if msg.id != p.id || msg.tag != p.tag || p.inFlight || p.paused {
			return nil
		}
		p.inFlight = true
		return readMemoryCmd(p.src)
	case memSampledMsg:
		p.inFlight = false
		p.record(msg.mem)
		if p.paused {
			return nil
		}
		return memTickCmd(p.id, p.tag, p.interval)
	case pauseToggledMsg:
		p.paused = msg.paused
		p.tag++
		if !p.paused && !p.inFlight {
			p.inFlight = true
			return readMemoryCmd(p.src)
		}
	}
	return nil
}

// record keeps a reading, derives rates and the trend.
func (p *memPanel) record(m probes.Memory) {
	// The same reading again (a replay's paused moment) is no new point:
	// recorded twice, the rates would span no time.
	if p.have > 0 && m.Time.Equal(p.cur.Time) {
		return
	}
	if p.have > 0 {
		p.prev = p.cur
	}
	p.cur = m
	p.seq++
	p.have = min(p.have+1, 2)
	if p.have == 2 {
		p.rates = probes.RatesBetween(p.prev, p.cur)
	}
	if pt, ok := probes.PointOf(m); ok {
		p.hist.Push(pt)
		*p.scratch = p.hist.AppendTo((*p.scratch)[:0])
		p.trend = probes.TrendOf(*p.scratch, trendWindow)
	}
}

// readErr is why the latest reading has no usage figure (nil before the
// first reading, or when it has one).
func (p memPanel) readErr() error {
	if p.have == 0 {
		return nil
	}
	if _, ok := p.cur.UsedPercent(); ok {
		return nil
	}
	return p.cur.MeminfoErr
}

// severity is the current level; ok is false before a usable reading.
func (p memPanel) severity() (probes.Severity, float64, bool) {
	if p.have == 0 {
		return probes.Normal, 0, false
	}
	pct, ok := p.cur.UsedPercent()
	if !ok {
		return probes.Normal, 0, false
	}
	return probes.SeverityOf(pct, p.th), pct, true
}

func (p *memPanel) view(st Styles, w, h int, focused bool) string {
	note := ""
	if p.paused {
		note = "⏸ PAUSED"
	} else if p.have > 0 {
		note = p.cur.Time.In(p.loc).Format("15:04:05")
	}
	return frame(st, "Memory & swap", note, p.body(st, w-2, h-2), w, h, focused)
}

// body lays the figures out to the left and the chart to the right when
// there is room, else the figures alone.
func (p memPanel) body(st Styles, w, h int) string {
	if p.have == 0 {
		return st.Muted.Render("reading /proc/meminfo …")
	}
	if p.cur.MeminfoErr != nil {
		return st.Crit.Render("✖ memory: ") + st.Text.Render(p.cur.MeminfoErr.Error())
	}
	switch {
	case w >= 100 && h >= 8:
		// Wide: figures on the left, the chart beside them. The figures
		// take the width their longest line needs (the time to full, swap,
		// paging and pressure lines were cut at 46), the chart the rest but
		// never less than chartMinW.
		const chartMinW = 48
		figW := 46
		for i, l := range strings.Split(p.figures(st, 46, h, false), "\n") {
			if i != 1 { // the bar fills whatever width it gets
				figW = max(figW, ansi.StringWidth(l))
			}
		}
		figW = max(min(figW, w-chartMinW-1), 46)
		return joinColumns(block(p.figures(st, figW, h, false), figW, h), block(p.chart(st, w-figW-1, h), w-figW-1, h), " ")
	case h >= 18:
		// Tall and narrow (the grid's memory cell): figures above the chart.
		figs := p.figures(st, w, 12, false)
		n := strings.Count(figs, "\n") + 1
		return figs + "\n" + p.chart(st, w, h-n)
	}
	// Small: figures only, with a one-line history in place of the chart.
	return p.figures(st, w, h, true)
}

// figures is the text column: the big number and the breakdown.
func (p memPanel) figures(st Styles, w, h int, spark bool) string {
	mi := p.cur.Meminfo
	level, pct, _ := p.severity()
	var lines []string
	sev := st.SevBadgeFor(level)
	big := st.For(level).Render(fmt.Sprintf("%5.1f %% used", pct))
	lines = append(lines, sev+" "+big)
	lines = append(lines, bar(st, pct, w, p.th))
	avail, est := mi.Available()
	availS := valBytes(avail)
	if est {
		availS += " (estimated: no MemAvailable)"
	}
	lines = append(lines,
		kv(st, "used", valBytes(mi.Used())+" of "+valBytes(mi.MemTotal)),
		kv(st, "available", availS),
		kv(st, "cache", valBytes(mi.Cached)+" · buffers "+valBytes(mi.Buffers)+" · slab↺ "+valBytes(mi.SReclaimable)),
		kv(st, "shmem", valBytes(mi.Shmem)+" · dirty "+valBytes(mi.Dirty)),
	)
	lines = append(lines, p.swapLine(st))
	lines = append(lines, p.ratesLine(st))
	lines = append(lines, p.psiLine(st))
	if mi.CommittedAS.OK && mi.CommitLimit.OK {
		lines = append(lines, kv(st, "committed", valBytes(mi.CommittedAS)+" of limit "+valBytes(mi.CommitLimit)))
	}
	if c := p.cur.Cgroup; c.Limited() {
		cp, _ := c.UsedPercent()
		lines = append(lines, kv(st, "cgroup", fmt.Sprintf("%s of %s (%.0f %%) %s", valBytes(c.Usage), valBytes(c.Limit), cp,
			st.For(probes.SeverityOf(cp, p.th)).Render(sevLabel(probes.SeverityOf(cp, p.th))))))
	}
	lines = append(lines, p.trendLine(st))
	if spark {
		lines = append(lines, kv(st, "last 10m", p.sparkline(st, w-10)))
	}
	// On a short panel keep the lines that matter most in an incident:
	// level, bar, used, available, swap, trend, history.
	if len(lines) > h {
		keep := []int{0, 1, 2, 3, 6, len(lines) - 1, len(lines) - 2, 7, 8, 4, 5}
		if !spark {
			keep = []int{0, 1, 2, 3, 6, len(lines) - 1, 7, 8, 4, 5}
		}
		chosen := make([]bool, len(lines))
		for _, i := range keep[:min(h, len(keep))] {
			chosen[i] = true
		}
		out := lines[:0:0]
		for i, l := range lines { // in reading order
			if chosen[i] {
				out = append(out, l)
			}
		}
		lines = out
	}
	return strings.Join(lines, "\n")
}

func kv(st Styles, k, v string) string {
	return st.Muted.Render(fmt.Sprintf("%-10s", k)) + st.Text.Render(v)
}

func (p memPanel) swapLine(st Styles) string {
	mi := p.cur.Meminfo
	switch {
	case !mi.SwapTotal.OK:
		return kv(st, "swap", "unknown")
	case mi.SwapTotal.V == 0:
		return kv(st, "swap", "none configured")
	}
	sp, _ := mi.SwapPercent()
	s := fmt.Sprintf("%s of %s (%.0f %%) · cached %s", valBytes(mi.SwapUsed()), valBytes(mi.SwapTotal), sp, valBytes(mi.SwapCached))
	return kv(st, "swap", s)
}

func (p memPanel) ratesLine(st Styles) string {
	if !p.rates.OK {
		if p.cur.VMStatErr != nil {
			return kv(st, "paging", "unknown: "+p.cur.VMStatErr.Error())
		}
		return kv(st, "paging", "measuring…")
	}
	r := p.rates
	s := fmt.Sprintf("swap in %s/s · out %s/s · major faults %s/s", rate(r.SwapInPerSec), rate(r.SwapOutPerSec), rate(r.MajFaultPerSec))
	if r.SwapOutPerSec >= 1 || r.SwapInPerSec >= 1 {
		return st.Muted.Render(fmt.Sprintf("%-10s", "paging")) + st.Warn.Render(s)
	}
	return kv(st, "paging", s)
}

func (p memPanel) psiLine(st Styles) string {
	if p.cur.PSIErr != nil {
		if errors.Is(p.cur.PSIErr, probes.ErrUnavailable) {
			return kv(st, "pressure", "no PSI on this kernel")
		}
		return kv(st, "pressure", "unknown: "+p.cur.PSIErr.Error())
	}
	ps := p.cur.PSI
	s := fmt.Sprintf("some %.1f/%.1f/%.1f", ps.Some.Avg10, ps.Some.Avg60, ps.Some.Avg300)
	if ps.Full.OK {
		s += fmt.Sprintf(" · full %.1f/%.1f/%.1f", ps.Full.Avg10, ps.Full.Avg60, ps.Full.Avg300)
	}
	if ps.Some.Avg10 >= 10 {
		return st.Muted.Render(fmt.Sprintf("%-10s", "pressure")) + st.Warn.Render(s+" %")
	}
	return kv(st, "pressure", s+" %")
}

func (p memPanel) trendLine(st Styles) string {
	t := p.trend
	if !t.OK {
		return kv(st, "trend", fmt.Sprintf("collecting (%s of %s)", units.Duration(t.Window), units.Duration(probes.MinTrendSpan)))
	}
	arrow := "→"
	switch {
	case t.GrowthBytesPerMin >= probes.FlatBytesPerMin:
		arrow = "↑"
	case t.GrowthBytesPerMin <= -probes.FlatBytesPerMin:
		arrow = "↓"
	}
	s := fmt.Sprintf("%s %s/min over %s", arrow, units.SignedRate(t.GrowthBytesPerMin), units.Duration(t.Window))
	if t.FullOK {
		est := fmt.Sprintf(" · full in ~%s at this rate", units.Duration(t.TimeToFull))
		style := st.Warn
		if t.TimeToFull < 15*time.Minute {
			style = st.Crit
		}
		return st.Muted.Render(fmt.Sprintf("%-10s", "trend")) + st.Text.Render(s) + style.Render(est)
	}
	return kv(st, "trend", s)
}

// sparkBlocks are the eight heights of a one-line chart.
var sparkBlocks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws used % over the chart window in w cells, one cell per
// slice of time (the newest at the right), scaled 0–100 % so that its
// height means the same thing on every screen.
func (p memPanel) sparkline(st Styles, w int) string {
	pts := *p.scratch
	if len(pts) == 0 || w < 4 {
		return ""
	}
	last := pts[len(pts)-1].Time
	step := ChartWindow / time.Duration(w)
	var b, run strings.Builder
	runLevel := probes.Severity(-1)
	flush := func() {
		if run.Len() > 0 {
			b.WriteString(st.For(runLevel).Render(run.String()))
			run.Reset()
		}
	}
	j := 0
	for i := 0; i < w; i++ {
		end := last.Add(-ChartWindow + step*time.Duration(i+1))
		sum, n := 0.0, 0
		for j < len(pts) && !pts[j].Time.After(end) {
			sum += pts[j].UsedPct
			n++
			j++
		}
		if n == 0 {
			flush()
			b.WriteRune(' ')
			continue
		}
		avg := sum / float64(n)
		k := int(avg / 100 * float64(len(sparkBlocks)-1))
		k = max(0, min(k, len(sparkBlocks)-1))
		if lv := probes.SeverityOf(avg, p.th); lv != runLevel {
			flush()
			runLevel = lv
		}
		run.WriteRune(sparkBlocks[k])
	}
	flush()
	return b.String()
}

// chart draws memory % and swap % over the last minutes with the three
// threshold levels as labelled lines.
func (p memPanel) chart(st Styles, w, h int) string {
	if c := p.cache; c.w == w && c.h == h && c.seq == p.seq && c.out != "" {
		return c.out
	}
	out := p.drawChart(st, w, h)
	p.cache.w, p.cache.h, p.cache.seq, p.cache.out = w, h, p.seq, out
	return out
}

// yLabels labels the chart's y axis on rows graph rows: 0, 50 and the
// three severity levels, each on the row its dotted line is drawn on (the
// same rounding), and nothing elsewhere. Evenly spaced ticks read
// 80/53/27/0 on a short chart, and a level whose dotted line is hidden
// under the memory line still has its number on the axis.
func (p memPanel) yLabels(rows int) func(int, float64) string {
	marks := []float64{0, 50, p.th.Warning, p.th.High, p.th.Critical}
	r := float64(max(rows, 1))
	return func(_ int, v float64) string {
		row := int(math.Round(v * r / 100))
		label := "   "
		for _, m := range marks { // the higher level wins a shared row
			if int(math.Round(m*r/100)) == row {
				label = fmt.Sprintf("%3.0f", m)
			}
		}
		return label
	}
}

func (p memPanel) drawChart(st Styles, w, h int) string {
	pts := *p.scratch
	if len(pts) < 2 {
		return st.Muted.Render("chart: collecting readings …")
	}
	last := pts[len(pts)-1].Time
	from := last.Add(-ChartWindow)
	// Start where data starts: ntcharts draws empty columns as zero, which
	// would read as "memory was at 0 %".
	first := 0
	for first < len(pts)-1 && pts[first].Time.Before(from) {
		first++
	}
	pts = pts[first:]
	if !pts[0].Time.Before(last) {
		return st.Muted.Render("chart: collecting readings …")
	}
	loc := p.loc
	chartH := h - 1 // the legend takes a line
	xf := func(_ int, v float64) string { return time.Unix(int64(v), 0).In(loc).Format("15:04") }
	yf := p.yLabels(chartH - 2) // the x axis and its labels take two lines
	// Reuse the chart of the last draw when the size is the same: a new
	// one allocates its whole canvas of styled cells again.
	c := p.cache.chart
	if c == nil || p.cache.chartW != w || p.cache.chartH != chartH {
		nc := tslc.New(w, chartH,
			tslc.WithTimeRange(pts[0].Time, last),
			tslc.WithYRange(0, 100),
			tslc.WithXLabelFormatter(xf),
			tslc.WithYLabelFormatter(yf),
			tslc.WithXYSteps(max(w/4, 8), 1), // yLabels picks the rows to label
			tslc.WithAxesStyles(st.Border, st.Muted),
		)
		nc.AutoMinX, nc.AutoMaxX, nc.AutoMinY, nc.AutoMaxY = false, false, false, false
		c = &nc
		p.cache.chart, p.cache.chartW, p.cache.chartH = c, w, chartH
	} else {
		c.ClearDataSet("mem")
		c.ClearDataSet("swap")
		c.SetTimeRange(pts[0].Time, last)
		c.SetViewTimeRange(pts[0].Time, last)
	}
	names := make([]string, 0, 2)
	haveSwap := false
	for _, pt := range pts {
		c.PushDataSet("mem", tslc.TimePoint{Time: pt.Time, Value: pt.UsedPct})
		if !math.IsNaN(pt.SwapPct) {
			c.PushDataSet("swap", tslc.TimePoint{Time: pt.Time, Value: pt.SwapPct})
			haveSwap = true
		}
	}
	c.SetDataSetStyle("mem", st.Accent)
	c.SetDataSetLineStyle("mem", runes.ArcLineStyle)
	c.SetDataSetStyle("swap", st.Accent2)
	c.SetDataSetLineStyle("swap", runes.ThinLineStyle)
	if haveSwap {
		names = append(names, "swap")
	}
	names = append(names, "mem")
	c.DrawDataSets(names)
	// The threshold levels go into the cells the data left empty, as dotted
	// lines, so they never hide the data and read without colour.
	o := c.Origin()
	for _, l := range []struct {
		v   float64
		sev probes.Severity
	}{{p.th.Warning, probes.Warning}, {p.th.High, probes.High}, {p.th.Critical, probes.Critical}} {
		y := o.Y - int(math.Round(l.v*float64(o.Y)/100))
		for x := o.X + 1; x < c.Canvas.Width(); x++ {
			pt := canvas.Point{X: x, Y: y}
			if c.Canvas.Cell(pt).Rune == runes.Null {
				c.Canvas.SetCell(pt, canvas.NewCellWithStyle('┄', st.For(l.sev)))
			}
		}
	}
	legend := st.Accent.Render("╭─ mem %") + "  "
	if haveSwap {
		legend += st.Accent2.Render("┌─ swap %") + "  "
	} else {
		legend += st.Muted.Render("(no swap)") + "  "
	}
	legend += st.Muted.Render(fmt.Sprintf("┄ %.0f/%.0f/%.0f %% levels", p.th.Warning, p.th.High, p.th.Critical))
	return canvasView(&c.Canvas) + "\n" + legend
}

// joinColumns puts two equally tall blocks side by side with sep between.
func joinColumns(left, right, sep string) string {
	l := strings.Split(left, "\n")
	r := strings.Split(right, "\n")
	var b strings.Builder
	for i := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l[i])
		b.WriteString(sep)
		if i < len(r) {
			b.WriteString(r[i])
		}
	}
	return b.String()
}

// canvasView renders an ntcharts canvas like its View, but styles runs of
// cells that share a foreground colour with one Render call instead of one
// per cell: this cut the chart's share of a 200×60 frame by about 3×.
func canvasView(c *canvas.Model) string {
	var b, run strings.Builder
	var runStyle lipgloss.Style
	var runFg lipgloss.TerminalColor
	flush := func() {
		if run.Len() > 0 {
			b.WriteString(runStyle.Render(run.String()))
			run.Reset()
		}
	}
	w, h := c.Width(), c.Height()
	for y := 0; y < h; y++ {
		if y > 0 {
			b.WriteByte('\n')
		}
		for x := 0; x < w; x++ {
			cell := c.Cell(canvas.Point{X: x, Y: y})
			r := cell.Rune
			if r == runes.Null {
				r = ' '
			}
			fg := cell.Style.GetForeground()
			if run.Len() == 0 || fg != runFg {
				flush()
				runStyle, runFg = cell.Style, fg
			}
			run.WriteRune(r)
		}
		flush()
	}
	return b.String()
}
