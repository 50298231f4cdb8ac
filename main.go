// Command memtui is the dashboard an on-call engineer opens when a Linux
// server runs out of memory: memory and swap, the top consumers, PostgreSQL,
// OOM kills, the runbook's actions and the incident timeline in one screen.
//
// main.go is the only place that reads flags and the environment; it builds
// the probes and hands them to the ui, the snapshot or the report.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/memtui/memtui/ui"
)

// version is set by the release build: -ldflags "-X main.version=…".
var version = "dev"

// options are the flags shared by every subcommand.
type options struct {
	proc     string
	sys      string
	interval time.Duration
	readOnly bool
	theme    string
	pg       string
	incident string
	runbook  string
	// --- options: add fields below ---
}

func main() {
	if err := newRootCmd(os.Stdout, os.Stderr).Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "memtui:", err)
		os.Exit(1)
	}
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	o := &options{}
	root := &cobra.Command{
		Use:   "memtui",
		Short: "A terminal dashboard for high-memory incidents on Linux servers",
		Long: `memtui is the screen to open when a Linux server is running out of memory.

It shows live memory and swap with their severity, the top memory consumers,
PostgreSQL connections and the OOM kills from the kernel log; runs the
runbook's remediation steps from a palette (":" or ctrl+p) and records every
step on an incident timeline that becomes the post-incident report.

Run it as root over SSH for the full picture (the kernel log and other users'
processes need it). Press ? inside for the keys.`,
		Example: `  memtui                          # the dashboard
  memtui --theme high-contrast    # for projectors and screen shares
  memtui snapshot --json          # one reading of every panel, for scripts
  memtui --proc probes/testdata/fixtures/swap-thrash/proc --sys probes/testdata/fixtures/swap-thrash/sys`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDashboard(o)
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&o.proc, "proc", "/proc", "procfs root to read (point it at a fixture tree to replay a host)")
	pf.StringVar(&o.sys, "sys", "/sys", "sysfs root to read (cgroup memory limits)")
	pf.DurationVar(&o.interval, "interval", time.Second, "refresh interval of memory, swap and the OOM counter")
	pf.BoolVar(&o.readOnly, "read-only", false, "show the runbook's actions but run none of them")
	pf.StringVar(&o.theme, "theme", "dark", `colour theme: "dark" or "high-contrast" (NO_COLOR turns colour off)`)
	// --- flags: add persistent flags below ---
	pf.StringVar(&o.runbook, "runbook", "", "TOML runbook file that adds actions or overrides built-in ones by id (memtui actions lists the result)")
	pf.StringVar(&o.pg, "pg", "", `PostgreSQL to watch: a DSN ("host=/var/run/postgresql user=postgres dbname=postgres") or a postgres:// URL; `+
		`empty: DATABASE_URL, else PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE, else the local socket as psql; "none" turns it off. `+
		`Give the password in PGPASSWORD or ~/.pgpass: a command line is visible to other users`)
	pf.StringVar(&o.incident, "incident", "", "incident timeline file (default: a new file per incident under $XDG_STATE_HOME/memtui/incidents; for report, the newest there)")

	root.AddCommand(newSnapshotCmd(o, stdout), newVersionCmd(stdout))
	// --- subcommands: add below ---
	root.AddCommand(newOOMCmd(o, os.Stdin, stdout))
	root.AddCommand(newActionsCmd(o, stdout))
	root.AddCommand(newReportCmd(o, stdout))
	root.AddCommand(newCaptureCmd(o, stdout))
	root.AddCommand(newRecordCmd(o, stdout))
	root.AddCommand(newReplayCmd(o))
	return root
}

// validate checks the shared flags before anything runs (start-up errors
// return from main before the program starts).
func (o *options) validate() error {
	if o.interval < 100*time.Millisecond {
		return fmt.Errorf("--interval %s is too short: use 100ms or more", o.interval)
	}
	if o.interval > time.Hour {
		return fmt.Errorf("--interval %s is too long: use at most 1h", o.interval)
	}
	for _, d := range []struct{ flag, path string }{{"--proc", o.proc}, {"--sys", o.sys}} {
		st, err := os.Stat(d.path)
		if err != nil {
			return fmt.Errorf("%s %s: %w", d.flag, d.path, errors.Unwrap(err))
		}
		if !st.IsDir() {
			return fmt.Errorf("%s %s: not a directory", d.flag, d.path)
		}
	}
	if _, err := os.Stat(o.proc + "/meminfo"); err != nil {
		return fmt.Errorf("--proc %s: no meminfo there: is it a procfs root?", o.proc)
	}
	if _, ok := ui.ThemeByName(o.theme); !ok {
		return fmt.Errorf("--theme %q: use dark or high-contrast", o.theme)
	}
	return nil
}
