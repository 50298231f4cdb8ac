package ui

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/memtui/memtui/probes"
)

// FleetSource is the fleet screen's only way to the outside: a Prometheus
// client in the program, a fake in tests. Each call returns within its own
// timeout and carries its error in the reading.
type FleetSource interface {
	Fleet(ctx context.Context, now time.Time) probes.FleetReading
	Addr() string // for the header, without credentials
}

// FleetDeps is what main.go hands the fleet screen.
type FleetDeps struct {
	Source     FleetSource
	Styles     Styles
	Thresholds probes.Thresholds
	Interval   time.Duration    // between refreshes
	Now        func() time.Time // the clock; tests pass a fixed one
}

// FleetModel is the root model of `memtui fleet`: one row per instance,
// worst first. enter ends the program with the host chosen (Opened):
// main.go then runs that host's dashboard and, when it is left, this model
// again (Back).
type FleetModel struct {
	d        FleetDeps
	w, h     int
	last     probes.FleetReading // the last good reading
	lastErr  error               // the last refresh's error, nil when it succeeded
	inFlight bool
	tag      int
	sel      int
	top      int
	filter   textinput.Model
	filterOn bool
	opened   string // the instance enter chose; "" when q quit
	keys     fleetKeys
}

// fleetKeys are the fleet screen's bindings; no action is bound (a
// Prometheus host is read-only).
type fleetKeys struct {
	Up, Down, Enter, Back, Filter, Refresh, Quit key.Binding
}

func newFleetKeys() fleetKeys {
	return fleetKeys{
		Up:      key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:    key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Enter:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open host")),
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Filter:  key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Refresh: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),
		Quit:    key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// NewFleet builds the fleet screen.
func NewFleet(d FleetDeps) FleetModel {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Thresholds == (probes.Thresholds{}) {
		d.Thresholds = probes.DefaultThresholds()
	}
	if d.Interval <= 0 {
		d.Interval = 15 * time.Second
	}
	if d.Styles.styleSet == nil {
		d.Styles = NewStyles(nil, DarkTheme())
	}
	ti := textinput.New()
	ti.Prompt = "/"
	ti.CharLimit = 80
	return FleetModel{d: d, filter: ti, keys: newFleetKeys(), w: 80, h: 24}
}

// Init starts the first refresh.
func (m FleetModel) Init() tea.Cmd {
	tag := m.tag
	return func() tea.Msg { return fleetTickMsg{tag: tag} }
}

// fleetReadCmd reads the fleet; it captures the source, never the model.
func fleetReadCmd(src FleetSource, now time.Time) tea.Cmd {
	return func() tea.Msg { return fleetReadMsg{r: src.Fleet(context.Background(), now)} }
}

// fleetTickCmd schedules the next refresh.
func fleetTickCmd(d time.Duration, tag int) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return fleetTickMsg{tag: tag} })
}

// Update handles keys, ticks and readings.
func (m FleetModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
	case fleetTickMsg:
		if msg.tag != m.tag || m.inFlight {
			return m, nil // a stale tick, or a reading still out: never two at once
		}
		m.inFlight = true
		return m, fleetReadCmd(m.d.Source, m.d.Now())
	case fleetReadMsg:
		m.inFlight = false
		if msg.r.Err != nil {
			m.lastErr = msg.r.Err // keep the last rows; the header marks them stale
		} else {
			m.last, m.lastErr = msg.r, nil
		}
		m.clampSel()
		return m, fleetTickCmd(m.d.Interval, m.tag)
	case tea.KeyMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m FleetModel) key(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	if m.filterOn {
		switch msg.String() {
		case "enter", "esc":
			m.filterOn = false
			m.filter.Blur()
			if msg.String() == "esc" {
				m.filter.SetValue("")
			}
			m.clampSel()
			return m, nil
		}
		var cmd tea.Cmd
		m.filter, cmd = m.filter.Update(msg)
		m.sel, m.top = 0, 0
		return m, cmd
	}
	switch {
	case key.Matches(msg, m.keys.Quit):
		return m, tea.Quit
	case key.Matches(msg, m.keys.Back):
		if m.filter.Value() != "" {
			m.filter.SetValue("")
		}
	case key.Matches(msg, m.keys.Up):
		m.sel--
	case key.Matches(msg, m.keys.Down):
		m.sel++
	case key.Matches(msg, m.keys.Filter):
		m.filterOn = true
		return m, m.filter.Focus()
	case key.Matches(msg, m.keys.Refresh):
		m.tag++ // the scheduled tick dies; this one replaces it
		return m, func() tea.Msg { return fleetTickMsg{tag: m.tag} }
	case key.Matches(msg, m.keys.Enter):
		rows := m.rows()
		if len(rows) == 0 {
			return m, nil
		}
		m.opened = rows[m.sel].Instance
		return m, tea.Quit
	}
	m.clampSel()
	return m, nil
}

func (m *FleetModel) clampSel() {
	n := len(m.rows())
	m.sel = max(0, min(m.sel, n-1))
}

// fleetLevel is a row's severity: memory by the runbook's thresholds, and
// critical for any OOM kill in the hour, since a kill is the harm itself.
func fleetLevel(r probes.FleetRow, th probes.Thresholds) probes.Severity {
	lv := probes.Normal
	if r.MemPct != nil {
		lv = probes.SeverityOf(*r.MemPct, th)
	}
	if r.OOM1h != nil && math.Round(*r.OOM1h) >= 1 && lv < probes.High {
		lv = probes.High
	}
	return lv
}

// rows are the filtered rows, worst first: down and stale hosts above the
// healthy ones (an on-call engineer must see a host that went dark), then by
// level, then by memory.
func (m FleetModel) rows() []probes.FleetRow {
	f := strings.ToLower(strings.TrimSpace(m.filter.Value()))
	var out []probes.FleetRow
	for _, r := range m.last.Rows {
		if f != "" && !strings.Contains(strings.ToLower(r.Instance+" "+fleetState(r, m.d.Thresholds)), f) {
			continue
		}
		out = append(out, r)
	}
	rank := func(r probes.FleetRow) int {
		if !r.Up || r.Stale {
			return 10
		}
		return int(fleetLevel(r, m.d.Thresholds))
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := rank(out[i]), rank(out[j])
		if a != b {
			return a > b
		}
		var x, y float64
		if out[i].MemPct != nil {
			x = *out[i].MemPct
		}
		if out[j].MemPct != nil {
			y = *out[j].MemPct
		}
		if x != y {
			return x > y
		}
		return out[i].Instance < out[j].Instance
	})
	return out
}

// fleetState is a row's state in words, as the filter matches it.
func fleetState(r probes.FleetRow, th probes.Thresholds) string {
	switch {
	case !r.Up:
		return "down"
	case r.Stale:
		return "stale"
	}
	return fleetLevel(r, th).String()
}

// Opened is the instance enter chose, "" when the fleet was quit.
func (m FleetModel) Opened() string { return m.opened }

// Back is the model to run again when the host's dashboard is left: the
// same rows, filter and selection, a refresh at once.
func (m FleetModel) Back() FleetModel {
	m.opened, m.inFlight = "", false
	m.tag++ // ticks of the ended program are gone; Init starts anew
	return m
}

// View draws the fleet.
func (m FleetModel) View() string {
	st := m.d.Styles
	w, h := max(m.w, 20), max(m.h, 5)
	var lines []string
	lines = append(lines, m.header(st, w)...)
	rows := m.rows()
	// column widths: host takes what the numbers leave
	const numW = 7
	// The host column takes up to 40 cells; the hour's sparkline takes the
	// rest up to 60 (one cell a minute), shown from 100 columns on.
	fixed := 2 + 1 + 11 + numW*5
	hostW := max(10, min(40, w-fixed))
	sparkW := 0
	if w >= 100 {
		sparkW = min(60, w-fixed-hostW-2)
	}
	hdr := "  " + fit("HOST", hostW) + " " + fit("STATE", 11) + fmt.Sprintf("%*s%*s%*s%*s%*s", numW, "MEM%", numW, "SWAP", numW, "SOME%", numW, "FULL%", numW, "OOM1h")
	if sparkW > 0 {
		hdr += "  " + fit("LAST HOUR", sparkW)
	}
	lines = append(lines, st.Header.Render(fit(hdr, w)))
	body := h - len(lines) - 1
	if m.sel < m.top {
		m.top = m.sel
	}
	if m.sel >= m.top+body {
		m.top = m.sel - body + 1
	}
	if len(rows) == 0 {
		msg := "waiting for the first reading…"
		switch {
		case m.filter.Value() != "" && len(m.last.Rows) > 0:
			msg = "no host matches the filter"
		case !m.last.At.IsZero():
			msg = "Prometheus holds no node_exporter instance (no node_memory_MemTotal_bytes in the last hour)"
		}
		lines = append(lines, st.Muted.Render("  "+msg))
	}
	for i := m.top; i < len(rows) && i < m.top+body; i++ {
		r := rows[i]
		lv := fleetLevel(r, m.d.Thresholds)
		state := sevGlyph(lv) + " " + lv.String()
		sty := st.For(lv)
		switch {
		case !r.Up:
			state, sty = "✖ down", st.Crit
		case r.Stale:
			state, sty = "? stale", st.Warn
		}
		gutter := "  "
		if i == m.sel {
			gutter = st.Focus.Render("▶ ")
		}
		if !r.Up || r.Stale {
			// Rates over the last minute still hold the samples from before
			// the host went dark; numbers would read as current.
			r = probes.FleetRow{Instance: r.Instance, Up: r.Up, Stale: r.Stale, Spark: r.Spark}
		}
		line := gutter + fit(r.Instance, hostW) + " " + sty.Render(fit(state, 11)) +
			fmt.Sprintf("%*s%*s%*s%*s%*s", numW, pctOr(r.MemPct), numW, swapStr(r), numW, pctOr(r.PSISome), numW, pctOr(r.PSIFull), numW, countOr(r.OOM1h))
		if sparkW > 0 {
			line += "  " + fleetSpark(st, r.Spark, sparkW, m.d.Thresholds)
		}
		lines = append(lines, fit(line, w))
	}
	for len(lines) < h-1 {
		lines = append(lines, "")
	}
	lines = append(lines, m.footer(st, w))
	return block(strings.Join(lines, "\n"), w, h)
}

// header says where the data comes from, how fresh it is and how many
// hosts are at each level.
func (m FleetModel) header(st Styles, w int) []string {
	counts := map[string]int{}
	for _, r := range m.last.Rows {
		counts[fleetState(r, m.d.Thresholds)]++
	}
	var parts []string
	for _, lv := range []probes.Severity{probes.Critical, probes.High, probes.Warning, probes.Normal} {
		parts = append(parts, st.For(lv).Render(fmt.Sprintf("%s %d %s", sevGlyph(lv), counts[lv.String()], lv)))
	}
	if n := counts["down"]; n > 0 {
		parts = append(parts, st.Crit.Render(fmt.Sprintf("✖ %d down", n)))
	}
	if n := counts["stale"]; n > 0 {
		parts = append(parts, st.Warn.Render(fmt.Sprintf("? %d stale", n)))
	}
	hosts := "hosts"
	if len(m.last.Rows) == 1 {
		hosts = "host"
	}
	title := st.Title.Render("memtui fleet") + st.Muted.Render(fmt.Sprintf(" · %d %s · ", len(m.last.Rows), hosts)) + strings.Join(parts, "  ")
	src := "Prometheus at " + m.d.Source.Addr()
	switch {
	case m.lastErr != nil:
		src = st.Crit.Render(m.lastErr.Error())
		if !m.last.At.IsZero() {
			src += st.Warn.Render(" — showing data from " + m.last.At.UTC().Format("15:04:05") + " UTC (stale)")
		}
	case m.last.At.IsZero():
		src += st.Muted.Render(" — reading…")
	default:
		src = st.Muted.Render(fmt.Sprintf("%s · %s UTC · queries %s", src, m.last.At.UTC().Format("15:04:05"), m.last.Took.Round(time.Millisecond)))
	}
	return []string{fit(title, w), fit(src, w)}
}

func (m FleetModel) footer(st Styles, w int) string {
	if m.filterOn {
		return fit(m.filter.View(), w)
	}
	s := "↑↓ select · enter open host · / filter · r refresh · q quit"
	if f := m.filter.Value(); f != "" {
		s = "filter: " + f + " (esc clears) · " + s
	}
	return st.Muted.Render(fit(s, w))
}

func pctOr(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f", *v)
}

func countOr(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.0f", math.Round(*v))
}

// swapStr is swap used in bytes, "none" without swap (never a division by 0).
func swapStr(r probes.FleetRow) string {
	if r.SwapUsed == nil || r.SwapTotal == nil {
		return "—"
	}
	if *r.SwapTotal == 0 {
		return "none"
	}
	return fleetBytes(*r.SwapUsed)
}

// fleetBytes is a byte count in binary units, short enough for a column.
func fleetBytes(b float64) string {
	units := []string{"B", "K", "M", "G", "T"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	if b >= 10 || i == 0 {
		return fmt.Sprintf("%.0f%s", b, units[i])
	}
	return fmt.Sprintf("%.1f%s", b, units[i])
}

// fleetSpark draws the hour's memory in w cells, scaled 0–100 % so heights
// compare across rows, each cell coloured by its level.
func fleetSpark(st Styles, pts []float64, w int, th probes.Thresholds) string {
	if len(pts) == 0 {
		return st.Muted.Render(fit("no history", w))
	}
	var b strings.Builder
	n := len(pts)
	for i := 0; i < w; i++ {
		// the newest at the right; cells before the history began stay blank
		lo := n - (w-i)*n/w
		if n < w {
			lo = n - (w - i)
		}
		if lo < 0 {
			b.WriteRune(' ')
			continue
		}
		v := pts[lo]
		k := int(v / 100 * float64(len(sparkBlocks)-1))
		k = max(0, min(k, len(sparkBlocks)-1))
		b.WriteString(st.For(probes.SeverityOf(v, th)).Render(string(sparkBlocks[k])))
	}
	return b.String()
}
