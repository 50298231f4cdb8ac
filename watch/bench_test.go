package watch

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/incident/store"
)

// BenchmarkStep is the watch's cost per reading (one a second), on a real
// incident session and timeline in a directory that holds a year of past
// incidents (100 files, unchanged for an hour): quiet, and with an incident
// open (answered, memory back under the threshold, not yet recovered).
// What a step allocates is what a watch's heap grows by between
// collections.
func BenchmarkStep(b *testing.B) {
	cfg := Config{Threshold: 85, For: 0, RecheckAfter: time.Millisecond, Cooldown: time.Hour}
	for _, bc := range []struct {
		name string
		pct  []float64
	}{
		{"quiet", []float64{40}},
		{"incident", []float64{90, 92, 60}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := newHarness(b, cfg, bc.pct, []actions.Action{pageCache}, nil)
			past := time.Now().Add(-time.Hour)
			for i := range 100 {
				p := filepath.Join(h.dir, store.FileName("db1", t0.AddDate(-1, 0, 3*i)))
				if err := os.WriteFile(p, []byte(`{"format":"memtui-incident","version":1,"host":"db1"}`+"\n"), 0o600); err != nil {
					b.Fatal(err)
				}
			}
			if err := os.Chtimes(h.dir, past, past); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			for range 5 {
				h.w.step(ctx)
			}
			st := h.sess.State()
			if got := st.Summary.Active(); got != (bc.name == "incident") {
				b.Fatalf("incident open: %v", got)
			}
			b.ReportAllocs()
			for b.Loop() {
				h.w.step(ctx)
			}
		})
	}
}
