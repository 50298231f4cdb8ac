//go:build !memtui_watch

// memtui fleet: every node_exporter instance of a Prometheus as a row.

package main

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spf13/cobra"

	"github.com/memtui/memtui/probes/prom"
	"github.com/memtui/memtui/ui"
)

// newFleetCmd is `memtui fleet --prometheus URL`.
func newFleetCmd(o *options) *cobra.Command {
	var cfg prom.Config
	var refresh time.Duration
	cmd := &cobra.Command{
		Use:   "fleet",
		Short: "Every host of a Prometheus (node_exporter) on one screen, worst first",
		Long: `Show every node_exporter instance known to a Prometheus server as one row:
memory used % (100 × (1 − MemAvailable/MemTotal), as the local panel), swap
used, PSI memory some/full, OOM kills in the last hour, the hour's memory as a
sparkline and the severity in words — worst first, down and stale hosts on
top. One batch of queries per refresh covers the whole fleet; each runs under
a 5 s timeout, and when Prometheus does not answer the screen says so and
keeps the last data, marked stale.

enter opens the host's dashboard, read-only, from Prometheus: memory and swap
with the last hour's history, programs from process-exporter, PostgreSQL
connections by state from postgres_exporter, the OOM kill counter, and the
incident timeline with notes and the report, kept under
$XDG_STATE_HOME/memtui/fleet. Actions run on the host itself (run memtui or
memtui watch there). q goes back to the fleet. / filters by name or state.`,
		Example: `  memtui fleet --prometheus http://prometheus:9090
  memtui fleet --prometheus https://prom.example --prometheus-bearer-file /etc/memtui/prom.token --prometheus-ca /etc/ssl/prom-ca.pem
  memtui fleet --prometheus https://user:pass@prom.example   # basic auth`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			cfg.Timeout = 5 * time.Second
			c, err := prom.New(cfg)
			if err != nil {
				return err
			}
			smallHeap()
			m := ui.NewFleet(ui.FleetDeps{Source: c, Styles: terminalStyles(o), Interval: refresh})
			for {
				final, err := tea.NewProgram(m, screenOptions()...).Run()
				if err != nil {
					return err
				}
				m = final.(ui.FleetModel)
				if m.Opened() == "" {
					return nil
				}
				signalled, err := openFleetHost(o, c, m.Opened(), refresh)
				if err != nil || signalled {
					return err
				}
				m = m.Back()
			}
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.URL, "prometheus", "", "Prometheus URL (user:password@ in it for basic auth)")
	f.StringVar(&cfg.BearerFile, "prometheus-bearer-file", "", "file holding a bearer token for Prometheus")
	f.StringVar(&cfg.BasicAuthFile, "prometheus-basic-auth-file", "", `file holding "user:password" for Prometheus`)
	f.StringVar(&cfg.CAFile, "prometheus-ca", "", "PEM bundle to verify Prometheus's certificate")
	f.DurationVar(&refresh, "refresh", 15*time.Second, "time between refreshes of the fleet and of an opened host")
	_ = cmd.MarkFlagRequired("prometheus")
	return cmd
}

// openFleetHost runs the dashboard of one instance, read from Prometheus,
// until it is left; signalled says a signal ended it (the fleet then ends
// too). The chart starts with the host's last hour.
func openFleetHost(o *options, c *prom.Client, instance string, refresh time.Duration) (signalled bool, err error) {
	h := c.OpenHost(instance)
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	hist, _ := h.MemHistory(ctx, time.Now()) // none: the chart fills as it reads
	cancel()
	ho := *o
	ho.interval = max(refresh, time.Second) // Prometheus has nothing newer than its scrapes
	return dashboardOn(&ho, h, dashboardExtras{memHistory: hist, leaveTo: "the fleet"})
}
