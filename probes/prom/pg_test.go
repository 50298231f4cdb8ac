package prom_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/pgtest"
	"github.com/memtui/memtui/probes/prom"
	"github.com/memtui/memtui/probes/prom/promtest"
)

// TestHostDrillInPostgres: a Prometheus host's PostgreSQL source reads the
// test server's connections by state and its max_connections through
// postgres_exporter, says the sessions stay on the host, and its process
// source says process-exporter is absent.
func TestHostDrillInPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL, postgres_exporter, node_exporter and Prometheus")
	}
	promtest.Need(t, promtest.PrometheusBin, promtest.NodeExporterBin, promtest.PGExporterBin)
	srv := pgtest.Start(t, pgtest.MaxConnections(37))
	const idle = 3
	srv.HoldIdle(t, "postgres", idle)
	ne := promtest.NodeExporter(t)
	pe := promtest.PostgresExporter(t, srv.TCPURL("postgres"))
	p := promtest.Prometheus(t, ne.Addr, pe.Addr)
	c, err := prom.New(prom.Config{URL: "http://" + p.Addr})
	if err != nil {
		t.Fatal(err)
	}
	h := c.OpenHost(ne.Addr)
	pg, why := h.Postgres()
	if pg == nil {
		t.Fatalf("no PostgreSQL source: %s", why)
	}
	var r probes.PGReading
	promtest.WaitFor(t, 40*time.Second, "PostgreSQL counts", func(ctx context.Context) bool {
		r = pg.Read(ctx)
		return r.Connected && r.Stats.ByState["idle"] >= idle && r.Stats.MaxConnections > 0
	})
	s := r.Stats
	if s.MaxConnections != 37 {
		t.Errorf("max_connections %d, the server has 37", s.MaxConnections)
	}
	// the exporter's own session is the only one beside the test's
	if n := s.ByState["idle"]; n < idle || n > idle+1 {
		t.Errorf("idle %d, the test holds %d idle connections", n, idle)
	}
	if s.CountsOnly == "" || len(s.LongestQueries) != 0 || !strings.Contains(r.Target, "postgres_exporter") {
		t.Errorf("an exporter's reading must say it has counts only: %+v", r)
	}
	if _, err := h.Processes(probes.GrowthConfig{}).Scan(probes.ProcScanRequest{}); err == nil || !strings.Contains(err.Error(), "no process-exporter") {
		t.Errorf("no process-exporter runs: the process source must say so, got %v", err)
	}
}

// TestHostDrillInPrograms: process-exporter's groups are the process
// panel's programs, largest resident first, with their process counts; the
// memory history covers the exporter's samples.
func TestHostDrillInPrograms(t *testing.T) {
	if testing.Short() {
		t.Skip("starts process-exporter, node_exporter and Prometheus")
	}
	promtest.Need(t, promtest.PrometheusBin, promtest.NodeExporterBin, promtest.ProcExporterBin)
	ne := promtest.NodeExporter(t)
	// process-exporter matches the 15-byte comm: node_exporter's is cut
	pe := promtest.ProcessExporter(t, "prometheus,prometheus-node")
	p := promtest.Prometheus(t, ne.Addr, pe.Addr)
	c, err := prom.New(prom.Config{URL: "http://" + p.Addr})
	if err != nil {
		t.Fatal(err)
	}
	h := c.OpenHost(ne.Addr)
	src := h.Processes(probes.GrowthConfig{})
	var res probes.ProcScanResult
	promtest.WaitFor(t, 30*time.Second, "programs", func(context.Context) bool {
		var err error
		res, err = src.Scan(probes.ProcScanRequest{})
		return err == nil && len(res.Programs) == 2
	})
	g := res.Programs
	if g[0].RSS < g[1].RSS || g[1].RSS == 0 || g[0].Count != 1 || g[1].Count != 1 || !g[0].SwapOK {
		t.Errorf("programs not by resident, empty, or without their one process and swap: %+v", g)
	}
	if res.ProgramsOnly == "" || len(res.Table.Procs) != 0 || res.Window != prom.GrowthWindow {
		t.Errorf("a programs-only scan must say so and hold no process rows: %+v", res)
	}
	if _, _, err := src.Detail(probes.ProcKey{}, nil); err == nil {
		t.Error("a Prometheus host has no per-process detail: Detail must say so")
	}
	if _, why := c.OpenHost(ne.Addr).Postgres(); why != "" {
		t.Errorf("the PostgreSQL source is always handed out (it says itself when the exporter is absent): %s", why)
	}
	if r := mustPG(t, h); r.Connected || r.Err == nil || !strings.Contains(r.Err.Msg, "no postgres_exporter") {
		t.Errorf("no postgres_exporter runs: the reading must say so, got %+v", r)
	}
	// the chart's history: points from the exporter's samples, each
	// within a point of the host's own reading now
	promtest.WaitFor(t, 20*time.Second, "memory history", func(ctx context.Context) bool {
		hist, err := h.MemHistory(ctx, time.Now())
		return err == nil && len(hist) >= 1
	})
	// the last hour's kills from the counter (none on this quiet host)
	promtest.WaitFor(t, 20*time.Second, "the OOM counter's last hour", func(context.Context) bool {
		return h.Memory().Read().OOMKills1h.OK
	})
	// The history ending at the reading's scrape has that scrape as its
	// last point (a history ending now would end on a scrape up to a step
	// older, and a busy machine's memory moves by points in a minute).
	m := h.Memory().Read()
	own, ok := m.UsedPercent()
	hist, err := h.MemHistory(context.Background(), m.Time)
	if err != nil || len(hist) == 0 {
		t.Fatalf("history up to the reading's scrape at %s: %d points, %v", m.Time, len(hist), err)
	}
	last := hist[len(hist)-1]
	if !ok || math.Abs(last.UsedPct-own) > 1 || last.UsedBytes == 0 || last.AvailBytes == 0 {
		t.Errorf("history's last point %+v, the host's reading %.1f %% scraped at %s", last, own, m.Time)
	}
}

func mustPG(t *testing.T, h *prom.Host) probes.PGReading {
	t.Helper()
	pg, _ := h.Postgres()
	return pg.Read(context.Background())
}
