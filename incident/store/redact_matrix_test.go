package store

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/incident/incidenttest"
	"github.com/memtui/memtui/internal/redact/redacttest"
)

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
			for _, ev := range incidenttest.MatrixEvents(c, t0) {
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
				case incident.Note:
					redacttest.Check(t, "note", c, v.Text)
				case incident.ReportField:
					redacttest.Check(t, "report field", c, v.Value)
				case incident.ActionFinished:
					redacttest.Check(t, "action output", c, v.OutputTail)
				}
			}
		})
	}
}
