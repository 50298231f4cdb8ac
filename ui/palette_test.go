package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"

	"github.com/memtui/memtui/actions"
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
	r := &fakeRun{done: make(chan struct{}), info: actions.Started{
		RunID: req.Action.ID + "#1", ActionID: req.Action.ID, Risk: req.Action.Risk,
		Commands: req.Action.Commands, Confirmation: req.Confirmation, At: t0.Add(10 * time.Minute),
	}}
	f.runs = append(f.runs, r)
	return r
}
func (f *fakeActions) Recheck(context.Context, actions.Result) actions.Recheck { return f.recheck }

// fakeRecorder keeps what would go on the timeline.
type fakeRecorder struct{ events []string }

func (f *fakeRecorder) ActionStarted(s actions.Started) error {
	f.events = append(f.events, "started "+s.ActionID+" "+s.Confirmation)
	return nil
}
func (f *fakeRecorder) ActionFinished(r actions.Result) error {
	f.events = append(f.events, "finished "+r.ActionID+" "+string(r.Status))
	return nil
}
func (f *fakeRecorder) ActionRechecked(r actions.Result, rc actions.Recheck, waited time.Duration) error {
	f.events = append(f.events, fmt.Sprintf("rechecked %s after %s", r.ActionID, waited))
	return nil
}
func (f *fakeRecorder) Note(author, text string) error {
	f.events = append(f.events, "note "+author+": "+text)
	return nil
}

// manyCommands is a medium-risk action whose plan cannot fit at 80×24.
func manyCommands() actions.Action {
	a := actions.Action{ID: "rotate-logs", Name: "Rotate every log", Risk: actions.RiskMedium, Kind: actions.KindCommands,
		Description: "Rotate and compress the logs of every service.", Timeout: time.Minute, RecheckAfter: 30 * time.Second}
	for i := 1; i <= 20; i++ {
		a.Commands = append(a.Commands, []string{"logrotate", "-f", fmt.Sprintf("/etc/logrotate.d/svc%02d", i)})
	}
	return a
}

func actionDeps(readOnly bool) (Deps, *fakeActions, *fakeRecorder) {
	svc := &fakeActions{acts: append(actions.Builtin(actions.Options{}), manyCommands())}
	rec := &fakeRecorder{}
	d := testDeps(&fakeMemory{readings: risingSeries()})
	d.ReadOnly = readOnly
	d.Actions, d.ActionLog = svc, rec
	return d, svc, rec
}

func keyMsg(s string) tea.KeyMsg {
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
func press(t *testing.T, m Model, keys ...string) Model {
	t.Helper()
	for _, k := range keys {
		next, cmd := m.Update(keyMsg(k))
		m = next.(Model)
		m = runCmd(t, m, cmd)
	}
	return m
}

// typeText sends each rune as its own key.
func typeText(t *testing.T, m Model, s string) Model {
	for _, r := range s {
		m = press(t, m, string(r))
	}
	return m
}

// runCmd runs the Cmds that answer at once (start, preview); it leaves out
// those that wait on a run or a clock, which tests drive by hand.
func runCmd(t *testing.T, m Model, cmd tea.Cmd) Model {
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
	switch msg := msg.(type) {
	case nil:
		return m
	case tea.BatchMsg:
		for _, c := range msg {
			m = runCmd(t, m, c)
		}
		return m
	case actionStartedMsg:
		// Its Cmds (poll, wait, spinner) wait on the run: the tests finish
		// runs by hand and call waitActionCmd themselves.
		next, _ := m.Update(msg)
		return next.(Model)
	case actionPreviewedMsg, openDialogMsg, flashMsg:
		next, cmd := m.Update(msg)
		return runCmd(t, next.(Model), cmd)
	}
	return m
}

func screen(m Model) string { return ansi.Strip(m.View()) }

func openPalette(t *testing.T, d Deps, w, h int) Model {
	m := New(d)
	m = feed(m, tea.WindowSizeMsg{Width: w, Height: h})
	m = press(t, m, ":")
	if _, ok := m.dlg.(*paletteDialog); !ok {
		t.Fatalf("':' opened %T, want the palette", m.dlg)
	}
	return m
}

func TestPaletteTypingFilters(t *testing.T) {
	d, _, _ := actionDeps(false)
	tests := []struct {
		typed string
		want  []string
	}{
		{"", []string{"clear-redis", "clear-odoo-caches", "restart-odoo", "terminate-idle-postgres", "adjust-odoo-workers",
			"drop-page-caches", "restart-postgresql", "scale-resources", "signal-process", "add-note", "rotate-logs"}},
		{"redis", []string{"clear-redis"}},
		{"drop", []string{"drop-page-caches"}},
		{"restart", []string{"restart-odoo", "restart-postgresql"}},
		{"rpg", []string{"restart-postgresql", "terminate-idle-postgres"}},          // r…p…g; the id beats the name "…idle PostgreSQL…"                                     // fuzzy: r…p…g
		{"idle pg", []string{"terminate-idle-postgres"}},                            // in the name "Terminate idle PostgreSQL …"
		{"pg idle", []string{}},                                                     // out of order: no match
		{"CACHE", []string{"drop-page-caches", "clear-odoo-caches", "clear-redis"}}, // earlier in the id ranks first; the last matches by name
		{"note", []string{"add-note"}},
		{"zzz", []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.typed, func(t *testing.T) {
			m := openPalette(t, d, 120, 40)
			m = typeText(t, m, tc.typed)
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
		m = press(t, m, "ctrl+p")
		m = typeText(t, m, "redisx")
		if n := len(m.dlg.(*paletteDialog).matches); n != 0 {
			t.Fatalf("%d matches for redisx", n)
		}
		m = press(t, m, "backspace")
		if n := len(m.dlg.(*paletteDialog).matches); n != 1 {
			t.Fatalf("%d matches after backspace", n)
		}
	})

	t.Run("the selected entry shows what it runs", func(t *testing.T) {
		m := openPalette(t, d, 120, 40)
		m = typeText(t, m, "drop")
		v := screen(m)
		for _, want := range []string{"▲ HIGH", "drop-page-caches", "Drop page caches — runs:", "sync", "write 3 to /proc/sys/vm/drop_caches"} {
			if !strings.Contains(v, want) {
				t.Errorf("palette lacks %q:\n%s", want, v)
			}
		}
		m = press(t, m, "esc")
		if m.dlg != nil {
			t.Error("esc did not close the palette")
		}
	})
}

func TestHighRiskNotFiredByY(t *testing.T) {
	d, svc, rec := actionDeps(false)
	m := openPalette(t, d, 120, 40)
	m = typeText(t, m, "drop-page")
	m = press(t, m, "enter")
	if _, ok := m.dlg.(*confirmDialog); !ok {
		t.Fatalf("enter opened %T, want the confirmation", m.dlg)
	}
	m = press(t, m, "y")
	m = press(t, m, "enter")
	if len(svc.started) != 0 {
		t.Fatalf("a high-risk action ran on y/enter: %+v", svc.started)
	}
	if v := screen(m); !strings.Contains(v, "type drop-page-caches exactly, then enter") {
		t.Errorf("no explanation after a stray enter:\n%s", v)
	}
	// The stray "y" is in the input; clear it and type the id.
	m = press(t, m, "backspace")
	m = typeText(t, m, "drop-page-caches")
	m = press(t, m, "enter")
	if len(svc.started) != 1 {
		t.Fatalf("typing the id did not run it: %d runs", len(svc.started))
	}
	if got := svc.started[0].Confirmation; got != "typed drop-page-caches" {
		t.Errorf("confirmation recorded as %q", got)
	}
	if _, ok := m.dlg.(*runDialog); !ok {
		t.Errorf("after confirming the dialog is %T", m.dlg)
	}
	if diff := cmp.Diff([]string{"started drop-page-caches typed drop-page-caches"}, rec.events); diff != "" {
		t.Errorf("timeline (-want +got):\n%s", diff)
	}
}

func TestMediumShowsEveryCommandBeforeConfirming(t *testing.T) {
	d, svc, _ := actionDeps(false)
	m := openPalette(t, d, 80, 24)
	m = typeText(t, m, "rotate")
	m = press(t, m, "enter")
	c, ok := m.dlg.(*confirmDialog)
	if !ok {
		t.Fatalf("dialog %T", m.dlg)
	}
	v := screen(m)
	if !strings.Contains(v, "more line(s): scroll to see all before confirming") {
		t.Errorf("no sign that commands are hidden at 80×24:\n%s", v)
	}
	m = press(t, m, "y")
	if len(svc.started) != 0 {
		t.Fatal("a medium-risk action ran before its whole command list was on screen")
	}
	if !strings.Contains(screen(m), "scroll down (↓) to the end of the list first") {
		t.Errorf("no reason given:\n%s", screen(m))
	}
	// Scroll to the end: every command passes over the screen.
	seen := map[string]bool{}
	for range 30 {
		for _, l := range strings.Split(screen(m), "\n") {
			if i := strings.Index(l, "logrotate -f "); i >= 0 {
				seen[strings.Fields(l[i:])[2]] = true
			}
		}
		m = press(t, m, "down")
	}
	if len(seen) != 20 {
		t.Errorf("saw %d of 20 commands while scrolling", len(seen))
	}
	_ = c
	m = press(t, m, "y")
	if len(svc.started) != 1 || svc.started[0].Confirmation != "pressed y" {
		t.Fatalf("not run after scrolling to the end: %+v", svc.started)
	}

	// A medium action whose list fits is confirmable at once.
	m = openPalette(t, d, 120, 40)
	m = typeText(t, m, "adjust-odoo")
	m = press(t, m, "enter", "enter")
	if len(svc.started) != 2 || svc.started[1].Action.ID != "adjust-odoo-workers" {
		t.Errorf("short medium action not confirmed by enter: %d runs", len(svc.started))
	}
}

func TestReadOnlyListsButRefuses(t *testing.T) {
	d, svc, _ := actionDeps(true)
	m := openPalette(t, d, 120, 40)
	v := screen(m)
	for _, want := range []string{"READ-ONLY — actions are listed, none can run", "clear-redis", "drop-page-caches"} {
		if !strings.Contains(v, want) {
			t.Errorf("read-only palette lacks %q:\n%s", want, v)
		}
	}
	m = typeText(t, m, "redis")
	m = press(t, m, "enter")
	if !strings.Contains(screen(m), readOnlyWhy) {
		t.Errorf("read-only does not say why:\n%s", screen(m))
	}
	m = press(t, m, "y", "enter")
	if _, ok := m.dlg.(*paletteDialog); !ok {
		t.Fatalf("read-only moved on to %T", m.dlg)
	}
	if len(svc.started) != 0 {
		t.Fatal("read-only ran an action")
	}
	// The acting keys leave the help.
	m = press(t, m, "esc", "?")
	help := screen(m)
	if strings.Contains(help, "pick action") || strings.Contains(help, "cancel running action") || !strings.Contains(help, "actions") {
		t.Errorf("read-only help:\n%s", help)
	}
}

func TestTerminateIdleWaitsForItsPreview(t *testing.T) {
	d, svc, _ := actionDeps(false)
	svc.preview = actions.Preview{
		Columns: []string{"pid", "user", "database", "idle for"},
		Rows:    [][]string{{"4242", "odoo", "odoo_production", "47m12s"}, {"4243", "odoo", "odoo_production", "31m2s"}},
		Backends: []actions.Backend{{PID: 4242, User: "odoo", Database: "odoo_production"},
			{PID: 4243, User: "odoo", Database: "odoo_production"}},
		Message: "2 idle client backend(s) idle for more than 30m",
	}
	m := New(d)
	m = feed(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	m = press(t, m, ":")
	m = typeText(t, m, "terminate")
	// Open the confirmation without running the preview Cmd, as if the
	// server were slow.
	next, _ := m.Update(keyMsg("enter"))
	m = next.(Model)
	m = press(t, m, "y")
	if len(svc.started) != 0 {
		t.Fatal("ran before the preview arrived")
	}
	if !strings.Contains(screen(m), "wait: reading what it will act on") {
		t.Errorf("no waiting message:\n%s", screen(m))
	}
	m = feed(m, actionPreviewedMsg{seq: 1, preview: svc.preview})
	v := screen(m)
	for _, want := range []string{"pid   user  database         idle for", "4242  odoo  odoo_production  47m12s", "4243"} {
		if !strings.Contains(v, want) {
			t.Errorf("confirmation lacks %q:\n%s", want, v)
		}
	}
	m = press(t, m, "y")
	if len(svc.started) != 1 || svc.started[0].Preview == nil || len(svc.started[0].Preview.Backends) != 2 {
		t.Fatalf("run did not get the previewed backends: %+v", svc.started)
	}
}

func TestSignalNeedsASelectedProcess(t *testing.T) {
	d, svc, _ := actionDeps(false)
	m := openPalette(t, d, 120, 40)
	m = typeText(t, m, "signal")
	m = press(t, m, "enter")
	if _, ok := m.dlg.(*paletteDialog); !ok || len(svc.started) != 0 {
		t.Fatalf("signal without a target moved on: %T", m.dlg)
	}
	if !strings.Contains(screen(m), "signal-process needs a process") {
		t.Errorf("no reason:\n%s", screen(m))
	}

	// From the process panel, with a target: name and RSS in the confirmation.
	tg := &actions.Target{PID: 4242, Comm: "odoo-bin", RSSBytes: 3 << 30}
	m = New(d)
	m = feed(m, tea.WindowSizeMsg{Width: 120, Height: 40}, openDialogMsg{d: newPalette(d, m.keys, tg, 120, 40)})
	m = typeText(t, m, "signal")
	m = press(t, m, "enter")
	if !strings.Contains(screen(m), "kill -TERM 4242 (odoo-bin, RSS 3.0 GiB)") {
		t.Errorf("confirmation lacks the target:\n%s", screen(m))
	}
}

// TestRunFlow follows a low-risk action from the palette to its re-check,
// with the timeline records the Cmds make.
func TestRunFlow(t *testing.T) {
	d, svc, rec := actionDeps(false)
	svc.recheck = actions.Recheck{ActionID: "clear-redis", Known: true, FreedBytes: 2 << 30,
		Before: &actions.Memory{UsedPercent: 93.4}, Memory: &actions.Memory{UsedPercent: 71.2}}
	m := openPalette(t, d, 120, 40)
	m = typeText(t, m, "redis")
	m = press(t, m, "enter", "y")
	r, ok := m.dlg.(*runDialog)
	if !ok || len(svc.runs) != 1 {
		t.Fatalf("dialog %T, %d runs", m.dlg, len(svc.runs))
	}
	run := svc.runs[0]
	v := screen(m)
	for _, want := range []string{"Running: Clear Redis cache", "$ redis-cli FLUSHALL", "running for 0 s · timeout 30 s", "x cancels"} {
		if !strings.Contains(v, want) {
			t.Errorf("running view lacks %q:\n%s", want, v)
		}
	}
	// Live output arrives while it runs.
	m = feed(m, actionOutputMsg{token: r.token, out: "$ redis-cli FLUSHALL\nOK"})
	if !strings.Contains(screen(m), "OK") {
		t.Errorf("live output not shown:\n%s", screen(m))
	}
	// x cancels through the run handle.
	m = press(t, m, "x")
	if !run.cancelled || !strings.Contains(screen(m), "cancelling") {
		t.Errorf("x did not cancel (cancelled=%v):\n%s", run.cancelled, screen(m))
	}

	// The run ends: the wait Cmd records it and schedules the re-check.
	fin := t0.Add(10 * time.Minute)
	res := actions.Result{RunID: run.info.RunID, ActionID: "clear-redis", Kind: actions.KindCommands, Status: actions.StatusOK,
		Message: "redis-cli exited 0", Output: "$ redis-cli FLUSHALL\nOK", Duration: 420 * time.Millisecond,
		Finished: fin.Add(-5 * time.Second), RecheckAfter: 30 * time.Second,
		MemBefore: &actions.Memory{UsedPercent: 93.4}, MemAfter: &actions.Memory{UsedPercent: 92.9}}
	run.finish(res)
	batch, ok := waitActionCmd(svc, rec, run, r.token, d.Thresholds)().(tea.BatchMsg)
	if !ok || len(batch) != 3 {
		t.Fatalf("wait Cmd returned %d Cmds, want finished, flash and re-check", len(batch))
	}
	m = feed(m, batch[0](), batch[1]())
	v = screen(m)
	for _, want := range []string{"Finished: Clear Redis cache", "✔ OK redis-cli exited 0 · took 0.4 s", "memory 93.4 % → 92.9 % used", "re-checking memory in 25 s", "✔ clear-redis: ✔ OK — redis-cli exited 0"} {
		if !strings.Contains(v, want) {
			t.Errorf("finished view lacks %q:\n%s", want, v)
		}
	}
	// Its re-check (run by hand here instead of after 30 s).
	m = feed(m, actionRecheckedMsg{token: r.token, rc: svc.recheck})
	v = screen(m)
	want := "re-check after 30 s: memory 71.2 % used — ● NORMAL, below warning 75 % — freed 2.00 GiB (was 93.4 %)"
	if !strings.Contains(v, want) {
		t.Errorf("re-check not shown; want %q in:\n%s", want, v)
	}
	if diff := cmp.Diff([]string{"started clear-redis pressed y", "finished clear-redis ok"}, rec.events); diff != "" {
		t.Errorf("timeline (-want +got):\n%s", diff)
	}
	m = press(t, m, "enter")
	if m.dlg != nil {
		t.Errorf("enter did not close the finished dialog")
	}
}

func TestRecheckCmdRecordsAndFlashes(t *testing.T) {
	d, svc, rec := actionDeps(false)
	svc.recheck = actions.Recheck{ActionID: "restart-odoo", Known: true, FreedBytes: -(100 << 20),
		Before: &actions.Memory{UsedPercent: 88}, Memory: &actions.Memory{UsedPercent: 89}}
	res := actions.Result{ActionID: "restart-odoo", Kind: actions.KindCommands, Status: actions.StatusOK, RecheckAfter: time.Millisecond}
	batch := recheckActionCmd(svc, rec, res, 7, d.Thresholds)().(tea.BatchMsg)
	if got := batch[0]().(actionRecheckedMsg); got.token != 7 {
		t.Errorf("token %d", got.token)
	}
	fl := batch[1]().(flashMsg)
	want := "restart-odoo: re-check after 0 s: memory 89.0 % used — ▲ HIGH, below critical 95 % — NOT freed: grew by 100 MiB (was 88.0 %)"
	if fl.level != flashWarn || fl.text != want {
		t.Errorf("flash %v %q\nwant %q", fl.level, fl.text, want)
	}
	if diff := cmp.Diff([]string{"rechecked restart-odoo after 1ms"}, rec.events); diff != "" {
		t.Error(diff)
	}
}

func TestAddNote(t *testing.T) {
	d, svc, rec := actionDeps(false)
	m := openPalette(t, d, 120, 40)
	m = typeText(t, m, "note")
	m = press(t, m, "enter")
	m = typeText(t, m, "restarted odoo, token=abc rotated")
	m = press(t, m, "enter")
	if len(svc.started) != 1 || svc.started[0].Note != "restarted odoo, token=abc rotated" {
		t.Fatalf("note not run: %+v", svc.started)
	}
	// A note is a note on the timeline, not an action start.
	run := svc.runs[0]
	run.finish(actions.Result{ActionID: "add-note", Kind: actions.KindNote, Status: actions.StatusOK,
		Note: "restarted odoo, token=*** rotated", Who: actions.Who{User: "root", SudoUser: "alice"}})
	batch := waitActionCmd(svc, rec, run, 1, d.Thresholds)().(tea.BatchMsg)
	if len(batch) != 2 {
		t.Errorf("a note schedules no re-check: %d Cmds", len(batch))
	}
	if diff := cmp.Diff([]string{"note root (sudo from alice): restarted odoo, token=*** rotated"}, rec.events); diff != "" {
		t.Error(diff)
	}
}

func TestActionViewsGolden(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		w, h := sz[0], sz[1]
		d, _, _ := actionDeps(false)
		t.Run(fmt.Sprintf("palette_%dx%d", w, h), func(t *testing.T) {
			m := openPalette(t, d, w, h)
			m = typeText(t, m, "re")
			v := m.View()
			checkBlock(t, v, w, h)
			golden(t, v)
		})
		t.Run(fmt.Sprintf("confirm_high_%dx%d", w, h), func(t *testing.T) {
			m := openPalette(t, d, w, h)
			m = typeText(t, m, "restart-postgresql")
			m = press(t, m, "enter")
			m = typeText(t, m, "restart-post")
			v := m.View()
			checkBlock(t, v, w, h)
			golden(t, v)
		})
	}
	t.Run("read_only_palette_80x24", func(t *testing.T) {
		d, _, _ := actionDeps(true)
		m := openPalette(t, d, 80, 24)
		m = press(t, m, "enter")
		golden(t, m.View())
	})
	t.Run("running_with_output_80x24", func(t *testing.T) {
		d, _, _ := actionDeps(false)
		m := openPalette(t, d, 80, 24)
		m = typeText(t, m, "rotate")
		m = press(t, m, "enter")
		for range 20 {
			m = press(t, m, "down")
		}
		m = press(t, m, "y")
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
		d, svc, _ := actionDeps(false)
		m := openPalette(t, d, 120, 40)
		m = typeText(t, m, "restart-odoo")
		m = press(t, m, "enter", "y")
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
	d, _, _ := actionDeps(true)
	if fl, ok := signalActionCmd(d, DefaultKeyMap(true), actions.Target{PID: 1})().(flashMsg); !ok || fl.text != readOnlyWhy {
		t.Errorf("read-only signal: %+v", fl)
	}
	// Opened by a panel that does not know the screen size: a plan that
	// would fit a big screen still counts as unseen until scrolled at 80×24.
	d, _, _ = actionDeps(false)
	dlg, _ := newConfirmDialog(d, DefaultKeyMap(false), manyCommands(), nil, 0, 0)
	if dlg.(*confirmDialog).seenEnd {
		t.Error("20 commands counted as seen on an unknown screen")
	}
}

// TestLongCommandsWrapNotCut: what will run is shown in full at 80×24,
// wrapped over lines, never cut with an ellipsis.
func TestLongCommandsWrapNotCut(t *testing.T) {
	d, svc, _ := actionDeps(false)
	svc.preview = actions.Preview{Columns: []string{"rows_to_delete_from", "rows"}, Rows: [][]string{{"ir_cache", "7"}}, Message: "1 row(s)"}
	m := openPalette(t, d, 80, 24)
	m = typeText(t, m, "clear-odoo")
	var dialogText strings.Builder
	collect := func() {
		dialogText.Reset()
		for _, l := range strings.Split(screen(m), "\n") {
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
		t.Errorf("palette cuts the SQL:\n%s", screen(m))
	}
	m = press(t, m, "enter")
	collect()
	if !strings.Contains(norm(dialogText.String()), sql) {
		t.Errorf("confirmation cuts the SQL:\n%s", screen(m))
	}
}
