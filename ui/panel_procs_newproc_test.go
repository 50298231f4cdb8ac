package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// TestProcNewLargeProcessNextFrame: a dashboard that has run for a long
// time (1,500 scans, the user having moved the selection) lists a new large
// process at its rank on the frame after the scan that found it, at every
// size.
func TestProcNewLargeProcessNextFrame(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := procModel(sz[0], sz[1])
			m = procPress(m, "down", "down")
			at := t0
			for range 1500 {
				at = at.Add(time.Second)
				m = feed(m, procScanned(m, procOdooHost(at)))
			}
			tab := procOdooHost(at.Add(time.Second))
			leaker := mkProc(31337, 1, "odoo", "leaker", "/usr/local/bin/leaker --grow", 3100, 0, 0)
			leaker.GrowthOK = false
			tab.Procs = append(tab.Procs, leaker)
			m = feed(m, procScanned(m, tab))
			v := ansi.Strip(m.View())
			var rows []string
			for _, l := range strings.Split(v, "\n") {
				if strings.Contains(l, "leaker") || strings.Contains(l, "odoo-bin") {
					rows = append(rows, l)
				}
			}
			if len(rows) == 0 || !strings.Contains(rows[0], "31337") {
				t.Errorf("the new 3 GiB process is not the first row:\n%s", v)
			}
		})
	}
}
