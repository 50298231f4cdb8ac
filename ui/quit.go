package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/internal/redact"
	"github.com/memtui/memtui/internal/units"
)

// Quitting while an action runs. A run's commands live in their own
// process group, which outlives memtui, and its end is recorded by a Cmd
// that dies with it; so quitting must stop the run and wait for that record,
// or the timeline shows an action that never ended and the machine keeps
// running something nobody watches.
const (
	// quitCancelledWhy is what the run's end record says.
	quitCancelledWhy = "cancelled on quit"
	// quitGrace bounds the wait for the cancelled runs' records after q was
	// confirmed: killing the group, the memory reading after (at most 3 s)
	// and an fsync.
	quitGrace = 5 * time.Second
	// ctrlCGrace bounds it after ctrl+c, which means "quit now".
	ctrlCGrace = time.Second
)

// runningAction is a run of this process between its confirmation and its
// end. run is nil while it is starting (the memory reading before it).
type runningAction struct {
	token  int
	action string
	run    actions.RunHandle
	at     time.Time
}

// reasonCanceller is a run handle that can say why it was cancelled
// (*run.Run, actions/run); others are cancelled plainly.
type reasonCanceller interface{ CancelBecause(why string) }

// cancelOnQuitCmd cancels h, saying it was cancelled on quit.
func cancelOnQuitCmd(h actions.RunHandle) tea.Cmd {
	return func() tea.Msg {
		if rc, ok := h.(reasonCanceller); ok {
			rc.CancelBecause(quitCancelledWhy)
		} else {
			h.Cancel()
		}
		return nil
	}
}

// trackRun follows this process's runs from the messages of their
// lifecycle; while quitting, a run that only now started is cancelled.
func (m *Model) trackRun(msg tea.Msg) tea.Cmd {
	find := func(token int) int {
		return slices.IndexFunc(m.runs, func(r runningAction) bool { return r.token == token })
	}
	// Copies, never in place: Bubble Tea and tests keep older models.
	switch msg := msg.(type) {
	case actionStartingMsg:
		if find(msg.token) < 0 {
			m.runs = append(slices.Clip(m.runs), runningAction{token: msg.token, action: msg.action})
		}
	case actionStartedMsg:
		r := runningAction{token: msg.token, action: msg.info.ActionID, run: msg.run, at: msg.info.At}
		if i := find(msg.token); i >= 0 {
			m.runs = slices.Clone(m.runs)
			m.runs[i] = r
		} else {
			m.runs = append(slices.Clip(m.runs), r)
		}
		if m.quitting && !m.headless {
			return cancelOnQuitCmd(msg.run)
		}
	case actionFinishedMsg:
		if i := find(msg.token); i >= 0 {
			m.runs = slices.Delete(slices.Clone(m.runs), i, i+1)
		}
	}
	return nil
}

// Signal is a signal memtui got while the dashboard runs; main.go maps
// the os signals onto it (the ui does no I/O of its own).
type Signal int

// The signals the dashboard ends on.
const (
	// SignalHangup: the terminal went away (a dropped SSH connection).
	SignalHangup Signal = iota + 1
	// SignalTerminate: kill, systemd, a shutdown.
	SignalTerminate
	// SignalInterrupt: kill -INT (ctrl+c itself arrives as a key).
	SignalInterrupt
)

// String is the signal's usual name.
func (s Signal) String() string {
	switch s {
	case SignalHangup:
		return "SIGHUP"
	case SignalTerminate:
		return "SIGTERM"
	case SignalInterrupt:
		return "SIGINT"
	}
	return "signal"
}

// waitSignalCmd delivers the next signal from ch (nil: none ever comes).
func waitSignalCmd(ch <-chan Signal) tea.Cmd {
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		sig, ok := <-ch
		if !ok {
			return nil
		}
		return signalledMsg{sig: sig}
	}
}

// headlessNote is the timeline's note when the screen goes away while
// actions run, so whoever reads it next knows why their ends were recorded
// with nobody watching.
const headlessNote = "%s: the screen went away while %s ran; memtui kept supervising without a screen until the end (at most the timeout) and then exited"

// onSignal ends the dashboard on a signal. The rule:
//
//   - SIGINT is ctrl+c: cancel the running actions, record their ends (at
//     most ctrlCGrace) and exit.
//   - SIGHUP and SIGTERM are q without anyone to ask: nothing new starts,
//     and a running action is neither killed nor abandoned. A half-done
//     restart killed by a dropped SSH connection is as bad as one left
//     unwatched, so memtui stays, without a screen, until each run ends on
//     its own or at its timeout (which the runner enforces by killing its
//     process group), records the end, and exits. A second SIGTERM
//     means "now": it cancels the runs as ctrl+c does.
//
// With nothing running, every signal exits at once.
func (m Model) onSignal(sig Signal) (tea.Model, tea.Cmd) {
	if len(m.runs) == 0 {
		return m, tea.Quit
	}
	if sig == SignalInterrupt || (m.headless && sig == SignalTerminate) || (m.quitting && !m.headless) {
		m.headless = false
		return m.quitCancelling(ctrlCGrace)
	}
	if m.headless {
		return m, nil // a second SIGHUP (shell and terminal both send one)
	}
	m.quitting, m.headless, m.dlg = true, true, nil
	var wait time.Duration
	names := make([]string, 0, len(m.runs))
	for _, r := range m.runs {
		names = append(names, r.action)
		left := actions.DefaultTimeout
		if rq, ok := r.run.(interface{ Request() actions.Request }); ok {
			left = rq.Request().Action.EffectiveTimeout() - m.d.Now().Sub(r.at)
		}
		wait = max(wait, left)
	}
	note := incident.Event{At: m.d.Now(), Data: incident.Note{Author: "memtui",
		Text: fmt.Sprintf(headlessNote, sig, strings.Join(names, ", "))}}
	return m, tea.Batch(
		msgCmd(recordEventsMsg{events: []incident.Event{note}}),
		// The runner's timeout ends every run by then; the grace covers
		// the memory reading after it and the record's fsync.
		tea.Tick(wait+quitGrace, func(time.Time) tea.Msg { return quitDeadlineMsg{} }),
	)
}

// quitKey is q: at once when nothing runs and everything is recorded;
// after the write in flight when one is; else a confirmation that says
// what quitting cancels (a run) or loses (events the timeline could not
// write).
func (m Model) quitKey() (tea.Model, tea.Cmd) {
	st := m.timeline.st
	if len(m.runs) == 0 && len(st.Pending) == 0 {
		return m, tea.Quit
	}
	if len(m.runs) == 0 && st.WriteErr == nil {
		// Being written now: quit once it is on disk (quitReady).
		m.quitting = true
		return m, tea.Tick(quitGrace, func(time.Time) tea.Msg { return quitDeadlineMsg{} })
	}
	m.dlg = newQuitDialog(m.keys, m.d.Now, m.runs, m.d.LeaveTo)
	if st.WriteErr != nil {
		m.dlg.(*quitDialog).unrecorded(st.Pending, st.WriteErr, m.d.Location)
	}
	return m, nil
}

// quitNow is ctrl+c: quit now, but cancel the runs first and give their
// records ctrlCGrace to reach the timeline; a second ctrl+c does not wait.
func (m Model) quitNow() (tea.Model, tea.Cmd) {
	if m.quitting || len(m.runs) == 0 {
		return m, tea.Quit
	}
	return m.quitCancelling(ctrlCGrace)
}

// quitCancelling cancels every run and quits once their ends are recorded
// (see quitReady), or after grace whatever happened.
func (m Model) quitCancelling(grace time.Duration) (tea.Model, tea.Cmd) {
	if len(m.runs) == 0 {
		return m, tea.Quit
	}
	m.quitting = true
	names := make([]string, 0, len(m.runs))
	cmds := []tea.Cmd{tea.Tick(grace, func(time.Time) tea.Msg { return quitDeadlineMsg{} })}
	for _, r := range m.runs {
		names = append(names, r.action)
		if r.run != nil {
			cmds = append(cmds, cancelOnQuitCmd(r.run))
		}
	}
	cmds = append(cmds, msgCmd(flashMsg{level: flashWarn, text: fmt.Sprintf(
		"quitting: cancelling %s and recording it on the timeline (at most %s) · ctrl+c quits at once",
		strings.Join(names, ", "), units.Duration(grace))}))
	return m, tea.Batch(cmds...)
}

// quitReady: every run has ended and the timeline has written what it was
// sent (their end records among it).
func (m Model) quitReady() bool {
	return len(m.runs) == 0 && m.timeline.settled()
}

// quitDialog asks before quitting cancels a running action or loses
// events the timeline could not write.
type quitDialog struct {
	keys *KeyMap
	now  func() time.Time
	runs []runningAction
	done bool
	// pending are the events not on disk, and why.
	pending  []incident.Event
	writeErr error
	loc      *time.Location
	// leaveTo is where q goes from a drill-in ("the fleet"); "" when q
	// quits memtui. The dialog names what q does.
	leaveTo string
}

// unrecorded adds what quitting would lose: evs, not written because of
// err.
func (d *quitDialog) unrecorded(evs []incident.Event, err error, loc *time.Location) {
	d.pending, d.writeErr, d.loc = slices.Clone(evs), err, loc
}

// lostLines names what quitting loses: the events a person made (notes,
// actions, report fields) one per line, the rest counted.
func (d *quitDialog) lostLines(st Styles, inner int) []string {
	if len(d.pending) == 0 {
		return nil
	}
	_, _, _, gerund := d.words()
	lines := []string{st.Crit.Render(fmt.Sprintf("✖ %d event(s) NOT RECORDED: %s loses them", len(d.pending), strings.ToLower(gerund)))}
	shown, rest := 0, 0
	for _, ev := range d.pending {
		switch ev.Data.(type) {
		case incident.Note, incident.ActionStarted, incident.ActionFinished, incident.ActionRechecked, incident.ReportField:
			if shown < 5 {
				at := ev.At
				if d.loc != nil {
					at = at.In(d.loc)
				}
				lines = append(lines, st.Text.Render(fit("  "+at.Format("15:04:05")+" "+redact.Redact(ev.Summary()), inner)))
				shown++
				continue
			}
		}
		rest++
	}
	switch {
	case rest > 0 && shown > 0:
		lines = append(lines, st.Muted.Render(fmt.Sprintf("  and %d more (memory samples, detector events)", rest)))
	case rest > 0:
		lines = append(lines, st.Muted.Render("  memory samples and detector events: no note or action among them"))
	}
	for _, l := range wrapLine("why: "+redact.Redact(d.writeErr.Error()), inner, "") {
		lines = append(lines, st.Muted.Render(l))
	}
	return append(lines, "")
}

func newQuitDialog(keys *KeyMap, now func() time.Time, runs []runningAction, leaveTo string) *quitDialog {
	return &quitDialog{keys: keys, now: now, runs: slices.Clone(runs), leaveTo: leaveTo}
}

// words are what the dialog calls q: its title, the verb for the key
// ("quit"), its third person ("quits") and its gerund ("Quitting").
func (d *quitDialog) words() (title, verb, verbs, gerund string) {
	if d.leaveTo != "" {
		return "Back to " + d.leaveTo + "?", "go back", "goes back", "Going back"
	}
	return "Quit memtui?", "quit", "quits", "Quitting"
}

func (d *quitDialog) closed() bool { return d.done }

func (d *quitDialog) update(msg tea.Msg) (dialog, tea.Cmd) {
	switch msg := msg.(type) {
	case actionFinishedMsg:
		d.runs = slices.DeleteFunc(d.runs, func(r runningAction) bool { return r.token == msg.token })
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, d.keys.QuitCancel):
			d.done = true
			return d, msgCmd(quitConfirmedMsg{})
		case key.Matches(msg, d.keys.Back):
			d.done = true
		}
	}
	return d, nil
}

func (d *quitDialog) view(st Styles, w, h int) string {
	w = min(w, 76)
	inner := max(w-4, 10)
	title, verb, verbs, gerund := d.words()
	lines := d.lostLines(st, inner)
	if len(d.runs) == 0 {
		if len(d.pending) > 0 {
			lines = append(lines, st.Crit.Render("q/y "+verb+" and lose them")+st.Muted.Render(" · esc stays (memtui keeps retrying)"))
			return dialogBox(st, title, strings.Join(lines, "\n"), w, h)
		}
		lines = append(lines, st.OK.Render("✔ the action has finished: nothing will be cancelled"), "",
			st.Bold.Render("q/y "+verbs)+st.Muted.Render(" · esc stays"))
		return dialogBox(st, title, strings.Join(lines, "\n"), w, h)
	}
	lines = append(lines, st.Warn.Render(fmt.Sprintf("▲ %d action(s) still running:", len(d.runs))))
	for _, r := range d.runs {
		line := "  » " + r.action
		if r.run != nil {
			line += " — running for " + units.Duration(d.now().Sub(r.at))
		} else {
			line += " — starting"
		}
		lines = append(lines, st.Text.Render(fit(line, inner)))
	}
	lines = append(lines, "")
	for _, l := range wrapLine(gerund+" CANCELS it: its process group is killed and the timeline records it as \""+quitCancelledWhy+"\".", inner, "") {
		lines = append(lines, st.Text.Render(l))
	}
	lines = append(lines, "",
		st.Crit.Render("q/y "+verb+" and cancel")+st.Muted.Render(" · esc stays (it keeps running)"))
	return dialogBox(st, title, strings.Join(lines, "\n"), w, h)
}
