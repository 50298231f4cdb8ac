package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// TestMemoryFactsNotCutAt120: at 120×40 the memory facts column held 46
// cells and cut the time to full, swap, paging and pressure lines.
func TestMemoryFactsNotCutAt120(t *testing.T) {
	m := New(testDeps(&fakeMemory{readings: risingSeries()}))
	m = feed(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	m = feed(m, sampled(risingSeries())...)
	v := ansi.Strip(m.View())
	for _, want := range []string{"full in ~15 min at this rate", "cached 40.0 MiB", "major faults 60/s", "full 4.0/2.5/0.9 %", "slab↺ 180 MiB"} {
		if !strings.Contains(v, want) {
			t.Errorf("120×40 memory panel lacks %q:\n%s", want, v)
		}
	}
}

// TestHelpListsEachKeyOnce: the help listed x twice (end the incident,
// cancel action); a key means one thing on the help screen.
func TestHelpListsEachKeyOnce(t *testing.T) {
	seen := map[string]string{}
	for _, g := range DefaultKeyMap(false).helpGroups() {
		for _, b := range g.keys {
			k := b.Help().Key
			if prev, dup := seen[k]; dup {
				t.Errorf("key %q listed twice: %q and %q", k, prev, b.Help().Desc)
			}
			seen[k] = b.Help().Desc
		}
	}
}

// TestProcKeysElsewhereSayHowToGetThere: s, g, m, d and K do nothing
// outside the process panel; they say where they work and how to get there.
func TestProcKeysElsewhereSayHowToGetThere(t *testing.T) {
	m := procModel(120, 40)
	m = feed(m, tea.KeyMsg{Type: tea.KeyShiftTab}) // back to memory
	for _, tc := range []struct {
		focus panelID
		want  string
	}{
		{pMem, "press tab, then the key again"},
		{pPG, "press shift+tab, then the key again"},
		{pOOM, "press shift+tab 2 times, then the key again"},
		{pTimeline, "press tab 2 times, then the key again"},
	} {
		m.setFocus(tc.focus)
		for _, k := range []string{"s", "g", "m", "d"} {
			next, cmd := m.Update(procKeyMsg(k))
			if cmd == nil {
				t.Fatalf("%s with focus %v: nothing said", k, tc.focus)
			}
			fl, ok := cmd().(flashMsg)
			if !ok || !strings.Contains(fl.text, k+" works in the Processes panel: "+tc.want) {
				t.Errorf("%s with focus %v: %+v", k, tc.focus, fl)
			}
			if next.(Model).procs.sort != m.procs.sort || next.(Model).procs.groups {
				t.Errorf("%s with focus %v changed the process panel", k, tc.focus)
			}
		}
	}
}

// TestChartAxisLabelsTheLevels: the y axis read 80/53/27/0 on a short
// chart; it now labels 0, 50 and the three levels, each on the row its
// dotted level line is drawn on, and nothing else.
func TestChartAxisLabelsTheLevels(t *testing.T) {
	p := newMemPanel(testDeps(&fakeMemory{}).withDefaults())
	for _, rows := range []int{6, 10, 13, 30} {
		yf := p.yLabels(rows)
		var got []string
		for i := 0; i <= rows; i++ {
			if l := strings.TrimSpace(yf(i, float64(i)*100/float64(rows))); l != "" {
				got = append(got, l)
			}
		}
		want := "0 50 75 85 95"
		if rows < 10 {
			want = "0 50 85 95" // 75 and 85 share a row: the higher level wins
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%d rows: labels %q, want %q", rows, strings.Join(got, " "), want)
		}
	}
}
