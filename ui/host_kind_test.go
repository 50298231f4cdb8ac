package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// whyReplay is probes/host.WhyReplay (the ui may not import that package:
// it opens PostgreSQL sessions); main passes it in Deps.ReadOnlyWhy.
const whyReplay = "replaying a captured tree: actions run only on a live host"

// replayDeps are a dashboard on a captured tree, as main builds it.
func replayDeps() (Deps, *fakeActions) {
	d, svc, _ := palDeps(true)
	d.Host.Name, d.Host.Kind = "odoo-db-1", "replay"
	d.ReadOnlyWhy = whyReplay
	d.PGOffWhy = "PostgreSQL is not read in a replay: give --pg DSN to watch one anyway"
	return d, svc
}

// TestReplayBanner: a replay names itself in the top line at every size,
// before anything else can be cut, and drops the redundant READ-ONLY.
func TestReplayBanner(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		w, h := sz[0], sz[1]
		t.Run(fmt.Sprintf("replay_%dx%d", w, h), func(t *testing.T) {
			d, _ := replayDeps()
			rs := risingSeries()
			d.Memory = &fakeMemory{readings: rs}
			m := New(d)
			m = feed(m, tea.WindowSizeMsg{Width: w, Height: h})
			m = feed(m, sampled(rs)...)
			v := m.View()
			checkBlock(t, v, w, h)
			top := strings.SplitN(palScreen(m), "\n", 2)[0]
			if !strings.Contains(top, "▶ REPLAY") || !strings.Contains(top, "odoo-db-1") {
				t.Errorf("top line lacks the REPLAY banner and the captured host: %q", top)
			}
			if strings.Contains(top, "READ-ONLY") {
				t.Errorf("top line says READ-ONLY beside REPLAY: %q", top)
			}
			if w == 200 && !strings.Contains(palScreen(m), "PostgreSQL is not read in a replay") {
				t.Errorf("the PostgreSQL panel does not say why it is empty:\n%s", palScreen(m))
			}
			golden(t, v)
		})
	}
	// A live host has no banner.
	m := New(testDeps(&fakeMemory{readings: risingSeries()}))
	m = feed(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	if strings.Contains(palScreen(m), "REPLAY") {
		t.Error("a live host shows a REPLAY banner")
	}
}

// TestReplayPaletteSaysWhy: the palette, its enter key and the process
// signal key all give the host's reason, and nothing runs.
func TestReplayPaletteSaysWhy(t *testing.T) {
	d, svc := replayDeps()
	m := palOpen(t, d, 80, 24)
	v := palScreen(m)
	if !strings.Contains(v, "ACTIONS OFF") || !strings.Contains(strings.Join(strings.Fields(v), " "), "replaying a captured tree") {
		t.Errorf("replay palette does not say why actions are off:\n%s", v)
	}
	if strings.Contains(v, "--read-only") {
		t.Errorf("replay palette blames --read-only:\n%s", v)
	}
	m = palType(t, m, "redis")
	m = palPress(t, m, "enter")
	if !strings.Contains(palScreen(m), whyReplay) {
		t.Errorf("enter in a replay palette does not say why:\n%s", palScreen(m))
	}
	m = palPress(t, m, "y")
	if len(svc.started) != 0 {
		t.Fatal("a replay ran an action")
	}

	// K (signal the selected process) says why instead of doing nothing.
	m = New(d)
	m = feed(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	_, cmd := m.Update(palKey("K"))
	if cmd == nil {
		t.Fatal("K under read-only returns nothing: it must say why")
	}
	if f, ok := cmd().(flashMsg); !ok || f.text != whyReplay {
		t.Errorf("K flashed %#v, want %q", f, whyReplay)
	}
	// Under --read-only the same key gives the flag's reason.
	d.ReadOnlyWhy = ""
	m = New(d)
	_, cmd = m.Update(palKey("K"))
	if f, ok := cmd().(flashMsg); !ok || f.text != readOnlyWhy {
		t.Errorf("--read-only: K flashed %#v, want %q", f, readOnlyWhy)
	}
}
