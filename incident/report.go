package incident

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/memtui/memtui/internal/redact"
	"github.com/memtui/memtui/internal/units"
)

// notRecorded marks a field nobody filled in; it is never replaced by a guess.
const notRecorded = "_not recorded_"

// chartPoints bounds the chart's x axis so it stays legible on GitHub.
const chartPoints = 48

// Render writes the post-incident report of l as GitHub markdown: the
// runbook's "Memory Incident Report" template, then the memory chart, the
// timeline, the actions, the OOM kills, the escalation stages and the
// success criteria. now dates a report of an incident still in progress.
// Every free-text value is redacted again, so an older file's secret is
// never printed.
func Render(l *Log, now time.Time, related ...Link) []byte {
	in := NewReportInput()
	in.SetRelated(related)
	for _, ev := range l.Events {
		in.Add(ev)
	}
	return in.Render(l.Path, l.Header, l.Problems, now)
}

// ReportInput folds a timeline's events, in file order, into what the
// report needs. Memory samples, nearly all of a long timeline, are kept as
// small values rather than events, so store.ReportFile can stream a day-long
// incident in a few megabytes on a host that is short of memory.
type ReportInput struct {
	sum     Summary
	fields  map[string]string
	samples []timedSample
	events  []Event // every other event since the last Started
	related []Link
}

// Link is a runbook the report points to: its title and address ("" when
// none is known).
type Link struct{ Name, URL string }

// RCAQuestions are the runbook's root-cause-analysis questions, which
// close the report for the post-mortem.
var RCAQuestions = []string{
	"What triggered the memory spike?",
	"Was there a recent deployment or configuration change?",
	"Are there memory leaks in custom code?",
	"Is the server properly sized for the workload?",
	"Are there opportunities for optimization?",
}

// SetRelated sets the related runbooks the report lists (none: the
// section is left out).
func (in *ReportInput) SetRelated(links []Link) { in.related = links }

// NewReportInput starts an empty report.
func NewReportInput() *ReportInput { return &ReportInput{fields: map[string]string{}} }

// Add takes the next event; a Started begins the report afresh (one file
// is one incident; if it holds two, the report is of the last).
func (in *ReportInput) Add(ev Event) {
	if _, ok := ev.Data.(Started); ok {
		in.fields = map[string]string{}
		in.samples, in.events = in.samples[:0], in.events[:0]
	}
	in.sum.Add(ev)
	switch v := ev.Data.(type) {
	case MemSample:
		in.samples = append(in.samples, timedSample{ev.At, v})
		return
	case ReportField:
		in.fields[v.Field] = v.Value
	}
	in.events = append(in.events, ev)
}

// Render writes the markdown; path, h and problems come from the Log
// the events were read from.
func (in *ReportInput) Render(path string, h Header, problems []Problem, now time.Time) []byte {
	r := &reportWriter{}
	r.header(path, h, &in.sum, in.fields, now)
	r.chart(&in.sum, in.samples, in.events)
	r.timeline(in.events)
	r.actions(in.events, in.sum.Active(), now)
	r.kills(in.events)
	r.escalation(&in.sum)
	r.criteria(&in.sum)
	r.rca(in.fields[FieldRootCause])
	r.relatedRunbooks(in.related)
	r.problems(problems)
	return r.Bytes()
}

// rca is the runbook's root-cause-analysis questions, as a checklist for
// the post-mortem; the root cause recorded (f on the timeline) is quoted
// under them.
func (r *reportWriter) rca(rootCause string) {
	r.f("### Root cause analysis\n\n")
	for _, q := range RCAQuestions {
		r.f("- [ ] %s\n", q)
	}
	if strings.TrimSpace(rootCause) != "" {
		r.f("\nRecorded root cause: %s\n", field(rootCause))
	}
	r.f("\n")
}

// relatedRunbooks lists the related runbooks, linked where an address is
// known (a runbook file's [related] table).
func (r *reportWriter) relatedRunbooks(links []Link) {
	if len(links) == 0 {
		return
	}
	r.f("### Related runbooks\n\n")
	missing := false
	for _, l := range links {
		name := mdInline(redact.Redact(strings.TrimSpace(l.Name)))
		if l.URL == "" {
			r.f("- %s\n", name)
			missing = true
			continue
		}
		// Parentheses and spaces would end the link early; the address
		// was checked when the runbook file was read.
		u := strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E").Replace(l.URL)
		r.f("- [%s](%s)\n", name, u)
	}
	if missing {
		r.f("\n_Links: give each runbook's address under `[related]` in the runbook file._\n")
	}
	r.f("\n")
}

type reportWriter struct{ bytes.Buffer }

func (r *reportWriter) f(format string, a ...any) { fmt.Fprintf(r, format, a...) }

// utc formats a time for the report: always UTC, seconds.
func utc(t time.Time) string { return t.UTC().Format("15:04:05") }

func (r *reportWriter) header(path string, h Header, s *Summary, fields map[string]string, now time.Time) {
	r.f("## Memory Incident Report\n\n")
	if !s.Started() {
		r.f("_No incident recorded in %s._\n\n", inline(path))
	} else if s.Active() {
		r.f("> **In progress**: this incident had not ended when this report was written (%s UTC); every figure is as of then.\n\n",
			now.UTC().Format("2006-01-02 15:04:05"))
	}
	date := notRecorded
	if s.Started() {
		date = s.Start.UTC().Format("2006-01-02")
	}
	r.f("**Date**: %s  \n", date)
	r.f("**Host**: %s  \n", hostLine(s, h))
	if s.Samples > 0 {
		peak := fmt.Sprintf("%.1f%% at %s UTC", s.Peak.UsedPct, utc(s.PeakAt))
		if p, ok := s.Peak.SwapPct(); ok {
			peak += fmt.Sprintf(" (swap %.1f%%)", p)
		}
		r.f("**Peak Memory Usage**: %s  \n", peak)
	} else {
		r.f("**Peak Memory Usage**: %s  \n", notRecorded)
	}
	switch {
	case !s.Started():
		r.f("**Duration**: %s  \n", notRecorded)
	case s.Active():
		r.f("**Duration**: %s so far (since %s UTC, still in progress)  \n", units.Duration(s.Elapsed(now)), utc(s.Start))
	default:
		r.f("**Duration**: %s (%s → %s UTC)  \n", units.Duration(s.Elapsed(now)), utc(s.Start), utc(s.End))
	}
	r.f("**Root Cause**: %s  \n", field(fields[FieldRootCause]))
	r.f("**Resolution**: %s  \n", field(fields[FieldResolution]))
	r.f("**Prevention**: %s  \n", field(fields[FieldPrevention]))
	items := actionItems(fields[FieldActionItems])
	if len(items) == 0 {
		r.f("**Action Items**: %s\n", notRecorded)
	} else {
		r.f("**Action Items**:\n")
		for _, it := range items {
			r.f("- [ ] %s\n", it)
		}
	}
	r.f("\n")
	if s.Started() {
		r.f("**Opened because**: %s  \n", text(s.Facts.Reason))
		if s.Active() {
			r.f("**Status**: in progress\n")
		} else {
			r.f("**Status**: ended at %s UTC: %s\n", utc(s.End), text(s.EndReason))
		}
		r.f("\n")
	}
}

// hostLine is "db1: kernel 6.8.0, 7.80 GiB RAM, 2.00 GiB swap, 4 CPUs".
func hostLine(s *Summary, h Header) string {
	name := s.Facts.Host
	if name == "" {
		name = h.Host
	}
	if name == "" {
		return notRecorded
	}
	var facts []string
	if s.Facts.Kernel != "" {
		facts = append(facts, "kernel "+s.Facts.Kernel)
	}
	if s.Facts.MemTotalBytes > 0 {
		facts = append(facts, units.Bytes(s.Facts.MemTotalBytes)+" RAM")
	}
	if s.Facts.known() {
		if s.Facts.SwapTotalBytes > 0 {
			facts = append(facts, units.Bytes(s.Facts.SwapTotalBytes)+" swap")
		} else {
			facts = append(facts, "no swap")
		}
	}
	if s.Facts.CPUs > 0 {
		facts = append(facts, fmt.Sprintf("%d CPUs", s.Facts.CPUs))
	}
	out := text(name)
	if len(facts) > 0 {
		out += " (" + strings.Join(facts, ", ") + ")"
	}
	return out
}

// known says whether these facts came from a Started event.
func (v Started) known() bool { return v.MemTotalBytes > 0 || v.Host != "" }

// field is a hand-written one-line field, or the not-recorded mark.
func field(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return notRecorded
	}
	// Keep it on the field's line: later lines join with line breaks.
	return strings.Join(strings.Split(text(v), "\n"), "  \n")
}

// actionItems splits the action items field, one per line, dropping any
// checklist marks someone typed themselves.
func actionItems(v string) []string {
	var out []string
	for _, ln := range strings.Split(v, "\n") {
		ln = strings.TrimSpace(ln)
		ln = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(ln, "- [ ]"), "-"))
		if ln != "" {
			out = append(out, text(ln))
		}
	}
	return out
}

// mdInline escapes what would make free text markup anywhere in a line:
// HTML, emphasis, code spans, links, tables and strike-through. Text typed
// by a person or taken from a program reads as typed, never as markdown.
// An underscore inside a word (CONSTRAINT_NONE) cannot emphasise on GitHub
// and is left as it is, so names stay readable in the plain file too.
func mdInline(l string) string {
	var b strings.Builder
	alnum := func(i int) bool {
		if i < 0 || i >= len(l) {
			return false
		}
		c := l[i]
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	for i := 0; i < len(l); i++ {
		switch c := l[i]; c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '_':
			if alnum(i-1) && alnum(i+1) {
				b.WriteByte(c)
			} else {
				b.WriteString(`\_`)
			}
		case '\\', '`', '*', '[', ']', '|', '~':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// blockStart matches what makes a line a heading, a list item, a quote or
// a setext underline when it starts the line; the backslash goes before
// the character that does it.
var blockStart = regexp.MustCompile(`^(\s*)(?:(#{1,6}|[-+]|=+|-+)(\s|$)|(\d+)([.)])(\s|$))`)

// text is redacted free text safe outside tables: every line escaped, so
// "## Root cause" typed into a field stays a line of text.
func text(s string) string {
	lines := strings.Split(strings.ReplaceAll(redact.Redact(strings.TrimSpace(s)), "\r\n", "\n"), "\n")
	for i, l := range lines {
		// The redactor's *** is escaped too: two masks on a line could
		// otherwise pair up as emphasis.
		l = mdInline(l)
		lines[i] = blockStart.ReplaceAllStringFunc(l, func(m string) string {
			sub := blockStart.FindStringSubmatch(m)
			if sub[4] != "" { // "1. " → "1\. "
				return sub[1] + sub[4] + `\` + sub[5] + sub[6]
			}
			return sub[1] + `\` + sub[2] + sub[3]
		})
	}
	return strings.Join(lines, "\n")
}

// cell is redacted free text safe inside a table cell: one line (its line
// breaks become " · ", never raw HTML), markup escaped.
func cell(s string) string {
	var parts []string
	for _, l := range strings.Split(text(s), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	if len(parts) == 0 {
		return " "
	}
	return strings.Join(parts, " · ")
}

var backticks = regexp.MustCompile("`+")

// inline is s as a code span, wide enough for any backticks inside.
func inline(s string) string {
	n := 0
	for _, m := range backticks.FindAllString(s, -1) {
		n = max(n, len(m))
	}
	fence := strings.Repeat("`", n+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// cellCode is a code span safe inside a table cell.
func cellCode(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r", " "), "\n", " ")
	return strings.ReplaceAll(inline(s), "|", `\|`)
}

// shellWord quotes one argv element the way a person would type it.
var plainWord = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./\-]+$`)

func shellWord(a string) string {
	if plainWord.MatchString(a) {
		return a
	}
	return "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
}

// commandText is an argv list as one redacted shell-quoted line. A step of
// a plan that is not a program (SQL, a signal, a Redis flush: one element
// holding words) is shown as written, not quoted as if it were one.
func commandText(argv []string) string {
	argv = redact.RedactArgv(argv)
	if len(argv) == 1 && strings.ContainsRune(argv[0], ' ') {
		return argv[0]
	}
	w := make([]string, len(argv))
	for i, a := range argv {
		w[i] = shellWord(a)
	}
	return strings.Join(w, " ")
}

func (r *reportWriter) chart(s *Summary, samples []timedSample, evs []Event) {
	r.f("### Memory and swap over the incident\n\n")
	if len(samples) == 0 {
		r.f("_No memory samples recorded._\n\n")
		return
	}
	sort.SliceStable(samples, func(i, j int) bool { return samples[i].At.Before(samples[j].At) })
	pts, layout, step := bucket(samples, chartPoints)
	hasSwap := false
	for _, p := range pts {
		if p.swapOK {
			hasSwap = true
		}
	}
	lv := s.Levels
	lines := "memory used"
	if hasSwap {
		lines += ", then swap used"
	}
	// Kills and actions on the time axis: a mark after the label of the
	// interval they fell in (mermaid's xychart has no annotations).
	marks := make([]string, len(pts))
	kills, acts := 0, 0
	for _, ev := range evs {
		var m string
		switch ev.Data.(type) {
		case OOMKill:
			m, kills = "✗", kills+1
		case ActionStarted:
			m, acts = "»", acts+1
		default:
			continue
		}
		i := int(ev.At.Sub(pts[0].at) / step)
		if i < 0 || i >= len(pts) || strings.Contains(marks[i], m) {
			continue
		}
		marks[i] += m
	}
	legend := ""
	if kills+acts > 0 {
		legend = " On the time axis, ✗ marks an interval with an OOM kill and » one where an action started."
	}
	r.f("_Lines, in order: %s (%% of total), and the warning, high and critical levels (%s, %s, %s%%). %d samples, the highest of every %s; times in UTC.%s_\n\n",
		lines, pctText(lv.Warning), pctText(lv.High), pctText(lv.Critical), len(samples), stepText(step), legend)
	r.f("```mermaid\nxychart-beta\n")
	r.f("    title \"Memory and swap used (%%)\"\n")
	labels := make([]string, len(pts))
	for i, p := range pts {
		l := p.at.UTC().Format(layout)
		if marks[i] != "" {
			l += " " + marks[i]
		}
		labels[i] = `"` + l + `"`
	}
	r.f("    x-axis \"UTC\" [%s]\n", strings.Join(labels, ", "))
	r.f("    y-axis \"%%\" 0 --> 100\n")
	series := func(val func(chartPoint) float64) {
		v := make([]string, len(pts))
		for i, p := range pts {
			v[i] = fmt.Sprintf("%.1f", val(p))
		}
		r.f("    line [%s]\n", strings.Join(v, ", "))
	}
	series(func(p chartPoint) float64 { return p.mem })
	if hasSwap {
		series(func(p chartPoint) float64 { return p.swap })
	}
	for _, t := range []float64{lv.Warning, lv.High, lv.Critical} {
		series(func(chartPoint) float64 { return t })
	}
	r.f("```\n\n")
}

// stepText is a round step for people: "30 s", "1 min", "2 h".
func stepText(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	}
	return fmt.Sprintf("%d h", int(d.Hours()))
}

type chartPoint struct {
	at        time.Time
	mem, swap float64
	swapOK    bool
}

// chartSteps are the bucket widths the chart may use: round numbers, so the
// x labels read naturally and never repeat.
var chartSteps = []time.Duration{
	5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// bucket reduces time-sorted samples to at most n points, one per round
// step of time, each the highest of its bucket so the peak shows; an empty
// bucket repeats the previous point so the line stays continuous. It
// returns the points, the label layout that keeps their labels distinct,
// and the step.
func bucket(samples []timedSample, n int) ([]chartPoint, string, time.Duration) {
	first, last := samples[0].At, samples[len(samples)-1].At
	// Past the round steps (an incident of weeks), whole days that fit.
	step := (last.Sub(first)/time.Duration(n-1) + 24*time.Hour).Truncate(24 * time.Hour)
	for _, st := range chartSteps {
		if last.Sub(first.Truncate(st))/st < time.Duration(n) {
			step = st
			break
		}
	}
	layout := "15:04"
	switch {
	case last.Sub(first) >= 300*24*time.Hour:
		layout = "2006-01-02"
	case last.Sub(first) >= 20*time.Hour:
		layout = "Jan 2 15:04"
	case step < time.Minute:
		layout = "15:04:05"
	}
	base := first.Truncate(step)
	out := make([]chartPoint, int(last.Sub(base)/step)+1)
	have := make([]bool, len(out))
	for _, s := range samples {
		i := int(s.At.Sub(base) / step)
		sp, ok := s.SwapPct()
		if !have[i] {
			out[i], have[i] = chartPoint{mem: s.UsedPct, swap: sp, swapOK: ok}, true
			continue
		}
		out[i].mem = max(out[i].mem, s.UsedPct)
		out[i].swap = max(out[i].swap, sp)
		out[i].swapOK = out[i].swapOK || ok
	}
	for i := range out {
		if !have[i] && i > 0 {
			out[i] = out[i-1]
		}
		out[i].at = base.Add(time.Duration(i) * step)
	}
	return out, layout, step
}

func (r *reportWriter) timeline(evs []Event) {
	r.f("### Timeline\n\n")
	n := 0
	for _, ev := range evs {
		if ev.Kind() != KindMemSample {
			n++
		}
	}
	if n == 0 {
		r.f("_No events recorded._\n\n")
		return
	}
	r.f("| Time (UTC) | Event |\n|---|---|\n")
	// In time order: two processes append to one timeline, and a line can
	// land after a later one of the other.
	evs = slices.Clone(evs)
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].At.Before(evs[j].At) })
	for _, ev := range evs {
		if ev.Kind() == KindMemSample {
			continue // charted above
		}
		r.f("| %s | %s |\n", ev.At.UTC().Format("2006-01-02 15:04:05"), cell(timelineText(ev)))
	}
	r.f("\n")
}

// timelineText is the event's summary with notes and fields in full.
func timelineText(ev Event) string {
	switch v := ev.Data.(type) {
	case Note:
		if v.Author != "" {
			return "note (" + v.Author + "): " + v.Text
		}
		return "note: " + v.Text
	case ReportField:
		return ev.Summary() + ": " + v.Value
	}
	return ev.Summary()
}

type actionRun struct {
	at       time.Time
	started  *ActionStarted
	finished *ActionFinished
	recheck  *ActionRechecked
	action   string
}

func (r *reportWriter) actions(evs []Event, active bool, now time.Time) {
	r.f("### Actions\n\n")
	var runs []*actionRun
	byRun := map[string]*actionRun{}
	get := func(run, action string, at time.Time) *actionRun {
		if a, ok := byRun[run]; ok && run != "" {
			return a
		}
		a := &actionRun{at: at, action: action}
		runs = append(runs, a)
		if run != "" {
			byRun[run] = a
		}
		return a
	}
	for _, ev := range evs {
		switch v := ev.Data.(type) {
		case ActionStarted:
			a := get(v.Run, v.Action, ev.At)
			a.started = &v
		case ActionFinished:
			a := get(v.Run, v.Action, ev.At)
			a.finished = &v
		case ActionRechecked:
			a := get(v.Run, v.Action, ev.At)
			a.recheck = &v
		}
	}
	if len(runs) == 0 {
		r.f("_No actions were run from memtui._\n\n")
		return
	}
	sort.SliceStable(runs, func(i, j int) bool { return runs[i].at.Before(runs[j].at) })
	r.f("| Started (UTC) | Action | By | Commands | Confirmation | Outcome | Duration | Memory before → after | Re-check |\n")
	r.f("|---|---|---|---|---|---|---|---|---|\n")
	for _, a := range runs {
		name, by, cmds, confirm := cell(a.action), " ", " ", "_not recorded_"
		exit, dur, mem, re := "_not recorded_", "_not recorded_", "_not recorded_", "_not recorded_"
		var before, after *MemFigure
		if s := a.started; s != nil {
			if s.Name != "" {
				name = cell(s.Name) + " (" + cellCode(s.Action) + ")"
			} else {
				name = cellCode(s.Action)
			}
			if s.Risk != "" {
				name += ", " + cell(s.Risk) + " risk"
			}
			by = cell(s.Who.String())
			var cs []string
			for _, c := range s.Commands {
				cs = append(cs, cellCode(commandText(c)))
			}
			cmds = strings.Join(cs, ", then ")
			if s.Confirmation != "" {
				confirm = cellCode(redact.Redact(s.Confirmation))
			}
			before = s.MemBefore
		}
		if f := a.finished; f != nil {
			exit = outcomeGlyph(f.Succeeded()) + cell(f.OutcomeText())
			var failed []string
			for _, c := range f.Commands {
				if !c.Succeeded() {
					failed = append(failed, cellCode(commandText(c.Argv))+": "+cell(c.OutcomeText()))
				}
			}
			// A recorded outcome already names the step that failed; older
			// timelines need the failed steps spelled out.
			if len(failed) > 0 && len(f.Commands) > 1 && f.Outcome == "" {
				exit += "; " + strings.Join(failed, "; ")
			}
			dur = units.Duration(time.Duration(f.Duration))
			after = f.MemAfter
			if a.started == nil {
				cmds = ""
				for i, c := range f.Commands {
					if i > 0 {
						cmds += ", then "
					}
					cmds += cellCode(commandText(c.Argv))
				}
			}
		} else if a.started != nil {
			exit = "_" + UnfinishedRun(a.at, now, active) + "_"
		}
		if c := a.recheck; c != nil {
			re = cell(fmt.Sprintf("%s after %s", c.Result, units.Duration(time.Duration(c.Waited))))
			if c.MemAfter != nil {
				re += cell(fmt.Sprintf(": %.1f%%", c.MemAfter.UsedPct))
			}
			if before == nil {
				before = c.MemBefore
			}
		}
		if before != nil || after != nil {
			mem = figText(before) + " → " + figText(after)
		}
		r.f("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", utc(a.at), name, by, cmds, confirm, exit, dur, mem, re)
	}
	r.f("\n")
	for _, a := range runs {
		if a.started == nil {
			continue
		}
		for _, c := range a.started.Commands {
			db, sql, ok := sqlStep(c)
			if !ok {
				continue
			}
			r.f("SQL of %s at %s UTC, on %s:\n\n", inline(a.action), utc(a.at), inline(db))
			fence := "```"
			for strings.Contains(sql, fence) {
				fence += "`"
			}
			r.f("%ssql\n%s\n%s\n\n", fence, sqlLines(sql), fence)
		}
	}
	for _, a := range runs {
		if a.finished == nil || strings.TrimSpace(a.finished.OutputTail) == "" {
			continue
		}
		out := tail(redact.Redact(a.finished.OutputTail), MaxOutputTail)
		r.f("Output of %s at %s UTC (last part):\n\n", inline(a.action), utc(a.at))
		fence := "```"
		for strings.Contains(out, fence) {
			fence += "`"
		}
		r.f("%s\n%s\n%s\n\n", fence, strings.TrimRight(out, "\n"), fence)
	}
}

// outcomeGlyph marks an outcome as done or not in text, so the table does
// not rely on the reader parsing the words (nor on colour, which markdown
// has none of).
func outcomeGlyph(ok bool) string {
	if ok {
		return "✔ "
	}
	return "✘ "
}

// figText is "93.1%" or "?" for a missing figure.
func figText(m *MemFigure) string {
	if m == nil {
		return "?"
	}
	return fmt.Sprintf("%.1f%%", m.UsedPct)
}

func (r *reportWriter) kills(evs []Event) {
	r.f("### OOM kills\n\n")
	var ks []Event
	for _, ev := range evs {
		if ev.Kind() == KindOOMKill {
			ks = append(ks, ev)
		}
	}
	if len(ks) == 0 {
		r.f("_No OOM kill recorded during the incident._\n\n")
		return
	}
	r.f("| Time (UTC) | PID | Process | UID | anon RSS | total VM | oom_score_adj | Constraint | memcg |\n")
	r.f("|---|---|---|---|---|---|---|---|---|\n")
	optInt := func(p *int) string {
		if p == nil {
			return "?"
		}
		return fmt.Sprint(*p)
	}
	optKB := func(p *uint64) string {
		if p == nil {
			return "?"
		}
		return units.KiB(*p)
	}
	for _, ev := range ks {
		k := ev.Data.(OOMKill)
		comm := cell(k.Comm)
		if k.Comm == "" {
			comm = "_not in the kernel log_"
			if k.Count > 1 {
				comm += fmt.Sprintf(" (%d kills)", k.Count)
			}
		}
		r.f("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", utc(ev.At), optInt(k.PID), comm, optInt(k.UID),
			optKB(k.AnonRSSKB), optKB(k.TotalVMKB), optInt(k.OOMScoreAdj), cell(k.Constraint), cell(k.Memcg))
	}
	r.f("\n")
}

func (r *reportWriter) escalation(s *Summary) {
	r.f("### Escalation\n\n")
	if len(s.Stages) == 0 {
		r.f("_No escalation stage reached._\n\n")
		return
	}
	for _, st := range s.Stages {
		r.f("- %s UTC: **%s**: %s (%s)\n", utc(st.At), st.Stage, st.Stage.Advice(), text(st.Reason))
	}
	r.f("\n")
}

func (r *reportWriter) criteria(s *Summary) {
	r.f("### Success criteria\n\n")
	if !s.Started() {
		r.f("_No incident recorded._\n\n")
		return
	}
	for _, c := range s.Criteria() {
		mark, word := " ", ""
		switch c.State {
		case Met:
			mark = "x"
		case NotMet:
			word = "not met: "
		case Unknown:
			word = "unknown: "
		}
		r.f("- [%s] %s: %s%s\n", mark, c.Name, word, text(c.Figure))
	}
	r.f("\n")
}

func (r *reportWriter) problems(ps []Problem) {
	if len(ps) == 0 {
		return
	}
	r.f("### Lines that could not be read\n\n")
	for _, p := range ps {
		r.f("- %s\n", text(p.String()))
	}
	r.f("\n")
}

// sqlStep takes a KindSQL step of a recorded plan apart: "SQL on database
// erp: DELETE …" is the database and the SQL.
func sqlStep(argv []string) (db, sql string, ok bool) {
	if len(argv) != 1 {
		return "", "", false
	}
	rest, ok := strings.CutPrefix(redact.Redact(argv[0]), "SQL on ")
	if !ok {
		return "", "", false
	}
	db, sql, ok = strings.Cut(rest, ": ")
	return strings.TrimPrefix(db, "database "), sql, ok && strings.TrimSpace(sql) != ""
}

// sqlLines puts each statement of one-line SQL on a line of its own.
func sqlLines(sql string) string {
	var out []string
	for _, st := range strings.Split(sql, ";") {
		if st = strings.TrimSpace(st); st != "" {
			out = append(out, st+";")
		}
	}
	return strings.Join(out, "\n")
}
