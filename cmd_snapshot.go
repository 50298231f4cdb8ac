// memtui snapshot: one reading of every panel, as text or JSON.

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/memtui/memtui/internal/units"
	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/host"
)

// snapshot is the JSON contract of `memtui snapshot --json` (docs/DESIGN.md).
type snapshot struct {
	Time           string                `json:"time"`
	Host           string                `json:"host"`
	HostInfo       hostJSON              `json:"host_info"`
	Memory         memorySnapshot        `json:"memory"`
	Processes      []probes.SnapshotProc `json:"processes"`
	ProcessesError string                `json:"processes_error,omitempty"`

	OOM      probes.OOMSection    `json:"oom"`
	Postgres probes.PGSnapshot    `json:"postgres"`
	Redis    probes.RedisSnapshot `json:"redis"`
	Odoo     probes.OdooSnapshot  `json:"odoo"`
}

// hostJSON are the machine's facts in the snapshot (an extra section).
type hostJSON struct {
	Kind           string `json:"kind"` // live, replay
	Kernel         string `json:"kernel,omitempty"`
	Platform       string `json:"platform,omitempty"`
	Arch           string `json:"arch,omitempty"`
	Virtualization string `json:"virtualization,omitempty"`
	CPUs           int    `json:"cpus"`
	BootTime       string `json:"boot_time,omitempty"`
}

// memorySnapshot is the memory section; the first names are fixed by
// docs/DESIGN.md, the rest are extra. Unknown values are null, never 0.
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
With --json the output follows the contract in docs/DESIGN.md, for scripts and
alerting hooks; unknown values are null.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			h := o.openHost()
			defer h.Close()
			mp := h.Memory()
			prev := mp.Read()
			time.Sleep(rateWindow)
			cur := mp.Read()
			hctx, hcancel := context.WithTimeout(context.Background(), 2*time.Second)
			ph := h.Facts(hctx)
			hcancel()
			hj := hostJSON{Kind: string(h.Kind()), Kernel: ph.Kernel, Platform: ph.Platform, Arch: ph.Arch, Virtualization: ph.Virtualization, CPUs: ph.CPUs}
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
			snap.Processes, snap.ProcessesError = processesSection(h, cur)
			snap.OOM = oomSnapshotSection(h)
			snap.Postgres = pgSnapshot(h)
			snap.Redis = redisSnapshot(o, h)
			snap.Odoo = odooSnapshot(o, h, cur, ph.CPUs, snap.Postgres)
			if asJSON {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(snap)
			}
			return writeSnapshotText(stdout, snap)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (the contract in docs/DESIGN.md)")
	return cmd
}

// writeSnapshotText is the human form of the snapshot.
func writeSnapshotText(w io.Writer, s snapshot) error {
	var b strings.Builder
	m := s.Memory
	fmt.Fprintf(&b, "memtui snapshot of %s at %s", s.Host, s.Time)
	if s.HostInfo.Kind == string(host.KindReplay) {
		b.WriteString(" (replay of a captured tree)")
	}
	b.WriteString("\n")
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
		return units.Bytes(*p)
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
	writeProcessesText(&b, s)
	writeOOMText(&b, s.OOM)
	writePGText(&b, s.Postgres)
	writeRedisText(&b, s.Redis)
	writeOdooText(&b, s.Odoo)
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
func processesSection(h host.Host, cur probes.Memory) ([]probes.SnapshotProc, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	total := cur.Meminfo.MemTotal.Or(0)
	rows, err := h.TopProcesses(ctx, snapshotTopN, rateWindow, total)
	if err != nil {
		return []probes.SnapshotProc{}, err.Error()
	}
	return rows, ""
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
			swap = units.Bytes(*p.SwapBytes)
		}
		cmd := p.Cmdline
		if cmd == "" {
			cmd = p.Comm
		}
		if r := []rune(cmd); len(r) > 60 {
			cmd = string(r[:59]) + "…"
		}
		fmt.Fprintf(b, "  %7d %-10s %10s %10s  %s\n", p.PID, p.User, units.Bytes(p.RSSBytes), swap, cmd)
	}
}
