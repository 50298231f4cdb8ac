package store

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/incident/incidenttest"
)

func TestRoundTripEveryKind(t *testing.T) {
	path := filepath.Join(t.TempDir(), "i.jsonl")
	s, err := Open(path, "db1", t0)
	if err != nil {
		t.Fatal(err)
	}
	var want []incident.Event
	for _, ev := range incidenttest.AllEvents() {
		got, err := s.Append(ev)
		if err != nil {
			t.Fatalf("append %s: %v", ev.Kind(), err)
		}
		want = append(want, got)
	}
	s.Close()
	l, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Problems) > 0 {
		t.Errorf("problems: %v", l.Problems)
	}
	if diff := cmp.Diff(want, l.Events); diff != "" {
		t.Errorf("round trip (-appended +loaded):\n%s", diff)
	}
	// Appended events keep their content apart from writer and sequence.
	for i, ev := range incidenttest.AllEvents() {
		got := l.Events[i]
		if got.Writer != s.Writer() || got.Seq != uint64(i+1) {
			t.Errorf("event %d: writer %q seq %d, want %q %d", i, got.Writer, got.Seq, s.Writer(), i+1)
		}
		got.Writer, got.Seq = "", 0
		if diff := cmp.Diff(ev, got); diff != "" {
			t.Errorf("event %d content changed:\n%s", i, diff)
		}
	}
	if l.Header.Format != incident.Format || l.Header.Version != incident.Version || l.Header.Host != "db1" || !l.Header.Created.Equal(t0) {
		t.Errorf("header %+v", l.Header)
	}
}

// TestAppendRedactsAndBounds: secrets never reach the file, and output is bounded.
func TestAppendRedactsAndBounds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "i.jsonl")
	s, err := Open(path, "db1", t0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	long := strings.Repeat("x", 3*incident.MaxOutputTail) + " password=hunter2"
	evs := []incident.Event{
		{At: t0, Data: incident.ActionStarted{Run: "r", Action: "a", Commands: [][]string{{"psql", "postgres://u:hunter2@h/db"}}}},
		{At: t0, Data: incident.ActionFinished{Run: "r", Action: "a", OutputTail: long, Error: "PGPASSWORD=hunter2"}},
		{At: t0, Data: incident.Note{Text: "the DSN is postgres://u:hunter2@h/db"}},
		{At: t0, Data: incident.ReportField{Field: incident.FieldResolution, Value: "token: hunter2"}},
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
	b, _ := json.Marshal(l.Events)
	if strings.Contains(string(b), "hunter2") {
		t.Errorf("secret written to the timeline: %s", b)
	}
	out := l.Events[1].Data.(incident.ActionFinished).OutputTail
	if len(out) > incident.MaxOutputTail+len("…") || !strings.HasSuffix(out, "password=***") {
		t.Errorf("output tail %d bytes, ends %q", len(out), out[max(0, len(out)-20):])
	}
}
