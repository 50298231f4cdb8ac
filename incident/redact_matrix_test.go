package incident

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/memtui/memtui/internal/redact/redacttest"
)

// matrixEvents puts one case of the redaction matrix in every free-text
// field of the timeline: an action's argv and output, a note, a report field
// and the incident's reasons.
func matrixEvents(c redacttest.Case, at time.Time) []Event {
	argv := c.Argv
	if argv == nil {
		argv = []string{"sh", "-c", c.Text}
	}
	return []Event{
		{At: at, Data: Started{Host: "h", Reason: c.Text}},
		{At: at, Data: ActionStarted{Run: "r1", Action: "a", Name: "A", Risk: "low", Commands: [][]string{argv}, Confirmation: c.Text}},
		{At: at.Add(time.Second), Data: ActionFinished{Run: "r1", Action: "a", Exit: ip(0), Duration: Duration(time.Second),
			Commands: []CommandResult{{Argv: argv, Exit: ip(0), Error: c.Text}}, Error: c.Text, OutputTail: c.Text + "\n"}},
		{At: at.Add(2 * time.Second), Data: Note{Author: "alice", Text: c.Text}},
		{At: at.Add(3 * time.Second), Data: ReportField{Field: FieldRootCause, Value: c.Text, Author: "alice"}},
		{At: at.Add(4 * time.Second), Data: ReportField{Field: FieldResolution, Value: c.Text, Author: "alice"}},
		{At: at.Add(5 * time.Second), Data: Escalation{Stage: StagePageOnCall, Reason: c.Text}},
		{At: at.Add(6 * time.Second), Data: Ended{Reason: c.Text}},
	}
}

// TestTimelineRedactsMatrix appends every case through the store (the
// timeline's only write path) and reads the file back: no field keeps a
// secret, and notes and report fields still read.
func TestTimelineRedactsMatrix(t *testing.T) {
	for _, c := range redacttest.Matrix {
		t.Run(c.Name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "i.jsonl")
			s, err := Open(path, "db1", t0)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range matrixEvents(c, t0) {
				if _, err := s.Append(ev); err != nil {
					t.Fatal(err)
				}
			}
			s.Close()
			l, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(l.Events)
			redacttest.CheckAbsent(t, "timeline file", c, string(b))
			for _, ev := range l.Events {
				switch v := ev.Data.(type) {
				case Note:
					redacttest.Check(t, "note", c, v.Text)
				case ReportField:
					redacttest.Check(t, "report field", c, v.Value)
				case ActionFinished:
					redacttest.Check(t, "action output", c, v.OutputTail)
				}
			}
		})
	}
}

// TestReportRedactsMatrix renders a report from a timeline that holds the
// secrets raw, as a file written before redaction (or by hand) would: the
// report redacts again on its own.
func TestReportRedactsMatrix(t *testing.T) {
	for _, c := range redacttest.Matrix {
		t.Run(c.Name, func(t *testing.T) {
			l := &Log{Path: "/var/lib/x.jsonl", Header: Header{Format: Format, Version: 1, Host: "h"}, Events: matrixEvents(c, t0)}
			md := Render(l, t0.Add(time.Hour))
			redacttest.CheckAbsent(t, "report", c, string(md))
		})
	}
}
