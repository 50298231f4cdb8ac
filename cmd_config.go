// memtui config: the effective settings and where each came from.

package main

import (
	"fmt"
	"io"
	"net/url"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/memtui/memtui/probes/pgprobe"
)

func newConfigCmd(o *options, stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "Print the effective settings and where each came from",
		Long: `Print every setting with its value and its source: a flag, the environment
(MEMTUI_<KEY>, e.g. MEMTUI_PG, MEMTUI_INCIDENT_DIR), the user's file
($XDG_CONFIG_HOME/memtui/config.toml, else ~/.config/memtui/config.toml), the
system file (/etc/memtui/config.toml), or the default; earlier ones win.
A PostgreSQL or Redis password is never printed.`,
		Example: `  # /etc/memtui/config.toml, for everyone on the host
  pg = "host=/var/run/postgresql user=postgres dbname=odoo_production"
  incident_dir = "/var/lib/memtui/incidents"
  runbook = "/etc/memtui/runbook.toml"
  interval = "2s"`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KEY\tVALUE\tFROM")
			for _, s := range o.settings {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Key, shownValue(s.Key, s.Value), s.Source)
			}
			return tw.Flush()
		},
	}
}

// shownValue is a setting as `memtui config` prints it: a DSN or URL only
// as its redacted description, since a config file or MEMTUI_PG may hold
// a password and this output ends up in tickets and chats.
func shownValue(key, v string) string {
	switch {
	case key == "pg" && v == "":
		return "(libpq environment)"
	case key == "pg" && v != "none":
		t, err := pgprobe.ResolvePGTargetWith(v, pgEnv(), pgprobe.ReadService)
		if err != nil {
			return "(unreadable DSN, not shown)"
		}
		return t.Redacted()
	case key == "redis" && v != "" && v != "none":
		u, err := url.Parse(v)
		if err != nil {
			return "(unreadable URL, not shown)"
		}
		return u.Redacted()
	case v == "":
		return "-"
	}
	return v
}
