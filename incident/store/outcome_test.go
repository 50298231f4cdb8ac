package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/memtui/memtui/incident"
)

// TestActionOutcomeRoundTrip: the per-step outcomes reach the file and come
// back, redacted, and the timeline line leads with them.
func TestActionOutcomeRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "i.jsonl")
	s, err := Open(path, "db1", t0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	evs := []incident.Event{
		{At: t0, Data: incident.ActionFinished{Run: "r1", Action: "clear-odoo-caches", Status: "ok", Outcome: "DELETE 5000; DELETE 100", Duration: incident.Duration(40 * time.Millisecond),
			Commands: []incident.CommandResult{{Argv: []string{"SQL statement 1"}, Status: "ok", Outcome: "DELETE 5000"}, {Argv: []string{"SQL statement 2"}, Status: "ok", Outcome: "DELETE 100"}}}},
		{At: t0, Data: incident.ActionFinished{Run: "r2", Action: "signal-process", Status: "ok", Outcome: "pid 1234 (odoo-bin) exited 1.2s after SIGTERM", Duration: incident.Duration(1250 * time.Millisecond)}},
		{At: t0, Data: incident.ActionFinished{Run: "r3", Action: "x", Status: "failed", Outcome: "failed: password=hunter2 rejected",
			Commands: []incident.CommandResult{{Argv: []string{"SQL statement 1"}, Status: "failed", Outcome: "failed: password=hunter2 rejected"}}}},
	}
	for _, ev := range evs {
		if _, err := s.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	l, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var ok []bool
	for _, ev := range l.Events {
		got = append(got, ev.Summary())
		ok = append(ok, ev.Data.(incident.ActionFinished).Succeeded())
	}
	want := []string{
		"action clear-odoo-caches finished in 40 ms: DELETE 5000; DELETE 100",
		"action signal-process finished in 1.3 s: pid 1234 (odoo-bin) exited 1.2s after SIGTERM",
		"action x finished in 0 s: failed: password=*** rejected",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summaries (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]bool{true, true, false}, ok); diff != "" {
		t.Errorf("succeeded (-want +got):\n%s", diff)
	}
	steps := l.Events[0].Data.(incident.ActionFinished).Commands
	if len(steps) != 2 || steps[1].Outcome != "DELETE 100" || !steps[1].Succeeded() {
		t.Errorf("steps %+v", steps)
	}
	if o := l.Events[2].Data.(incident.ActionFinished).Commands[0].Outcome; o != "failed: password=*** rejected" {
		t.Errorf("step outcome not redacted: %q", o)
	}
}
