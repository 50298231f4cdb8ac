package prom

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/host"
)

// KindPrometheus is a host read through Prometheus's exporters.
const KindPrometheus host.Kind = "prometheus"

// WhyPrometheus is CanAct's refusal: memtui never acts on a host it only
// sees through metrics.
const WhyPrometheus = "a Prometheus host is read-only: actions run on the host itself (run memtui there)"

// Host is one node_exporter instance behind the host seam, read-only.
// What node_exporter does not export (the process table, the kernel log,
// PSI averages, cgroups) reads as unavailable, with the reason.
type Host struct {
	c        *Client
	instance string
}

// OpenHost returns the instance as a host.Host.
func (c *Client) OpenHost(instance string) *Host { return &Host{c: c, instance: instance} }

var _ host.Host = (*Host)(nil)

// Name is the instance label (what the fleet row shows).
func (h *Host) Name() string { return h.instance }

// BootID is the boot time from node_exporter, as there is no boot id.
func (h *Host) BootID() string {
	ctx, cancel := context.WithTimeout(context.Background(), h.c.timeout)
	defer cancel()
	v, err := h.c.instant(ctx, `max by (instance) (node_boot_time_seconds{instance=`+strconv.Quote(h.instance)+`})`, time.Now())
	if b, ok := v[h.instance]; err == nil && ok {
		return fmt.Sprintf("boot-%d", int64(b))
	}
	return "unknown"
}

// Kind is "prometheus".
func (h *Host) Kind() host.Kind { return KindPrometheus }

// CanAct refuses: actions run on the host itself.
func (h *Host) CanAct() error { return &host.ReadOnlyError{Why: WhyPrometheus} }

// Facts are the name and boot id; the rest is not in node_exporter's memory
// collectors.
func (h *Host) Facts(context.Context) host.Facts {
	return host.Facts{Name: h.Name(), BootID: h.BootID()}
}

// Memory reads meminfo and vmstat from node_exporter in one query each.
func (h *Host) Memory() host.MemorySource { return memSource{h} }

type memSource struct{ h *Host }

var memFields = map[string]func(*probes.Meminfo) *probes.Val{
	"MemTotal": func(m *probes.Meminfo) *probes.Val { return &m.MemTotal }, "MemFree": func(m *probes.Meminfo) *probes.Val { return &m.MemFree },
	"MemAvailable": func(m *probes.Meminfo) *probes.Val { return &m.MemAvailable }, "Buffers": func(m *probes.Meminfo) *probes.Val { return &m.Buffers },
	"Cached": func(m *probes.Meminfo) *probes.Val { return &m.Cached }, "SwapCached": func(m *probes.Meminfo) *probes.Val { return &m.SwapCached },
	"SwapTotal": func(m *probes.Meminfo) *probes.Val { return &m.SwapTotal }, "SwapFree": func(m *probes.Meminfo) *probes.Val { return &m.SwapFree },
	"Dirty": func(m *probes.Meminfo) *probes.Val { return &m.Dirty }, "Writeback": func(m *probes.Meminfo) *probes.Val { return &m.Writeback },
	"AnonPages": func(m *probes.Meminfo) *probes.Val { return &m.AnonPages }, "Shmem": func(m *probes.Meminfo) *probes.Val { return &m.Shmem },
}

func (s memSource) Read() probes.Memory {
	c := s.h.c
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	now := time.Now()
	m := probes.Memory{Time: now,
		PSIErr:    fmt.Errorf("PSI averages: %w (node_exporter exports only the stall counters)", probes.ErrUnavailable),
		CgroupErr: fmt.Errorf("cgroup memory: %w through Prometheus", probes.ErrUnavailable)}
	v, _, _, err := c.api.Query(ctx, `{__name__=~"node_memory_.*_bytes|node_vmstat_(oom_kill|pswpin|pswpout|pgmajfault)",instance=`+strconv.Quote(s.h.instance)+`}`, now)
	if err != nil {
		m.MeminfoErr, m.VMStatErr = c.explain(err), c.explain(err)
		return m
	}
	vec, _ := v.(model.Vector)
	for _, smp := range vec {
		name := string(smp.Metric[model.MetricNameLabel])
		val := probes.Val{V: uint64(smp.Value), OK: true}
		if f, ok := memFields[strings.TrimSuffix(strings.TrimPrefix(name, "node_memory_"), "_bytes")]; ok && strings.HasPrefix(name, "node_memory_") {
			*f(&m.Meminfo) = val
		}
		switch name {
		case "node_vmstat_oom_kill":
			m.VMStat.OOMKill = val
		case "node_vmstat_pswpin":
			m.VMStat.PswpIn = val
		case "node_vmstat_pswpout":
			m.VMStat.PswpOut = val
		case "node_vmstat_pgmajfault":
			m.VMStat.PgMajFault = val
		}
	}
	if !m.Meminfo.MemTotal.OK || m.Meminfo.MemTotal.V == 0 {
		m.Meminfo = probes.Meminfo{}
		m.MeminfoErr = fmt.Errorf("Prometheus at %s: no node_memory_MemTotal_bytes for %s (exporter down or stale)", c.addr, s.h.instance)
	}
	if !m.VMStat.OOMKill.OK {
		m.VMStatErr = fmt.Errorf("vmstat: %w (no node_vmstat_oom_kill for %s)", probes.ErrUnavailable, s.h.instance)
	}
	return m
}

// errNoProcs says why there is no process table: Prometheus has groups
// from process-exporter (the fleet's host view), not pids.
var errNoProcs = fmt.Errorf("processes: %w through Prometheus: the per-pid table stays on the host; process-exporter groups are in the fleet's host view", probes.ErrUnavailable)

// Processes is unavailable (see errNoProcs).
func (h *Host) Processes(probes.GrowthConfig) host.ProcSource { return noProcs{} }

type noProcs struct{}

func (noProcs) Scan(probes.ProcScanRequest) (probes.ProcScanResult, error) {
	return probes.ProcScanResult{}, errNoProcs
}
func (noProcs) Detail(probes.ProcKey, *probes.ProcTable) (probes.ProcDetail, []probes.RSSSample, error) {
	return probes.ProcDetail{}, nil, errNoProcs
}

// TopProcesses is unavailable (see errNoProcs).
func (h *Host) TopProcesses(context.Context, int, time.Duration, uint64) ([]probes.SnapshotProc, error) {
	return nil, errNoProcs
}

// OOM has no kills (the kernel log stays on the host) but the counter.
func (h *Host) OOM(ctx context.Context, _ bool) host.OOMSource {
	m := h.Memory().Read()
	return &promOOM{count: m.VMStat.OOMKill, status: probes.OOMSourceStatus{Attempts: []probes.OOMAttempt{{
		Source: "prometheus", What: h.c.addr,
		Err: errors.New("the kernel log is not in Prometheus; node_vmstat_oom_kill counts the kills, memtui oom on the host lists them")}}}}
}

type promOOM struct {
	count  probes.Val
	status probes.OOMSourceStatus
}

func (s *promOOM) Kills() []probes.OOMKill        { return nil }
func (s *promOOM) Status() probes.OOMSourceStatus { return s.status }
func (s *promOOM) StartCount() probes.Val         { return s.count }
func (s *promOOM) Next(ctx context.Context) ([]probes.OOMKill, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// Postgres is no live session: postgres_exporter's counts are in the
// fleet's host view.
func (h *Host) Postgres() (host.PGSource, string) {
	return nil, "a Prometheus host has no PostgreSQL session: postgres_exporter's connection counts are in the fleet's host view"
}

// Close has nothing to release: the client is shared by the fleet.
func (h *Host) Close() error { return nil }
