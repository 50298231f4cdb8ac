package ui

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/memtui/memtui/internal/units"
	"github.com/memtui/memtui/probes"
)

// procDetailTimeout bounds one detail read (smaps_rollup of a huge process
// takes the kernel a while).
const procDetailTimeout = 3 * time.Second

// procDetailDialog is the `enter` view of one process: the pmap -x summary,
// the OOM killer's view, parent and children, and its RSS since memtui began
// following it. It re-reads after every scan while open.
type procDetailDialog struct {
	src   ProcSource
	key   probes.ProcKey
	proc  probes.Proc // the row as the table showed it, until the first read
	table probes.ProcTable
	loc   *time.Location
	now   func() time.Time

	loaded   bool
	inFlight bool
	d        probes.ProcDetail
	hist     []probes.RSSSample
	err      error
	done     bool
}

func newProcDetailDialog(src ProcSource, p probes.Proc, t probes.ProcTable, loc *time.Location, now func() time.Time) *procDetailDialog {
	return &procDetailDialog{src: src, key: p.Key(), proc: p, table: t, loc: loc, now: now, inFlight: true}
}

// readCmd reads the detail off the Update goroutine, under a timeout.
func (d *procDetailDialog) readCmd() tea.Cmd {
	src, k, t := d.src, d.key, d.table
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), procDetailTimeout)
		defer cancel()
		done := make(chan procDetailReadMsg, 1)
		go func() {
			det, hist, err := src.Detail(k, &t)
			done <- procDetailReadMsg{key: k, d: det, hist: hist, err: err}
		}()
		select {
		case m := <-done:
			return m
		case <-ctx.Done():
			return procDetailReadMsg{key: k, err: fmt.Errorf("reading /proc/%d took over %s", k.PID, procDetailTimeout)}
		}
	}
}

func (d *procDetailDialog) update(msg tea.Msg) (dialog, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		switch msg.String() {
		case "esc", "enter", "q":
			d.done = true
		}
	case procDetailReadMsg:
		if msg.key != d.key {
			return d, nil
		}
		d.inFlight = false
		d.err = msg.err
		if msg.err == nil {
			d.d, d.hist, d.loaded = msg.d, msg.hist, true
		}
	case procsScannedMsg:
		if msg.err != nil || d.inFlight || d.done || errors.Is(d.err, probes.ErrProcessGone) {
			return d, nil
		}
		// Follow the live table: parent and children from this scan.
		d.table = msg.res.Table
		d.table.Procs = append([]probes.Proc(nil), msg.res.Table.Procs...)
		d.inFlight = true
		return d, d.readCmd()
	}
	return d, nil
}

func (d *procDetailDialog) closed() bool { return d.done }

func (d *procDetailDialog) view(st Styles, w, h int) string {
	w = min(w, 110)
	inner := max(w-4, 10)
	p := d.proc
	if d.loaded {
		p = d.d.Proc
	}
	title := fmt.Sprintf("Process %d · %s · %s", p.PID, p.Comm, p.User)
	var lines []string
	add := func(s string) { lines = append(lines, s) }
	kv := func(k, v string) string { return st.Muted.Render(fit(k, 10)) + st.Text.Render(v) }
	if m := procMarkText(p.Mark); m != "" {
		add(st.High.Render(m))
	}
	if d.err != nil {
		if errors.Is(d.err, probes.ErrProcessGone) {
			add(st.Warn.Render("▲ the process has exited; the figures below are its last reading"))
		} else {
			add(st.Crit.Render("✖ ") + st.Text.Render(d.err.Error()))
		}
	}
	cmd := p.Comm
	if p.CmdlineOK && p.Cmdline != "" {
		cmd = p.Cmdline
	}
	for i, l := range procWrap(cmd, inner-10, 3) {
		k := ""
		if i == 0 {
			k = "command"
		}
		add(kv(k, l))
	}
	if !d.loaded {
		if d.err == nil {
			add(st.Muted.Render("reading /proc/" + fmt.Sprint(p.PID) + " …"))
		}
		return dialogBox(st, title, strings.Join(lines, "\n"), w, h)
	}
	det := d.d
	started := "—"
	if !det.StartedAt.IsZero() {
		started = det.StartedAt.In(d.loc).Format("2006-01-02 15:04:05")
		if d.now != nil {
			started += " (" + humanDuration(d.now().Sub(det.StartedAt)) + " ago)"
		}
	}
	threads := fmt.Sprintf("%d threads", p.Threads)
	if p.Threads == 1 {
		threads = "1 thread"
	}
	add(kv("state", fmt.Sprintf("%s · %s · started %s", procStateWord(p.State), threads, started)))
	cg := det.Cgroup
	if det.CgroupErr != nil {
		cg = "— (" + procShortErr(det.CgroupErr) + ")"
	}
	add(kv("cgroup", cg))
	parent := "—"
	if det.Parent != nil {
		parent = fmt.Sprintf("%d %s", det.Parent.PID, det.Parent.Comm)
	} else if p.PPID != 0 {
		parent = fmt.Sprint(p.PPID)
	}
	kids := "none"
	if n := len(det.Children); n > 0 {
		var names []string
		for _, c := range det.Children[:min(n, 4)] {
			names = append(names, fmt.Sprintf("%d %s %s", c.PID, c.Comm, units.Bytes(c.RSS)))
		}
		kids = fmt.Sprintf("%d: %s", n, strings.Join(names, ", "))
		if n > 4 {
			kids += ", …"
		}
	}
	add(kv("parent", parent+" · children "+kids))
	oom := "—"
	if det.OOMErr == nil {
		oom = fmt.Sprintf("score %d, adj %d", det.OOMScore, det.OOMScoreAdj)
	}
	fds := "—"
	if det.FDsErr == nil {
		fds = fmt.Sprint(det.FDs)
	} else {
		fds = "— (" + procShortErr(det.FDsErr) + ")"
	}
	add(kv("oom", oom+" · open files "+fds))
	add(st.Header.Render("memory (smaps_rollup, as pmap -x sums it)"))
	if det.SmapsErr != nil {
		add(kv("", "— ("+procShortErr(det.SmapsErr)+")"))
		add(kv("RSS", units.Bytes(p.RSS)+" · swap "+procSwapText(&p)))
	} else {
		s := det.Smaps
		pss := units.Bytes(s.Pss)
		if s.PssSplitOK {
			pss += fmt.Sprintf(" (anon %s, file %s, shmem %s)", units.Bytes(s.PssAnon), units.Bytes(s.PssFile), units.Bytes(s.PssShmem))
		}
		add(kv("RSS", units.Bytes(s.Rss)+" · PSS "+pss))
		add(kv("private", fmt.Sprintf("clean %s, dirty %s · shared clean %s, dirty %s",
			units.Bytes(s.PrivateClean), units.Bytes(s.PrivateDirty), units.Bytes(s.SharedClean), units.Bytes(s.SharedDirty))))
		swp := "—"
		if s.SwapOK {
			swp = units.Bytes(s.Swap)
			if s.SwapPssOK {
				swp += " · swap PSS " + units.Bytes(s.SwapPss)
			}
		}
		add(kv("swap", swp))
	}
	chartH := h - 3 - len(lines) - 2
	if chartH >= 3 {
		add(st.Header.Render("RSS since memtui began following it"))
		add(procRSSChart(st, d.hist, inner, min(chartH, 12), d.loc))
	}
	add(st.Muted.Render("esc closes"))
	return dialogBox(st, title, strings.Join(lines, "\n"), w, h)
}

// procStateWord spells a process state letter.
func procStateWord(s byte) string {
	switch s {
	case 'R':
		return "R running"
	case 'S':
		return "S sleeping"
	case 'D':
		return "D disk sleep"
	case 'Z':
		return "Z zombie"
	case 'T', 't':
		return string(s) + " stopped"
	case 'I':
		return "I idle"
	}
	return string(s)
}

// procShortErr words a read error in a few words.
func procShortErr(err error) string {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return "permission denied: run as root"
	case errors.Is(err, probes.ErrUnavailable):
		return "not available"
	}
	return err.Error()
}

// procWrap cuts s into lines of at most w cells, at most n lines (the last
// one ends with an ellipsis when cut).
func procWrap(s string, w, n int) []string {
	if w <= 0 {
		return nil
	}
	r := []rune(s)
	var out []string
	for len(r) > 0 && len(out) < n {
		k := min(len(r), w)
		out = append(out, string(r[:k]))
		r = r[k:]
	}
	if len(r) > 0 && len(out) > 0 {
		out[len(out)-1] = fit(out[len(out)-1]+"…", w)
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

// procRSSChart draws samples as an h-line bar chart w cells wide: a left axis
// with the top and bottom values, time along the bottom (first and last
// sample, in loc). Each column is the highest RSS of its time slice.
func procRSSChart(st Styles, samples []probes.RSSSample, w, h int, loc *time.Location) string {
	if len(samples) < 2 {
		return st.Muted.Render("(collecting: the chart appears after two scans)")
	}
	const axisW = 10
	plotW := max(w-axisW-1, 4)
	plotH := max(h-1, 1)
	first, last := samples[0].At, samples[len(samples)-1].At
	span := last.Sub(first)
	cols := make([]uint64, plotW)
	have := make([]bool, plotW)
	for _, s := range samples {
		i := plotW - 1
		if span > 0 {
			i = int(float64(s.At.Sub(first)) / float64(span) * float64(plotW-1))
		}
		cols[i], have[i] = max(cols[i], s.RSS), true
	}
	// Carry the last value over columns without a sample.
	for i := 1; i < plotW; i++ {
		if !have[i] {
			cols[i] = cols[i-1]
		}
	}
	lo, hi := cols[0], cols[0]
	for _, v := range cols {
		lo, hi = min(lo, v), max(hi, v)
	}
	// Start the axis a little below the lowest value so a flat line shows.
	base := lo - min(lo, (hi-lo)/4+(1<<20))
	top := max(hi, base+1)
	var rows []string
	for r := plotH - 1; r >= 0; r-- {
		var b strings.Builder
		for _, v := range cols {
			level := float64(v-base) / float64(top-base) * float64(plotH)
			fill := level - float64(r)
			switch {
			case fill >= 1:
				b.WriteRune('█')
			case fill <= 0:
				b.WriteByte(' ')
			default:
				b.WriteRune(sparkBlocks[int(fill*float64(len(sparkBlocks)-1))])
			}
		}
		label := ""
		switch r {
		case plotH - 1:
			label = units.Bytes(top)
		case 0:
			label = units.Bytes(base)
		}
		rows = append(rows, st.Muted.Render(procCol{"", axisW, true}.cell(label))+st.Border.Render("┤")+st.Accent.Render(b.String()))
	}
	from := first.In(loc).Format("15:04:05")
	to := last.In(loc).Format("15:04:05")
	axis := strings.Repeat(" ", axisW+1) + from + strings.Repeat(" ", max(plotW-len(from)-len(to), 1)) + to
	rows = append(rows, st.Muted.Render(axis))
	return strings.Join(rows, "\n")
}

// procFilterDialog is the `/` input: it filters the table live as the user
// types; enter keeps the filter, esc puts back the one before.
type procFilterDialog struct {
	in   textinput.Model
	orig string
	done bool
}

func newProcFilterDialog(cur string) *procFilterDialog {
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = "name, program, user or command"
	in.CharLimit = 64
	in.SetValue(cur)
	in.Focus()
	return &procFilterDialog{in: in, orig: cur}
}

func (d *procFilterDialog) update(msg tea.Msg) (dialog, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		var cmd tea.Cmd
		d.in, cmd = d.in.Update(msg)
		return d, cmd
	}
	switch k.Type {
	case tea.KeyEnter:
		d.done = true
		v := strings.TrimSpace(d.in.Value())
		return d, func() tea.Msg { return procFilterSetMsg{text: v, done: true} }
	case tea.KeyEsc:
		d.done = true
		v := d.orig
		return d, func() tea.Msg { return procFilterSetMsg{text: v, done: true} }
	}
	before := d.in.Value()
	var cmd tea.Cmd
	d.in, cmd = d.in.Update(k)
	if v := d.in.Value(); v != before {
		v = strings.TrimSpace(v)
		return d, tea.Batch(cmd, func() tea.Msg { return procFilterSetMsg{text: v} })
	}
	return d, cmd
}

func (d *procFilterDialog) view(st Styles, w, h int) string {
	body := d.in.View() + "\n" + st.Muted.Render("filters as you type · enter keeps · esc cancels")
	return dialogBox(st, "Filter processes", body, min(w, 64), min(h, 6))
}

func (d *procFilterDialog) closed() bool { return d.done }
