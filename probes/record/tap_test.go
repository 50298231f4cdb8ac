package record

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/memtui/memtui/probes"
)

type constMemory struct{}

func (constMemory) Read() probes.Memory { return fakeMemory(1) }

// countingProcs counts the scans the recorder makes itself.
type countingProcs struct{ n atomic.Int32 }

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
	tables := make(chan probes.ProcTable, 1)
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
		tables <- fakeTable(10, i)
		time.Sleep(100 * time.Millisecond)
	}
	handed := procs.n.Load()
	// Then nothing handed for half a second: it scans itself.
	time.Sleep(500 * time.Millisecond)
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
	rec, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Procs) < 10 {
		t.Errorf("%d process readings recorded, want the 10 handed in and more", len(rec.Procs))
	}
	t.Logf("scans of its own: %d while handed tables, %d after; %d readings recorded", handed, own, len(rec.Procs))
}
