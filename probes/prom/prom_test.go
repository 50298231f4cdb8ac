package prom_test

import (
	"context"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/prom"
	"github.com/memtui/memtui/probes/prom/promtest"
)

// localMemPct is 100 × (1 − MemAvailable/MemTotal) from /proc/meminfo, the
// same definition the fleet query uses.
func localMemPct(t *testing.T) float64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Fatal(err)
	}
	var total, avail float64
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "MemTotal:":
			total = v
		case "MemAvailable:":
			avail = v
		}
	}
	return 100 * (1 - avail/total)
}

// TestFleetRealPrometheus: two node_exporters scraped every second show as
// two rows whose memory matches /proc; one stopped shows as down.
func TestFleetRealPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus and two node_exporters")
	}
	promtest.Need(t, promtest.PrometheusBin, promtest.NodeExporterBin)
	a, b := promtest.NodeExporter(t), promtest.NodeExporter(t)
	p := promtest.Prometheus(t, a.Addr, b.Addr)
	c, err := prom.New(prom.Config{URL: "http://" + p.Addr, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var r probes.FleetReading
	promtest.WaitFor(t, 30*time.Second, "two instances with memory", func(ctx context.Context) bool {
		r = c.Fleet(ctx, time.Now())
		n := 0
		for _, row := range r.Rows {
			if row.MemPct != nil && row.Up {
				n++
			}
		}
		return r.Err == nil && n == 2
	})
	local := localMemPct(t)
	for _, row := range r.Rows {
		if math.Abs(*row.MemPct-local) > 1 {
			t.Errorf("%s: memory %.1f %%, /proc says %.1f %%", row.Instance, *row.MemPct, local)
		}
		if row.Stale {
			t.Errorf("%s: stale with age %s", row.Instance, row.Age)
		}
	}
	b.Stop()
	promtest.WaitFor(t, 30*time.Second, b.Addr+" down", func(ctx context.Context) bool {
		r = c.Fleet(ctx, time.Now())
		for _, row := range r.Rows {
			if row.Instance == b.Addr {
				return !row.Up
			}
		}
		return false
	})
}

// TestFleetTimeout: a Prometheus that never answers gives an error in
// words within the timeout, not a hang.
func TestFleetTimeout(t *testing.T) {
	l := hangingServer(t)
	c, err := prom.New(prom.Config{URL: "http://" + l, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := c.Fleet(context.Background(), time.Now())
	if r.Err == nil || !strings.Contains(r.Err.Error(), "timeout after 300ms") {
		t.Fatalf("err = %v, want a timeout in words", r.Err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %s", d)
	}
}
