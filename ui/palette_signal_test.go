package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/probes"
)

// sigModel is the dashboard at w×h with the built-in runbook, one process
// scan shown and focus on the process panel.
func sigModel(t *testing.T, w, h int, readOnly bool) (Model, *fakeActions) {
	t.Helper()
	src := &fakeProcSource{results: []probes.ProcScanResult{procScanResult(procOdooHost(t0))}}
	d := procTestDeps(src)
	svc := &fakeActions{acts: actions.Builtin(actions.Options{})}
	d.Actions, d.Incident, d.ReadOnly = svc, testSession(&fakeTimeline{}, d.Now), readOnly
	m := New(d)
	m = feed(m, tea.WindowSizeMsg{Width: w, Height: h}, memSampledMsg{at: t0, mem: memAt(t0, 93, 60, 1000)})
	m = feed(m, procScanned(m, procOdooHost(t0)), procKeyMsg("tab"))
	if m.focus != pProcs {
		t.Fatalf("focus %v, want the process panel", m.focus)
	}
	return m, svc
}

// sigPress sends keys, running the Cmds (sequences too) as the program would.
func sigPress(t *testing.T, m Model, keys ...string) Model {
	t.Helper()
	for _, k := range keys {
		next, cmd := m.Update(procKeyMsg(k))
		m = palRunCmd(t, next.(Model), cmd)
	}
	return m
}

// TestSignalSelectedProcessKey: K on the process panel opens the signal
// confirmation for the selected row, saying pid, name, RSS and TERM then
// KILL; confirming sends the run that very process, start time included.
func TestSignalSelectedProcessKey(t *testing.T) {
	for _, size := range []struct{ w, h int }{{80, 24}, {120, 40}} {
		m, svc := sigModel(t, size.w, size.h, false)
		m = sigPress(t, m, "down") // second by RSS: pid 820, odoo-bin, 1126 MiB
		if got := procSelected(m); got != 820 {
			t.Fatalf("%dx%d: selected pid %d, want 820", size.w, size.h, got)
		}
		m = sigPress(t, m, "K")
		c, ok := m.dlg.(*confirmDialog)
		if !ok {
			t.Fatalf("%dx%d: K opened %T, want the signal confirmation", size.w, size.h, m.dlg)
		}
		if c.a.Kind != actions.KindSignal || c.target == nil || c.target.PID != 820 || c.target.StartTicks != 8200 {
			t.Fatalf("%dx%d: confirmation of %s for %+v", size.w, size.h, c.a.ID, c.target)
		}
		v := palScreen(m)
		for _, want := range []string{"Confirm: Signal the selected process", "kill -TERM 820 (odoo-bin, RSS 1.10 GiB)", "if still running: kill -KILL 820"} {
			if !strings.Contains(v, want) {
				t.Errorf("%dx%d: confirmation lacks %q:\n%s", size.w, size.h, want, v)
			}
		}
		m = sigPress(t, m, "y")
		if len(svc.started) != 1 || svc.started[0].Target == nil || svc.started[0].Target.PID != 820 || svc.started[0].Target.Comm != "odoo-bin" {
			t.Fatalf("%dx%d: runs started: %+v", size.w, size.h, svc.started)
		}
	}
}

// TestSignalKeyRefusals: no process selected (group view) or read-only:
// nothing opens, and read-only drops the key from the help.
func TestSignalKeyRefusals(t *testing.T) {
	m, _ := sigModel(t, 120, 40, false)
	m = sigPress(t, m, "g")
	next, cmd := m.Update(procKeyMsg("K"))
	m = next.(Model)
	fl, ok := cmd().(flashMsg)
	if m.dlg != nil || !ok || fl.level != flashWarn || !strings.Contains(fl.text, "program group is selected") {
		t.Errorf("K on a group: dialog %T, flash %+v", m.dlg, fl)
	}

	m, svc := sigModel(t, 120, 40, true)
	m = sigPress(t, m, "K")
	if m.dlg != nil || len(svc.started) != 0 {
		t.Errorf("read-only K opened %T", m.dlg)
	}
	if m.keys.ProcSignal.Enabled() {
		t.Error("read-only leaves the signal key enabled")
	}
}

// TestPaletteTargetsTheSelectedProcess: the palette opened from the process
// panel names the selected process and aims signal-process at it; opened
// from another panel it has no target.
func TestPaletteTargetsTheSelectedProcess(t *testing.T) {
	m, svc := sigModel(t, 120, 40, false)
	m = sigPress(t, m, ":")
	p, ok := m.dlg.(*paletteDialog)
	if !ok || p.target == nil || p.target.PID != 823 {
		t.Fatalf("palette %T with target %+v, want pid 823 (largest RSS)", m.dlg, p.target)
	}
	if v := palScreen(m); !strings.Contains(v, "target: pid 823 odoo-bin · RSS 1.60 GiB (selected in the process panel)") {
		t.Errorf("palette does not say its target:\n%s", v)
	}
	m = palType(t, m, "signal")
	m = palPress(t, m, "enter", "y")
	if len(svc.started) != 1 || svc.started[0].Target == nil || svc.started[0].Target.PID != 823 {
		t.Fatalf("signal from the palette started %+v", svc.started)
	}

	m, _ = sigModel(t, 120, 40, false)
	m = sigPress(t, m, "tab") // away from the process panel
	m = sigPress(t, m, ":")
	if p, ok := m.dlg.(*paletteDialog); !ok || p.target != nil {
		t.Fatalf("palette from another panel: %T target %+v", m.dlg, p)
	}
	if strings.Contains(palScreen(m), "target: pid") {
		t.Errorf("palette names a target it does not have:\n%s", palScreen(m))
	}
}

// TestSignalPostgresIsHighRisk: K on a PostgreSQL backend (or the
// postmaster) is high risk — the id typed out, never one y — and the
// confirmation says a backend's SIGKILL restarts the whole cluster and
// points at pg_terminate_backend, at 80×24 too.
func TestSignalPostgresIsHighRisk(t *testing.T) {
	for _, size := range []struct{ w, h int }{{80, 24}, {120, 40}} {
		for _, pick := range []struct {
			downs int
			pid   int
		}{{4, 903}, {7, 900}} {
			m, svc := sigModel(t, size.w, size.h, false)
			for range pick.downs {
				m = sigPress(t, m, "down")
			}
			if got := procSelected(m); got != int32(pick.pid) {
				t.Fatalf("selected %d, want %d", got, pick.pid)
			}
			m = sigPress(t, m, "K")
			c, ok := m.dlg.(*confirmDialog)
			if !ok || c.a.Risk != actions.RiskHigh {
				t.Fatalf("%dx%d pid %d: %T, want a high-risk confirmation", size.w, size.h, pick.pid, m.dlg)
			}
			v := strings.Join(strings.Fields(strings.Join(c.content(), " ")), " ")
			for _, want := range []string{"PostgreSQL process", "restarts the whole cluster", fmt.Sprintf("pg_terminate_backend(%d)", pick.pid)} {
				if !strings.Contains(v, want) {
					t.Errorf("%dx%d pid %d: the warning lacks %q:\n%s", size.w, size.h, pick.pid, want, v)
				}
			}
			if s := palScreen(m); !strings.Contains(s, "HIGH RISK — type "+c.a.ID) {
				t.Errorf("%dx%d: no typed-id prompt:\n%s", size.w, size.h, s)
			}
			m = sigPress(t, m, "y", "enter")
			if len(svc.started) != 0 {
				t.Errorf("%dx%d: y and enter signalled PostgreSQL: %+v", size.w, size.h, svc.started)
			}
		}
	}
}
