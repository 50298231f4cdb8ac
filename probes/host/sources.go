package host

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/procfs"
)

// closers keeps what a host opened so Close can release it all; sources
// are opened from several goroutines (the dashboard, the action runner).
type closers struct {
	mu sync.Mutex
	cs []interface{ Close() error }
}

func (c *closers) add(x interface{ Close() error }) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cs = append(c.cs, x)
}

func (c *closers) Close() error {
	c.mu.Lock()
	cs := c.cs
	c.cs = nil
	c.mu.Unlock()
	var first error
	for _, x := range cs {
		if err := x.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// readBootID reads <proc>/sys/kernel/random/boot_id ("" when absent: old
// kernels, fixture trees that did not capture it).
func readBootID(fs procfs.FS) string {
	b, err := os.ReadFile(filepath.Join(fs.ProcRoot(), "sys", "kernel", "random", "boot_id"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// staticOOM is a finished reading of OOM kills: nothing new ever arrives,
// so Next waits until its caller gives up rather than reporting an end
// (the panel would call a saved log "no longer followed").
type staticOOM struct {
	kills    []probes.OOMKill
	status   probes.OOMSourceStatus
	count    probes.Val
	countErr error
}

func (s *staticOOM) Kills() []probes.OOMKill        { return append([]probes.OOMKill(nil), s.kills...) }
func (s *staticOOM) Status() probes.OOMSourceStatus { return s.status }
func (s *staticOOM) StartCount() probes.Val         { return s.count }
func (s *staticOOM) CountErr() error                { return s.countErr }

func (s *staticOOM) Next(ctx context.Context) ([]probes.OOMKill, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// pgConfigError is a PostgreSQL source whose settings could not be read;
// every reading says why, so a typo in --pg shows in the panel instead of
// keeping the dashboard from starting in an incident.
type pgConfigError struct{ err error }

func (s pgConfigError) Read(context.Context) probes.PGReading {
	return probes.PGReading{Time: time.Now(), Err: &probes.PGError{Kind: probes.PGErrConfig, Msg: s.err.Error()}}
}

// WhyPGOff is why PostgreSQL is not read with --pg none.
const WhyPGOff = "PostgreSQL is off (--pg none)"
