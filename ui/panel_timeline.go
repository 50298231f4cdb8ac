package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/internal/redact"
	"github.com/memtui/memtui/internal/termtext"
	"github.com/memtui/memtui/internal/units"
	"github.com/memtui/memtui/probes"
)

// syncTimeout covers the session's I/O in one Sync: the file lock (at most
// 5 s) and fsync on a host whose disk is as stressed as its memory.
const (
	syncTimeout   = 10 * time.Second
	exportTimeout = 10 * time.Second
)

// lastTimelinePanelID gives every timelinePanel its own tick id.
var lastTimelinePanelID int

// timelinePanel is a view of the incident session (Deps.Incident): it
// hands the session the readings other panels take (memory, kills,
// PostgreSQL, the process scan), asks it to sync from a Cmd, and draws the
// state snapshot the sync brings back. The session is the one that
// detects, decides who writes and records; the panel holds no incident
// logic, and nothing it calls from update does I/O.
type timelinePanel struct {
	sess     IncidentSession
	now      func() time.Time
	loc      *time.Location
	interval time.Duration
	author   string
	host     HostInfo
	keys     *KeyMap

	id, tag int
	syncing bool // a Sync is in flight: no second one starts
	again   bool // something changed while it was: sync once more

	// st is the session as last seen; the view reads only this.
	st incident.SessionState

	scroll int // lines scrolled up from the newest
}

func newTimelinePanel(d Deps) timelinePanel {
	lastTimelinePanelID++
	p := timelinePanel{sess: d.Incident, now: d.Now, loc: d.Location, interval: d.Interval, author: d.Author, host: d.Host, keys: DefaultKeyMap(d.ReadOnly),
		id: lastTimelinePanelID}
	p.st = p.sess.State()
	return p
}

// init starts syncing: the first Sync loads the incident to continue.
func (p *timelinePanel) init() tea.Cmd {
	return syncIncidentCmd(p.sess)
}

// syncIncidentCmd runs the session's I/O off the update loop and brings
// back its state. Sync runs in its own goroutine so a hung disk costs at
// most syncTimeout here; the session lets no second Sync start meanwhile.
func syncIncidentCmd(sess IncidentSession) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
		defer cancel()
		done := make(chan struct{})
		go func() {
			sess.Sync(ctx)
			close(done)
		}()
		select {
		case <-done:
			return incidentSyncedMsg{state: sess.State()}
		case <-ctx.Done():
			return incidentSyncedMsg{state: sess.State(), err: fmt.Errorf("the incident timeline did not answer within %s", syncTimeout)}
		}
	}
}

func timelineTickCmd(id, tag int, d time.Duration) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return timelineTickMsg{id: id, tag: tag} })
}

func exportReportCmd(sess IncidentSession) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), exportTimeout)
		defer cancel()
		path, err := sess.Export(ctx)
		return reportExportedMsg{path: path, err: err}
	}
}

func flashCmd(level flashLevel, text string) tea.Cmd {
	return func() tea.Msg { return flashMsg{level: level, text: text} }
}

// readingOf turns a memory reading into the detector's input.
func readingOf(at time.Time, m probes.Memory) (incident.Reading, bool) {
	pct, ok := m.UsedPercent()
	if !ok {
		return incident.Reading{}, false
	}
	mi := m.Meminfo
	r := incident.Reading{At: at, UsedPct: pct, SwapTotalBytes: mi.SwapTotal.Or(0), SwapUsedBytes: mi.SwapUsed().Or(0)}
	if m.VMStatErr == nil && m.VMStat.OOMKill.OK {
		r.OOMKills, r.OOMKnown = m.VMStat.OOMKill.V, true
	}
	return r, true
}

// killOf turns the kernel log's kill into the timeline's. Sizes the log
// gave as negative (never seen) stay unknown rather than wrap around.
func killOf(k probes.OOMKill) incident.OOMKill {
	kb := func(v *int64) *uint64 {
		if v == nil || *v < 0 {
			return nil
		}
		u := uint64(*v)
		return &u
	}
	str := func(v *string) string {
		if v == nil {
			return ""
		}
		return *v
	}
	pid := k.PID
	out := incident.OOMKill{PID: &pid, Comm: k.Comm, UID: k.UID, TotalVMKB: kb(k.TotalVMKB), AnonRSSKB: kb(k.AnonRSSKB),
		FileRSSKB: kb(k.FileRSSKB), ShmemRSSKB: kb(k.ShmemRSSKB), OOMScoreAdj: k.OOMScoreAdj,
		Constraint: str(k.Constraint), Memcg: str(k.Memcg), Count: 1}
	if k.Time != nil {
		t := *k.Time
		out.KilledAt = &t
	}
	if k.KernelTimeS != nil {
		v := *k.KernelTimeS
		out.KernelTimeS = &v
	}
	return out
}

// killsOf converts a batch of kills.
func killsOf(ks []probes.OOMKill) []incident.OOMKill {
	out := make([]incident.OOMKill, 0, len(ks))
	for _, k := range ks {
		out = append(out, killOf(k))
	}
	return out
}

// changed takes the session's new state after a call from update and
// starts a sync if it has something to write. It sets p.syncing: call it
// before `return p, …`, never inside that return.
func (p *timelinePanel) changed() tea.Cmd {
	p.st = p.sess.State()
	if len(p.st.Pending) == 0 {
		return nil
	}
	return p.syncCmd()
}

// syncCmd starts a Sync unless one is in flight; then it asks for one more
// when that ends. Call it before `return p, …`.
func (p *timelinePanel) syncCmd() tea.Cmd {
	if p.syncing {
		p.again = true
		return nil
	}
	p.syncing, p.again = true, false
	return syncIncidentCmd(p.sess)
}

func (p *timelinePanel) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case memSampledMsg:
		r, ok := readingOf(msg.at, msg.mem)
		if !ok {
			return nil
		}
		mi := msg.mem.Meminfo
		h := p.st.Config.Host
		h.MemTotalBytes, h.SwapTotalBytes = mi.MemTotal.Or(0), mi.SwapTotal.Or(0)
		p.sess.SetHost(h)
		p.sess.Observe(r)
		cmd := p.changed()
		return cmd

	case oomLoadedMsg:
		// Kills already in the kernel log at start: those of the last hour
		// open an incident (being paged, then opening memtui, is the usual
		// order).
		if len(msg.kills) > 0 {
			p.sess.KillsBeforeStart(p.now(), killsOf(msg.kills))
			cmd := p.changed()
			return cmd
		}
		return nil

	case oomKilledMsg:
		// The kernel log says who was killed; the session pairs each kill
		// with the OOM counter of the next memory reading.
		p.sess.Kills(killsOf(msg.kills))
		return nil

	case procsScannedMsg:
		// The process panel's scan: the footprint for the next readings and
		// the restarts the growth tracker saw. A failed scan makes the
		// footprint unknown rather than leave an old figure standing.
		if msg.err != nil {
			p.sess.Footprint(nil, time.Time{})
			return nil
		}
		if fp := msg.res.Footprint; fp.OK {
			v := fp.Bytes
			p.sess.Footprint(&v, msg.res.Table.At)
		} else {
			p.sess.Footprint(nil, time.Time{})
		}
		rs := make([]incident.ServiceRestart, 0, len(msg.res.Restarts))
		for _, r := range msg.res.Restarts {
			rs = append(rs, incident.ServiceRestart{Program: r.Program, PID: r.New.PID, Start: r.New.Start})
		}
		p.sess.ScanRestarts(rs)
		return nil

	case pgSampledMsg:
		// Saturation counts every slot taken, memtui's own session too.
		st := msg.r.Stats
		known := msg.r.Connected && st != nil && st.MaxConnections > 0
		if known {
			p.sess.PG(st.SlotsUsed, st.MaxConnections, true)
		} else {
			p.sess.PG(0, 0, false)
		}
		return nil

	case timelineTickMsg:
		if msg.id != p.id || msg.tag != p.tag {
			return nil
		}
		// Follows the file, retries a failed write, and lets an observer
		// take over once the writer's lock is free.
		cmd := p.syncCmd()
		return cmd

	case incidentSyncedMsg:
		was := p.st
		p.syncing = false
		p.st = msg.state
		var cmds []tea.Cmd
		if !was.Resumed && p.st.Resumed && p.st.FollowErr != nil {
			cmds = append(cmds, flashCmd(flashErr, "timeline: "+p.st.FollowErr.Error()))
		}
		if msg.err != nil {
			cmds = append(cmds, flashCmd(flashErr, "timeline: "+msg.err.Error()))
		}
		switch {
		case p.st.WriteErr != nil && was.WriteErr == nil:
			cmds = append(cmds, flashCmd(flashErr, "timeline: NOT RECORDED: "+p.st.WriteErr.Error()+" (retrying)"))
		case p.st.WriteErr == nil && was.WriteErr != nil:
			cmds = append(cmds, flashCmd(flashInfo, "timeline: recording again"))
		}
		if p.again && p.st.WriteErr == nil {
			cmds = append(cmds, p.syncCmd())
		} else {
			p.again = false
			cmds = append(cmds, timelineTickCmd(p.id, p.tag, p.interval))
		}
		return tea.Batch(cmds...)

	case incidentChangedMsg:
		// An action's record was handed to the session from a Cmd.
		cmd := p.changed()
		return cmd

	case recordEventsMsg:
		p.sess.Add(msg.events...)
		cmd := p.changed()
		return cmd

	case endIncidentMsg:
		p.sess.End(msg.at, msg.reason)
		cmd := p.changed()
		return cmd

	case reportExportedMsg:
		if msg.err != nil {
			return flashCmd(flashErr, "report not written: "+msg.err.Error())
		}
		cmd := tea.Batch(flashCmd(flashInfo, "report written to "+msg.path), p.changed())
		return cmd

	case tea.KeyMsg:
		return p.handleKey(msg)
	}
	return nil
}

func (p *timelinePanel) handleKey(k tea.KeyMsg) tea.Cmd {
	km := p.keys
	switch {
	case key.Matches(k, km.Up):
		p.scroll = min(p.scroll+1, max(len(p.st.Events)+len(p.st.Pending)-1, 0))
	case key.Matches(k, km.Down):
		p.scroll = max(p.scroll-1, 0)
	case key.Matches(k, km.Enter):
		if d := p.eventDialog(); d != nil {
			return openDialogCmd(d)
		}
	case key.Matches(k, km.ReportFields):
		return p.reportFieldsCmd()
	case key.Matches(k, km.EndIncident):
		if !p.st.Summary.Active() {
			return flashCmd(flashWarn, "no incident open")
		}
		return openDialogCmd(newEndDialog(p.author, p.now))
	}
	return nil
}

// noteCmd opens the note dialog (the global n key).
func (p timelinePanel) noteCmd() tea.Cmd {
	if !p.st.Recording {
		return flashCmd(flashWarn, "no timeline: notes cannot be recorded")
	}
	return openDialogCmd(newNoteDialog(p.author, p.now))
}

// reportFieldsCmd opens the report form with the fields as recorded.
func (p timelinePanel) reportFieldsCmd() tea.Cmd {
	if !p.st.Recording {
		return flashCmd(flashWarn, "no timeline: report fields cannot be recorded")
	}
	return openDialogCmd(newReportDialog(p.st.Fields, p.author, p.now))
}

// exportCmd writes the report (the global e key).
func (p timelinePanel) exportCmd() tea.Cmd {
	if !p.st.Recording {
		return flashCmd(flashWarn, "no timeline: nothing to export")
	}
	return exportReportCmd(p.sess)
}

// unchangedBy reports whether msg is a sync that brought back the state
// already shown: the timeline follows its file a few times a second, and
// redrawing the whole screen for each unchanged answer was a third of the
// dashboard's drawing.
func (p timelinePanel) unchangedBy(msg tea.Msg) bool {
	s, ok := msg.(incidentSyncedMsg)
	return ok && s.err == nil && s.state.Generation == p.st.Generation && !p.again
}

// settled says everything handed to the session is on disk (or there is
// no timeline): quitting waits for it. Asked of the session itself, not
// the snapshot, because an action's end record reaches it from a Cmd.
func (p timelinePanel) settled() bool {
	return p.sess.Settled() && !p.syncing
}

// stageShort names an escalation stage in a few words.
func stageShort(s incident.Stage) string {
	switch s {
	case incident.StagePageOnCall:
		return "page on-call"
	case incident.StageSeniorDevOps:
		return "senior DevOps"
	case incident.StageMaintenance:
		return "maintenance mode"
	case incident.StageEmergency:
		return "emergency scaling"
	}
	return ""
}

// sevOf maps the timeline's level words to probes' severities for styling.
func sevOf(l incident.Level) probes.Severity {
	switch l {
	case incident.LevelWarning:
		return probes.Warning
	case incident.LevelHigh:
		return probes.High
	case incident.LevelCritical:
		return probes.Critical
	}
	return probes.Normal
}

// status is the top bar's incident segment: clock, peak, escalation stage
// and the criteria abridged ("criteria 3/5"); "" while there has been no
// incident. short is for an 80-column bar: 1 drops the word "incident"
// and the peak, 2 also keeps only the stage's first word and says "3/5
// met", so the criteria are not what gets cut.
func (p timelinePanel) status(st Styles, short int) string {
	s := &p.st.Summary
	var parts []string
	if p.st.WriteErr != nil {
		parts = append(parts, st.Crit.Render("✖ NOT RECORDED"))
	}
	switch {
	case !s.Started():
	case s.Active():
		seg := "⏱ incident " + units.Duration(s.Elapsed(p.now()))
		if short > 0 {
			seg = "⏱ " + units.Duration(s.Elapsed(p.now()))
		}
		if s.Samples > 0 && short == 0 {
			seg += fmt.Sprintf(" · peak %.1f%%", s.Peak.UsedPct)
		}
		parts = append(parts, st.Bar.Render(seg))
		if s.Stage > incident.StageNone {
			stage := stageShort(s.Stage)
			if short > 1 {
				stage, _, _ = strings.Cut(stage, " ")
			}
			parts = append(parts, st.High.Render("⚑ "+stage))
		}
		if short > 1 {
			met, all := incident.MetCount(p.st.Criteria)
			parts = append(parts, st.Bar.Render(fmt.Sprintf("%d/%d met", met, all)))
		} else {
			parts = append(parts, st.Bar.Render(incident.CriteriaLine(p.st.Criteria)))
		}
	default:
		parts = append(parts, st.Bar.Render("■ incident ended after "+units.Duration(s.Elapsed(p.now()))))
	}
	return strings.Join(parts, st.Bar.Render(" "))
}

func (p *timelinePanel) view(st Styles, w, h int, focused bool) string {
	note := ""
	switch {
	case p.st.WriteErr != nil:
		note = "✖ NOT RECORDED"
	case !p.st.Writer && p.st.Elected && p.st.Path != "":
		note = "observing · " + filepath.Base(p.st.Path)
	case !p.st.Writer && p.st.Elected:
		note = "observing"
	case p.st.Path != "":
		note = filepath.Base(p.st.Path)
	}
	return frame(st, "Timeline", note, p.body(st, w-2, h-2), w, h, focused)
}

// body is the headline, any trouble, the success criteria, the latest
// events and the key hints.
func (p timelinePanel) body(st Styles, w, h int) string {
	if !p.st.Recording {
		return st.Muted.Render("no timeline in this run: events are not recorded")
	}
	var top []string
	top = append(top, p.headline(st))
	if p.st.WriteErr != nil {
		// Two lines: the count must survive a narrow panel cutting the error.
		top = append(top, st.Crit.Render("✖ NOT RECORDED: ")+st.Text.Render(fmt.Sprintf("%d event(s) waiting, retrying every %s", len(p.st.Pending), units.Duration(p.interval))),
			st.Text.Render("  "+p.st.WriteErr.Error()))
	}
	if p.st.FollowErr != nil {
		top = append(top, st.Warn.Render("▲ timeline file: ")+st.Text.Render(p.st.FollowErr.Error()))
	}
	if p.st.Problems > 0 {
		top = append(top, st.Muted.Render(fmt.Sprintf("%d unreadable line(s) of the timeline file skipped", p.st.Problems)))
	}
	if p.st.Summary.Started() {
		// The full list (a line each, with its figure) when the events keep
		// at least as many lines; else one line of glyphs and short names.
		if h-len(top) >= 2*len(p.st.Criteria)+6 {
			top = append(top, criteriaLines(st, p.st.Criteria, w)...)
		} else {
			top = append(top, criteriaCompact(st, p.st.Criteria))
		}
	}
	hint := ""
	if h-len(top) >= 4 {
		hint = st.Key.Render("n") + st.Muted.Render(" note  ") + st.Key.Render("f") + st.Muted.Render(" report fields  ") +
			st.Key.Render("e") + st.Muted.Render(" export report  ") + st.Key.Render("x") + st.Muted.Render(" end incident")
	}
	room := h - len(top)
	if hint != "" {
		room--
	}
	lines := p.eventLines(st, w, max(room, 0))
	out := append(top, lines...)
	for len(out) < h-1 && hint != "" {
		out = append(out, "")
	}
	if hint != "" {
		out = append(out, hint)
	}
	return strings.Join(out, "\n")
}

// criterionMark is a criterion's state as glyph, word and style: the
// glyph and the word carry it, colour only repeats them.
func criterionMark(st Styles, s incident.CriterionState) (glyph, word string, style lipgloss.Style) {
	switch s {
	case incident.Met:
		return "✔", "met", st.OK
	case incident.NotMet:
		return "✘", "unmet", st.Crit
	}
	return "?", "not measured", st.Muted
}

// criteriaCompact is "criteria 3/5 met: ✔ memory ✔ swap ✘ no OOM …".
func criteriaCompact(st Styles, cs []incident.Criterion) string {
	met, all := incident.MetCount(cs)
	parts := []string{st.Bold.Render(fmt.Sprintf("criteria %d/%d met:", met, all))}
	for _, c := range cs {
		g, _, style := criterionMark(st, c.State)
		parts = append(parts, style.Render(g)+st.Text.Render(" "+c.Short))
	}
	return strings.Join(parts, " ")
}

// criteriaLines is a heading and one line per criterion: glyph, state in
// words, name and the figure behind the verdict, cut to w.
func criteriaLines(st Styles, cs []incident.Criterion, w int) []string {
	met, all := incident.MetCount(cs)
	out := []string{st.Bold.Render(fmt.Sprintf("Success criteria: %d of %d met", met, all))}
	for _, c := range cs {
		g, word, style := criterionMark(st, c.State)
		text := fit(fmt.Sprintf(" %-12s %-9s %s", word, c.Short, c.Figure), max(w-2, 0))
		out = append(out, style.Render(g)+st.Text.Render(text))
	}
	// The short names hide what the footprint is; say it, so its figure is
	// not read as memory used by everything.
	out = append(out, st.Muted.Render(fit("  footprint = "+incident.FootprintDefinition, max(w, 0))))
	return out
}

// headline says whether an incident is open, for how long, its peak and stage.
func (p timelinePanel) headline(st Styles) string {
	s := &p.st.Summary
	switch {
	case !p.st.Resumed:
		return st.Muted.Render("loading the timeline …")
	case !s.Started():
		return st.OK.Render("○ no incident open") + st.Muted.Render(fmt.Sprintf(" · one opens when memory holds ≥ %g%% or the OOM killer acts", p.st.Config.Levels.High))
	case !s.Active():
		return st.Text.Render(fmt.Sprintf("■ incident ended %s after %s", s.End.In(p.loc).Format("15:04"), units.Duration(s.Elapsed(p.now()))))
	}
	line := st.Accent.Render("▶") + st.Bold.Render(" INCIDENT ") + st.Text.Render(units.Duration(s.Elapsed(p.now())))
	if s.Samples > 0 {
		line += st.Text.Render(fmt.Sprintf(" · peak %.1f%% at %s", s.Peak.UsedPct, s.PeakAt.In(p.loc).Format("15:04")))
	}
	if s.Stage > incident.StageNone {
		line += st.Text.Render(" · ") + st.High.Render("⚑ "+stageShort(s.Stage))
	}
	return line
}

// eventLines are the latest events that fit in h lines (fewer when
// scrolled), newest at the bottom; events not on disk yet come last, marked.
func (p timelinePanel) eventLines(st Styles, w, h int) []string {
	if h <= 0 {
		return nil
	}
	shown, pending := p.st.Events, p.st.Pending
	all := len(shown) + len(pending)
	if all == 0 {
		return []string{st.Muted.Render("no events yet")}
	}
	end := max(all-p.scroll, min(h, all))
	start := max(end-h, 0)
	sel := p.selected(all)
	out := make([]string, 0, h)
	for i := start; i < end; i++ {
		var line string
		if i < len(shown) {
			line = p.eventLine(st, shown[i], false)
		} else {
			line = p.eventLine(st, pending[i-len(shown)], true)
		}
		// The selected event (enter opens it) is marked with a glyph, not
		// colour alone.
		mark := 1
		if i == sel {
			mark = 0
		}
		out = append(out, selGutter(st, line, mark))
	}
	return out
}

// selected is the index of the selected event among all (recorded, then
// pending): the newest, moved back by ↑.
func (p timelinePanel) selected(all int) int {
	return max(all-1-p.scroll, 0)
}

// eventDialog is the selected event in full: its time, kind and summary,
// then every field it was recorded with (secrets masked).
func (p timelinePanel) eventDialog() *fieldsDialog {
	evs := append(append([]incident.Event(nil), p.st.Events...), p.st.Pending...)
	if len(evs) == 0 {
		return nil
	}
	ev := evs[p.selected(len(evs))]
	state := "recorded"
	if p.selected(len(evs)) >= len(p.st.Events) {
		state = "not yet recorded"
	}
	rows := [][2]string{
		{"when", ev.At.In(p.loc).Format("2006-01-02 15:04:05.000 MST")},
		{"kind", string(ev.Kind()) + " (" + state + ")"},
		{"what", termtext.Printable(redact.Redact(ev.Summary()))},
	}
	text := "—"
	if b, err := json.MarshalIndent(ev.Data, "", "  "); err == nil {
		text = redact.Redact(string(b))
	}
	return &fieldsDialog{title: "Timeline event", rows: rows, textTitle: "as recorded", text: text, keys: p.keys}
}

// eventLine is "15:04:05 ▲ severity high → critical at 95.2%": a glyph and
// words for every kind, colour only repeating them.
func (p timelinePanel) eventLine(st Styles, ev incident.Event, pending bool) string {
	glyph, style := eventGlyph(st, ev)
	// Masked again on screen: a timeline written by another program or an
	// older memtui may hold what this one would have masked.
	text := redact.Redact(ev.Summary())
	clock := st.Muted.Render(ev.At.In(p.loc).Format("15:04:05") + " ")
	if pending {
		return clock + st.Muted.Render("⋯ "+text+" (not yet recorded)")
	}
	return clock + style.Render(glyph) + " " + st.Text.Render(text)
}

// eventGlyph is the glyph and style of an event's kind.
func eventGlyph(st Styles, ev incident.Event) (string, lipgloss.Style) {
	switch v := ev.Data.(type) {
	case incident.Started:
		return "▶", st.Accent
	case incident.Ended:
		return "■", st.OK
	case incident.SeverityChanged:
		return sevGlyph(sevOf(v.To)), st.For(sevOf(v.To))
	case incident.SwapGrowth:
		if v.Growing {
			return "↑", st.Warn
		}
		return "↓", st.OK
	case incident.OOMKill:
		return "✗", st.Crit
	case incident.PGSaturation:
		if v.Saturated {
			return "≡", st.High
		}
		return "≡", st.OK
	case incident.ServiceRestarted:
		return "↻", st.Crit
	case incident.OdooLog:
		if v.What == "memory-error" || v.What == "killed" {
			return "✖", st.Crit
		}
		return "▲", st.High
	case incident.Escalation:
		return "⚑", st.High
	case incident.ActionStarted:
		return "»", st.Accent
	case incident.ActionFinished:
		if v.Succeeded() {
			return "✔", st.OK
		}
		return "✘", st.Crit
	case incident.ActionRechecked:
		return "↺", st.Accent
	case incident.Note:
		return "✎", st.Accent2
	case incident.ReportField:
		return "§", st.Accent2
	case incident.ReportExported:
		return "⇲", st.Accent2
	}
	return "·", st.Muted
}
