package incident_test

import (
	"testing"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/incident/incidenttest"
)

// The shared fixtures under the short names the tests were written with.
var (
	t0 = incidenttest.T0
	ip = incidenttest.IP
	up = incidenttest.UP
	tp = incidenttest.TP
)

// TestFixedClockAgrees: the package's internal tests and the shared
// fixtures run on the same clock.
func TestFixedClockAgrees(t *testing.T) {
	if !incident.FixedClock().Equal(t0) {
		t.Fatalf("internal t0 %v, incidenttest.T0 %v", incident.FixedClock(), t0)
	}
}
