package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/internal/units"
	"github.com/memtui/memtui/probes"
)

// Timeline is the incident's durable record as the ui sees it. main.go
// passes an *incident.Journal; tests pass a fake.
type Timeline interface {
	// Resume loads the incident to continue at start (nil when none).
	Resume() (*incident.Log, error)
	// Record appends events in order, each fsynced before the next; it
	// returns the recorded events and how many of evs it dealt with.
	Record(ctx context.Context, evs []incident.Event) ([]incident.Event, int, error)
	// Poll returns the events other memtui processes appended since.
	Poll() ([]incident.Event, []incident.Problem, error)
	// Export writes the markdown report and returns its path.
	Export(ctx context.Context, now time.Time) (string, error)
	// Path is the timeline file in use ("" before the first event).
	Path() string
}

const (
	// timelineKeep bounds the events the panel holds for its view; the
	// file has them all.
	timelineKeep = 200
	// recordTimeout covers the file lock (at most 5 s) and fsync on a host
	// whose disk is as stressed as its memory.
	recordTimeout = 10 * time.Second
	pollTimeout   = 3 * time.Second
	exportTimeout = 10 * time.Second
	// takeoverAfter: when another process's detector has written no
	// sample for this long, this one records the detector's events.
	takeoverAfter = 30 * time.Second
)

// lastTimelinePanelID gives every timelinePanel its own tick id.
var lastTimelinePanelID int

// timelinePanel shows the incident's latest events, feeds memory readings
// to the detector and records what it finds, records notes, report fields
// and actions sent to it, and follows what other memtui processes on this
// host record. An event is drawn as recorded only once it is on disk.
type timelinePanel struct {
	tl       Timeline
	now      func() time.Time
	loc      *time.Location
	interval time.Duration
	author   string
	host     HostInfo
	keys     KeyMap

	id, tag   int
	polling   bool // a poll is in flight
	recording bool // a record is in flight
	resumed   bool

	// det is shared by the copies of the panel Bubble Tea makes; only
	// update touches it, on the program's one goroutine.
	det *incident.Detector
	// recorder: this process writes the detector's events. Another
	// process that already does (a driver this one observes) keeps it.
	recorder  bool
	me        string    // this process's writer id, once it recorded
	lastOther time.Time // latest detector event of another writer
	// shadow holds what this detector found while observing, newer than
	// the recording process's last event: on takeover it fills the gap
	// (a kill while the other process was dying is not lost).
	shadow []incident.Event

	kills []incident.OOMKill // from the kernel log, for the next reading
	// The latest PostgreSQL connection figures, for the next reading.
	pgUsed, pgMax int
	pgKnown       bool
	shown         []incident.Event // recorded events, newest last, no samples
	pending       []incident.Event // not on disk yet (in flight or failed)
	fields        map[string]string

	// The process footprint of the latest scan (nil: unknown) and when it
	// was taken, and the services seen restarting since the last reading.
	procRSS   *uint64
	procRSSAt time.Time
	restarts  []string
	// restartSeen holds the restarts already handed on: every scan repeats
	// the last hour's. Shared by the copies, like det.
	restartSeen map[probes.ProcKey]bool
	fpScratch   map[string]uint64

	path      string
	writeErr  error
	followErr error
	problems  int
	scroll    int // lines scrolled up from the newest
}

func newTimelinePanel(d Deps) timelinePanel {
	lastTimelinePanelID++
	th := d.Thresholds
	det := incident.NewDetector(incident.Config{
		Host:   incident.HostFacts{Host: d.Host.Name, Kernel: d.Host.Kernel, CPUs: d.Host.CPUs},
		Levels: incident.Levels{Warning: th.Warning, High: th.High, Critical: th.Critical},
	})
	return timelinePanel{tl: d.Timeline, now: d.Now, loc: d.Location, interval: d.Interval, author: d.Author, host: d.Host, keys: DefaultKeyMap(d.ReadOnly),
		id: lastTimelinePanelID, det: det, recorder: true, fields: map[string]string{},
		restartSeen: map[probes.ProcKey]bool{}, fpScratch: map[string]uint64{}}
}

// init loads the incident to continue; following starts once it is loaded,
// so the two never read the same events.
func (p timelinePanel) init() tea.Cmd {
	if p.tl == nil {
		return nil
	}
	return resumeTimelineCmd(p.tl)
}

func resumeTimelineCmd(tl Timeline) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
		defer cancel()
		type res struct {
			l   *incident.Log
			err error
		}
		done := make(chan res, 1)
		go func() {
			l, err := tl.Resume()
			done <- res{l, err}
		}()
		select {
		case r := <-done:
			return timelineResumedMsg{log: r.l, path: tl.Path(), err: r.err}
		case <-ctx.Done():
			return timelineResumedMsg{err: fmt.Errorf("loading the incident timeline took over %s", recordTimeout)}
		}
	}
}

func timelineTickCmd(id, tag int, d time.Duration) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return timelineTickMsg{id: id, tag: tag} })
}

func pollTimelineCmd(tl Timeline) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), pollTimeout)
		defer cancel()
		done := make(chan timelinePolledMsg, 1)
		go func() {
			evs, probs, err := tl.Poll()
			done <- timelinePolledMsg{events: evs, problems: probs, path: tl.Path(), err: err}
		}()
		select {
		case m := <-done:
			return m
		case <-ctx.Done():
			return timelinePolledMsg{err: fmt.Errorf("reading the timeline file took over %s", pollTimeout)}
		}
	}
}

// recordEventsCmd writes evs. The journal checks ctx between events, so a
// timeout never leaves an event written but reported as lost.
func recordEventsCmd(tl Timeline, evs []incident.Event) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
		defer cancel()
		rec, n, err := tl.Record(ctx, evs)
		return eventsRecordedMsg{recorded: rec, n: n, path: tl.Path(), err: err}
	}
}

func exportReportCmd(tl Timeline, now time.Time) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), exportTimeout)
		defer cancel()
		path, err := tl.Export(ctx, now)
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
	return out
}

// footprintPrograms is how many programs the process footprint follows.
const footprintPrograms = 5

// footprintMaxAge is how old a footprint may be and still go with a
// memory reading: scans run on their own, slower schedule on big tables.
const footprintMaxAge = 15 * time.Second

// procFootprint is the process footprint behind the "stable process memory
// footprint" criterion: the summed RSS of the footprintPrograms programs
// (processes grouped by program, as the panel's group view does) holding
// the most memory. By program, because services like Odoo and PostgreSQL
// recycle workers: a worker replaced by a fresh one moves memory inside
// the program, not out of the figure. The largest few, because they are
// what the runbook watches, and because a sum of the k largest values has
// no jump when two programs swap ranks, so churn below the top does not
// read as growth; a program that grows into the top few does raise it, as
// it should. It is RSS, not PSS (which costs 6× the reads on every scan):
// shared pages count once per process, so the figure is for its trend
// over the criteria window, not for memory used. scratch is reused.
func procFootprint(procs []probes.Proc, scratch map[string]uint64) uint64 {
	clear(scratch)
	for i := range procs {
		name := procs[i].Program
		if name == "" {
			name = procs[i].Comm
		}
		scratch[name] += procs[i].RSS
	}
	var top [footprintPrograms]uint64 // largest first
	for _, v := range scratch {
		for j := range top {
			if v > top[j] {
				copy(top[j+1:], top[j:len(top)-1])
				top[j] = v
				break
			}
		}
	}
	var sum uint64
	for _, v := range top {
		sum += v
	}
	return sum
}

// newRestarts names the restarts not handed on yet (every scan repeats the
// last hour's) and forgets those the scan no longer lists.
func (p *timelinePanel) newRestarts(rs []probes.Restart) []string {
	if len(rs) == 0 {
		clear(p.restartSeen)
		return nil
	}
	var out []string
	keep := make(map[probes.ProcKey]bool, len(rs))
	for _, r := range rs {
		keep[r.New] = true
		if p.restartSeen[r.New] {
			continue
		}
		p.restartSeen[r.New] = true
		out = append(out, r.Program)
	}
	for k := range p.restartSeen {
		if !keep[k] {
			delete(p.restartSeen, k)
		}
	}
	return out
}

// detectorKind says whether a kind is written by a detector (so whoever
// writes it is the recording process).
func detectorKind(k incident.Kind) bool {
	switch k {
	case incident.KindMemSample, incident.KindSeverityChanged, incident.KindSwapGrowth, incident.KindOOMKill,
		incident.KindPGSaturation, incident.KindServiceRestarted, incident.KindEscalation:
		return true
	}
	return false
}

func (p timelinePanel) update(msg tea.Msg) (timelinePanel, tea.Cmd) {
	switch msg := msg.(type) {
	case timelineResumedMsg:
		p.resumed = true
		p.path = msg.path
		var cmds []tea.Cmd
		if msg.err != nil {
			p.followErr = msg.err
			cmds = append(cmds, flashCmd(flashErr, "timeline: "+msg.err.Error()))
		}
		if msg.log != nil {
			for _, ev := range msg.log.Events {
				p.det.Record(ev)
				p.add(ev)
				if detectorKind(ev.Kind()) && ev.At.After(p.lastOther) {
					p.lastOther = ev.At
				}
			}
			p.problems += len(msg.log.Problems)
			// Another memtui still writing samples drives the detector;
			// an abandoned incident (memtui restarted) is taken over.
			if p.det.Summary().Active() && p.now().Sub(p.lastOther) < takeoverAfter {
				p.recorder = false
			}
		}
		cmds = append(cmds, p.flushCmd(), timelineTickCmd(p.id, p.tag, p.interval))
		return p, tea.Batch(cmds...)

	case memSampledMsg:
		r, ok := readingOf(msg.at, msg.mem)
		if !ok {
			return p, nil
		}
		mi := msg.mem.Meminfo
		p.det.SetHost(incident.HostFacts{Host: p.host.Name, Kernel: p.host.Kernel, CPUs: p.host.CPUs,
			MemTotalBytes: mi.MemTotal.Or(0), SwapTotalBytes: mi.SwapTotal.Or(0)})
		r.NewKills, p.kills = p.kills, nil
		r.PGUsed, r.PGMax, r.PGKnown = p.pgUsed, p.pgMax, p.pgKnown
		if p.procRSS != nil && msg.at.Sub(p.procRSSAt) <= footprintMaxAge {
			v := *p.procRSS
			r.ProcRSSBytes = &v
		}
		r.Restarts, p.restarts = p.restarts, nil
		evs := p.det.Observe(r)
		if !p.recorder {
			// An observer's detector still runs, for its own status bar
			// and the shadow.
			p.shadow = append(p.shadow, evs...)
			p.trimShadow()
			return p, nil
		}
		if len(evs) == 0 {
			return p, nil
		}
		p.pending = append(p.pending, evs...)
		cmd := p.flushCmd()
		return p, cmd

	case oomKilledMsg:
		// The kernel log says who was killed; the detector pairs each kill
		// with the OOM counter of the next memory reading.
		for _, k := range msg.kills {
			p.kills = append(p.kills, killOf(k))
		}
		return p, nil

	case procsScannedMsg:
		// The process panel's scan: the footprint for the next readings and
		// the restarts the growth tracker saw. A failed scan makes the
		// footprint unknown rather than leave an old figure standing.
		if msg.err != nil {
			p.procRSS = nil
			return p, nil
		}
		fp := procFootprint(msg.res.Table.Procs, p.fpScratch)
		p.procRSS, p.procRSSAt = &fp, msg.res.Table.At
		p.restarts = append(p.restarts, p.newRestarts(msg.res.Restarts)...)
		return p, nil

	case pgSampledMsg:
		// Saturation counts every slot taken, memtui's own session too.
		st := msg.r.Stats
		p.pgKnown = msg.r.Connected && st != nil && st.MaxConnections > 0
		if p.pgKnown {
			p.pgUsed, p.pgMax = st.SlotsUsed, st.MaxConnections
		}
		return p, nil

	case timelineTickMsg:
		if msg.id != p.id || msg.tag != p.tag {
			return p, nil
		}
		if !p.recorder && p.now().Sub(p.lastOther) >= takeoverAfter {
			p.recorder = true
			p.pending = append(p.pending, p.shadow...)
			p.shadow = nil
		}
		if p.polling || p.tl == nil {
			return p, nil
		}
		p.polling = true
		// A failed write is retried here, once per tick.
		cmd := tea.Batch(pollTimelineCmd(p.tl), p.flushCmd())
		return p, cmd

	case timelinePolledMsg:
		p.polling = false
		p.followErr = msg.err
		if msg.path != "" {
			p.path = msg.path
		}
		for _, ev := range msg.events {
			p.det.Record(ev)
			p.add(ev)
			if detectorKind(ev.Kind()) {
				p.lastOther = maxTime(p.lastOther, ev.At)
				// Two recorders: the smaller writer id keeps the role, so
				// exactly one yields.
				if p.recorder && (p.me == "" || ev.Writer < p.me) {
					p.recorder = false
				}
			}
		}
		p.problems += len(msg.problems)
		p.trimShadow()
		return p, timelineTickCmd(p.id, p.tag, p.interval)

	case eventsRecordedMsg:
		p.recording = false
		p.pending = p.pending[min(msg.n, len(p.pending)):]
		if msg.path != "" {
			p.path = msg.path
		}
		for _, ev := range msg.recorded {
			p.add(ev)
			if p.me == "" {
				p.me = ev.Writer
			}
		}
		failing := p.writeErr != nil
		p.writeErr = msg.err
		switch {
		case msg.err != nil && !failing:
			return p, flashCmd(flashErr, "timeline: NOT RECORDED: "+msg.err.Error()+" (retrying)")
		case msg.err == nil && failing:
			cmd := tea.Batch(flashCmd(flashInfo, "timeline: recording again"), p.flushCmd())
			return p, cmd
		case msg.err == nil:
			cmd := p.flushCmd()
			return p, cmd
		}
		return p, nil

	case recordEventsMsg:
		for _, ev := range msg.events {
			if ev.Kind() != incident.KindStarted && !p.det.Summary().Active() {
				// A note or an action with no incident open opens one:
				// it belongs on a timeline.
				p.pending = append(p.pending, p.det.Start(ev.At, "opened by hand: "+strings.ReplaceAll(string(ev.Kind()), "_", " "))...)
			}
			p.det.Record(ev)
			p.pending = append(p.pending, ev)
		}
		cmd := p.flushCmd()
		return p, cmd

	case endIncidentMsg:
		p.pending = append(p.pending, p.det.End(msg.at, msg.reason)...)
		cmd := p.flushCmd()
		return p, cmd

	case reportExportedMsg:
		if msg.err != nil {
			return p, flashCmd(flashErr, "report not written: "+msg.err.Error())
		}
		ev := incident.Event{At: p.now(), Data: incident.ReportExported{Path: msg.path}}
		p.det.Record(ev)
		p.pending = append(p.pending, ev)
		cmd := tea.Batch(flashCmd(flashInfo, "report written to "+msg.path), p.flushCmd())
		return p, cmd

	case tea.KeyMsg:
		return p.handleKey(msg)
	}
	return p, nil
}

func (p timelinePanel) handleKey(k tea.KeyMsg) (timelinePanel, tea.Cmd) {
	km := p.keys
	switch {
	case key.Matches(k, km.Up):
		p.scroll = min(p.scroll+1, max(len(p.shown)+len(p.pending)-1, 0))
	case key.Matches(k, km.Down):
		p.scroll = max(p.scroll-1, 0)
	case key.Matches(k, km.ReportFields):
		return p, p.reportFieldsCmd()
	case key.Matches(k, km.EndIncident):
		if !p.det.Summary().Active() {
			return p, flashCmd(flashWarn, "no incident open")
		}
		return p, openDialogCmd(newEndDialog(p.author, p.now))
	}
	return p, nil
}

// noteCmd opens the note dialog (the global n key).
func (p timelinePanel) noteCmd() tea.Cmd {
	if p.tl == nil {
		return flashCmd(flashWarn, "no timeline: notes cannot be recorded")
	}
	return openDialogCmd(newNoteDialog(p.author, p.now))
}

// reportFieldsCmd opens the report form with the fields as recorded.
func (p timelinePanel) reportFieldsCmd() tea.Cmd {
	if p.tl == nil {
		return flashCmd(flashWarn, "no timeline: report fields cannot be recorded")
	}
	return openDialogCmd(newReportDialog(p.fields, p.author, p.now))
}

// exportCmd writes the report (the global e key).
func (p timelinePanel) exportCmd() tea.Cmd {
	if p.tl == nil {
		return flashCmd(flashWarn, "no timeline: nothing to export")
	}
	return exportReportCmd(p.tl, p.now())
}

// flushCmd starts writing the pending events unless a write is in flight.
// It marks p as recording: call it before `return p, …`, never inside that
// return, where Go does not order it against the copy of p.
func (p *timelinePanel) flushCmd() tea.Cmd {
	if p.recording || len(p.pending) == 0 || p.tl == nil {
		return nil
	}
	p.recording = true
	batch := append([]incident.Event(nil), p.pending...)
	return recordEventsCmd(p.tl, batch)
}

// settled says everything sent to the timeline is on disk (or there is no
// timeline): quitting waits for it.
func (p timelinePanel) settled() bool {
	return p.tl == nil || (len(p.pending) == 0 && !p.recording)
}

// add keeps a recorded event for the view (samples are charted, not listed).
func (p *timelinePanel) add(ev incident.Event) {
	if f, ok := ev.Data.(incident.ReportField); ok {
		p.fields[f.Field] = f.Value
	}
	if ev.Kind() == incident.KindMemSample {
		return
	}
	p.shown = append(p.shown, ev)
	if len(p.shown) > 2*timelineKeep {
		// Copy down instead of reslicing so the old array is freed.
		p.shown = append(p.shown[:0:0], p.shown[len(p.shown)-timelineKeep:]...)
	}
}

// shadowKeep bounds the shadow: takeoverAfter of detector events is a few
// dozen; this only guards against a stuck clock.
const shadowKeep = 500

// trimShadow drops shadow events the recording process already covered.
func (p *timelinePanel) trimShadow() {
	i := 0
	for i < len(p.shadow) && !p.shadow[i].At.After(p.lastOther) {
		i++
	}
	i = max(i, len(p.shadow)-shadowKeep)
	if i > 0 {
		p.shadow = append(p.shadow[:0:0], p.shadow[i:]...)
	}
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
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

// status is the top bar's incident segment: clock, peak and escalation
// stage; "" while there has been no incident.
func (p timelinePanel) status(st Styles) string {
	s := p.det.Summary()
	var parts []string
	if p.writeErr != nil {
		parts = append(parts, st.Crit.Render("✖ NOT RECORDED"))
	}
	switch {
	case !s.Started():
	case s.Active():
		seg := "⏱ incident " + units.Duration(s.Elapsed(p.now()))
		if s.Samples > 0 {
			seg += fmt.Sprintf(" · peak %.1f%%", s.Peak.UsedPct)
		}
		parts = append(parts, st.Bar.Render(seg))
		if s.Stage > incident.StageNone {
			parts = append(parts, st.High.Render("⚑ "+stageShort(s.Stage)))
		}
	default:
		parts = append(parts, st.Bar.Render("■ incident ended after "+units.Duration(s.Elapsed(p.now()))))
	}
	return strings.Join(parts, st.Bar.Render(" "))
}

func (p timelinePanel) view(st Styles, w, h int, focused bool) string {
	note := ""
	switch {
	case p.writeErr != nil:
		note = "✖ NOT RECORDED"
	case !p.recorder:
		note = "observing · " + filepath.Base(p.path)
	case p.path != "":
		note = filepath.Base(p.path)
	}
	return frame(st, "Timeline", note, p.body(st, w-2, h-2), w, h, focused)
}

// body is the headline, any trouble, the latest events and the key hints.
func (p timelinePanel) body(st Styles, w, h int) string {
	if p.tl == nil {
		return st.Muted.Render("no timeline in this run: events are not recorded")
	}
	var top []string
	top = append(top, p.headline(st))
	if p.writeErr != nil {
		// Two lines: the count must survive a narrow panel cutting the error.
		top = append(top, st.Crit.Render("✖ NOT RECORDED: ")+st.Text.Render(fmt.Sprintf("%d event(s) waiting, retrying every %s", len(p.pending), units.Duration(p.interval))),
			st.Text.Render("  "+p.writeErr.Error()))
	}
	if p.followErr != nil {
		top = append(top, st.Warn.Render("▲ timeline file: ")+st.Text.Render(p.followErr.Error()))
	}
	if p.problems > 0 {
		top = append(top, st.Muted.Render(fmt.Sprintf("%d unreadable line(s) of the timeline file skipped", p.problems)))
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

// headline says whether an incident is open, for how long, its peak and stage.
func (p timelinePanel) headline(st Styles) string {
	s := p.det.Summary()
	switch {
	case !p.resumed:
		return st.Muted.Render("loading the timeline …")
	case !s.Started():
		return st.OK.Render("○ no incident open") + st.Muted.Render(fmt.Sprintf(" · one opens when memory holds ≥ %g%% or the OOM killer acts", p.det.Config().Levels.High))
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
	all := len(p.shown) + len(p.pending)
	if all == 0 {
		return []string{st.Muted.Render("no events yet")}
	}
	end := max(all-p.scroll, min(h, all))
	start := max(end-h, 0)
	out := make([]string, 0, h)
	for i := start; i < end; i++ {
		if i < len(p.shown) {
			out = append(out, p.eventLine(st, p.shown[i], false))
		} else {
			out = append(out, p.eventLine(st, p.pending[i-len(p.shown)], true))
		}
	}
	return out
}

// eventLine is "15:04:05 ▲ severity high → critical at 95.2%": a glyph and
// words for every kind, colour only repeating them.
func (p timelinePanel) eventLine(st Styles, ev incident.Event, pending bool) string {
	glyph, style := eventGlyph(st, ev)
	text := ev.Summary()
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
