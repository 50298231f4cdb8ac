package prom_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/memtui/memtui/probes/prom"
	"github.com/memtui/memtui/probes/prom/promtest"
)

// TestFleetScale500 measures one fleet refresh against a real Prometheus
// holding 500 node_exporter instances: an hour of synthetic samples every
// 15 s written as OpenMetrics, turned into blocks by promtool and loaded by
// Prometheus. It prints memtui's CPU per refresh and the wall time of the
// batch (Prometheus query time) for the README. Run with
// MEMTUI_FLEET_SCALE=1 (it takes a minute and a few hundred MB of disk).
func TestFleetScale500(t *testing.T) {
	if os.Getenv("MEMTUI_FLEET_SCALE") == "" {
		t.Skip("set MEMTUI_FLEET_SCALE=1 to measure a 500-host refresh")
	}
	promtest.Need(t, promtest.PrometheusBin, "/usr/bin/promtool")
	const hosts, step = 500, 15 * time.Second
	dir := t.TempDir()
	now := time.Now().Truncate(time.Second)
	start := now.Add(-time.Hour)
	om := filepath.Join(dir, "fleet.om")
	f, err := os.Create(om)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	type metric struct {
		name, typ string
		val       func(h, i int) float64
	}
	const gib = 1 << 30
	metrics := []metric{
		{"node_memory_MemTotal_bytes", "gauge", func(h, i int) float64 { return 64 * gib }},
		{"node_memory_MemAvailable_bytes", "gauge", func(h, i int) float64 { return float64(64*gib) * (0.9 - 0.85*float64(h%100)/100*float64(i)/240) }},
		{"node_memory_SwapTotal_bytes", "gauge", func(h, i int) float64 { return 8 * gib }},
		{"node_memory_SwapFree_bytes", "gauge", func(h, i int) float64 { return float64(8*gib) - float64(h*i) }},
		{"node_pressure_memory_waiting_seconds", "counter", func(h, i int) float64 { return float64(h*i) * 0.01 }},
		{"node_pressure_memory_stalled_seconds", "counter", func(h, i int) float64 { return float64(h*i) * 0.001 }},
		{"node_vmstat_oom_kill", "gauge", func(h, i int) float64 { return float64((h % 50) / 49 * i / 100) }},
		{"up", "gauge", func(h, i int) float64 { return 1 }},
	}
	n := int(time.Hour / step)
	for _, m := range metrics {
		fmt.Fprintf(w, "# TYPE %s %s\n", m.name, m.typ)
		suffix := ""
		if m.typ == "counter" {
			suffix = "_total"
		}
		for h := 0; h < hosts; h++ {
			for i := 0; i <= n; i++ {
				ts := start.Add(time.Duration(i) * step)
				fmt.Fprintf(w, "%s%s{instance=\"node-%03d:9100\",job=\"node\"} %g %d\n", m.name, suffix, h, m.val(h, i), ts.Unix())
			}
		}
	}
	fmt.Fprintln(w, "# EOF")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	data := filepath.Join(dir, "data")
	if out, err := exec.Command("promtool", "tsdb", "create-blocks-from", "openmetrics", om, data).CombinedOutput(); err != nil {
		t.Fatalf("promtool: %v\n%s", err, out)
	}
	p := promtest.PrometheusWithData(t, data)
	c, err := prom.New(prom.Config{URL: "http://" + p.Addr, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	at := now // the end of the synthetic hour
	var walls, cpus []time.Duration
	for i := 0; i < 11; i++ {
		before := cpuTime()
		r := c.Fleet(context.Background(), at)
		cpu := cpuTime() - before
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		if len(r.Rows) != hosts {
			t.Fatalf("%d rows, want %d", len(r.Rows), hosts)
		}
		if i == 0 {
			continue // the first query warms Prometheus's caches
		}
		walls, cpus = append(walls, r.Took), append(cpus, cpu)
	}
	med := func(d []time.Duration) time.Duration {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return d[len(d)/2]
	}
	t.Logf("500 hosts, %d refreshes: batch wall time (Prometheus) median %s max %s; memtui CPU per refresh median %s max %s",
		len(walls), med(walls), walls[len(walls)-1], med(cpus), cpus[len(cpus)-1])
}

// cpuTime is this process's user + system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
