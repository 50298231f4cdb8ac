//go:build !memtui_watch

// memtui record: samples without a screen, for `memtui replay`.

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/memtui/memtui/internal/units"
	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/host"
	"github.com/memtui/memtui/probes/record"
	"github.com/memtui/memtui/ui"
)

// newRecordCmd is `memtui record [-o FILE] [--duration D]`.
func newRecordCmd(o *options, stdout io.Writer) *cobra.Command {
	var out string
	var duration, procEvery time.Duration
	var top int
	cmd := &cobra.Command{
		Use:   "record [-o FILE] [--duration D]",
		Short: "Record memory, the top processes, PostgreSQL and OOM kills without a screen",
		Long: `record samples this host until --duration passes or it is interrupted:
memory, swap, paging counters and pressure every --interval; the top processes
(pid, start time, name, RSS, swap, growth) every --proc-every; each PostgreSQL
reading when --pg names a server; OOM kills. The file is compact (about 0.5 MB
an hour at 2,000 processes) and survives memtui being killed: it loads up to its
last whole block, written every 30 s at most.

Replay it with: memtui replay FILE`,
		Example: `  memtui record --duration 1h
  memtui record -o /var/tmp/incident.rec --pg "host=/run/postgresql user=postgres"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			if out == "" {
				dir, err := recordingsDir(o)
				if err != nil {
					return err
				}
				out = filepath.Join(dir, "recording-"+time.Now().UTC().Format("20060102T150405Z")+".rec")
			}
			h := o.openHost()
			defer h.Close()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if duration > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, duration)
				defer cancel()
			}
			f := readFacts(h)
			w, err := record.Create(out, record.Header{Host: f.Name, BootID: h.BootID(), Kernel: f.Kernel, Platform: f.Platform,
				CPUs: f.CPUs, BootTime: f.BootTime, Started: time.Now(), Interval: o.interval.Milliseconds(),
				ProcEvery: procEvery.Milliseconds(), TopN: top}, record.WriterOptions{})
			if err != nil {
				return err
			}
			src := record.Sources{Memory: h.Memory(), Procs: h.Processes(probes.GrowthConfig{}), OOM: h.OOM(ctx, true)}
			if pg, _ := h.Postgres(); pg != nil && strings.TrimSpace(o.pg) != "" {
				src.PG = pg // only a server named with --pg: recording must not surprise a DBA
			}
			fmt.Fprintf(stdout, "recording %s to %s (ctrl+c stops)\n", f.Name, out)
			rerr := record.Run(ctx, w, src, record.Config{Interval: o.interval, ProcEvery: procEvery, TopN: top})
			if err := w.Close(); rerr == nil {
				rerr = err
			}
			fmt.Fprintf(stdout, "recorded %s into %s\n", units.Bytes(uint64(w.Size())), out)
			return rerr
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "recording file to create (default: recordings/ beside the incidents directory, recording-<time>.rec)")
	cmd.Flags().DurationVar(&duration, "duration", 0, "stop after this long (default: until interrupted)")
	cmd.Flags().DurationVar(&procEvery, "proc-every", 5*time.Second, "how often to record the top processes")
	cmd.Flags().IntVar(&top, "top", 50, "processes kept per reading")
	return cmd
}

// dashboardRecordingBound ends the dashboard's own recording at 100 MB:
// about a week at the measured 0.5–0.9 MB an hour.
const dashboardRecordingBound = 100 << 20

// startRecording records the live host while the dashboard runs, into
// "recordings" beside the incidents directory (never inside it: `memtui
// report` takes the newest file there), so `memtui replay` can rewind the
// incident afterwards. PostgreSQL is left out: a second session would
// count itself among the server's clients. It never stops the dashboard:
// a recording that cannot be written is simply not made. stop ends it
// and writes the open block.
func startRecording(o *options, h host.Host, tables <-chan record.Handed) (stop func()) {
	nothing := func() {}
	if h.Kind() != host.KindLive {
		return nothing // a replay writes nothing beside the live incidents
	}
	dir, err := recordingsDir(o)
	if err != nil {
		return nothing
	}
	f := readFacts(h)
	now := time.Now()
	w, err := record.Create(filepath.Join(dir, "recording-"+now.UTC().Format("20060102T150405Z")+".rec"),
		record.Header{Host: f.Name, BootID: h.BootID(), Kernel: f.Kernel, Platform: f.Platform, CPUs: f.CPUs,
			BootTime: f.BootTime, Started: now, Interval: o.interval.Milliseconds(), ProcEvery: 5000, TopN: 50},
		record.WriterOptions{})
	if err != nil {
		return nothing
	}
	pruneRecordings(dir, keepRecordings)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		src := record.Sources{Memory: h.Memory(), Procs: h.Processes(probes.GrowthConfig{}), OOM: h.OOM(ctx, true), Tables: tables}
		_ = record.Run(ctx, w, src, record.Config{Interval: o.interval, MaxBytes: dashboardRecordingBound})
		_ = w.Close()
	}()
	return func() { cancel(); <-done }
}

// keepRecordings is how many of the dashboard's recordings are kept: each
// launch makes one, and a host opened every day must not collect them.
const keepRecordings = 20

// pruneRecordings removes the oldest recording-*.rec of dir beyond keep
// (the names sort by time).
func pruneRecordings(dir string, keep int) {
	names, err := filepath.Glob(filepath.Join(dir, "recording-*.rec"))
	if err != nil || len(names) <= keep {
		return
	}
	sort.Strings(names)
	for _, n := range names[:len(names)-keep] {
		_ = os.Remove(n)
	}
}

// recordingsDir is where recordings go by default, created 0700:
// "recordings" beside the incidents directory (or beside the directory of
// --incident), never inside it, so the timelines stay alone there.
func recordingsDir(o *options) (string, error) {
	dir, err := incidentDir(o)
	if o.incident != "" {
		dir, err = filepath.Dir(o.incident), nil
	}
	if err != nil {
		return "", err
	}
	dir = filepath.Join(filepath.Dir(dir), "recordings")
	return dir, os.MkdirAll(dir, 0o700)
}

// procTap is the dashboard's process source with the recording reading
// over its shoulder: every ProcEvery one of the panel's own scans (with
// detail for the recording's top rows) is copied to the recorder, so the
// live host is scanned once, not twice.
type procTap struct {
	ui.ProcSource
	every time.Duration
	topN  int
	mu    sync.Mutex
	last  time.Time
	out   chan record.Handed
}

func newProcTap(src ui.ProcSource, every time.Duration, topN int) *procTap {
	return &procTap{ProcSource: src, every: every, topN: topN, out: make(chan record.Handed, 1)}
}

// Scan is the panel's scan; one every `every` is also handed to the
// recording (a copy of its top rows: the panel reuses its tables).
func (t *procTap) Scan(req probes.ProcScanRequest) (probes.ProcScanResult, error) {
	t.mu.Lock()
	due := time.Since(t.last) >= t.every
	t.mu.Unlock()
	if due && req.DetailTop < t.topN {
		req.DetailTop = t.topN
	}
	res, err := t.ProcSource.Scan(req)
	if err != nil || !due {
		return res, err
	}
	t.mu.Lock()
	t.last = time.Now()
	t.mu.Unlock()
	select {
	case t.out <- record.Hand(res.Table, t.topN):
	default: // the recorder is behind: it takes the next one
	}
	return res, nil
}
