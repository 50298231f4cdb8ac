package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/incident/store"
	"github.com/memtui/memtui/probes"
)

// fakeTimeline records in memory and can be told to fail, like a full disk.
type fakeTimeline struct {
	mu       sync.Mutex
	recorded []incident.Event
	fail     error
	others   []incident.Event // handed out by the next Poll
	resume   *incident.Log
	exportTo string
	exportAt time.Time
	calls    int
	// otherWriter: another process holds the host's writer lock.
	otherWriter bool
}

// TryWriter is the writer lock (incident.WriterElection).
func (f *fakeTimeline) TryWriter() (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.otherWriter, nil
}

func (f *fakeTimeline) Resume() (*incident.Log, error) { return f.resume, nil }

func (f *fakeTimeline) Record(ctx context.Context, evs []incident.Event) ([]incident.Event, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail != nil {
		return nil, 0, f.fail
	}
	out := make([]incident.Event, len(evs))
	for i, ev := range evs {
		ev.Writer, ev.Seq = "me-1", uint64(len(f.recorded)+1)
		f.recorded = append(f.recorded, ev)
		out[i] = ev
	}
	return out, len(evs), nil
}

func (f *fakeTimeline) Poll() ([]incident.Event, []incident.Problem, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	evs := f.others
	f.others = nil
	return evs, nil, nil
}

func (f *fakeTimeline) Export(ctx context.Context, now time.Time) (string, error) {
	f.exportAt = now
	if f.exportTo == "" {
		return "", errors.New("no incident recorded yet: nothing to export")
	}
	return f.exportTo, nil
}

func (f *fakeTimeline) Path() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.recorded) == 0 && f.resume == nil {
		return ""
	}
	return "/root/.local/state/memtui/incidents/odoo-prod-1-20261128T130000Z.jsonl"
}

func (f *fakeTimeline) kinds() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var k []string
	for _, ev := range f.recorded {
		k = append(k, string(ev.Kind()))
	}
	return strings.Join(k, ",")
}

// clock is an adjustable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// timelineDeps are testDeps with a timeline and an adjustable clock.
// testSession is the incident session over tl as main.go builds one, with
// the clock now.
func testSession(tl incident.Timeline, now func() time.Time) *incident.Session {
	h := testDeps(nil).Host
	return incident.NewSession(incident.SessionConfig{Timeline: tl, Now: now, Detector: incident.Config{
		Host: incident.HostFacts{Host: h.Name, Kernel: h.Kernel, CPUs: h.CPUs}}})
}

func timelineDeps(tl incident.Timeline, c *clock) Deps {
	d := testDeps(&fakeMemory{readings: risingSeries()})
	d.Author, d.Now = "alice", c.now
	d.Incident = testSession(tl, c.now)
	return d.withDefaults()
}

// outcome collects what a panel's Cmds asked of the root.
type outcome struct {
	flashes []flashMsg
	dialogs []dialog
}

// drain runs cmd and every Cmd it leads to, feeding the results back into
// the panel. A Cmd that does not return at once is a timer (a tick) and is
// dropped: tests send ticks themselves.
func drain(t *testing.T, p timelinePanel, cmd tea.Cmd) (timelinePanel, outcome) {
	t.Helper()
	var out outcome
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		done := make(chan tea.Msg, 1)
		go func() { done <- c() }()
		var msg tea.Msg
		select {
		case msg = <-done:
		case <-time.After(100 * time.Millisecond):
			continue
		}
		switch m := msg.(type) {
		case tea.BatchMsg:
			queue = append(queue, m...)
		case flashMsg:
			out.flashes = append(out.flashes, m)
		case openDialogMsg:
			out.dialogs = append(out.dialogs, m.d)
		case timelineTickMsg:
		default:
			var next tea.Cmd
			next = p.update(m)
			queue = append(queue, next)
		}
	}
	return p, out
}

// step sends msg to the panel and drains what follows.
func step(t *testing.T, p timelinePanel, msg tea.Msg) (timelinePanel, outcome) {
	t.Helper()
	cmd := p.update(msg)
	return drain(t, p, cmd)
}

// started returns a resumed panel with no incident open.
func startedPanel(t *testing.T, tl incident.Timeline, c *clock) timelinePanel {
	t.Helper()
	p := newTimelinePanel(timelineDeps(tl, c))
	p, _ = drain(t, p, p.init())
	if !p.st.Resumed {
		t.Fatal("panel did not resume")
	}
	return p
}

// withOOM is a reading whose kernel OOM counter is n.
func withOOM(m probes.Memory, n uint64) probes.Memory {
	m.VMStat.OOMKill = probes.Some(n)
	return m
}

func TestTimelineDetectsAndRecords(t *testing.T) {
	tl := &fakeTimeline{}
	c := &clock{t0}
	p := startedPanel(t, tl, c)
	// 80 % for 20 s, 90 % for 40 s, then the OOM counter moves.
	for s := 0; s < 60; s++ {
		at := t0.Add(time.Duration(s) * time.Second)
		pct := 80.0
		if s >= 20 {
			pct = 90
		}
		kills := uint64(1)
		if s >= 50 {
			kills = 2
		}
		c.t = at
		p, _ = step(t, p, memSampledMsg{at: at, mem: withOOM(memAt(at, pct, 30, 0), kills)})
	}
	// Warning from 10 s opens nothing; high held from 20 s to 30 s opens the
	// incident; one sample per 5 s; the OOM kill at 50 s pages on-call.
	want := "started,severity_changed,mem_sample,mem_sample,mem_sample,mem_sample,mem_sample,oom_kill,escalation,mem_sample"
	if got := tl.kinds(); got != want {
		t.Errorf("recorded\n got %s\nwant %s", got, want)
	}
	var shown []string
	for _, ev := range p.st.Events {
		shown = append(shown, string(ev.Kind()))
	}
	if diff := cmp.Diff("started,severity_changed,oom_kill,escalation", strings.Join(shown, ",")); diff != "" {
		t.Errorf("shown (samples are not listed): %s", diff)
	}
	st := ansi.Strip(p.status(testDeps(nil).Styles, 0))
	for _, w := range []string{"⏱ incident 29 s", "peak 90.0%", "⚑ page on-call"} {
		if !strings.Contains(st, w) {
			t.Errorf("status %q lacks %q", st, w)
		}
	}
	if len(p.st.Pending) != 0 || p.st.WriteErr != nil {
		t.Errorf("pending %d, error %v", len(p.st.Pending), p.st.WriteErr)
	}
}

// TestTimelineKillsFromTheKernelLog: the OOM panel's kills become the
// timeline's OOM events with their details, paired with the counter.
func TestTimelineKillsFromTheKernelLog(t *testing.T) {
	tl := &fakeTimeline{}
	c := &clock{t0}
	p := startedPanel(t, tl, c)
	uid, anon, neg, memcg := 1001, int64(2_800_000), int64(-1), "/system.slice/odoo.service"
	at := t0.Add(4 * time.Second)
	for s := 0; s < 8; s++ {
		now := t0.Add(time.Duration(s) * time.Second)
		c.t = now
		kills := uint64(1)
		if s == 5 {
			p, _ = step(t, p, oomKilledMsg{at: now, kills: []probes.OOMKill{{PID: 4242, Comm: "odoo-bin", UID: &uid, AnonRSSKB: &anon, FileRSSKB: &neg, Memcg: &memcg, Time: &at}}})
		}
		if s >= 5 {
			kills = 2
		}
		p, _ = step(t, p, memSampledMsg{at: now, mem: withOOM(memAt(now, 60, 10, 0), kills)})
	}
	if got := tl.kinds(); got != "started,mem_sample,oom_kill,escalation" {
		t.Fatalf("recorded %s", got)
	}
	k := tl.recorded[2]
	want := incident.OOMKill{PID: ip(4242), Comm: "odoo-bin", UID: &uid, AnonRSSKB: up(2_800_000), Memcg: memcg, KilledAt: &at, Count: 1}
	if diff := cmp.Diff(want, k.Data); diff != "" || !k.At.Equal(at) {
		t.Errorf("kill at %s (-want +got):\n%s", k.At, diff)
	}
}

// TestTimelinePostgresSaturation: the PostgreSQL panel's readings reach the
// detector; a lost connection is unknown, not zero.
func TestTimelinePostgresSaturation(t *testing.T) {
	tl := &fakeTimeline{}
	c := &clock{t0}
	p := startedPanel(t, tl, c)
	for s := 0; s < 60; s++ {
		at := t0.Add(time.Duration(s) * time.Second)
		c.t = at
		r := probes.PGReading{Time: at, Connected: true, Stats: &probes.PGStats{MaxConnections: 100, SlotsUsed: 97}}
		switch {
		case s >= 40 && s < 45:
			r.Stats.SlotsUsed = 40
		case s >= 38:
			r = probes.PGReading{Time: at} // the server went away: no figures
		case s >= 25:
			r.Stats.SlotsUsed = 40
		}
		p, _ = step(t, p, pgSampledMsg{at: at, r: r})
		p, _ = step(t, p, memSampledMsg{at: at, mem: memAt(at, 90, 10, 0)})
	}
	var got []string
	for _, ev := range tl.recorded {
		if v, ok := ev.Data.(incident.PGSaturation); ok {
			got = append(got, fmt.Sprintf("+%s %v %d/%d", ev.At.Sub(t0), v.Saturated, v.Used, v.Max))
		}
	}
	// Saturated from the start (recorded once the incident opens at 10 s),
	// back under 80 % from 25 s, held 10 s at 35 s; the lost connection
	// from 38 s (unknown, not zero) records nothing.
	want := []string{"+10s true 97/100", "+35s false 40/100"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func ip(v int) *int       { return &v }
func up(v uint64) *uint64 { return &v }

// TestTimelineWriteErrorVisibleAndRetried: a failed write is on screen (panel
// and status bar), flashed once, retried each tick, and nothing is lost or
// reordered when the disk comes back.
func TestTimelineWriteErrorVisibleAndRetried(t *testing.T) {
	full := fmt.Errorf("incident timeline x.jsonl: write failed, nothing recorded: no space left on device (disk full: free space)")
	tl := &fakeTimeline{fail: full}
	c := &clock{t0}
	p := startedPanel(t, tl, c)
	var out outcome
	p, out = step(t, p, recordEventsMsg{events: []incident.Event{{At: t0, Data: incident.Note{Author: "alice", Text: "first"}}}})
	if len(out.flashes) != 1 || out.flashes[0].level != flashErr || !strings.Contains(out.flashes[0].text, "NOT RECORDED") {
		t.Fatalf("flashes %v", out.flashes)
	}
	if len(p.st.Pending) != 2 || len(p.st.Events) != 0 {
		t.Fatalf("pending %d shown %d: a failed event must not look recorded", len(p.st.Pending), len(p.st.Events))
	}
	st := testDeps(nil).Styles
	v := ansi.Strip(p.view(st, 80, 12, false))
	for _, w := range []string{"✖ NOT RECORDED: 2 event(s) waiting, retrying every 1 s", "incident timeline x.jsonl: write failed", "(not yet recorded)"} {
		if !strings.Contains(v, w) {
			t.Errorf("view lacks %q:\n%s", w, v)
		}
	}
	if !strings.Contains(ansi.Strip(p.status(st, 0)), "✖ NOT RECORDED") {
		t.Error("status bar does not say events are not recorded")
	}
	// A second failure does not flash again; a note added meanwhile waits in order.
	p, out = step(t, p, recordEventsMsg{events: []incident.Event{{At: t0.Add(time.Second), Data: incident.Note{Text: "second"}}}})
	p, _ = step(t, p, timelineTickMsg{id: p.id, tag: p.tag})
	if len(out.flashes) != 0 {
		t.Errorf("flashed again: %v", out.flashes)
	}
	tl.mu.Lock()
	tl.fail = nil
	tl.mu.Unlock()
	p, out = step(t, p, timelineTickMsg{id: p.id, tag: p.tag})
	if got := tl.kinds(); got != "started,note,note" {
		t.Errorf("recorded %s", got)
	}
	if tl.recorded[1].Data.(incident.Note).Text != "first" || len(p.st.Pending) != 0 || p.st.WriteErr != nil {
		t.Errorf("order or state wrong: %+v pending %d err %v", tl.recorded, len(p.st.Pending), p.st.WriteErr)
	}
	if len(out.flashes) != 1 || out.flashes[0].text != "timeline: recording again" {
		t.Errorf("flashes %v", out.flashes)
	}
}

func typeText(t *testing.T, d dialog, s string) dialog {
	t.Helper()
	d, _ = d.update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)})
	return d
}

func TestTimelineNoteFlow(t *testing.T) {
	tl := &fakeTimeline{}
	c := &clock{t0.Add(3 * time.Minute)}
	p := startedPanel(t, tl, c)

	// esc cancels; an empty enter records nothing.
	for _, k := range []tea.KeyType{tea.KeyEsc, tea.KeyEnter} {
		_, out := drain(t, p, p.noteCmd())
		d := out.dialogs[0]
		d, cmd := d.update(tea.KeyMsg{Type: k})
		if !d.closed() || cmd != nil {
			t.Errorf("%v: closed %v, cmd %v", k, d.closed(), cmd)
		}
	}

	_, out := drain(t, p, p.noteCmd())
	if len(out.dialogs) != 1 {
		t.Fatalf("n opened %d dialogs", len(out.dialogs))
	}
	d := typeText(t, out.dialogs[0], "odoo workers at 2.7 GB, leak suspected")
	golden(t, d.view(testDeps(nil).Styles, 76, 22))
	d, cmd := d.update(tea.KeyMsg{Type: tea.KeyEnter})
	if !d.closed() {
		t.Error("dialog still open after enter")
	}
	p, _ = drain(t, p, cmd)
	if got := tl.kinds(); got != "started,note" {
		t.Fatalf("recorded %s", got)
	}
	n := tl.recorded[1].Data.(incident.Note)
	if n.Author != "alice" || n.Text != "odoo workers at 2.7 GB, leak suspected" || !tl.recorded[1].At.Equal(c.t) {
		t.Errorf("note %+v at %s", n, tl.recorded[1].At)
	}
	if s := tl.recorded[0].Data.(incident.Started); s.Reason != "opened by hand: note" || s.Host != "odoo-prod-1" {
		t.Errorf("started %+v", s)
	}
	v := ansi.Strip(p.view(testDeps(nil).Styles, 80, 10, true))
	if !strings.Contains(v, "13:03:00 ✎ note (alice): odoo workers at 2.7 GB, leak suspected") {
		t.Errorf("note not on the timeline:\n%s", v)
	}
}

func TestTimelineReportFields(t *testing.T) {
	tl := &fakeTimeline{}
	c := &clock{t0}
	p := startedPanel(t, tl, c)
	p, out := step(t, p, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("f")})
	if len(out.dialogs) != 1 {
		t.Fatal("f did not open the report form")
	}
	d := out.dialogs[0]
	d = typeText(t, d, "leak in sale_report | after deploy 4.2")
	d, _ = d.update(tea.KeyMsg{Type: tea.KeyTab})
	d, _ = d.update(tea.KeyMsg{Type: tea.KeyTab})
	d, _ = d.update(tea.KeyMsg{Type: tea.KeyTab})
	d = typeText(t, d, "fix the leak")
	d, _ = d.update(tea.KeyMsg{Type: tea.KeyEnter})
	d = typeText(t, d, "add pgbouncer")
	golden(t, d.view(testDeps(nil).Styles, 76, 22))
	d, cmd := d.update(tea.KeyMsg{Type: tea.KeyCtrlS})
	if !d.closed() {
		t.Fatal("still open after ctrl+s")
	}
	p, _ = drain(t, p, cmd)
	var got []string
	for _, ev := range tl.recorded {
		if f, ok := ev.Data.(incident.ReportField); ok {
			got = append(got, f.Field+"="+f.Value+" by "+f.Author)
		}
	}
	want := []string{"root_cause=leak in sale_report | after deploy 4.2 by alice", "action_items=fix the leak\nadd pgbouncer by alice"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	// Reopened, the form holds what was recorded; saving unchanged records nothing.
	_, out = step(t, p, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("f")})
	rd := out.dialogs[0].(*reportDialog)
	if v := rd.fields[0].area.Value(); v != "leak in sale_report | after deploy 4.2" {
		t.Errorf("root cause prefilled as %q", v)
	}
	before := tl.kinds()
	_, cmd = rd.update(tea.KeyMsg{Type: tea.KeyCtrlS})
	p, out = drain(t, p, cmd)
	if tl.kinds() != before || len(out.flashes) != 1 || out.flashes[0].text != "report fields unchanged" {
		t.Errorf("unchanged save recorded %s, flashed %v", tl.kinds(), out.flashes)
	}
}

func TestTimelineEndByHand(t *testing.T) {
	tl := &fakeTimeline{}
	c := &clock{t0}
	p := startedPanel(t, tl, c)
	_, out := step(t, p, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x")})
	if len(out.flashes) != 1 || out.flashes[0].text != "no incident open" || len(out.dialogs) != 0 {
		t.Fatalf("x with no incident: %+v", out)
	}
	p, _ = step(t, p, recordEventsMsg{events: []incident.Event{{At: t0, Data: incident.Note{Text: "x"}}}})
	for _, k := range []string{"n", "y"} {
		var d dialog
		p, out = step(t, p, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x")})
		d = out.dialogs[0]
		if k == "y" {
			golden(t, d.view(testDeps(nil).Styles, 76, 22))
		}
		c.t = t0.Add(20 * time.Minute)
		d, cmd := d.update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
		if !d.closed() {
			t.Fatalf("%s: still open", k)
		}
		p, _ = drain(t, p, cmd)
	}
	if got := tl.kinds(); got != "started,note,ended" {
		t.Fatalf("recorded %s", got)
	}
	if e := tl.recorded[2]; e.Data.(incident.Ended).Reason != "ended by alice" || !e.At.Equal(t0.Add(20*time.Minute)) {
		t.Errorf("ended %+v", e)
	}
	if p.st.Summary.Active() {
		t.Error("still active")
	}
}

func TestTimelineExport(t *testing.T) {
	tl := &fakeTimeline{}
	c := &clock{t0.Add(40 * time.Minute)}
	p := startedPanel(t, tl, c)
	_, out := drain(t, p, p.exportCmd())
	if len(out.flashes) != 1 || out.flashes[0].level != flashErr || !strings.Contains(out.flashes[0].text, "nothing to export") {
		t.Errorf("export with no incident: %v", out.flashes)
	}
	p, _ = step(t, p, recordEventsMsg{events: []incident.Event{{At: t0, Data: incident.Note{Text: "x"}}}})
	tl.exportTo = "/root/.local/state/memtui/incidents/odoo-prod-1-20261128T130000Z.md"
	p, out = drain(t, p, p.exportCmd())
	if len(out.flashes) != 1 || out.flashes[0].text != "report written to "+tl.exportTo {
		t.Errorf("flashes %v", out.flashes)
	}
	if !tl.exportAt.Equal(c.t) {
		t.Errorf("exported as of %s, want the clock's %s", tl.exportAt, c.t)
	}
	if got := tl.kinds(); got != "started,note,report_exported" {
		t.Errorf("recorded %s", got)
	}
}

// TestTimelineObserver: with another memtui holding the writer lock, this
// one records none of its detector's events and shows the other's; once
// the lock is free (the writer died) it takes over, recording what the
// writer missed.
func TestTimelineObserver(t *testing.T) {
	other := func(at time.Time, p incident.Payload) incident.Event {
		return incident.Event{At: at, Writer: "0-driver", Data: p}
	}
	tl := &fakeTimeline{resume: &incident.Log{Events: []incident.Event{
		other(t0, incident.Started{Host: "odoo-prod-1", Levels: incident.DefaultLevels, Reason: "memory 90.0% held at high"}),
		other(t0, incident.SeverityChanged{From: incident.LevelNormal, To: incident.LevelHigh, UsedPct: 90}),
		other(t0.Add(5*time.Second), incident.MemSample{UsedPct: 91}),
	}}, otherWriter: true}
	c := &clock{t0.Add(10 * time.Second)}
	p := startedPanel(t, tl, c)
	if p.st.Writer {
		t.Fatal("records while another process drives the incident")
	}
	for s := 10; s < 25; s++ {
		at := t0.Add(time.Duration(s) * time.Second)
		c.t = at
		kills := uint64(1)
		if s >= 22 {
			kills = 2 // after the driver's last event below: it never records it
		}
		p, _ = step(t, p, memSampledMsg{at: at, mem: withOOM(memAt(at, 97, 30, 0), kills)})
	}
	if tl.kinds() != "" {
		t.Errorf("observer recorded %s", tl.kinds())
	}
	tl.others = []incident.Event{other(t0.Add(20*time.Second), incident.SeverityChanged{From: incident.LevelHigh, To: incident.LevelCritical, UsedPct: 97})}
	p, _ = step(t, p, timelineTickMsg{id: p.id, tag: p.tag})
	if last := p.st.Events[len(p.st.Events)-1]; last.Kind() != incident.KindSeverityChanged || last.Writer != "0-driver" {
		t.Errorf("followed event not shown: %+v", last)
	}
	golden(t, p.view(testDeps(nil).Styles, 80, 10, false))
	// The driver dies: its lock is released and this process records.
	tl.mu.Lock()
	tl.otherWriter = false
	tl.mu.Unlock()
	c.t = t0.Add(50 * time.Second)
	p, _ = step(t, p, timelineTickMsg{id: p.id, tag: p.tag})
	if !p.st.Writer {
		t.Error("no takeover after the driver went silent")
	}
	// The takeover records what the driver missed, newer than its last
	// event, then goes on recording.
	if got := tl.kinds(); got != "oom_kill,escalation" {
		t.Errorf("takeover recorded %s", got)
	}
	for _, ev := range tl.recorded {
		if !ev.At.After(t0.Add(20 * time.Second)) {
			t.Errorf("takeover re-recorded %s at %s, covered by the driver", ev.Kind(), ev.At.Sub(t0))
		}
	}
	p, _ = step(t, p, memSampledMsg{at: c.t, mem: withOOM(memAt(c.t, 97, 30, 0), 2)})
	if n := len(tl.recorded); n != 3 {
		t.Errorf("%d events recorded after the takeover, want the gap and one sample", n)
	}
}

// TestTimelinePanelGolden draws the panel at the sizes the layout gives it
// at 80×24 (a tab under memory) and 200×60 (a grid cell).
func TestTimelinePanelGolden(t *testing.T) {
	busyOn := func(t *testing.T, tl *fakeTimeline) timelinePanel {
		c := &clock{t0}
		p := startedPanel(t, tl, c)
		for s := 0; s < 90; s++ {
			at := t0.Add(time.Duration(s) * time.Second)
			c.t = at
			pct := 84 + float64(s)/8
			kills := uint64(1)
			if s >= 70 {
				kills = 2
			}
			p, _ = step(t, p, memSampledMsg{at: at, mem: withOOM(memAt(at, pct, 30+float64(s)/3, 0), kills)})
		}
		c.t = t0.Add(2 * time.Minute)
		p, _ = step(t, p, recordEventsMsg{events: []incident.Event{
			{At: c.t, Data: incident.Note{Author: "alice", Text: "paged Bob; odoo workers at 2.7 GB"}},
			{At: c.t, Data: incident.ActionStarted{Run: "r1", Action: "restart-odoo", Who: incident.Who{User: "root", SudoUser: "alice"}, Commands: [][]string{{"systemctl", "restart", "odoo"}}, Confirmation: "y"}},
		}})
		exit := 0
		p, _ = step(t, p, recordEventsMsg{events: []incident.Event{
			{At: c.t.Add(4 * time.Second), Data: incident.ActionFinished{Run: "r1", Action: "restart-odoo", Exit: &exit, Duration: incident.Duration(4200 * time.Millisecond)}},
		}})
		return p
	}
	busy := func(t *testing.T) timelinePanel { return busyOn(t, &fakeTimeline{}) }
	states := map[string]func(t *testing.T) timelinePanel{
		"no_incident": func(t *testing.T) timelinePanel { return startedPanel(t, &fakeTimeline{}, &clock{t0}) },
		"no_timeline": func(t *testing.T) timelinePanel {
			d := testDeps(nil)
			return newTimelinePanel(d.withDefaults())
		},
		"busy": busy,
		"write_failing": func(t *testing.T) timelinePanel {
			tl := &fakeTimeline{}
			p := busyOn(t, tl)
			tl.fail = errors.New("incident timeline: write failed, nothing recorded: no space left on device")
			p, _ = step(t, p, recordEventsMsg{events: []incident.Event{{At: t0.Add(3 * time.Minute), Data: incident.Note{Author: "alice", Text: "free memory back at 71%"}}}})
			return p
		},
	}
	for name, build := range states {
		for _, sz := range [][2]int{{80, 24}, {200, 60}} {
			t.Run(fmt.Sprintf("%s_%dx%d", name, sz[0], sz[1]), func(t *testing.T) {
				p := build(t)
				r := layout(sz[0], sz[1], pTimeline).rects[pTimeline]
				v := p.view(testDeps(nil).Styles, r.w, r.h, true)
				checkBlock(t, v, r.w, r.h)
				golden(t, v)
			})
		}
	}
}

// TestEventGlyphsNarrow: every glyph is one cell, so columns line up.
func TestEventGlyphsNarrow(t *testing.T) {
	st := testDeps(nil).Styles
	exit := 1
	for _, p := range []incident.Payload{incident.Started{}, incident.Ended{}, incident.SeverityChanged{To: incident.LevelCritical},
		incident.SwapGrowth{Growing: true}, incident.SwapGrowth{}, incident.OOMKill{}, incident.PGSaturation{}, incident.ServiceRestarted{},
		incident.Escalation{}, incident.ActionStarted{}, incident.ActionFinished{Exit: &exit}, incident.ActionFinished{}, incident.ActionRechecked{},
		incident.Note{}, incident.ReportField{}, incident.ReportExported{}} {
		g, _ := eventGlyph(st, incident.Event{Data: p})
		if w := ansi.StringWidth(g); w != 1 {
			t.Errorf("%s glyph %q is %d cells", p.Kind(), g, w)
		}
	}
}

// syncBuffer is the program's output, read while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) contains(sub string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Contains(s.b.Bytes(), []byte(sub))
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTimelineFlowRealProgram runs the whole dashboard as a real Bubble Tea
// program with a real journal in a temp directory: n, a note, enter; the
// note reaches the file; e writes the report next to it; the final screen
// shows both. (teatest cannot be used here: its golden package registers an
// -update flag that clashes with this package's.)
func TestTimelineFlowRealProgram(t *testing.T) {
	// A fixed directory, so the paths on screen are the same every run.
	dir := "/tmp/memtui-timeline-flow-test"
	os.RemoveAll(dir)
	t.Cleanup(func() { os.RemoveAll(dir) })
	j := store.NewJournal(dir, "", "odoo-prod-1")
	defer j.Close()
	d := testDeps(&fakeMemory{readings: risingSeries()[:1]})
	d.Incident, d.Author = testSession(j, d.withDefaults().Now), "alice"
	// One reading only: the figures on screen do not depend on timing.
	d.Interval = time.Hour
	out := &syncBuffer{}
	prog := tea.NewProgram(New(d), tea.WithInput(nil), tea.WithOutput(out), tea.WithoutSignals())
	final := make(chan tea.Model, 1)
	go func() {
		m, err := prog.Run()
		if err != nil {
			t.Error(err)
		}
		final <- m
	}()
	prog.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	prog.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("n")})
	waitFor(t, "the note dialog", func() bool { return out.contains("Add a note") })
	prog.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("leak in module X")})
	prog.Send(tea.KeyMsg{Type: tea.KeyEnter})
	var l *incident.Log
	waitFor(t, "the note in the timeline file", func() bool {
		p := j.Path()
		if p == "" {
			return false
		}
		got, err := store.Load(p)
		l = got
		return err == nil && len(got.Events) >= 2
	})
	if n, ok := l.Events[1].Data.(incident.Note); !ok || n.Text != "leak in module X" || n.Author != "alice" {
		t.Fatalf("file holds %+v", l.Events)
	}
	for range 4 {
		prog.Send(tea.KeyMsg{Type: tea.KeyTab})
	}
	prog.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("e")})
	waitFor(t, "the export", func() bool { return out.contains("report written to") })
	md, err := os.ReadFile(store.ReportPath(j.Path()))
	if err != nil || !bytes.Contains(md, []byte("note (alice): leak in module X")) {
		t.Fatalf("report: %v\n%s", err, md)
	}
	// The export's own event is recorded after the flash: wait for it.
	waitFor(t, "the export event in the file", func() bool {
		got, err := store.Load(j.Path())
		return err == nil && got.Events[len(got.Events)-1].Kind() == incident.KindReportExported
	})
	time.Sleep(50 * time.Millisecond) // let the recorded message reach the model
	prog.Quit()
	m := <-final
	golden(t, m.View())
}

// TestTimelineKillsBeforeStart: the kills the OOM panel finds in the
// kernel log at start, six of the last hour, open an incident that the
// panel and the top bar show (they left the header NORMAL and the
// timeline "no incident open").
func TestTimelineKillsBeforeStart(t *testing.T) {
	tl := &fakeTimeline{}
	c := &clock{t0}
	p := startedPanel(t, tl, c)
	var kills []probes.OOMKill
	for i := range 7 {
		at := t0.Add(-time.Duration(5+10*i) * time.Minute) // the seventh is 65 minutes old
		ks := float64(10000 + i)
		kills = append(kills, probes.OOMKill{PID: 4000 + i, Comm: "odoo-bin", Time: &at, KernelTimeS: &ks})
	}
	p, _ = step(t, p, oomLoadedMsg{id: 99, kills: kills})
	if got := tl.kinds(); got != "started,oom_kill,oom_kill,oom_kill,oom_kill,oom_kill,oom_kill" {
		t.Errorf("recorded %s", got)
	}
	v := ansi.Strip(p.view(testDeps(nil).Styles, 80, 14, false))
	for _, want := range []string{"▶ INCIDENT 55 min", "incident started: opened because 6 OOM kill(s) in the last hour", "criteria 1/5 met", "✘ no OOM", "12:55:00 ✗ OOM kill: pid 4000"} {
		if !strings.Contains(v, want) {
			t.Errorf("panel lacks %q:\n%s", want, v)
		}
	}
	if st := ansi.Strip(p.status(testDeps(nil).Styles, 0)); !strings.Contains(st, "criteria 1/5") {
		t.Errorf("top bar segment %q lacks the criteria", st)
	}
	// The next reading pages on-call; the tightest top bar segment still
	// says so, and the criteria, in words.
	p, _ = step(t, p, memSampledMsg{at: t0, mem: memAt(t0, 40, 0, 0)})
	if st := ansi.Strip(p.status(testDeps(nil).Styles, 2)); !strings.Contains(st, "⚑ page ") || !strings.HasSuffix(st, "/5 met") {
		t.Errorf("tightest top bar segment %q", st)
	}
}

// TestTimelineEnterOpensTheEvent: the newest event is marked ▸, ↑ moves
// the mark back, and enter shows the marked event with every field it was
// recorded with.
func TestTimelineEnterOpensTheEvent(t *testing.T) {
	tl := &fakeTimeline{resume: &incident.Log{Events: []incident.Event{
		{At: t0, Data: incident.Started{Host: "odoo-prod-1", Levels: incident.DefaultLevels, Reason: "memory 90.0% held at high"}},
		{At: t0.Add(time.Second), Data: incident.Note{Author: "alice", Text: "restarting odoo workers; password=hunter2 is the old one"}},
		{At: t0.Add(2 * time.Second), Data: incident.SeverityChanged{From: incident.LevelNormal, To: incident.LevelHigh, UsedPct: 90}},
	}}}
	p := startedPanel(t, tl, &clock{t0.Add(10 * time.Second)})
	v := ansi.Strip(p.view(testDeps(nil).Styles, 100, 16, true))
	if !strings.Contains(v, "▸"+t0.Add(2*time.Second).In(p.loc).Format("15:04:05")) {
		t.Fatalf("the newest event is not marked:\n%s", v)
	}
	p.update(tea.KeyMsg{Type: tea.KeyUp})
	cmd := p.update(tea.KeyMsg{Type: tea.KeyEnter})
	if cmd == nil {
		t.Fatal("enter opened nothing")
	}
	d := cmd().(openDialogMsg).d
	v = ansi.Strip(d.view(testDeps(nil).Styles, 100, 30))
	for _, want := range []string{"Timeline event", "note (recorded)", `"author": "alice"`, "restarting odoo workers"} {
		if !strings.Contains(v, want) {
			t.Errorf("the event's detail lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "hunter2") {
		t.Errorf("a secret in the detail:\n%s", v)
	}
}
