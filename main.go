// Command memtui is the dashboard an on-call engineer opens when a Linux
// server runs out of memory: memory and swap, the top consumers, PostgreSQL,
// OOM kills, the runbook's actions and the incident timeline in one screen.
//
// main.go is the only place that reads flags and the environment; it builds
// the probes and hands them to the ui, the snapshot or the report.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/spf13/cobra"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/actions/pgexec"
	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/pgprobe"
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
	pgProbe *pgprobe.Probe // opened by pgSource, closed by closePG
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

// hostInfo gathers the facts the bars and the timeline show.
func hostInfo(fs probes.FS) ui.HostInfo {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ph := fs.Host(ctx)
	return ui.HostInfo{Name: ph.Name, Kernel: ph.Kernel, Platform: ph.Platform, CPUs: runtime.NumCPU(), BootTime: ph.BootTime}
}

// runDashboard builds the dependencies and runs the full-screen program.
func runDashboard(o *options) error {
	if err := o.validate(); err != nil {
		return err
	}
	// memtui runs on a host short of memory: collect garbage early and keep
	// the heap small unless the user set GOGC/GOMEMLIMIT themselves.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(24 << 20)
	}
	renderer := lipgloss.NewRenderer(os.Stdout)
	if _, noColor := os.LookupEnv("NO_COLOR"); noColor {
		renderer.SetColorProfile(termenv.Ascii)
	}
	theme, _ := ui.ThemeByName(o.theme)
	fs := probes.NewFS(o.proc, o.sys)
	// --- actions: runbook and runner (a bad runbook is a start-up error) ---
	actionSvc, aerr := newActionService(o, fs, os.Getenv("SUDO_USER"))
	if aerr != nil {
		return aerr
	}
	d := ui.Deps{
		Now:        time.Now,
		Host:       hostInfo(fs),
		Memory:     probes.NewMemProbe(fs, nil),
		Interval:   o.interval,
		Thresholds: probes.DefaultThresholds(),
		ReadOnly:   o.readOnly,
		Styles:     ui.NewStyles(renderer, theme),
		Location:   time.Local,
		// --- deps: wire sources below ---
		Procs: probes.NewProcMonitor(fs, probes.ProcScannerConfig{PasswdPath: passwdFor(o.proc)}, probes.GrowthConfig{}),

		OOM:        followOOM(oomFS(o)),
		PG:         o.pgSource(fs),
		PGInterval: o.interval,
		Actions:    actionSvc,
		Timeline:   newTimeline(o),
		Author:     author(),
	}
	defer o.closePG() // end memtui's session cleanly (no "unexpected EOF" in the server log)
	p := tea.NewProgram(ui.New(d), tea.WithAltScreen(), tea.WithFPS(10))
	_, err := p.Run()
	return err
}

func newVersionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print memtui's version",
		Args:  cobra.NoArgs,
		Run: func(*cobra.Command, []string) {
			fmt.Fprintf(stdout, "memtui %s (%s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		},
	}
}

// snapshot is the JSON contract of `memtui snapshot --json` (DESIGN.md).
type snapshot struct {
	Time     string         `json:"time"`
	Host     string         `json:"host"`
	HostInfo hostJSON       `json:"host_info"`
	Memory   memorySnapshot `json:"memory"`
	// --- snapshot: sections below ---
	Processes      []probes.SnapshotProc `json:"processes"`
	ProcessesError string                `json:"processes_error,omitempty"`

	OOM      probes.OOMSection `json:"oom"`
	Postgres probes.PGSnapshot `json:"postgres"`
}

// hostJSON are the machine's facts in the snapshot (an extra section).
type hostJSON struct {
	Kernel         string `json:"kernel,omitempty"`
	Platform       string `json:"platform,omitempty"`
	Arch           string `json:"arch,omitempty"`
	Virtualization string `json:"virtualization,omitempty"`
	CPUs           int    `json:"cpus"`
	BootTime       string `json:"boot_time,omitempty"`
}

// memorySnapshot is the memory section; the first names are fixed by
// DESIGN.md, the rest are extra. Unknown values are null, never 0.
type memorySnapshot struct {
	TotalBytes     *uint64  `json:"total_bytes"`
	AvailableBytes *uint64  `json:"available_bytes"`
	UsedBytes      *uint64  `json:"used_bytes"`
	UsedPercent    *float64 `json:"used_percent"`
	SwapTotalBytes *uint64  `json:"swap_total_bytes"`
	SwapUsedBytes  *uint64  `json:"swap_used_bytes"`
	Severity       string   `json:"severity"`

	AvailableEstimated bool     `json:"available_estimated,omitempty"`
	FreeBytes          *uint64  `json:"free_bytes"`
	BuffersBytes       *uint64  `json:"buffers_bytes"`
	CachedBytes        *uint64  `json:"cached_bytes"`
	SReclaimableBytes  *uint64  `json:"sreclaimable_bytes"`
	ShmemBytes         *uint64  `json:"shmem_bytes"`
	DirtyBytes         *uint64  `json:"dirty_bytes"`
	CommittedBytes     *uint64  `json:"committed_as_bytes"`
	CommitLimitBytes   *uint64  `json:"commit_limit_bytes"`
	SwapCachedBytes    *uint64  `json:"swap_cached_bytes"`
	SwapInPerSec       *float64 `json:"swap_in_pages_per_sec"`
	SwapOutPerSec      *float64 `json:"swap_out_pages_per_sec"`
	MajFaultPerSec     *float64 `json:"major_faults_per_sec"`
	PSI                *psiJSON `json:"psi"`
	Cgroup             *cgJSON  `json:"cgroup"`
	Errors             []string `json:"errors,omitempty"`
}

type psiJSON struct {
	Some psiLineJSON  `json:"some"`
	Full *psiLineJSON `json:"full"`
}

type psiLineJSON struct {
	Avg10  float64 `json:"avg10"`
	Avg60  float64 `json:"avg60"`
	Avg300 float64 `json:"avg300"`
}

type cgJSON struct {
	Version     int      `json:"version"`
	Path        string   `json:"path"`
	LimitBytes  *uint64  `json:"limit_bytes"`
	UsageBytes  *uint64  `json:"usage_bytes"`
	UsedPercent *float64 `json:"used_percent"`
}

func ptr[T any](v T) *T { return &v }

func valPtr(v probes.Val) *uint64 {
	if !v.OK {
		return nil
	}
	return ptr(v.V)
}

// memorySection turns two readings (prev may be zero) into the JSON section.
func memorySection(prev, cur probes.Memory, th probes.Thresholds) memorySnapshot {
	mi := cur.Meminfo
	var s memorySnapshot
	if cur.MeminfoErr != nil {
		s.Errors = append(s.Errors, cur.MeminfoErr.Error())
		s.Severity = "unknown"
		return s
	}
	avail, est := mi.Available()
	s.TotalBytes, s.AvailableBytes, s.UsedBytes = valPtr(mi.MemTotal), valPtr(avail), valPtr(mi.Used())
	s.AvailableEstimated = est
	if pct, ok := mi.UsedPercent(); ok {
		s.UsedPercent = ptr(float64(int(pct*100+0.5)) / 100)
		s.Severity = probes.SeverityOf(pct, th).String()
	} else {
		s.Severity = "unknown"
	}
	s.SwapTotalBytes, s.SwapUsedBytes = valPtr(mi.SwapTotal), valPtr(mi.SwapUsed())
	s.FreeBytes, s.BuffersBytes, s.CachedBytes = valPtr(mi.MemFree), valPtr(mi.Buffers), valPtr(mi.Cached)
	s.SReclaimableBytes, s.ShmemBytes, s.DirtyBytes = valPtr(mi.SReclaimable), valPtr(mi.Shmem), valPtr(mi.Dirty)
	s.CommittedBytes, s.CommitLimitBytes, s.SwapCachedBytes = valPtr(mi.CommittedAS), valPtr(mi.CommitLimit), valPtr(mi.SwapCached)
	if r := probes.RatesBetween(prev, cur); r.OK {
		s.SwapInPerSec, s.SwapOutPerSec, s.MajFaultPerSec = ptr(r.SwapInPerSec), ptr(r.SwapOutPerSec), ptr(r.MajFaultPerSec)
	}
	if cur.PSIErr == nil {
		p := cur.PSI
		s.PSI = &psiJSON{Some: psiLineJSON{p.Some.Avg10, p.Some.Avg60, p.Some.Avg300}}
		if p.Full.OK {
			s.PSI.Full = &psiLineJSON{p.Full.Avg10, p.Full.Avg60, p.Full.Avg300}
		}
	} else if !errors.Is(cur.PSIErr, probes.ErrUnavailable) {
		s.Errors = append(s.Errors, cur.PSIErr.Error())
	}
	if cur.CgroupErr == nil && cur.Cgroup.Limited() {
		c := cur.Cgroup
		cj := &cgJSON{Version: c.Version, Path: c.Path, LimitBytes: valPtr(c.Limit), UsageBytes: valPtr(c.Usage)}
		if pct, ok := c.UsedPercent(); ok {
			cj.UsedPercent = ptr(pct)
		}
		s.Cgroup = cj
	}
	if cur.VMStatErr != nil {
		s.Errors = append(s.Errors, cur.VMStatErr.Error())
	}
	return s
}

// rateWindow is how far apart the snapshot's two memory readings are, so
// that swap and fault rates are real rates and not guesses.
const rateWindow = 250 * time.Millisecond

func newSnapshotCmd(o *options, stdout io.Writer) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "Print one reading of every panel and exit",
		Long: `Print one reading of every panel and exit: memory and swap (with rates
over a short window), and the other sources as they are available.
With --json the output follows the contract in DESIGN.md, for scripts and
alerting hooks; unknown values are null.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			fs := probes.NewFS(o.proc, o.sys)
			mp := probes.NewMemProbe(fs, nil)
			defer mp.Close()
			prev := mp.Read()
			time.Sleep(rateWindow)
			cur := mp.Read()
			hctx, hcancel := context.WithTimeout(context.Background(), 2*time.Second)
			ph := fs.Host(hctx)
			hcancel()
			hj := hostJSON{Kernel: ph.Kernel, Platform: ph.Platform, Arch: ph.Arch, Virtualization: ph.Virtualization, CPUs: runtime.NumCPU()}
			if !ph.BootTime.IsZero() {
				hj.BootTime = ph.BootTime.Format(time.RFC3339)
			}
			th := probes.DefaultThresholds()
			snap := snapshot{
				Time:     cur.Time.Format(time.RFC3339),
				Host:     ph.Name,
				HostInfo: hj,
				Memory:   memorySection(prev, cur, th),
			}
			// --- snapshot: fill sections below ---
			snap.Processes, snap.ProcessesError = processesSection(fs, o.proc, cur)
			snap.OOM = oomSnapshotSection(oomFS(o))
			snap.Postgres = o.pgSnapshot(fs)
			if asJSON {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(snap)
			}
			return writeSnapshotText(stdout, snap)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (the contract in DESIGN.md)")
	return cmd
}

// writeSnapshotText is the human form of the snapshot.
func writeSnapshotText(w io.Writer, s snapshot) error {
	var b strings.Builder
	m := s.Memory
	fmt.Fprintf(&b, "memtui snapshot of %s at %s\n", s.Host, s.Time)
	if h := s.HostInfo; h.Kernel != "" || h.Platform != "" {
		fmt.Fprintf(&b, "%s · kernel %s · %d CPUs", orUnknown(h.Platform), orUnknown(h.Kernel), h.CPUs)
		if h.Virtualization != "" {
			fmt.Fprintf(&b, " · %s", h.Virtualization)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	b.WriteString("Memory\n")
	bytesOr := func(p *uint64) string {
		if p == nil {
			return "unknown"
		}
		return actions.FormatBytes(*p)
	}
	if m.UsedPercent != nil {
		fmt.Fprintf(&b, "  used       %.1f %% (%s) — %s of %s\n", *m.UsedPercent, strings.ToUpper(m.Severity), bytesOr(m.UsedBytes), bytesOr(m.TotalBytes))
	} else {
		fmt.Fprintf(&b, "  used       unknown\n")
	}
	fmt.Fprintf(&b, "  available  %s\n", bytesOr(m.AvailableBytes))
	fmt.Fprintf(&b, "  cached     %s  buffers %s  shmem %s\n", bytesOr(m.CachedBytes), bytesOr(m.BuffersBytes), bytesOr(m.ShmemBytes))
	switch {
	case m.SwapTotalBytes == nil:
		b.WriteString("  swap       unknown\n")
	case *m.SwapTotalBytes == 0:
		b.WriteString("  swap       none configured\n")
	default:
		fmt.Fprintf(&b, "  swap       %s of %s\n", bytesOr(m.SwapUsedBytes), bytesOr(m.SwapTotalBytes))
	}
	if m.SwapInPerSec != nil {
		fmt.Fprintf(&b, "  paging     swap in %.1f/s, out %.1f/s, major faults %.1f/s\n", *m.SwapInPerSec, *m.SwapOutPerSec, *m.MajFaultPerSec)
	}
	if m.PSI != nil {
		fmt.Fprintf(&b, "  pressure   some %.2f/%.2f/%.2f %%", m.PSI.Some.Avg10, m.PSI.Some.Avg60, m.PSI.Some.Avg300)
		if m.PSI.Full != nil {
			fmt.Fprintf(&b, "  full %.2f/%.2f/%.2f %%", m.PSI.Full.Avg10, m.PSI.Full.Avg60, m.PSI.Full.Avg300)
		}
		b.WriteString("\n")
	}
	if m.Cgroup != nil {
		fmt.Fprintf(&b, "  cgroup v%d  %s of %s (%s)\n", m.Cgroup.Version, bytesOr(m.Cgroup.UsageBytes), bytesOr(m.Cgroup.LimitBytes), m.Cgroup.Path)
	}
	for _, e := range m.Errors {
		fmt.Fprintf(&b, "  error      %s\n", e)
	}
	// --- snapshot text: sections below ---
	writeProcessesText(&b, s)
	writeOOMText(&b, s.OOM)
	writePGText(&b, s.Postgres)
	_, err := io.WriteString(w, b.String())
	return err
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// snapshotTopN is how many processes the snapshot lists.
const snapshotTopN = 20

// processesSection reads the top processes by RSS twice, rateWindow apart,
// so each carries a growth rate. It never fails the snapshot: an error is
// reported in processes_error with an empty list.
func processesSection(fs probes.FS, procRoot string, cur probes.Memory) ([]probes.SnapshotProc, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	total := cur.Meminfo.MemTotal.Or(0)
	rows, err := probes.SnapshotProcesses(ctx, fs, probes.ProcScannerConfig{PasswdPath: passwdFor(procRoot)}, snapshotTopN, rateWindow, total)
	if err != nil {
		return []probes.SnapshotProc{}, err.Error()
	}
	return rows, ""
}

// passwdFor is the passwd file for user names: the fixture tree's own
// etc/passwd when --proc points into one (<tree>/proc, <tree>/etc/passwd),
// else the host's.
func passwdFor(procRoot string) string {
	if procRoot != "" && filepath.Clean(procRoot) != "/proc" {
		p := filepath.Join(filepath.Dir(filepath.Clean(procRoot)), "etc", "passwd")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "/etc/passwd"
}

// writeProcessesText is the processes part of the text snapshot.
func writeProcessesText(b *strings.Builder, s snapshot) {
	b.WriteString("\nTop processes by RSS\n")
	if s.ProcessesError != "" {
		fmt.Fprintf(b, "  error      %s\n", s.ProcessesError)
		return
	}
	fmt.Fprintf(b, "  %7s %-10s %10s %10s  %s\n", "PID", "USER", "RSS", "SWAP", "COMMAND")
	for _, p := range s.Processes {
		swap := "—"
		if p.SwapBytes != nil {
			swap = actions.FormatBytes(*p.SwapBytes)
		}
		cmd := p.Cmdline
		if cmd == "" {
			cmd = p.Comm
		}
		if r := []rune(cmd); len(r) > 60 {
			cmd = string(r[:59]) + "…"
		}
		fmt.Fprintf(b, "  %7d %-10s %10s %10s  %s\n", p.PID, p.User, actions.FormatBytes(p.RSSBytes), swap, cmd)
	}
}

// oomRecentInSnapshot is how many of the last kills the snapshot carries.
const oomRecentInSnapshot = 10

// newOOMCmd is `memtui oom [--file PATH|-] [--json]`.
func newOOMCmd(o *options, stdin io.Reader, stdout io.Writer) *cobra.Command {
	var file string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "oom",
		Short: "List the OOM kills in the kernel log or in a saved log",
		Long: `List the processes killed because memory ran out, one line per killed
process: when, pid, command, anonymous RSS, the constraint (global, memcg,
cpuset, mempolicy), the memory cgroup and what triggered the kill.

Without --file the kernel log is read from /dev/kmsg, else dmesg, else
journalctl -k; the first line says which one and why not the others. When
the kernel log is restricted (kernel.dmesg_restrict=1) it says so and still
prints the oom_kill counter of /proc/vmstat.

--file reads a saved log: dmesg (plain, -T or --time-format iso), syslog or
kern.log, journalctl output or /dev/kmsg records, even mixed; "-" reads
standard input. earlyoom kills in a journal are listed too.

With --json the output is the array of kills of DESIGN.md, oldest first,
with null where the log does not say.`,
		Example: `  memtui oom                         # kills in this machine's kernel log
  memtui oom --json | jq '.[-1]'      # the latest kill, for scripts
  memtui oom --file /var/log/kern.log
  journalctl -k -b -1 -o short-iso | memtui oom --file -   # the previous boot`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			fs := probes.NewFS(o.proc, o.sys)
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return fs.RunOOMCommand(ctx, probes.OOMCommand{File: file, JSON: asJSON}, stdin, stdout)
		},
	}
	cmd.Flags().StringVar(&file, "file", "", `read a saved log instead of the kernel log ("-" for standard input)`)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array of kills, oldest first (the contract in DESIGN.md)")
	return cmd
}

// oomFS is the root the OOM source reads. The kernel log (/dev/kmsg,
// dmesg, journalctl) is always this machine's, so its boot time and oom_kill
// counter must come from this machine's /proc too: replaying a captured
// tree with --proc would otherwise date the live kills by the capture's
// boot time. A tree that carries its own /dev/kmsg capture is not a thing
// memtui replays; `memtui oom --file` reads saved logs.
func oomFS(o *options) probes.FS {
	return probes.NewFS("/proc", o.sys)
}

// oomSnapshotSection reads the oom section of the snapshot: the oom_kill
// counter and the last kills, each source bounded by its own timeout.
func oomSnapshotSection(fs probes.FS) probes.OOMSection {
	return fs.OOMSnapshot(context.Background(), probes.OOMConfig{Timeout: 3 * time.Second}, oomRecentInSnapshot)
}

// followOOM starts following the kernel log for the dashboard: the kills
// already there are read before the program starts, new ones arrive through
// one blocked read. It is never nil; when nothing is readable its status
// says why and the panel still counts kills from /proc/vmstat.
func followOOM(fs probes.FS) *probes.OOMFollower {
	return fs.FollowOOM(context.Background(), probes.OOMConfig{})
}

// writeOOMText is the OOM part of the snapshot's human form.
func writeOOMText(b *strings.Builder, s probes.OOMSection) {
	b.WriteString("\nOOM kills\n")
	if s.KillsSinceBoot != nil {
		fmt.Fprintf(b, "  since boot %d\n", *s.KillsSinceBoot)
	} else {
		b.WriteString("  since boot unknown\n")
	}
	fmt.Fprintf(b, "  source     %s\n", s.Source)
	if s.Error != "" && s.Error != s.Source {
		fmt.Fprintf(b, "  error      %s\n", s.Error)
	}
	if len(s.Recent) == 0 {
		return
	}
	var t strings.Builder
	_ = probes.WriteOOMTable(&t, s.Recent, time.Now(), time.Local)
	for _, line := range strings.Split(strings.TrimRight(t.String(), "\n"), "\n") {
		b.WriteString("  " + line + "\n")
	}
}

// newActionsCmd is `memtui actions`: the effective runbook (built-in plus
// --runbook), one entry per action with its id, risk and what it runs.
func newActionsCmd(o *options, stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "actions",
		Short: "List the runbook's actions: id, risk, what each runs",
		Long: `List the runbook's actions: the built-in ones (the seed runbook's
remediation steps) with the overrides and additions of --runbook FILE.
Each shows its id, its risk (low, medium, high) and exactly what it runs.
A runbook file with any mistake is refused with its file, line and reason.`,
		Example: `  memtui actions
  memtui actions --runbook /etc/memtui/runbook.toml`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			rb, err := loadRunbook(o)
			if err != nil {
				return err
			}
			return actions.WriteList(stdout, rb)
		},
	}
}

// loadRunbook reads the built-in runbook and the --runbook file.
func loadRunbook(o *options) (actions.Runbook, error) {
	rb, err := actions.Load(o.runbook, actions.Options{ProcRoot: o.proc})
	if err == nil {
		return rb, nil
	}
	var fe *actions.FileError
	if !errors.As(err, &fe) {
		return rb, err
	}
	// One problem per line, under a heading that says nothing was loaded.
	return rb, fmt.Errorf("--runbook %s refused, fix it and start again:\n  %s",
		o.runbook, strings.ReplaceAll(err.Error(), "\n", "\n  "))
}

// newActionService builds the runbook and its runner for the dashboard.
// sudoUser comes from main.go, the one place that reads the environment.
func newActionService(o *options, fs probes.FS, sudoUser string) (actions.Service, error) {
	rb, err := loadRunbook(o)
	if err != nil {
		return actions.Service{}, err
	}
	r := &actions.Runner{
		// A probe of its own: MemProbe reuses buffers and the memory panel
		// reads its own one concurrently.
		Memory:   &memSampler{p: probes.NewMemProbe(fs, nil)},
		Who:      actions.Who{User: userName(), SudoUser: sudoUser},
		ReadOnly: o.readOnly,
		ProcRoot: o.proc,
	}
	// The same server the PostgreSQL panel watches, through a session of
	// its own (named memtui-actions) opened on first use.
	t, err := probes.ResolvePGTarget(o.pg, pgEnv())
	switch {
	case err != nil:
		r.PG = pgexec.Unavailable{Err: err}
	case !t.Disabled:
		// No statement_timeout: an action's SQL is bounded by its own timeout.
		conn, _ := t.DriverSettings(10*time.Second, 0)
		pg, err := pgexec.NewLazyConn(conn)
		if err != nil {
			r.PG = pgexec.Unavailable{Err: fmt.Errorf("PostgreSQL settings (%s): %s", t.Redacted(), t.Scrub(actions.Redact(err.Error())))}
		} else {
			r.PG = pgexec.Session{C: pg}
		}
	}
	return actions.Service{Runbook: rb, Runner: r}, nil
}

// userName is the effective user's login name, from the user database
// rather than $USER, which sudo and su may leave stale.
func userName() string {
	u, err := user.Current()
	if err != nil {
		return "unknown"
	}
	return u.Username
}

// memSampler adapts a MemProbe to the runner's before/after readings.
type memSampler struct {
	mu sync.Mutex
	p  *probes.MemProbe
}

// SampleMemory reads memory once; unknown figures are an error, never 0.
func (s *memSampler) SampleMemory(context.Context) (actions.Memory, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.p.Read()
	if m.MeminfoErr != nil {
		return actions.Memory{}, m.MeminfoErr
	}
	mi := m.Meminfo
	pct, ok := mi.UsedPercent()
	if !ok {
		return actions.Memory{}, errors.New("memory: used percent unknown")
	}
	avail, _ := mi.Available()
	return actions.Memory{
		At: m.Time, TotalBytes: mi.MemTotal.V, UsedBytes: mi.Used().V, AvailableBytes: avail.V,
		UsedPercent: pct, SwapUsedBytes: mi.SwapUsed().V,
	}, nil
}

// pgEnv reads the libpq environment that --pg falls back to (only main
// reads the environment). Without PGPASSFILE, ~/.pgpass is used as libpq does.
func pgEnv() map[string]string {
	env := map[string]string{}
	for _, k := range probes.PGEnvKeys {
		if v, ok := os.LookupEnv(k); ok {
			env[k] = v
		}
	}
	if env["PGPASSFILE"] == "" {
		if home, err := os.UserHomeDir(); err == nil {
			env["PGPASSFILE"] = filepath.Join(home, ".pgpass")
		}
	}
	return env
}

// pgSource builds the PostgreSQL source: nil with --pg none; a source that
// reports the mistake when the connection settings cannot be read, so a
// typo in --pg shows in the panel instead of keeping the dashboard from
// starting in an incident.
func (o *options) pgSource(fs probes.FS) ui.PGSource {
	t, err := probes.ResolvePGTarget(o.pg, pgEnv())
	switch {
	case err != nil:
		return pgConfigError{err: err}
	case t.Disabled:
		return nil
	}
	o.pgProbe = pgprobe.New(t, fs, pgprobe.Options{})
	return o.pgProbe
}

// closePG ends memtui's PostgreSQL session, if one was opened.
func (o *options) closePG() {
	if o.pgProbe != nil {
		_ = o.pgProbe.Close()
	}
}

// pgSnapshotBudget bounds the snapshot's PostgreSQL reading so that, with
// the server down or hung, the whole snapshot still ends within 5 s.
const pgSnapshotBudget = 3500 * time.Millisecond

// pgSnapshot is the postgres section: one reading, then the session ends.
func (o *options) pgSnapshot(fs probes.FS) probes.PGSnapshot {
	src := o.pgSource(fs)
	defer o.closePG()
	if src == nil {
		return probes.PGSnapshot{Error: "PostgreSQL is off (--pg none)", ByState: map[string]int{}}
	}
	ctx, cancel := context.WithTimeout(context.Background(), pgSnapshotBudget)
	defer cancel()
	return src.Read(ctx).Snapshot()
}

// pgConfigError is a PostgreSQL source whose settings could not be read;
// every reading says why.
type pgConfigError struct{ err error }

func (s pgConfigError) Read(context.Context) probes.PGReading {
	return probes.PGReading{Time: time.Now(), Err: &probes.PGError{Kind: probes.PGErrConfig, Msg: s.err.Error()}}
}

// writePGText is the postgres section of the human snapshot.
func writePGText(b *strings.Builder, p probes.PGSnapshot) {
	b.WriteString("\nPostgreSQL\n")
	if p.Target != "" {
		fmt.Fprintf(b, "  target     %s\n", p.Target)
	}
	if !p.Connected {
		fmt.Fprintf(b, "  not connected: %s\n", p.Error)
		if p.Hint != "" {
			fmt.Fprintf(b, "  %s\n", p.Hint)
		}
		return
	}
	fmt.Fprintf(b, "  server     %s, up %s\n", p.ServerVersion, time.Duration(*p.UptimeSeconds*float64(time.Second)).Round(time.Second))
	res := ""
	if p.Reserved != nil {
		res = fmt.Sprintf(" + %d reserved", *p.Reserved)
	}
	fmt.Fprintf(b, "  sessions   %d of max_connections %d (%d for superusers%s; memtui holds one more)\n",
		*p.Total, *p.MaxConnections, *p.SuperuserReserved, res)
	for _, st := range probes.PGStates {
		if n := p.ByState[st]; n > 0 || st == "active" || st == "idle" {
			fmt.Fprintf(b, "    %-30s %d\n", st, n)
		}
	}
	idle := time.Duration(p.IdleThresholdSeconds * float64(time.Second))
	idleText := idle.String()
	switch {
	case idle > 0 && idle%time.Hour == 0:
		idleText = fmt.Sprintf("%d h", idle/time.Hour)
	case idle > 0 && idle%time.Minute == 0:
		idleText = fmt.Sprintf("%d min", idle/time.Minute)
	}
	fmt.Fprintf(b, "  idle over %s: %d\n", idleText, *p.IdleOver30m)
	if m := p.Memory; m != nil {
		fmt.Fprintf(b, "  memory     RSS sum %s in %d processes (ps-style, counts shared memory per process); own ≈ %s\n",
			actions.FormatBytes(m.RSSSumBytes), m.Processes, actions.FormatBytes(m.EstimateBytes))
	} else if p.MemoryNote != "" {
		fmt.Fprintf(b, "  memory     %s\n", p.MemoryNote)
	}
	for _, g := range p.Guidance {
		fmt.Fprintf(b, "  %-20s %s\n", g.Setting, g.Text)
	}
}

// incidentDir is where timelines live by default, from the environment
// (XDG_STATE_HOME, else HOME).
func incidentDir() (string, error) {
	return incident.DefaultDir(os.Getenv("XDG_STATE_HOME"), os.Getenv("HOME"))
}

// newTimeline is the dashboard's incident journal: --incident, or a new
// file per incident in the default directory. nil (no timeline, the panel
// says so) when neither is usable; the error shows in the panel then.
func newTimeline(o *options) ui.Timeline {
	host, _ := os.Hostname()
	dir, err := incidentDir()
	if err != nil && o.incident == "" {
		return nil
	}
	return incident.NewJournal(dir, o.incident, host)
}

// author names the person at the keyboard: under sudo the user who ran it.
func author() string {
	for _, v := range []string{"SUDO_USER", "USER", "LOGNAME"} {
		if u := os.Getenv(v); u != "" {
			return u
		}
	}
	return ""
}

func newReportCmd(o *options, stdout io.Writer) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write the post-incident report of a timeline as markdown",
		Long: `Write the post-incident report of an incident timeline as GitHub markdown:
the runbook's "Memory Incident Report" (date, host, peak memory, duration,
root cause, resolution, prevention, action items), then a chart of memory and
swap, the timeline, the actions with their exact commands and effect, the OOM
kills, the escalation stages reached and the success criteria.

Without --incident it reports on the newest timeline under
$XDG_STATE_HOME/memtui/incidents (or ~/.local/state/memtui/incidents).
Fields nobody filled in are marked "not recorded"; an incident still in
progress says so.`,
		Example: `  memtui report                               # newest incident, to stdout
  memtui report -o incident.md                # to a file (mode 0600)
  memtui report --incident /var/tmp/db1.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir := ""
			if o.incident == "" {
				d, err := incidentDir()
				if err != nil {
					return err
				}
				dir = d
			}
			written, timeline, err := incident.ReportFile(incident.ReportRequest{Incident: o.incident, Dir: dir, Out: out, Now: time.Now(), Stdout: stdout})
			if err != nil {
				return err
			}
			if written != "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "report of %s written to %s\n", timeline, written)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the report to this file (mode 0600, replaced atomically) instead of stdout")
	return cmd
}
