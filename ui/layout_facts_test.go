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
