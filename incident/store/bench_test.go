package store

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/incident/incidenttest"
)

// BenchmarkAppend is one event written and fdatasynced: the cost the ui
// pays before it shows an event as recorded.
func BenchmarkAppend(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "i.jsonl"), "db1", t0)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ev := incident.Event{At: t0, Data: incident.MemSample{UsedPct: 91.3, SwapUsedBytes: 700 << 20, SwapTotalBytes: 2 << 30}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ev.At = t0.Add(time.Duration(i) * time.Second)
		if _, err := s.Append(ev); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad100k reads a 100,000-event timeline (the bound: under
// one second).
func BenchmarkLoad100k(b *testing.B) {
	path := incidenttest.BigTimeline(b, 100_000)
	fi, _ := os.Stat(path)
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l, err := Load(path)
		if err != nil {
			b.Fatal(err)
		}
		if len(l.Events) != 100_000 || len(l.Problems) != 0 {
			b.Fatalf("%d events, %d problems", len(l.Events), len(l.Problems))
		}
	}
}

// BenchmarkRender100k renders the report of that timeline.
func BenchmarkRender100k(b *testing.B) {
	l, err := Load(incidenttest.BigTimeline(b, 100_000))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		incident.Render(l, t0)
	}
}

// BenchmarkReportFile100k is `memtui report` on that timeline: read
// streaming, rendered, written to a file.
func BenchmarkReportFile100k(b *testing.B) {
	path := incidenttest.BigTimeline(b, 100_000)
	out := filepath.Join(b.TempDir(), "r.md")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := ReportFile(ReportRequest{Incident: path, Out: out, Now: t0}); err != nil {
			b.Fatal(err)
		}
	}
}
