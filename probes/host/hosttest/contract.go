// Package hosttest is the contract every host.Host implementation passes:
// the local machine, a captured tree, and later a recording and a
// Prometheus-backed host, each run through Run over the fixture trees (as
// superfile's provider contract test does for its file providers). A host
// that passes can be handed to every screen and command.
package hosttest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/host"
)

// Expect is what the caller knows about the host beyond the contract.
type Expect struct {
	// PIDExists says whether a pid is in the host's process table as the
	// test sees it (a fixture tree's directories); nil skips the check, as
	// on a live host where processes come and go between two reads.
	PIDExists func(pid int32) bool
	// Kind is the kind the host must report ("" skips the check).
	Kind host.Kind
}

// sourceBudget bounds every call of the contract: a source that hangs is
// a failure, because the screens give each source a timeout of this order.
const sourceBudget = 10 * time.Second

// Run checks open's hosts against the contract, each subtest on a fresh
// host that is closed when it ends.
func Run(t *testing.T, open func(t *testing.T) host.Host, e Expect) {
	t.Helper()
	fresh := func(t *testing.T) host.Host {
		h := open(t)
		t.Cleanup(func() {
			if err := h.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return h
	}
	t.Run("identity", func(t *testing.T) { identity(t, fresh(t), e) })
	t.Run("capability", func(t *testing.T) { capability(t, fresh(t)) })
	t.Run("memory", func(t *testing.T) { memory(t, fresh(t)) })
	t.Run("processes", func(t *testing.T) { processes(t, fresh(t), e) })
	t.Run("oom", func(t *testing.T) { oom(t, fresh(t)) })
	t.Run("postgres", func(t *testing.T) { postgres(t, fresh(t)) })
	t.Run("close", func(t *testing.T) { closeAll(t, open(t)) })
}

// closeAll opens every source, following the OOM kills as the dashboard
// does, and closes the host: quitting memtui must not hang on a source.
func closeAll(t *testing.T, h host.Host) {
	ctx, cancel := context.WithTimeout(context.Background(), sourceBudget)
	defer cancel()
	h.Memory().Read()
	_, _ = h.Processes(probes.GrowthConfig{}).Scan(probes.ProcScanRequest{})
	h.OOM(ctx, true)
	h.Postgres()
	done := make(chan error, 1)
	go func() { done <- h.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(sourceBudget):
		t.Errorf("Close did not return within %s", sourceBudget)
	}
}

func identity(t *testing.T, h host.Host, e Expect) {
	if strings.TrimSpace(h.Name()) == "" {
		t.Errorf("Name() is empty: incidents are named after it")
	}
	if h.Name() != h.Name() || h.BootID() != h.BootID() {
		t.Errorf("Name or BootID changed between two calls")
	}
	if e.Kind != "" && h.Kind() != e.Kind {
		t.Errorf("Kind() = %q, want %q", h.Kind(), e.Kind)
	}
	ctx, cancel := context.WithTimeout(context.Background(), sourceBudget)
	defer cancel()
	f := h.Facts(ctx)
	if f.Name != h.Name() || f.BootID != h.BootID() {
		t.Errorf("Facts name/boot id %q/%q, methods %q/%q", f.Name, f.BootID, h.Name(), h.BootID())
	}
	if f.CPUs < 0 {
		t.Errorf("Facts.CPUs = %d", f.CPUs)
	}
}

func capability(t *testing.T, h host.Host) {
	err := h.CanAct()
	switch {
	case h.Kind() == "":
		t.Errorf("Kind() is empty")
	case h.Kind() != host.KindLive && err == nil:
		t.Errorf("a %s host lets actions run: only a live host may act", h.Kind())
	case err != nil && !errors.Is(err, host.ErrReadOnly):
		t.Errorf("CanAct() = %v, which is not a host.ErrReadOnly refusal", err)
	case err != nil && strings.TrimSpace(err.Error()) == "":
		t.Errorf("CanAct() refuses without saying why")
	}
}

func memory(t *testing.T, h host.Host) {
	src := h.Memory()
	first := src.Read()
	second := src.Read()
	if first.MeminfoErr == nil && second.MeminfoErr != nil {
		t.Errorf("second memory read failed after the first worked: %v", second.MeminfoErr)
	}
	for i, m := range []probes.Memory{first, second} {
		checkMemory(t, i+1, m)
	}
}

// checkMemory holds one reading to the rules every panel relies on.
func checkMemory(t *testing.T, n int, m probes.Memory) {
	if m.MeminfoErr != nil {
		if m.MeminfoErr.Error() == "" {
			t.Errorf("read %d: meminfo error without a message", n)
		}
		if _, ok := m.UsedPercent(); ok {
			t.Errorf("read %d: a used percent despite meminfo error %v", n, m.MeminfoErr)
		}
		return
	}
	mi := m.Meminfo
	if mi.MemTotal.OK && mi.MemTotal.V == 0 {
		t.Errorf("read %d: MemTotal known as 0: an unknown total must be unknown", n)
	}
	used := mi.Used()
	pct, ok := mi.UsedPercent()
	switch {
	case ok && (!mi.MemTotal.OK || !used.OK):
		t.Errorf("read %d: used percent %.1f without a known total and used", n, pct)
	case !ok && used.OK && mi.MemTotal.OK && mi.MemTotal.V > 0:
		t.Errorf("read %d: used %d of %d known, percent unknown", n, used.V, mi.MemTotal.V)
	case ok && (pct < 0 || pct > 100):
		t.Errorf("read %d: used percent %.2f outside 0..100", n, pct)
	}
	if used.OK && mi.MemTotal.OK && used.V > mi.MemTotal.V {
		t.Errorf("read %d: used %d > total %d", n, used.V, mi.MemTotal.V)
	}
	if a, _ := mi.Available(); a.OK && mi.MemTotal.OK && used.OK && used.V+min(a.V, mi.MemTotal.V) != mi.MemTotal.V {
		t.Errorf("read %d: used %d + available %d ≠ total %d", n, used.V, a.V, mi.MemTotal.V)
	}
	su := mi.SwapUsed()
	if su.OK && mi.SwapTotal.OK && su.V > mi.SwapTotal.V {
		t.Errorf("read %d: swap used %d > swap total %d", n, su.V, mi.SwapTotal.V)
	}
	if sp, ok := mi.SwapPercent(); ok && (mi.SwapTotal.V == 0 || sp < 0 || sp > 100) {
		t.Errorf("read %d: swap percent %.2f of swap total %d", n, sp, mi.SwapTotal.V)
	}
}

func processes(t *testing.T, h host.Host, e Expect) {
	ctx, cancel := context.WithTimeout(context.Background(), sourceBudget)
	defer cancel()
	const n = 20
	for read := 1; read <= 2; read++ {
		rows, err := h.TopProcesses(ctx, n, 0, 0)
		if err != nil {
			// Saying why is allowed (a tree without processes, no permission);
			// failing silently or only the second time is not.
			if err.Error() == "" {
				t.Errorf("read %d: processes error without a message", read)
			}
			if read == 2 {
				t.Errorf("second read of the processes failed: %v", err)
			}
			return
		}
		if len(rows) > n {
			t.Errorf("read %d: %d rows, asked for %d", read, len(rows), n)
		}
		for i, r := range rows {
			if r.PID <= 0 {
				t.Errorf("read %d: row %d has pid %d", read, i, r.PID)
			}
			if i > 0 && rows[i-1].RSSBytes < r.RSSBytes {
				t.Errorf("read %d: not sorted by RSS: pid %d (%d B) before pid %d (%d B)", read, rows[i-1].PID, rows[i-1].RSSBytes, r.PID, r.RSSBytes)
			}
			if e.PIDExists != nil && !e.PIDExists(r.PID) {
				t.Errorf("read %d: pid %d is not in the host's process table", read, r.PID)
			}
		}
	}
	// The dashboard's monitor: two scans in a row, the second as good.
	mon := h.Processes(probes.GrowthConfig{})
	_, err1 := mon.Scan(probes.ProcScanRequest{})
	res, err2 := mon.Scan(probes.ProcScanRequest{})
	if err1 == nil && err2 != nil {
		t.Errorf("second scan failed after the first worked: %v", err2)
	}
	if err2 == nil && e.PIDExists != nil {
		for _, p := range res.Table.Procs {
			if !e.PIDExists(p.PID) {
				t.Errorf("scan: pid %d is not in the host's process table", p.PID)
			}
		}
	}
}

func oom(t *testing.T, h host.Host) {
	ctx, cancel := context.WithTimeout(context.Background(), sourceBudget)
	defer cancel()
	start := time.Now()
	src := h.OOM(ctx, false)
	if d := time.Since(start); d > sourceBudget {
		t.Errorf("OOM took %s", d)
	}
	st := src.Status()
	if st.String() == "" {
		t.Errorf("OOM status is empty: it must name its source or say why there is none")
	}
	if err := st.Err(); err != nil && err.Error() == "" {
		t.Errorf("OOM source failed without saying why")
	}
	kills := src.Kills()
	for i, k := range kills {
		if k.PID <= 0 && k.Source == "kernel" {
			t.Errorf("kill %d has pid %d", i, k.PID)
		}
		if i > 0 && k.Time != nil && kills[i-1].Time != nil && k.Time.Before(*kills[i-1].Time) {
			t.Errorf("kills not oldest first: %v before %v", kills[i-1].Time, k.Time)
		}
	}
	sec := host.OOMSection(src, 5)
	if len(sec.Recent) > 5 || len(sec.Recent) > len(kills) {
		t.Errorf("OOMSection kept %d of %d kills, asked for 5", len(sec.Recent), len(kills))
	}
	if sec.Source == "" {
		t.Errorf("OOMSection without a source line")
	}
	// Next must honour its context: the panel waits with a timeout.
	wctx, wcancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer wcancel()
	done := make(chan struct{})
	go func() { _, _ = src.Next(wctx); close(done) }()
	select {
	case <-done:
	case <-time.After(sourceBudget):
		t.Errorf("Next ignored its context's deadline")
	}
}

func postgres(t *testing.T, h host.Host) {
	src, why := h.Postgres()
	if src == nil && strings.TrimSpace(why) == "" {
		t.Errorf("Postgres() gives no source and no reason")
	}
}
