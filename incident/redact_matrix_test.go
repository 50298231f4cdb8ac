package incident_test

import (
	"testing"
	"time"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/incident/incidenttest"
	"github.com/memtui/memtui/internal/redact/redacttest"
)

// TestReportRedactsMatrix renders a report from a timeline that holds the
// secrets raw, as a file written before redaction (or by hand) would: the
// report redacts again on its own.
func TestReportRedactsMatrix(t *testing.T) {
	for _, c := range redacttest.Matrix {
		t.Run(c.Name, func(t *testing.T) {
			l := &incident.Log{Path: "/var/lib/x.jsonl", Header: incident.Header{Format: incident.Format, Version: 1, Host: "h"}, Events: incidenttest.MatrixEvents(c, t0)}
			md := incident.Render(l, t0.Add(time.Hour))
			redacttest.CheckAbsent(t, "report", c, string(md))
		})
	}
}
