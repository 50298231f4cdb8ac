package prom_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/memtui/memtui/probes/pgtest"
	"github.com/memtui/memtui/probes/prom"
	"github.com/memtui/memtui/probes/prom/promtest"
)

// TestHostDrillInPostgres: drilling into a host shows the connections of
// the test's PostgreSQL by state and its max_connections, read through
// postgres_exporter and Prometheus; process-exporter's absence is said.
func TestHostDrillInPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL, postgres_exporter, node_exporter and Prometheus")
	}
	promtest.Need(t, promtest.PrometheusBin, promtest.NodeExporterBin, promtest.PGExporterBin)
	srv := pgtest.Start(t, pgtest.MaxConnections(37))
	ctx := context.Background()
	const idle = 3
	for range idle {
		conn, err := pgx.Connect(ctx, srv.TCPURL("postgres"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close(context.Background()) })
	}
	ne := promtest.NodeExporter(t)
	pe := promtest.PostgresExporter(t, srv.TCPURL("postgres"))
	p := promtest.Prometheus(t, ne.Addr, pe.Addr)
	c, err := prom.New(prom.Config{URL: "http://" + p.Addr})
	if err != nil {
		t.Fatal(err)
	}
	promtest.WaitFor(t, 40*time.Second, "PostgreSQL counts", func(ctx context.Context) bool {
		h := c.Host(ctx, ne.Addr, time.Now())
		return h.PGErr == nil && h.PGStates["idle"] >= idle && h.PGMax != nil
	})
	h := c.Host(ctx, ne.Addr, time.Now())
	if *h.PGMax != 37 {
		t.Errorf("max_connections %v, the server has 37", *h.PGMax)
	}
	// the exporter's own session is the only one beside the test's
	if n := h.PGStates["idle"]; n < idle || n > idle+1 {
		t.Errorf("idle %v, the test holds %d idle connections", n, idle)
	}
	if h.ProgramsErr == nil {
		t.Errorf("no process-exporter runs, but the host view has programs %v", h.Programs)
	}
}

// TestHostDrillInPrograms: process-exporter's groups show as programs,
// largest resident first.
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
	promtest.WaitFor(t, 30*time.Second, "programs", func(ctx context.Context) bool {
		h := c.Host(ctx, ne.Addr, time.Now())
		return h.ProgramsErr == nil && len(h.Programs) == 2
	})
	h := c.Host(context.Background(), ne.Addr, time.Now())
	if h.Programs[0].Resident < h.Programs[1].Resident || h.Programs[1].Resident <= 0 {
		t.Errorf("programs not by resident, or empty: %+v", h.Programs)
	}
	if h.PGErr == nil {
		t.Errorf("no postgres_exporter runs, but the host view has connections %v", h.PGStates)
	}
}
