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
	"runtime"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/memtui/memtui/internal/themename"
	"github.com/memtui/memtui/probes"
)

// version is set by the release build: -ldflags "-X main.version=…".
var version = "dev"

// options are the flags shared by every subcommand.
type options struct {
	proc        string
	sys         string
	interval    time.Duration
	readOnly    bool
	theme       string
	pg          string
	incident    string
	runbook     string
	incidentDir string
	warRoom     bool // start in the war-room presentation view
	noMouse     bool // leave the mouse to the terminal (text selection)
	redis       string
	odooConf    string

	settings []setting // each config key's value and source, for memtui config
}

func main() {
	if err := newRootCmd(os.Stdout, os.Stderr).Execute(); err != nil {
		code := 1
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		if err.Error() != "" {
			fmt.Fprintln(os.Stderr, "memtui:", err)
		}
		os.Exit(code)
	}
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	o := &options{}
	var showVersion bool
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
  memtui --theme high-contrast    # for screen shares that wash out colour
  memtui --war-room --theme light # on a projector in a war room
  memtui snapshot --json          # one reading of every panel, for scripts
  memtui --proc probes/testdata/fixtures/swap-thrash/proc --sys probes/testdata/fixtures/swap-thrash/sys`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if showVersion {
				fmt.Fprintln(stdout, versionLine())
				return nil
			}
			return runDefault(o)
		},
		// The config files and MEMTUI_* fill the flags the user did not
		// type, before any command reads them.
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case cmd.Name() == "man", cmd.Name() == "version", showVersion:
				return nil // the same output on every machine
			}
			layers, err := configLayers()
			if err != nil {
				return err
			}
			o.settings, err = applyConfig(cmd, layers)
			return err
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	// --version and -v, as users of other tools expect, beside `memtui version`.
	// A flag of our own rather than cobra's Version: cobra prints a custom
	// version line through text/template, whose reflective method calls make
	// the linker keep every exported method of every type (2.8 MB of the
	// release binary).
	root.Flags().BoolVarP(&showVersion, "version", "v", false, "print memtui's version")
	pf := root.PersistentFlags()
	pf.StringVar(&o.proc, "proc", "/proc", "procfs root to read (point it at a fixture tree to replay a host)")
	pf.StringVar(&o.sys, "sys", "/sys", "sysfs root to read (cgroup memory limits)")
	o.interval = time.Second
	pf.Var((*secondsDuration)(&o.interval), "interval", "refresh interval of memory, swap and the OOM counter (2s, 500ms; a bare number is seconds)")
	pf.BoolVar(&o.readOnly, "read-only", false, "show the runbook's actions but run none of them")
	pf.StringVar(&o.theme, "theme", "dark", `colour theme: "dark", "high-contrast", "colorblind" (Okabe–Ito) or "light" (projectors) (NO_COLOR turns colour off)`)
	pf.BoolVar(&o.warRoom, "war-room", false, "start in the war-room view for a shared screen or projector (large figures, privacy on; w toggles)")
	pf.BoolVar(&o.noMouse, "no-mouse", false, "leave the mouse to the terminal: no click to focus or select, no wheel scrolling (shift+drag selects text either way in most terminals)")
	pf.StringVar(&o.runbook, "runbook", "", "TOML runbook file that adds actions or overrides built-in ones by id (memtui actions lists the result)")
	pf.StringVar(&o.pg, "pg", "", "PostgreSQL to watch: a DSN (\"host=/var/run/postgresql user=postgres\") or postgres:// URL;\n"+
		"empty: DATABASE_URL, else the libpq environment (PGHOST, PGSERVICE, PGSSLMODE, …) as psql; \"none\": off.\n"+
		"Keep the password in ~/.pgpass or PGPASSWORD: other users can read a command line")
	pf.StringVar(&o.redis, "redis", "", `Redis to watch and flush (default `+probes.DefaultRedisURL+`; a replay reads none unless given): redis://[:password@]host:port/db, rediss://… or unix:///run/redis/redis.sock; `+
		`"none" turns it off. Give the password in REDISCLI_AUTH: a command line is visible to other users`)
	pf.StringVar(&o.odooConf, "odoo-conf", "", "Odoo's configuration file (default: the -c of the running odoo-bin, else /etc/odoo/odoo.conf)")
	pf.StringVar(&o.incident, "incident", "", "incident timeline file (default: a new file per incident in the incident directory; for report, the newest there)")
	pf.StringVar(&o.incidentDir, "incident-dir", "", "directory of incident timelines (default $XDG_STATE_HOME/memtui/incidents); a team shares one, e.g. /var/lib/memtui/incidents")

	addCommands(root, o, stdout, stderr)
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
		if runtime.GOOS != "linux" {
			// The darwin build exists for report and fleet on a laptop; say so
			// instead of leaving the user to guess why /proc is missing.
			return fmt.Errorf("--proc %s: no meminfo there: the live panels read Linux /proc and this is %s; point --proc and --sys at a captured tree, or use memtui report", o.proc, runtime.GOOS)
		}
		return fmt.Errorf("--proc %s: no meminfo there: is it a procfs root?", o.proc)
	}
	if _, ok := themename.Canonical(o.theme); !ok {
		return fmt.Errorf("--theme %q: use %s", o.theme, themename.List())
	}
	return nil
}

// secondsDuration is a duration flag that also takes a bare number as
// seconds (--interval 5), as top, vmstat and watch do.
type secondsDuration time.Duration

// Set parses "5" or "2.5" as seconds and anything else as time.ParseDuration.
func (d *secondsDuration) Set(s string) error {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		// NaN, Inf and huge values do not convert to a Duration.
		if !(f >= 0 && f <= 24*3600) {
			return fmt.Errorf("%q is not a number of seconds from 0 to 86400", s)
		}
		*d = secondsDuration(f * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration: use 5 (seconds), 2s or 500ms", s)
	}
	*d = secondsDuration(v)
	return nil
}

// String is the value as a duration (1s), for --help's default.
func (d *secondsDuration) String() string { return time.Duration(*d).String() }

// Type names the value in --help.
func (d *secondsDuration) Type() string { return "duration" }
