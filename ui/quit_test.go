package ui

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/actions/timeline"
	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/probes"
)

// quitRun is a run handle that, like *run.Run, says why it was
// cancelled.
type quitRun struct {
	*fakeRun
	mu  sync.Mutex
	why string
}

func (q *quitRun) CancelBecause(why string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.why == "" {
		q.why = why
	}
}

func (q *quitRun) reason() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.why
}

// endCancelled finishes the run the way the runner ends a run cancelled
// with the reason it was given.
func (q *quitRun) endCancelled() {
	q.finish(actions.Result{RunID: q.info.RunID, ActionID: q.info.ActionID, Kind: actions.KindCommands,
		Status: actions.StatusCancelled, Message: q.reason() + "; stopped it (process group killed)",
		Finished: t0.Add(10*time.Minute + 3*time.Second), Duration: 3 * time.Second})
}

func newQuitRun(action string) *quitRun {
	return &quitRun{fakeRun: &fakeRun{done: make(chan struct{}), info: actions.Started{
		RunID: action + "#1", ActionID: action, At: t0.Add(10 * time.Minute), Commands: [][]string{{"systemctl", "restart", "odoo"}}}}}
}

// quitModel is the dashboard at 120×40 with one run of restart-odoo going
// (token 7).
func quitModel(t *testing.T) (Model, *quitRun, *fakeActions, *fakeTimeline) {
	t.Helper()
	d, svc, tl := palDeps(false)
	m := New(d)
	run := newQuitRun("restart-odoo")
	m = feed(m, tea.WindowSizeMsg{Width: 120, Height: 40},
		actionStartingMsg{token: 7, action: "restart-odoo"},
		actionStartedMsg{token: 7, run: run, info: run.info})
	if len(m.runs) != 1 || m.runs[0].run == nil {
		t.Fatalf("runs tracked: %+v", m.runs)
	}
	return m, run, svc, tl
}

// quitDrive runs cmd as the program would (batches, sequences), feeding
// what it yields back into the model, and reports whether the program was
// told to quit. Cmds that wait (ticks, the flash timer) are dropped.
func quitDrive(t *testing.T, m Model, cmd tea.Cmd) (Model, bool) {
	t.Helper()
	if cmd == nil {
		return m, false
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(50 * time.Millisecond):
		return m, false
	}
	if cmds, ok := palCmds(msg); ok {
		quit := false
		for _, c := range cmds {
			var q bool
			m, q = quitDrive(t, m, c)
			quit = quit || q
		}
		return m, quit
	}
	switch msg.(type) {
	case nil:
		return m, false
	case tea.QuitMsg:
		return m, true
	}
	next, c := m.Update(msg)
	return quitDrive(t, next.(Model), c)
}

func quitPress(t *testing.T, m Model, k string) (Model, bool) {
	t.Helper()
	msg := palKey(k)
	if k == "ctrl+c" {
		msg = tea.KeyMsg{Type: tea.KeyCtrlC}
	}
	next, cmd := m.Update(msg)
	return quitDrive(t, next.(Model), cmd)
}

func TestQuitWithNothingRunning(t *testing.T) {
	d, _, _ := palDeps(false)
	m := feed(New(d), tea.WindowSizeMsg{Width: 120, Height: 40})
	for _, k := range []string{"q", "ctrl+c"} {
		if _, quit := quitPress(t, m, k); !quit {
			t.Errorf("%s with nothing running did not quit", k)
		}
	}
	// A run that ended is no longer in the way.
	m = feed(m, actionStartingMsg{token: 3, action: "clear-redis"}, actionFinishedMsg{token: 3})
	if _, quit := quitPress(t, m, "q"); !quit {
		t.Error("q after the run ended did not quit")
	}
}

// TestQuitAsksThenCancelsAndRecords: q while an action runs asks first; esc
// keeps it running; q again cancels it "on quit" and the program quits only
// once the end of the run is on the timeline.
func TestQuitAsksThenCancelsAndRecords(t *testing.T) {
	m, run, svc, tl := quitModel(t)
	m, quit := quitPress(t, m, "q")
	if quit {
		t.Fatal("q quit with an action running")
	}
	if _, ok := m.dlg.(*quitDialog); !ok {
		t.Fatalf("q opened %T, want the quit confirmation", m.dlg)
	}
	v := palScreen(m)
	for _, want := range []string{"Quit memtui?", "1 action(s) still running", "» restart-odoo — running for 0 s",
		"Quitting CANCELS it", `"cancelled on quit"`, "q/y quit and cancel · esc stays (it keeps running)"} {
		if !strings.Contains(v, want) {
			t.Errorf("confirmation lacks %q:\n%s", want, v)
		}
	}
	m, _ = quitPress(t, m, "esc")
	if m.dlg != nil || m.quitting || run.reason() != "" || run.cancelled {
		t.Fatalf("esc: dialog %T, quitting %v, cancel %q/%v", m.dlg, m.quitting, run.reason(), run.cancelled)
	}

	m, _ = quitPress(t, m, "q")
	m, quit = quitPress(t, m, "q")
	if quit {
		t.Fatal("quit before the cancelled run was recorded")
	}
	if !m.quitting || run.reason() != "cancelled on quit" {
		t.Fatalf("quitting %v, cancel reason %q", m.quitting, run.reason())
	}
	if !m.flashOn || !strings.Contains(m.flash.text, "quitting: cancelling restart-odoo") {
		t.Errorf("flash %+v", m.flash)
	}
	// Nothing new starts meanwhile.
	if m, _ = quitPress(t, m, ":"); m.dlg != nil {
		t.Errorf("a key opened %T while quitting", m.dlg)
	}

	// The run ends as cancelled; its wait Cmd has the end recorded, and
	// the program quits once that record is written.
	run.endCancelled()
	m, quit = quitDrive(t, m, waitActionCmd(svc, m.d.Incident, run, 7, m.d.Thresholds, m.d.Author))
	if !quit {
		t.Fatalf("did not quit after the record (runs %d, timeline settled %v)", len(m.runs), m.timeline.settled())
	}
	var ended []string
	for _, ev := range tl.recorded {
		if f, ok := ev.Data.(incident.ActionFinished); ok {
			ended = append(ended, f.Action+": "+f.Error)
		}
	}
	if want := "restart-odoo: cancelled: cancelled on quit; stopped it (process group killed)"; len(ended) != 1 || ended[0] != want {
		t.Errorf("recorded ends %q, want [%q]", ended, want)
	}
}

// TestCtrlCCancelsAndQuitsWithinASecond: ctrl+c still quits without a
// question: it cancels the run, waits at most ctrlCGrace for the record,
// and a second ctrl+c does not wait at all.
func TestCtrlCCancelsAndQuitsWithinASecond(t *testing.T) {
	m, run, _, _ := quitModel(t)
	next, cmd := m.Update(tea.KeyMsg{Type: tea.KeyCtrlC})
	m = next.(Model)
	if !m.quitting || m.dlg != nil {
		t.Fatalf("ctrl+c: quitting %v, dialog %T", m.quitting, m.dlg)
	}
	start := time.Now()
	var deadline tea.Msg
	for _, c := range cmdsOf(t, cmd) {
		ch := make(chan tea.Msg, 1)
		go func() { ch <- c() }()
		select {
		case msg := <-ch:
			if _, ok := msg.(quitDeadlineMsg); ok {
				deadline = msg
			}
		case <-time.After(2 * time.Second):
		}
	}
	if run.reason() != "cancelled on quit" {
		t.Errorf("ctrl+c cancel reason %q", run.reason())
	}
	if deadline == nil {
		t.Fatal("no quit deadline within 2 s")
	}
	if d := time.Since(start); d < 900*time.Millisecond || d > 1500*time.Millisecond {
		t.Errorf("deadline after %v, want about %v", d, ctrlCGrace)
	}
	// The run never ends (a wedged command): the deadline quits anyway.
	if _, c := m.Update(deadline); c == nil {
		t.Error("deadline did nothing")
	} else if _, ok := c().(tea.QuitMsg); !ok {
		t.Error("deadline did not quit")
	}
	// A second ctrl+c does not wait.
	if _, quit := quitPress(t, m, "ctrl+c"); !quit {
		t.Error("second ctrl+c did not quit at once")
	}
}

// TestQuitWhileStartingCancelsOnStart: a run confirmed but not started yet
// (its memory reading) is cancelled as soon as it starts.
func TestQuitWhileStartingCancelsOnStart(t *testing.T) {
	d, _, _ := palDeps(false)
	m := feed(New(d), tea.WindowSizeMsg{Width: 120, Height: 40}, actionStartingMsg{token: 9, action: "drop-caches"})
	m, _ = quitPress(t, m, "q")
	if dlg, ok := m.dlg.(*quitDialog); !ok || !strings.Contains(palScreen(m), "» drop-caches — starting") {
		t.Fatalf("dialog %T:\n%s", dlg, palScreen(m))
	}
	m, quit := quitPress(t, m, "y")
	if quit || !m.quitting {
		t.Fatalf("quit %v, quitting %v: the starting run would be left behind", quit, m.quitting)
	}
	run := newQuitRun("drop-caches")
	next, cmd := m.Update(actionStartedMsg{token: 9, run: run, info: run.info})
	m, _ = quitDrive(t, next.(Model), cmd)
	if run.reason() != "cancelled on quit" {
		t.Errorf("run that started while quitting: cancel reason %q", run.reason())
	}
}

// cmdsOf flattens a batch into its Cmds.
func cmdsOf(t *testing.T, cmd tea.Cmd) []tea.Cmd {
	t.Helper()
	if cmd == nil {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	select {
	case msg := <-ch:
		if cmds, ok := palCmds(msg); ok {
			return cmds
		}
		return []tea.Cmd{func() tea.Msg { return msg }}
	case <-time.After(50 * time.Millisecond):
		return []tea.Cmd{cmd}
	}
}

// TestQuitWaitsForTheTimelineWrite: the run's end reaching the root is not
// enough; its record must be on disk before the program quits.
func TestQuitWaitsForTheTimelineWrite(t *testing.T) {
	m, run, _, _ := quitModel(t)
	m = feed(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m, _ = quitPress(t, m, "q")
	v := palScreen(m)
	for _, want := range []string{"restart-odoo — running for", "q/y quit and cancel"} {
		if !strings.Contains(v, want) {
			t.Errorf("80×24 confirmation lacks %q:\n%s", want, v)
		}
	}
	m, _ = quitPress(t, m, "y")
	run.endCancelled()
	// The end record is sent but its write has not answered (feed drops
	// the write Cmd), then the run's end reaches the root.
	m = feed(m, recordEventsMsg{events: []incident.Event{timeline.Finished(run.Wait())}})
	next, cmd := m.Update(actionFinishedMsg{token: 7, res: run.Wait()})
	m = next.(Model)
	if len(m.runs) != 0 {
		t.Fatalf("run still tracked: %+v", m.runs)
	}
	if cmd != nil {
		if _, ok := cmd().(tea.QuitMsg); ok {
			t.Fatal("quit before the end of the run was written")
		}
	}
	if m.quitReady() {
		t.Error("ready to quit with the timeline write in flight")
	}
}

// TestSignalHeadlessRule: SIGHUP and SIGTERM neither cancel nor abandon a
// running action — the program stays until its end is recorded, with a note
// saying the screen went away; a second SIGTERM cancels it; SIGINT cancels
// it as ctrl+c does; with nothing running every signal quits at once.
func TestSignalHeadlessRule(t *testing.T) {
	for _, sig := range []Signal{SignalHangup, SignalTerminate, SignalInterrupt} {
		d, _, _ := palDeps(false)
		m := feed(New(d), tea.WindowSizeMsg{Width: 120, Height: 40})
		if _, quit := quitDrive(t, m, msgCmd(signalledMsg{sig: sig})); !quit {
			t.Errorf("%s with nothing running did not quit", sig)
		}
	}

	for _, sig := range []Signal{SignalHangup, SignalTerminate} {
		t.Run(sig.String(), func(t *testing.T) {
			m, run, svc, tl := quitModel(t)
			m, quit := quitDrive(t, m, msgCmd(signalledMsg{sig: sig}))
			if quit || !m.quitting || !m.headless || run.cancelled || run.reason() != "" {
				t.Fatalf("quit %v, quitting %v, headless %v, cancelled %v %q", quit, m.quitting, m.headless, run.cancelled, run.reason())
			}
			// The shell and the terminal may both send SIGHUP.
			if sig == SignalHangup {
				if m, quit = quitDrive(t, m, msgCmd(signalledMsg{sig: sig})); quit || run.cancelled || run.reason() != "" {
					t.Fatal("a second SIGHUP cancelled or quit")
				}
			}
			// The run ends on its own; the program quits once that is on
			// the timeline.
			run.finish(actions.Result{RunID: run.info.RunID, ActionID: "restart-odoo", Kind: actions.KindCommands,
				Status: actions.StatusOK, Finished: t0.Add(11 * time.Minute)})
			m, quit = quitDrive(t, m, waitActionCmd(svc, m.d.Incident, run, 7, m.d.Thresholds, m.d.Author))
			if !quit {
				t.Fatalf("did not quit after the run's end was recorded (runs %d)", len(m.runs))
			}
			var note, ended bool
			for _, ev := range tl.recorded {
				switch v := ev.Data.(type) {
				case incident.Note:
					note = note || strings.HasPrefix(v.Text, sig.String()+": the screen went away while restart-odoo ran")
				case incident.ActionFinished:
					ended = ended || (v.Action == "restart-odoo" && v.Error == "")
				}
			}
			if !note || !ended {
				t.Errorf("recorded note %v, ok end %v: %+v", note, ended, tl.recorded)
			}
		})
	}

	t.Run("second SIGTERM cancels", func(t *testing.T) {
		m, run, _, _ := quitModel(t)
		m, _ = quitDrive(t, m, msgCmd(signalledMsg{sig: SignalTerminate}))
		quitDrive(t, m, msgCmd(signalledMsg{sig: SignalTerminate}))
		if run.reason() != quitCancelledWhy {
			t.Errorf("cancel reason %q", run.reason())
		}
	})
	t.Run("SIGINT cancels", func(t *testing.T) {
		m, run, _, _ := quitModel(t)
		quitDrive(t, m, msgCmd(signalledMsg{sig: SignalInterrupt}))
		if run.reason() != quitCancelledWhy {
			t.Errorf("cancel reason %q", run.reason())
		}
	})
}

// TestTopBarSaysMemoryUnreadable: with meminfo unreadable the top bar
// says so instead of "reading…" forever.
func TestTopBarSaysMemoryUnreadable(t *testing.T) {
	d, _, _ := palDeps(false)
	m := feed(New(d), tea.WindowSizeMsg{Width: 120, Height: 40})
	if bar := m.topBar(); !strings.Contains(bar, "reading…") {
		t.Fatalf("before any reading: %q", bar)
	}
	m = feed(m, memSampledMsg{at: t0, mem: probes.Memory{Time: t0, MeminfoErr: errors.New("/proc/meminfo: permission denied")}})
	if bar := m.topBar(); strings.Contains(bar, "reading…") || !strings.Contains(bar, "memory unreadable") {
		t.Errorf("after a failed reading: %q", bar)
	}
}

// TestQuitAsksBeforeLosingUnrecordedEvents: q while the timeline cannot
// write (NOT RECORDED on screen) asks first and says what would be lost —
// the note by its text, the rest counted, and why; esc stays; q then y
// quits. Events only in flight are waited for, not asked about.
func TestQuitAsksBeforeLosingUnrecordedEvents(t *testing.T) {
	d, _, _ := palDeps(false)
	m := feed(New(d), tea.WindowSizeMsg{Width: 120, Height: 40})
	m.timeline.st.Pending = []incident.Event{
		{At: t0.Add(time.Minute), Data: incident.MemSample{UsedPct: 91}},
		{At: t0.Add(2 * time.Minute), Data: incident.Note{Author: "alice", Text: "restarted odoo workers by hand"}},
		{At: t0.Add(3 * time.Minute), Data: incident.MemSample{UsedPct: 92}},
	}
	m.timeline.st.WriteErr = errors.New("open /mnt/incident.jsonl: read-only file system")
	m, quit := quitPress(t, m, "q")
	if quit {
		t.Fatal("q quit at once with 3 events not recorded")
	}
	v := palScreen(m)
	for _, want := range []string{"3 event(s) NOT RECORDED: quitting loses them", "restarted odoo workers by hand", "and 2 more", "read-only file system", "q/y quit and lose them"} {
		if !strings.Contains(v, want) {
			t.Errorf("the confirmation lacks %q:\n%s", want, v)
		}
	}
	if m, quit = quitPress(t, m, "esc"); quit || m.dlg != nil {
		t.Fatalf("esc: quit %v, dialog %v", quit, m.dlg)
	}
	m, _ = quitPress(t, m, "q")
	if _, quit = quitPress(t, m, "y"); !quit {
		t.Error("q then y did not quit")
	}

	// From a host the fleet opened, q goes back to the fleet: the dialog
	// says so rather than "Quit memtui?".
	d.LeaveTo = "the fleet"
	m = feed(New(d), tea.WindowSizeMsg{Width: 120, Height: 40})
	m.timeline.st.Pending = []incident.Event{{At: t0, Data: incident.Note{Text: "seen from the fleet"}}}
	m.timeline.st.WriteErr = errors.New("open /mnt/fleet.jsonl: read-only file system")
	m, _ = quitPress(t, m, "q")
	v = palScreen(m)
	for _, want := range []string{"Back to the fleet?", "NOT RECORDED: going back loses them", "q/y go back and lose them"} {
		if !strings.Contains(v, want) {
			t.Errorf("the drill-in's confirmation lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "Quit memtui?") || strings.Contains(v, "quitting") {
		t.Errorf("the drill-in's confirmation speaks of quitting memtui:\n%s", v)
	}
	d.LeaveTo = ""

	// In flight, no error: no question, the write is waited for.
	m = feed(New(d), tea.WindowSizeMsg{Width: 120, Height: 40})
	m.timeline.st.Pending = []incident.Event{{At: t0, Data: incident.Note{Text: "being written"}}}
	m, _ = quitPress(t, m, "q")
	if m.dlg != nil || !m.quitting {
		t.Errorf("a write in flight: dialog %v, quitting %v (want no dialog, waiting)", m.dlg, m.quitting)
	}
}
