package incident

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkAppend is one event written and fdatasynced: the cost the ui
// pays before it shows an event as recorded.
func BenchmarkAppend(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "i.jsonl"), "db1", t0)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ev := Event{At: t0, Data: MemSample{UsedPct: 91.3, SwapUsedBytes: 700 << 20, SwapTotalBytes: 2 << 30}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ev.At = t0.Add(time.Duration(i) * time.Second)
		if _, err := s.Append(ev); err != nil {
			b.Fatal(err)
		}
	}
}

// bigTimeline writes a 100,000-event timeline the way a long incident
// looks: mostly memory samples, with the other kinds mixed in. It is written
// without fsync (straight encoding) to keep the setup fast.
func bigTimeline(b *testing.B, n int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "big.jsonl")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	f.WriteString(`{"format":"memtui-incident","version":1,"host":"db1","created":"2026-11-28T09:00:00Z"}` + "\n")
	// One incident: a Started first, then every other kind but Ended mixed
	// in, so the report covers all 100,000 events.
	all := allEvents()
	others := all[1 : len(all)-1]
	buf := make([]byte, 0, 1<<20)
	for i := 0; i < n; i++ {
		ev := Event{At: t0.Add(time.Duration(i) * 5 * time.Second), Writer: "1234-abcd", Seq: uint64(i + 1)}
		switch {
		case i == 0:
			ev.Data = all[0].Data
		case i%20 == 0:
			ev.Data = others[(i/20)%len(others)].Data
		default:
			ev.Data = MemSample{UsedPct: 80 + float64(i%150)/10, SwapUsedBytes: uint64(i) << 12, SwapTotalBytes: 2 << 30}
		}
		line, err := ev.MarshalJSON()
		if err != nil {
			b.Fatal(err)
		}
		buf = append(append(buf, line...), '\n')
		if len(buf) > 900<<10 {
			f.Write(buf)
			buf = buf[:0]
		}
	}
	f.Write(buf)
	f.Close()
	return path
}

// BenchmarkLoad100k reads a 100,000-event timeline (the bound: under
// one second).
func BenchmarkLoad100k(b *testing.B) {
	path := bigTimeline(b, 100_000)
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
	l, err := Load(bigTimeline(b, 100_000))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Render(l, t0)
	}
}

// BenchmarkReportFile100k is `memtui report` on that timeline: read
// streaming, rendered, written to a file.
func BenchmarkReportFile100k(b *testing.B) {
	path := bigTimeline(b, 100_000)
	out := filepath.Join(b.TempDir(), "r.md")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := ReportFile(ReportRequest{Incident: path, Out: out, Now: t0}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkObserve is the detector's cost per reading (once per interval).
func BenchmarkObserve(b *testing.B) {
	d := NewDetector(Config{})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d.Observe(Reading{At: t0.Add(time.Duration(i) * time.Second), UsedPct: 90 + float64(i%7), SwapTotalBytes: 1 << 30, SwapUsedBytes: uint64(i%100) << 20, OOMKnown: true})
	}
}
