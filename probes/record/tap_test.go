package record

import (
	"context"
	"github.com/google/go-cmp/cmp"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/memtui/memtui/probes"
)

type constMemory struct{}

func (constMemory) Read() probes.Memory { return fakeMemory(1) }

// countingProcs counts the scans the recorder makes itself, and the times
// it was told to forget what those scans keep.
type countingProcs struct{ n, forgot atomic.Int32 }

func (c *countingProcs) Forget() { c.forgot.Add(1) }

func (c *countingProcs) Scan(probes.ProcScanRequest) (probes.ProcScanResult, error) {
	c.n.Add(1)
	return probes.ProcScanResult{Table: fakeTable(10, 1)}, nil
}

// TestRecorderTakesHandedTables: with tables handed in (the dashboard's
// own scans), the recorder writes them and does not scan the host again;
// when none come for two ProcEvery (a paused screen), it scans itself.
func TestRecorderTakesHandedTables(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec")
	w, err := Create(path, Header{Host: "db1", Started: t0, Interval: 20, ProcEvery: 100}, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tables := make(chan Handed, 1)
	procs := &countingProcs{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, w, Sources{Memory: constMemory{}, Procs: procs, Tables: tables},
			Config{Interval: 20 * time.Millisecond, ProcEvery: 100 * time.Millisecond, TopN: 5})
	}()
	// Handed a table every 100 ms for a second: no scan of its own, not
	// even at the first sample (its scanner would then hold an entry per
	// process for the whole run).
	for i := range 10 {
		tables <- Hand(fakeTable(10, i), 5)
		time.Sleep(100 * time.Millisecond)
	}
	handed := procs.n.Load()
	if f := procs.forgot.Load(); f != 0 {
		t.Errorf("told its process source to forget %d times before scanning with it", f)
	}
	// Then nothing handed for half a second: it scans itself.
	time.Sleep(500 * time.Millisecond)
	// Tables again: the source's memory of every process is dropped, once.
	for i := range 3 {
		tables <- Hand(fakeTable(10, 20+i), 5)
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	w.Close()
	own := procs.n.Load() - handed
	if handed > 0 {
		t.Errorf("%d scans of its own while tables were handed in", handed)
	}
	if own < 1 {
		t.Error("no scan of its own once no table came")
	}
	// Once after the pause (more only if a slow machine stretched a gap
	// between handed tables into another pause: never more than it scanned).
	if f := procs.forgot.Load(); f < 1 || f > own {
		t.Errorf("told its process source to forget %d times after the pause (%d scans of its own), want at least once and at most once a scan", f, own)
	}
	rec, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Procs) < 10 {
		t.Errorf("%d process readings recorded, want the 10 handed in and more", len(rec.Procs))
	}
	t.Logf("scans of its own: %d while handed tables, %d after; %d readings recorded", handed, own, len(rec.Procs))
}

// TestHandRecordsAsTheWholeTable: a table cut by Hand records the same
// line as the whole table (the count is the whole table's), and the cut is
// a copy the reader may overwrite.
func TestHandRecordsAsTheWholeTable(t *testing.T) {
	tab := fakeTable(2000, 3)
	h := Hand(tab, 50)
	if len(h.Table.Procs) != 50 || h.Count != 2000 {
		t.Fatalf("Hand kept %d rows of %d; want 50 of 2000", len(h.Table.Procs), h.Count)
	}
	want := procsLine(tab, 50)
	for i := range tab.Procs {
		tab.Procs[i] = probes.Proc{} // the panel reuses its table for the next scan
	}
	got := handedLine(h, 50)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("the handed table records differently from the whole table (-whole +handed):\n%s", d)
	}
}
