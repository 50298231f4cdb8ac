package record

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// BenchmarkHour records one simulated hour of a host with 2,000
// processes — memory every second, the top 50 every 5 s — and reports the
// file's bytes per hour and per 24 h (target: under 50 MB a day).
func BenchmarkHour(b *testing.B) {
	// 36 lines is what a 30 s block (BlockAge) holds at one memory line a
	// second and a process line every 5 s: the block size of a real run.
	benchHour(b, WriterOptions{BlockLines: 36})
}

// BenchmarkHourBlocks120 is the same hour in blocks of 120 lines (a
// 2-minute BlockAge): how much the crash window costs in size.
func BenchmarkHourBlocks120(b *testing.B) {
	benchHour(b, WriterOptions{BlockLines: 120, BlockAge: time.Hour})
}

func benchHour(b *testing.B, o WriterOptions) {
	dir := b.TempDir()
	var size int64
	for i := 0; b.Loop(); i++ {
		path := filepath.Join(dir, "rec"+strconv.Itoa(i))
		w := writeFake(b, path, 3600, 2000, 50, o)
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		st, _ := os.Stat(path)
		size = st.Size()
		os.Remove(path)
	}
	b.ReportMetric(float64(size), "bytes/hour")
	b.ReportMetric(float64(size)*24/1e6, "MB/24h")
}

// BenchmarkMemorySample is the cost of recording one memory reading
// (once a second).
func BenchmarkMemorySample(b *testing.B) {
	w, err := Create(filepath.Join(b.TempDir(), "rec"), Header{}, WriterOptions{BlockLines: 1 << 30, BlockBytes: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	m := fakeMemory(5)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := w.Memory(m); err != nil {
			b.Fatal(err)
		}
		if i%120 == 119 {
			if err := w.Flush(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkProcessSample is the cost of recording the top 50 of a
// 2,000-process table (every 5 s), compression included: one block of
// 120 lines holds about 24 of them.
func BenchmarkProcessSample(b *testing.B) {
	w, err := Create(filepath.Join(b.TempDir(), "rec"), Header{}, WriterOptions{BlockLines: 1 << 30, BlockBytes: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	t := fakeTable(2000, 1)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := w.Processes(t, 50); err != nil {
			b.Fatal(err)
		}
		if i%24 == 23 {
			if err := w.Flush(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkLoadHour loads an hour at 2,000 processes and reports the heap
// the loaded recording keeps (a replay holds it whole).
func BenchmarkLoadHour(b *testing.B) {
	path := filepath.Join(b.TempDir(), "rec")
	if err := writeFake(b, path, 3600, 2000, 50, WriterOptions{BlockLines: 36}).Close(); err != nil {
		b.Fatal(err)
	}
	rec, kept := loadKept(b, path, Window{})
	b.ReportMetric(kept, "MB-kept/hour")
	b.ReportMetric(float64(rec.kept)/1e6, "MB-counted/hour") // against Window.MaxBytes
}

// loadKept loads what w keeps of path at each iteration and gives the
// last load and the MB of heap it holds.
func loadKept(b *testing.B, path string, w Window) (*Recording, float64) {
	var rec *Recording
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for b.Loop() {
		var err error
		if rec, err = LoadWindow(path, w); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(rec)
	return rec, float64(after.HeapAlloc-before.HeapAlloc) / 1e6
}

// BenchmarkLoadWindow loads the third hour (and the chart's 10 minutes
// before it) of a four-hour recording at 2,000 processes: the heap kept is
// the window's, and the time is what reading past the hours before costs.
func BenchmarkLoadWindow(b *testing.B) {
	path := filepath.Join(b.TempDir(), "rec")
	if err := writeFake(b, path, 4*3600, 2000, 50, WriterOptions{BlockLines: 36}).Close(); err != nil {
		b.Fatal(err)
	}
	w := Window{From: t0.Add(2 * time.Hour), To: t0.Add(3 * time.Hour), Lead: 10 * time.Minute}
	rec, kept := loadKept(b, path, w)
	if len(rec.Mem) != 70*60+1 {
		b.Fatalf("%d memory samples kept, want 70 minutes' worth", len(rec.Mem))
	}
	b.ReportMetric(kept, "MB-kept")
}
