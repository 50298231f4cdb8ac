package incident_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/incident/incidenttest"
)

func TestReport(t *testing.T) {
	tests := []struct {
		name     string
		now      time.Time
		evs      []incident.Event
		problems []incident.Problem
		// the markdown must hold this many tables and mermaid charts
		tables, charts int
	}{
		{"quiet", t0.Add(time.Hour), incidenttest.QuietIncident(), nil, 1, 1},
		{"actions_and_oom", t0.Add(time.Hour), incidenttest.BusyIncident(true), nil, 3, 1},
		{"in_progress", t0.Add(30*time.Minute + 20*time.Second), incidenttest.BusyIncident(false), []incident.Problem{{Line: 40, Offset: 12345, Err: incident.ErrString("unexpected end of JSON input")}}, 3, 1},
		{"empty", t0, nil, nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &incident.Log{Path: "/var/lib/x.jsonl", Header: incident.Header{Format: incident.Format, Version: 1, Host: "h"}, Events: tt.evs, Problems: tt.problems}
			md := incident.Render(l, tt.now)
			incident.Golden(t, tt.name, md)
			tables, charts := incident.CheckMarkdown(t, md)
			if tables != tt.tables || charts != tt.charts {
				t.Errorf("%d tables and %d mermaid charts, want %d and %d", tables, charts, tt.tables, tt.charts)
			}
			for _, secret := range []string{"hunter2", "s3cret"} {
				if bytes.Contains(md, []byte(secret)) {
					t.Errorf("report prints the secret %q", secret)
				}
			}
		})
	}
}
