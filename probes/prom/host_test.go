package prom_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/memtui/memtui/probes/host"
	"github.com/memtui/memtui/probes/host/hosttest"
	"github.com/memtui/memtui/probes/prom"
	"github.com/memtui/memtui/probes/prom/promtest"
)

// TestPrometheusHostContract: a node_exporter instance read through a real
// Prometheus passes the contract every host passes, refuses actions in
// words, and reads memory within a point of /proc.
func TestPrometheusHostContract(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus and node_exporter")
	}
	promtest.Need(t, promtest.PrometheusBin, promtest.NodeExporterBin)
	ne := promtest.NodeExporter(t)
	p := promtest.Prometheus(t, ne.Addr)
	c, err := prom.New(prom.Config{URL: "http://" + p.Addr})
	if err != nil {
		t.Fatal(err)
	}
	promtest.WaitFor(t, 30*time.Second, "a memory sample", func(context.Context) bool {
		return c.OpenHost(ne.Addr).Memory().Read().MeminfoErr == nil
	})
	hosttest.Run(t, func(*testing.T) host.Host { return c.OpenHost(ne.Addr) }, hosttest.Expect{Kind: host.KindPrometheus})
	h := c.OpenHost(ne.Addr)
	if err := h.CanAct(); !errors.Is(err, host.ErrReadOnly) || !strings.Contains(err.Error(), "actions run on the host itself") {
		t.Errorf("CanAct() = %v", err)
	}
	pct, ok := h.Memory().Read().UsedPercent()
	if local := localMemPct(t); !ok || pct-local > 1 || local-pct > 1 {
		t.Errorf("memory %.1f %% (ok %v), /proc says %.1f %%", pct, ok, local)
	}
	if m := c.OpenHost("127.0.0.1:1").Memory().Read(); m.MeminfoErr == nil {
		t.Errorf("an unknown instance read as memory %+v", m.Meminfo)
	}
}
