package record

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/memtui/memtui/probes"
)

// Sources are what the recorder reads: the host's sources (probes/host
// hands them out; this package cannot import host, which imports it).
type Sources struct {
	Memory interface{ Read() probes.Memory }
	Procs  interface {
		Scan(req probes.ProcScanRequest) (probes.ProcScanResult, error)
	}
	// PG is nil when PostgreSQL is not read.
	PG interface {
		Read(ctx context.Context) probes.PGReading
	}
	// OOM is nil when the kernel log is not followed.
	OOM interface {
		Next(ctx context.Context) ([]probes.OOMKill, error)
	}
	// Tables, when set, hands in the process tables another reader of the
	// same host has just scanned (the dashboard's process panel): the
	// recorder writes those instead of scanning again, and scans with
	// Procs only when none came for two ProcEvery (a paused screen). When
	// tables come again, a Procs with a Forget method (procfs.ProcMonitor)
	// is told to drop what it keeps of every process until the next pause.
	Tables <-chan Handed
}

// Handed is a process table another reader scanned, as Sources.Tables
// takes it: cut to its largest rows, since the recording keeps no more
// (copying all 10,000 rows of a table, 1.4 MB, every ProcEvery to keep 50
// would be waste).
type Handed struct {
	Table probes.ProcTable // Procs: the largest by RSS, largest first; a copy
	Count int              // processes in the whole table
}

// Hand cuts t for Sources.Tables: a copy of its n largest processes by
// RSS, and its size.
func Hand(t probes.ProcTable, n int) Handed {
	count := len(t.Procs)
	t.Procs = topByRSS(t.Procs, n)
	return Handed{Table: t, Count: count}
}

// Config says how often to sample.
type Config struct {
	Interval   time.Duration // memory (default 1 s)
	ProcEvery  time.Duration // top processes (default 5 s)
	TopN       int           // processes per reading (default 50)
	PGEvery    time.Duration // PostgreSQL (default 10 s)
	PGTimeout  time.Duration // one PostgreSQL reading (default 5 s)
	Thresholds probes.Thresholds
	// MaxBytes ends the recording once the file is this large (0: no
	// bound): a dashboard left open for weeks must not fill the disk.
	MaxBytes int64
	Now      func() time.Time
}

// ErrFull is returned by Run when the recording reached Config.MaxBytes.
var ErrFull = errors.New("recording reached its size bound")

func (c Config) withDefaults() Config {
	if c.Interval <= 0 {
		c.Interval = time.Second
	}
	if c.ProcEvery <= 0 {
		c.ProcEvery = 5 * time.Second
	}
	if c.TopN <= 0 {
		c.TopN = 50
	}
	if c.PGEvery <= 0 {
		c.PGEvery = 10 * time.Second
	}
	if c.PGTimeout <= 0 {
		c.PGTimeout = 5 * time.Second
	}
	if c.Thresholds == (probes.Thresholds{}) {
		c.Thresholds = probes.DefaultThresholds()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Run records until ctx ends, then closes the open block. Slow sources
// (PostgreSQL, the kernel log) run in goroutines of their own and hand
// their readings to the one loop that writes, so a hung server never
// delays the memory samples.
func Run(ctx context.Context, w *Writer, src Sources, c Config) error {
	c = c.withDefaults()
	kills := make(chan []probes.OOMKill, 4)
	pgs := make(chan probes.PGReading, 1)
	loopCtx, stop := context.WithCancel(ctx)
	defer stop()
	if src.OOM != nil {
		go func() {
			for {
				ks, err := src.OOM.Next(loopCtx)
				if err != nil {
					return
				}
				select {
				case kills <- ks:
				case <-loopCtx.Done():
					return
				}
			}
		}()
	}
	if src.PG != nil {
		go func() {
			t := time.NewTicker(c.PGEvery)
			defer t.Stop()
			for {
				rctx, cancel := context.WithTimeout(loopCtx, c.PGTimeout)
				r := src.PG.Read(rctx)
				cancel()
				select {
				case pgs <- r:
				case <-loopCtx.Done():
					return
				}
				select {
				case <-t.C:
				case <-loopCtx.Done():
					return
				}
			}
		}()
	}
	memTick := time.NewTicker(c.Interval)
	defer memTick.Stop()
	var lastProcs time.Time
	if src.Tables != nil {
		// The other reader's first table comes at once; a scan of our own
		// now would fill Procs' scanner and tracker, which keep an entry per
		// process (4 MB at 10,000) for as long as memtui runs, to be used
		// only if that reader stops (a paused panel).
		lastProcs = c.Now()
	}
	// ownScans: the recorder has scanned with Procs since the last table
	// handed in.
	ownScans := false
	sev := probes.Severity(-1)
	sample := func() error {
		m := src.Memory.Read()
		if err := w.Memory(m); err != nil {
			return err
		}
		if pct, ok := m.UsedPercent(); ok {
			if s := probes.SeverityOf(pct, c.Thresholds); s != sev {
				if sev >= 0 {
					e := Event{At: m.Time, Kind: EventSeverity, Text: "memory " + s.String() + " at " + percent(pct)}
					if err := w.Event(e); err != nil {
						return err
					}
				}
				sev = s
			}
		}
		if src.Procs != nil && c.Now().Sub(lastProcs) >= c.ProcEvery-c.Interval/2 && (src.Tables == nil || c.Now().Sub(lastProcs) >= 2*c.ProcEvery) {
			lastProcs = c.Now()
			// Detail (swap, command line) only for the rows kept.
			// The footprint is the dashboard's (its own scan reads it); the
			// recording keeps the table only.
			ownScans = src.Tables != nil
			res, err := src.Procs.Scan(probes.ProcScanRequest{ScanOptions: probes.ScanOptions{DetailTop: c.TopN}, NoFootprint: true})
			if err == nil {
				if err := w.Processes(res.Table, c.TopN); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := sample(); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return w.Flush()
		case <-memTick.C:
			if err := sample(); err != nil {
				return err
			}
			if c.MaxBytes > 0 && w.Size() >= c.MaxBytes {
				return ErrFull
			}
		case ks := <-kills:
			for _, k := range ks {
				if err := w.Kill(k, c.Now()); err != nil {
					return err
				}
			}
		case r := <-pgs:
			if err := w.Postgres(r); err != nil {
				return err
			}
		case h := <-src.Tables:
			lastProcs = c.Now()
			if ownScans {
				ownScans = false
				if f, ok := src.Procs.(interface{ Forget() }); ok {
					f.Forget()
				}
			}
			if err := w.Handed(h, c.TopN); err != nil {
				return err
			}
		}
	}
}

func percent(p float64) string { return fmt.Sprintf("%.1f %%", p) }
