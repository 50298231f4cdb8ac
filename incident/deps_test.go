package incident

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyRule: incident records and renders; it never imports the ui,
// Bubble Tea, Lip Gloss, ntcharts, the actions, its own store or the probes
// (docs/DESIGN.md): the ui takes its types from here and must read nothing.
func TestDependencyRule(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/memtui/memtui/ui", "github.com/memtui/memtui/actions", "github.com/memtui/memtui/incident/store", "github.com/memtui/memtui/probes", "github.com/charmbracelet/", "github.com/NimbleMarkets/"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("incident depends on %s", dep)
			}
		}
	}
}
