package ui

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/incident"
)

// fakeRun is a run the test finishes by hand.
type fakeRun struct {
	info      actions.Started
	out       string
	res       actions.Result
	done      chan struct{}
	mu        sync.Mutex
	cancelled bool
}

func (f *fakeRun) ID() string              { return f.info.RunID }
func (f *fakeRun) Info() actions.Started   { return f.info }
func (f *fakeRun) Output() string          { return f.out }
func (f *fakeRun) Done() <-chan struct{}   { return f.done }
func (f *fakeRun) Wait() actions.Result    { <-f.done; return f.res }
func (f *fakeRun) Cancel()                 { f.mu.Lock(); f.cancelled = true; f.mu.Unlock() }
func (f *fakeRun) finish(r actions.Result) { f.res = r; close(f.done) }

// fakeActions is an ActionService over a runbook that records every Start.
type fakeActions struct {
	acts    []actions.Action
	preview actions.Preview
	prevErr error
	started []actions.Request
	runs    []*fakeRun
	recheck actions.Recheck
}

func (f *fakeActions) Actions() []actions.Action { return f.acts }
func (f *fakeActions) Preview(context.Context, actions.Action, *actions.Target) (actions.Preview, error) {
	return f.preview, f.prevErr
}
func (f *fakeActions) Start(_ context.Context, req actions.Request) actions.RunHandle {
	f.started = append(f.started, req)
	cmds := req.Action.Commands
	if req.Action.Kind != actions.KindCommands { // as the runner records them
		for _, l := range req.Action.Plan(req.Target) {
			cmds = append(cmds, []string{l})
		}
	}
	r := &fakeRun{done: make(chan struct{}), info: actions.Started{
		RunID: req.Action.ID + "#1", ActionID: req.Action.ID, Risk: req.Action.Risk,
		Commands: cmds, Confirmation: req.Confirmation, At: t0.Add(10 * time.Minute),
	}}
	f.runs = append(f.runs, r)
	return r
}
func (f *fakeActions) Recheck(context.Context, actions.Result) actions.Recheck { return f.recheck }

// manyCommands is a medium-risk action whose plan cannot fit at 80×24.
func palManyCommands() actions.Action {
	a := actions.Action{ID: "rotate-logs", Name: "Rotate every log", Risk: actions.RiskMedium, Kind: actions.KindCommands,
		Description: "Rotate and compress the logs of every service.", Timeout: time.Minute, RecheckAfter: 30 * time.Second}
	for i := 1; i <= 20; i++ {
		a.Commands = append(a.Commands, []string{"logrotate", "-f", fmt.Sprintf("/etc/logrotate.d/svc%02d", i)})
	}
	return a
}

func palDeps(readOnly bool) (Deps, *fakeActions, *fakeTimeline) {
	svc := &fakeActions{acts: append(actions.Builtin(actions.Options{}), palManyCommands())}
	tl := &fakeTimeline{}
	d := testDeps(&fakeMemory{readings: risingSeries()})
	d.ReadOnly = readOnly
	d.Actions, d.Incident, d.Author = svc, testSession(tl, d.Now), "alice"
	return d, svc, tl
}

func palKey(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "backspace":
		return tea.KeyMsg{Type: tea.KeyBackspace}
	case "ctrl+p":
		return tea.KeyMsg{Type: tea.KeyCtrlP}
	case " ":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// press sends keys one at a time, running every Cmd a key returns (and the
// Cmds those return), as the program would, except ticks and polls that
// wait. It returns the model and the messages the Cmds produced.
func palPress(t *testing.T, m Model, keys ...string) Model {
	t.Helper()
	for _, k := range keys {
		next, cmd := m.Update(palKey(k))
		m = next.(Model)
		m = palRunCmd(t, m, cmd)
	}
	return m
}

// typeText sends each rune as its own key.
func palType(t *testing.T, m Model, s string) Model {
	for _, r := range s {
		m = palPress(t, m, string(r))
	}
	return m
}

// palRunCmd runs cmd as the program would and feeds what it answers back
// into the model, recursively (batches and sequences in order), except
// Cmds that wait on a run or a clock: those are dropped and the tests
// drive runs and ticks by hand.
func palRunCmd(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	if cmd == nil {
		return m
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(50 * time.Millisecond):
		return m // a waiting Cmd (poll, wait, tick)
	}
	if cmds, ok := palCmds(msg); ok {
		for _, c := range cmds {
			m = palRunCmd(t, m, c)
		}
		return m
	}
	switch msg.(type) {
	case nil:
		return m
	case actionStartedMsg:
		// Its Cmds (poll, wait, spinner) wait on the run: the tests finish
		// runs by hand and call waitActionCmd themselves.
		next, _ := m.Update(msg)
		return next.(Model)
	}
	next, cmd := m.Update(msg)
	return palRunCmd(t, next.(Model), cmd)
}

// palCmds unpacks tea.BatchMsg and tea.Sequence's (unexported) message:
// both are slices of Cmds.
func palCmds(msg tea.Msg) ([]tea.Cmd, bool) {
	if msg == nil {
		return nil, false
	}
	v := reflect.ValueOf(msg)
	if v.Kind() != reflect.Slice || v.Type().Elem() != reflect.TypeOf(tea.Cmd(nil)) {
		return nil, false
	}
	out := make([]tea.Cmd, v.Len())
	for i := range out {
		out[i], _ = v.Index(i).Interface().(tea.Cmd)
	}
	return out, true
}

// palMsgs runs a Cmd that answers at once and returns every message it
// leads to, in order, without a model.
func palMsgs(t *testing.T, cmd tea.Cmd) []tea.Msg {
	t.Helper()
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if cmds, ok := palCmds(msg); ok {
		var out []tea.Msg
		for _, c := range cmds {
			out = append(out, palMsgs(t, c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// recordedActions lists the action and note events on the timeline as
// "kind action detail", in order.
func recordedActions(tl *fakeTimeline) []string {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	var out []string
	for _, ev := range tl.recorded {
		switch e := ev.Data.(type) {
		case incident.ActionStarted:
			out = append(out, fmt.Sprintf("action_started %s %q by %s: %v", e.Action, e.Confirmation, e.Who, e.Commands))
		case incident.ActionFinished:
			out = append(out, fmt.Sprintf("action_finished %s exit=%v error=%q", e.Action, derefInt(e.Exit), e.Error))
		case incident.ActionRechecked:
			out = append(out, fmt.Sprintf("action_rechecked %s after %s: %s", e.Action, time.Duration(e.Waited), e.Result))
		case incident.Note:
			out = append(out, fmt.Sprintf("note by %s: %s", e.Author, e.Text))
		}
	}
	return out
}

func derefInt(p *int) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

func palScreen(m Model) string { return ansi.Strip(m.View()) }

func palOpen(t *testing.T, d Deps, w, h int) Model {
	m := New(d)
	m = feed(m, tea.WindowSizeMsg{Width: w, Height: h})
	m = palPress(t, m, ":")
	if _, ok := m.dlg.(*paletteDialog); !ok {
		t.Fatalf("':' opened %T, want the palette", m.dlg)
	}
	return m
}

func TestPaletteTypingFilters(t *testing.T) {
	d, _, _ := palDeps(false)
	tests := []struct {
		typed string
		want  []string
	}{
		// The note first: the entry the palette opens on must be harmless.
		{"", []string{"add-note", "clear-redis-cache-db", "clear-redis", "clear-odoo-caches", "restart-odoo", "clear-page-cache", "terminate-idle-postgres", "adjust-odoo-workers", "restore-odoo-conf",
			"drop-page-caches", "restart-postgresql", "scale-resources", "signal-process", "rotate-logs"}},
		{"redis", []string{"clear-redis-cache-db", "clear-redis"}},
		{"drop", []string{"drop-page-caches", "clear-page-cache"}}, // the name "…drop clean pages"
		{"restart", []string{"restart-odoo", "restart-postgresql"}},
		{"rpg", []string{"restart-postgresql", "clear-page-cache", "terminate-idle-postgres"}}, // r…p…g; the id beats the name "…idle PostgreSQL…"                                     // fuzzy: r…p…g
		{"idle pg", []string{"terminate-idle-postgres"}},                                       // in the name "Terminate idle PostgreSQL …"
		{"pg idle", []string{}}, // out of order: no match
		{"CACHE", []string{"drop-page-caches", "clear-odoo-caches", "clear-page-cache", "clear-redis-cache-db"}}, // earlier in the id ranks first
		{"note", []string{"add-note"}},
		{"zzz", []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.typed, func(t *testing.T) {
			m := palOpen(t, d, 120, 40)
			m = palType(t, m, tc.typed)
			p := m.dlg.(*paletteDialog)
			got := []string{}
			for _, i := range p.matches {
				got = append(got, p.all[i].ID)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("matches for %q (-want +got):\n%s", tc.typed, diff)
			}
		})
	}

	t.Run("backspace widens, ctrl+p opens too", func(t *testing.T) {
		m := New(d)
		m = feed(m, tea.WindowSizeMsg{Width: 120, Height: 40})
		m = palPress(t, m, "ctrl+p")
		m = palType(t, m, "redisx")
		if n := len(m.dlg.(*paletteDialog).matches); n != 0 {
			t.Fatalf("%d matches for redisx", n)
		}
		m = palPress(t, m, "backspace")
		if n := len(m.dlg.(*paletteDialog).matches); n != 2 {
			t.Fatalf("%d matches after backspace", n)
		}
	})

	t.Run("the selected entry shows what it runs", func(t *testing.T) {
		m := palOpen(t, d, 120, 40)
		m = palType(t, m, "drop")
		v := palScreen(m)
		for _, want := range []string{"▲ HIGH", "drop-page-caches", "Drop page caches — runs:", "sync", "write 3 to /proc/sys/vm/drop_caches"} {
			if !strings.Contains(v, want) {
				t.Errorf("palette lacks %q:\n%s", want, v)
			}
		}
		m = palPress(t, m, "esc")
		if m.dlg != nil {
			t.Error("esc did not close the palette")
		}
	})
}

func TestHighRiskNotFiredByY(t *testing.T) {
	d, svc, tl := palDeps(false)
	m := palOpen(t, d, 120, 40)
	m = palType(t, m, "drop-page")
	m = palPress(t, m, "enter")
	if _, ok := m.dlg.(*confirmDialog); !ok {
		t.Fatalf("enter opened %T, want the confirmation", m.dlg)
	}
	// The id input starts visibly empty: a greyed placeholder id would read
	// as already typed on a colourless or shared screen.
	for _, line := range strings.Split(palScreen(m), "\n") {
		if strings.Contains(line, "> drop-page-caches") {
			t.Errorf("the id input shows the id before anything was typed: %q", line)
		}
	}
	m = palPress(t, m, "y")
	m = palPress(t, m, "enter")
	if len(svc.started) != 0 {
		t.Fatalf("a high-risk action ran on y/enter: %+v", svc.started)
	}
	if v := palScreen(m); !strings.Contains(v, "type drop-page-caches exactly, then enter") {
		t.Errorf("no explanation after a stray enter:\n%s", v)
	}
	// The stray "y" is in the input; clear it and type the id.
	m = palPress(t, m, "backspace")
	m = palType(t, m, "drop-page-caches")
	m = palPress(t, m, "enter")
	if len(svc.started) != 1 {
		t.Fatalf("typing the id did not run it: %d runs", len(svc.started))
	}
	if got := svc.started[0].Confirmation; got != "typed drop-page-caches" {
		t.Errorf("confirmation recorded as %q", got)
	}
	if _, ok := m.dlg.(*runDialog); !ok {
		t.Errorf("after confirming the dialog is %T", m.dlg)
	}
	if diff := cmp.Diff([]string{`action_started drop-page-caches "typed drop-page-caches" by : [[sync] [write 3 to /proc/sys/vm/drop_caches]]`}, recordedActions(tl)); diff != "" {
		t.Errorf("timeline (-want +got):\n%s", diff)
	}
}

func TestMediumShowsEveryCommandBeforeConfirming(t *testing.T) {
	d, svc, _ := palDeps(false)
	m := palOpen(t, d, 80, 24)
	m = palType(t, m, "rotate")
	m = palPress(t, m, "enter")
	c, ok := m.dlg.(*confirmDialog)
	if !ok {
		t.Fatalf("dialog %T", m.dlg)
	}
	v := palScreen(m)
	if !strings.Contains(v, "more line(s): scroll to see all before confirming") {
		t.Errorf("no sign that commands are hidden at 80×24:\n%s", v)
	}
	m = palPress(t, m, "y")
	if len(svc.started) != 0 {
		t.Fatal("a medium-risk action ran before its whole command list was on screen")
	}
	if !strings.Contains(palScreen(m), "scroll down (↓) to the end of the list first") {
		t.Errorf("no reason given:\n%s", palScreen(m))
	}
	// Scroll to the end: every command passes over the screen.
	seen := map[string]bool{}
	for range 30 {
		for _, l := range strings.Split(palScreen(m), "\n") {
			if i := strings.Index(l, "logrotate -f "); i >= 0 {
				seen[strings.Fields(l[i:])[2]] = true
			}
		}
		m = palPress(t, m, "down")
	}
	if len(seen) != 20 {
		t.Errorf("saw %d of 20 commands while scrolling", len(seen))
	}
	_ = c
	m = palPress(t, m, "y")
	if len(svc.started) != 1 || svc.started[0].Confirmation != "pressed y" {
		t.Fatalf("not run after scrolling to the end: %+v", svc.started)
	}

	// A medium action whose list fits is confirmable at once.
	m = palOpen(t, d, 120, 40)
	m = palType(t, m, "scale-res")
	m = palPress(t, m, "enter", "enter")
	if len(svc.started) != 2 || svc.started[1].Action.ID != "scale-resources" {
		t.Errorf("short medium action not confirmed by enter: %d runs", len(svc.started))
	}
}

func TestReadOnlyListsButRefuses(t *testing.T) {
	d, svc, _ := palDeps(true)
	m := palOpen(t, d, 120, 40)
	v := palScreen(m)
	for _, want := range []string{"READ-ONLY — actions are listed, none can run", "clear-redis", "drop-page-caches"} {
		if !strings.Contains(v, want) {
			t.Errorf("read-only palette lacks %q:\n%s", want, v)
		}
	}
	m = palType(t, m, "redis")
	m = palPress(t, m, "enter")
	if !strings.Contains(palScreen(m), readOnlyWhy) {
		t.Errorf("read-only does not say why:\n%s", palScreen(m))
	}
	m = palPress(t, m, "y", "enter")
	if _, ok := m.dlg.(*paletteDialog); !ok {
		t.Fatalf("read-only moved on to %T", m.dlg)
	}
	if len(svc.started) != 0 {
		t.Fatal("read-only ran an action")
	}
	// The acting keys leave the help; the palette key stays (it lists).
	for _, ro := range []bool{false, true} {
		hm := help.New()
		hm.Width = 400
		full := hm.FullHelpView(DefaultKeyMap(ro).FullHelp())
		if !strings.Contains(full, ":/ctrl+p") {
			t.Errorf("read-only=%v: the palette key is not in the help:\n%s", ro, full)
		}
		// (x, cancel action, is told by the run dialog itself, not the help.)
		for _, acting := range []string{"confirm action"} {
			if strings.Contains(full, acting) == ro {
				t.Errorf("read-only=%v: help has %q = %v:\n%s", ro, acting, !ro, full)
			}
		}
	}
}

func TestTerminateIdleWaitsForItsPreview(t *testing.T) {
	d, svc, _ := palDeps(false)
	svc.preview = actions.Preview{
		Columns: []string{"pid", "user", "database", "idle for"},
		Rows:    [][]string{{"4242", "odoo", "odoo_production", "47m12s"}, {"4243", "odoo", "odoo_production", "31m2s"}},
		Backends: []actions.Backend{{PID: 4242, User: "odoo", Database: "odoo_production"},
			{PID: 4243, User: "odoo", Database: "odoo_production"}},
		Message: "2 idle client backend(s) idle for more than 30m",
	}
	m := New(d)
	m = feed(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	m = palPress(t, m, ":")
	m = palType(t, m, "terminate")
	// Open the confirmation without running the preview Cmd, as if the
	// server were slow.
	next, _ := m.Update(palKey("enter"))
	m = next.(Model)
	m = palPress(t, m, "y")
	if len(svc.started) != 0 {
		t.Fatal("ran before the preview arrived")
	}
	if !strings.Contains(palScreen(m), "wait: reading what it will act on") {
		t.Errorf("no waiting message:\n%s", palScreen(m))
	}
	m = feed(m, actionPreviewedMsg{seq: 1, preview: svc.preview})
	v := palScreen(m)
	for _, want := range []string{"pid   user  database         idle for", "4242  odoo  odoo_production  47m12s", "4243"} {
		if !strings.Contains(v, want) {
			t.Errorf("confirmation lacks %q:\n%s", want, v)
		}
	}
	m = palPress(t, m, "y")
	if len(svc.started) != 1 || svc.started[0].Preview == nil || len(svc.started[0].Preview.Backends) != 2 {
		t.Fatalf("run did not get the previewed backends: %+v", svc.started)
	}
}

func TestSignalNeedsASelectedProcess(t *testing.T) {
	d, svc, _ := palDeps(false)
	m := palOpen(t, d, 120, 40)
	m = palType(t, m, "signal")
	m = palPress(t, m, "enter")
	if _, ok := m.dlg.(*paletteDialog); !ok || len(svc.started) != 0 {
		t.Fatalf("signal without a target moved on: %T", m.dlg)
	}
	if !strings.Contains(palScreen(m), "signal-process needs a process") {
		t.Errorf("no reason:\n%s", palScreen(m))
	}

	// From the process panel, with a target: name and RSS in the confirmation.
	tg := &actions.Target{PID: 4242, Comm: "odoo-bin", RSSBytes: 3 << 30}
	m = New(d)
	m = feed(m, tea.WindowSizeMsg{Width: 120, Height: 40}, openDialogMsg{d: newPalette(d, m.keys, tg, 120, 40)})
	m = palType(t, m, "signal")
	m = palPress(t, m, "enter")
	if !strings.Contains(palScreen(m), "kill -TERM 4242 (odoo-bin, RSS 3.00 GiB)") {
		t.Errorf("confirmation lacks the target:\n%s", palScreen(m))
	}
}

// TestRunFlow follows a low-risk action from the palette to its re-check,
// with the timeline records the Cmds make.
func TestRunFlow(t *testing.T) {
	d, svc, tl := palDeps(false)
	svc.recheck = actions.Recheck{ActionID: "restart-odoo", Known: true, FreedBytes: 2 << 30,
		Before: &actions.Memory{UsedPercent: 93.4}, Memory: &actions.Memory{UsedPercent: 71.2}}
	m := palOpen(t, d, 120, 40)
	m = palType(t, m, "restart-odoo")
	m = palPress(t, m, "enter", "y")
	r, ok := m.dlg.(*runDialog)
	if !ok || len(svc.runs) != 1 {
		t.Fatalf("dialog %T, %d runs", m.dlg, len(svc.runs))
	}
	run := svc.runs[0]
	v := palScreen(m)
	for _, want := range []string{"Running: Restart odoo", "$ systemctl restart odoo", "running for 0 s · timeout 2 min", "x cancels"} {
		if !strings.Contains(v, want) {
			t.Errorf("running view lacks %q:\n%s", want, v)
		}
	}
	// Live output arrives while it runs.
	m = feed(m, actionOutputMsg{token: r.token, out: "$ systemctl restart odoo\nOK"})
	if !strings.Contains(palScreen(m), "OK") {
		t.Errorf("live output not shown:\n%s", palScreen(m))
	}
	// x cancels through the run handle.
	m = palPress(t, m, "x")
	if !run.cancelled || !strings.Contains(palScreen(m), "cancelling") {
		t.Errorf("x did not cancel (cancelled=%v):\n%s", run.cancelled, palScreen(m))
	}

	// The run ends: the wait Cmd has it recorded, then tells the dialog,
	// then flashes and schedules the re-check.
	fin := t0.Add(10 * time.Minute)
	res := actions.Result{RunID: run.info.RunID, ActionID: "restart-odoo", Kind: actions.KindCommands, Status: actions.StatusOK,
		Message: "systemctl exited 0", Output: "$ systemctl restart odoo\nOK", Duration: 420 * time.Millisecond,
		Finished: fin.Add(-5 * time.Second), RecheckAfter: 30 * time.Second, ExitCode: new(int),
		Steps:     []actions.Step{{Argv: []string{"systemctl", "restart", "odoo"}, Status: actions.StatusOK, ExitCode: new(int)}},
		MemBefore: &actions.Memory{UsedPercent: 93.4}, MemAfter: &actions.Memory{UsedPercent: 92.9}}
	run.finish(res)
	m = palRunCmd(t, m, waitActionCmd(svc, d.Incident, run, r.token, d.Thresholds, d.Author))
	v = palScreen(m)
	for _, want := range []string{"Finished: Restart odoo", "✔ OK systemctl exited 0 · took 420 ms", "memory 93.4 % → 92.9 % used", "re-checking memory in 25 s", "✔ restart-odoo: ✔ OK — systemctl exited 0"} {
		if !strings.Contains(v, want) {
			t.Errorf("finished view lacks %q:\n%s", want, v)
		}
	}
	// Its re-check (the Cmd without its 30 s wait).
	res.RecheckAfter = time.Millisecond
	m = palRunCmd(t, m, recheckActionCmd(svc, d.Incident, res, r.token, d.Thresholds))
	v = palScreen(m)
	want := "re-check after 1 ms: memory 71.2 % used — ● NORMAL, below warning 75 % — freed 2.00 GiB (was 93.4 %)"
	if !strings.Contains(v, want) {
		t.Errorf("re-check not shown; want %q in:\n%s", want, v)
	}
	wantTL := []string{
		`action_started restart-odoo "pressed y" by : [[systemctl restart odoo]]`,
		`action_finished restart-odoo exit=0 error=""`,
		`action_rechecked restart-odoo after 1ms: improved`,
	}
	if diff := cmp.Diff(wantTL, recordedActions(tl)); diff != "" {
		t.Errorf("timeline (-want +got):\n%s", diff)
	}
	if k := tl.kinds(); !strings.HasPrefix(k, "started,action_started,") {
		t.Errorf("no incident was open, so the action opens one: %s", k)
	}
	m = palPress(t, m, "enter")
	if m.dlg != nil {
		t.Errorf("enter did not close the finished dialog")
	}
}

func TestRecheckCmdRecordsAndFlashes(t *testing.T) {
	d, svc, _ := palDeps(false)
	svc.recheck = actions.Recheck{ActionID: "restart-odoo", Known: true, FreedBytes: -(100 << 20),
		Before: &actions.Memory{UsedPercent: 88}, Memory: &actions.Memory{UsedPercent: 89}}
	res := actions.Result{RunID: "restart-odoo#1", ActionID: "restart-odoo", Kind: actions.KindCommands, Status: actions.StatusOK, RecheckAfter: time.Millisecond}
	msgs := palMsgs(t, recheckActionCmd(svc, d.Incident, res, 7, d.Thresholds))
	if len(msgs) != 3 {
		t.Fatalf("%d messages: %#v", len(msgs), msgs)
	}
	if _, ok := msgs[0].(incidentChangedMsg); !ok {
		t.Fatalf("first message %#v, want word of the record handed to the session", msgs[0])
	}
	pending := d.Incident.State().Pending
	if len(pending) == 0 {
		t.Fatal("the re-check did not reach the session")
	}
	if e := pending[len(pending)-1].Data.(incident.ActionRechecked); e.Run != "restart-odoo#1" || e.Result != "worse" || e.MemAfter.UsedPct != 89 {
		t.Errorf("recorded %+v", e)
	}
	if got := msgs[1].(actionRecheckedMsg); got.token != 7 {
		t.Errorf("token %d", got.token)
	}
	fl := msgs[2].(flashMsg)
	want := "restart-odoo: re-check after 1 ms: memory 89.0 % used — ▲ HIGH, below critical 95 % — NOT freed: grew by 100 MiB (was 88.0 %)"
	if fl.level != flashWarn || fl.text != want {
		t.Errorf("flash %v %q\nwant %q", fl.level, fl.text, want)
	}
}

func TestAddNote(t *testing.T) {
	d, svc, tl := palDeps(false)
	m := palOpen(t, d, 120, 40)
	m = palType(t, m, "note")
	m = palPress(t, m, "enter")
	m = palType(t, m, "restarted odoo, token=abc rotated")
	m = palPress(t, m, "enter")
	if len(svc.started) != 1 || svc.started[0].Note != "restarted odoo, token=abc rotated" {
		t.Fatalf("note not run: %+v", svc.started)
	}
	// A note is a note on the timeline, not an action, with no re-check.
	run := svc.runs[0]
	run.finish(actions.Result{ActionID: "add-note", Kind: actions.KindNote, Status: actions.StatusOK,
		Note: "restarted odoo, token=*** rotated", Who: actions.Who{User: "root", SudoUser: "alice"}, Finished: t0})
	m = palRunCmd(t, m, waitActionCmd(svc, d.Incident, run, m.dlg.(*runDialog).token, d.Thresholds, d.Author))
	if diff := cmp.Diff([]string{"note by alice: restarted odoo, token=*** rotated"}, recordedActions(tl)); diff != "" {
		t.Error(diff)
	}
	if _, ok := m.dlg.(*runDialog); !ok || m.dlg.(*runDialog).recheckPending() {
		t.Errorf("a note waits for a re-check")
	}
}

func TestActionViewsGolden(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		w, h := sz[0], sz[1]
		d, _, _ := palDeps(false)
		t.Run(fmt.Sprintf("palette_%dx%d", w, h), func(t *testing.T) {
			m := palOpen(t, d, w, h)
			m = palType(t, m, "re")
			v := m.View()
			checkBlock(t, v, w, h)
			golden(t, v)
		})
		t.Run(fmt.Sprintf("confirm_high_%dx%d", w, h), func(t *testing.T) {
			m := palOpen(t, d, w, h)
			m = palType(t, m, "restart-postgresql")
			m = palPress(t, m, "enter")
			m = palType(t, m, "restart-post")
			v := m.View()
			checkBlock(t, v, w, h)
			golden(t, v)
		})
	}
	t.Run("read_only_palette_80x24", func(t *testing.T) {
		d, _, _ := palDeps(true)
		m := palOpen(t, d, 80, 24)
		m = palPress(t, m, "enter")
		golden(t, m.View())
	})
	t.Run("running_with_output_80x24", func(t *testing.T) {
		d, _, _ := palDeps(false)
		m := palOpen(t, d, 80, 24)
		m = palType(t, m, "rotate")
		m = palPress(t, m, "enter")
		for range 20 {
			m = palPress(t, m, "down")
		}
		m = palPress(t, m, "y")
		r := m.dlg.(*runDialog)
		var out []string
		for i := 1; i <= 30; i++ {
			out = append(out, fmt.Sprintf("rotating /var/log/svc%02d/current.log (%d MiB)", i, 10*i))
		}
		m = feed(m, actionOutputMsg{token: r.token, out: strings.Join(out, "\n")})
		v := m.View()
		checkBlock(t, v, 80, 24)
		golden(t, v)
	})
	t.Run("finished_rechecked_120x40", func(t *testing.T) {
		d, svc, _ := palDeps(false)
		m := palOpen(t, d, 120, 40)
		m = palType(t, m, "restart-odoo")
		m = palPress(t, m, "enter", "y")
		r := m.dlg.(*runDialog)
		out := "$ systemctl restart odoo\nJob for odoo.service finished\n\x1b[0m"
		res := actions.Result{ActionID: "restart-odoo", Kind: actions.KindCommands, Status: actions.StatusFailed,
			Message: "systemctl exited 1: needs root: run memtui with sudo", Output: ansi.Strip(out), Duration: 1200 * time.Millisecond,
			RecheckAfter: 30 * time.Second, Finished: t0,
			MemBefore: &actions.Memory{UsedPercent: 93.4, SwapUsedBytes: 1 << 30}, MemAfter: &actions.Memory{UsedPercent: 93.1, SwapUsedBytes: 1 << 30}}
		m = feed(m, actionFinishedMsg{token: r.token, res: res},
			actionRecheckedMsg{token: r.token, rc: actions.Recheck{Known: true, Before: res.MemBefore, Memory: &actions.Memory{UsedPercent: 93.0}, FreedBytes: 64 << 20}})
		_ = svc
		golden(t, m.View())
	})
}

func TestSignalFromTheProcessPanel(t *testing.T) {
	d, _, _ := palDeps(true)
	if fl, ok := signalActionCmd(d, DefaultKeyMap(true), actions.Target{PID: 1}, 0, 0)().(flashMsg); !ok || fl.text != readOnlyWhy {
		t.Errorf("read-only signal: %+v", fl)
	}
	// Opened by a panel that does not know the screen size: a plan that
	// would fit a big screen still counts as unseen until scrolled at 80×24.
	d, _, _ = palDeps(false)
	dlg, _ := newConfirmDialog(d, DefaultKeyMap(false), palManyCommands(), nil, 0, 0)
	if dlg.(*confirmDialog).seenEnd {
		t.Error("20 commands counted as seen on an unknown screen")
	}
}

// TestLongCommandsWrapNotCut: what will run is shown in full at 80×24,
// wrapped over lines, never cut with an ellipsis.
func TestLongCommandsWrapNotCut(t *testing.T) {
	d, svc, _ := palDeps(false)
	svc.preview = actions.Preview{Columns: []string{"rows_to_delete_from", "rows"}, Rows: [][]string{{"ir_cache", "7"}}, Message: "1 row(s)"}
	m := palOpen(t, d, 80, 24)
	m = palType(t, m, "clear-odoo")
	var dialogText strings.Builder
	collect := func() {
		dialogText.Reset()
		for _, l := range strings.Split(palScreen(m), "\n") {
			parts := strings.Split(l, "║")
			if len(parts) == 3 {
				dialogText.WriteString(parts[1] + " ")
			}
		}
	}
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	sql := "SQL on database odoo_production: DELETE FROM ir_cache; DELETE FROM ir_attachment WHERE name LIKE '%cache%';"
	collect()
	if !strings.Contains(norm(dialogText.String()), sql) {
		t.Errorf("palette cuts the SQL:\n%s", palScreen(m))
	}
	m = palPress(t, m, "enter")
	collect()
	if !strings.Contains(norm(dialogText.String()), sql) {
		t.Errorf("confirmation cuts the SQL:\n%s", palScreen(m))
	}
}
