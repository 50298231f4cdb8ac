package prom

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/host"
)

// WhyPrometheus is CanAct's refusal: memtui never acts on a host it only
// sees through metrics.
const WhyPrometheus = "a Prometheus host is read-only: actions run on the host itself (memtui or memtui watch there)"

// Host is one node_exporter instance behind the host seam, read-only.
// What node_exporter does not export (the process table, the kernel log,
// PSI averages, cgroups) reads as unavailable, with the reason.
type Host struct {
	c        *Client
	instance string

	bootOnce sync.Once // the facts, the incident session and the bars all ask
	bootID   string
}

// OpenHost returns the instance as a host.Host.
func (c *Client) OpenHost(instance string) *Host { return &Host{c: c, instance: instance} }

var _ host.Host = (*Host)(nil)

// Name is the instance label (what the fleet row shows).
func (h *Host) Name() string { return h.instance }

// BootID is the boot time from node_exporter, as there is no boot id;
// asked of Prometheus once per opened host.
func (h *Host) BootID() string {
	h.bootOnce.Do(func() { h.bootID = h.readBootID() })
	return h.bootID
}

func (h *Host) readBootID() string {
	ctx, cancel := context.WithTimeout(context.Background(), h.c.timeout)
	defer cancel()
	v, err := h.c.instant(ctx, `max by (instance) (node_boot_time_seconds{instance=`+strconv.Quote(h.instance)+`})`, time.Now())
	if b, ok := v[h.instance]; err == nil && ok {
		return fmt.Sprintf("boot-%d", int64(b))
	}
	return "unknown"
}

// Kind is "prometheus".
func (h *Host) Kind() host.Kind { return host.KindPrometheus }

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
		CgroupErr: fmt.Errorf("cgroup memory: %w through Prometheus", probes.ErrUnavailable)}
	psi := make(chan psiResult, 1)
	go func() { psi <- s.h.psi(ctx, now) }()
	kills := make(chan probes.Val, 1)
	go func() {
		v, err := c.instant(ctx, `max by (instance) (round(increase(node_vmstat_oom_kill{instance=`+strconv.Quote(s.h.instance)+`}[1h])))`, now)
		n, ok := v[s.h.instance]
		kills <- probes.Val{V: uint64(max(n, 0)), OK: err == nil && ok}
	}()
	scraped := make(chan time.Time, 1)
	go func() {
		defer close(scraped)
		ts, err := c.instant(ctx, `max by (instance) (timestamp(node_memory_MemTotal_bytes{instance=`+strconv.Quote(s.h.instance)+`}))`, now)
		if t, ok := ts[s.h.instance]; err == nil && ok && t > 0 {
			scraped <- time.UnixMilli(int64(t * 1000))
		}
	}()
	vec, err := c.api.query(ctx, `{__name__=~"node_memory_.*_bytes|node_vmstat_(oom_kill|pswpin|pswpout|pgmajfault)",instance=`+strconv.Quote(s.h.instance)+`}`, now)
	if err != nil {
		m.MeminfoErr, m.VMStatErr = c.explain(err), c.explain(err)
		return m
	}
	for _, smp := range vec {
		name := smp.Metric["__name__"]
		val := probes.Val{V: uint64(smp.Value.V), OK: true}
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
	r := <-psi
	m.PSI, m.PSIErr = r.psi, r.err
	m.OOMKills1h = <-kills
	if t, ok := <-scraped; ok {
		// The reading is as old as the scrape: between two scrapes the
		// same figures come back with the same time, and the panel takes
		// them as one point, not as memory that stood still.
		m.Time = t
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

type psiResult struct {
	psi probes.PSI
	err error
}

// psi derives the kernel's pressure averages from node_exporter's stall
// counters: avg60 and avg300 are the counters' rates over 1 and 5 minutes;
// avg10 is the rate between the last two scrapes (irate), the nearest to
// ten seconds a scrape interval allows. A kernel without PSI exports no
// counter.
func (h *Host) psi(ctx context.Context, now time.Time) psiResult {
	inst := `{instance=` + strconv.Quote(h.instance) + `}`
	qs := []string{}
	for _, m := range []string{"node_pressure_memory_waiting_seconds_total", "node_pressure_memory_stalled_seconds_total"} {
		qs = append(qs, `max by (instance) (100 * irate(`+m+inst+`[1m]))`, `max by (instance) (100 * rate(`+m+inst+`[1m]))`, `max by (instance) (100 * rate(`+m+inst+`[5m]))`)
	}
	vals := make([]map[string]float64, len(qs))
	errs := make([]error, len(qs))
	var wg sync.WaitGroup
	for i, q := range qs {
		wg.Go(func() { vals[i], errs[i] = h.c.instant(ctx, q, now) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return psiResult{err: fmt.Errorf("pressure: %w", h.c.explain(err))}
	}
	line := func(i int) probes.PSILine {
		a10, ok10 := vals[i][h.instance]
		a60, ok60 := vals[i+1][h.instance]
		a300, ok300 := vals[i+2][h.instance]
		return probes.PSILine{Avg10: a10, Avg60: a60, Avg300: a300, OK: ok10 && ok60 && ok300}
	}
	p := probes.PSI{Some: line(0), Full: line(3)}
	if !p.Some.OK {
		return psiResult{err: fmt.Errorf("pressure: %w (no node_pressure_memory_waiting_seconds_total for %s: no PSI on its kernel, or two minutes of scrapes not there yet)", probes.ErrUnavailable, h.instance)}
	}
	return psiResult{psi: p}
}

// errNoProcs says why there is no per-process detail: Prometheus has
// process-exporter's groups, not pids.
var errNoProcs = fmt.Errorf("processes: %w through Prometheus: process-exporter reports programs, not processes; the per-pid table stays on the host (run memtui there)", probes.ErrUnavailable)

// ProgramsNote is what the process panel says of a Prometheus host's rows.
const ProgramsNote = "programs from process-exporter: no per-process rows or signals here"

// GrowthWindow is the span process-exporter's resident growth is measured
// over (deriv over a range of this length).
const GrowthWindow = 5 * time.Minute

// Processes reads process-exporter's groups as the process panel's
// programs: resident, swapped, process count and the resident growth
// over GrowthWindow.
func (h *Host) Processes(probes.GrowthConfig) host.ProcSource { return progSource{h} }

type progSource struct{ h *Host }

func (s progSource) Scan(probes.ProcScanRequest) (probes.ProcScanResult, error) {
	c, now := s.h.c, time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	sel := hostSelector(s.h.instance)
	mem := `namedprocess_namegroup_memory_bytes{memtype="resident",` + sel + `}`
	qs := []string{
		`sum by (groupname) (` + mem + `)`,
		`sum by (groupname) (namedprocess_namegroup_memory_bytes{memtype="swapped",` + sel + `})`,
		`sum by (groupname) (namedprocess_namegroup_num_procs{` + sel + `})`,
		`sum by (groupname) (deriv(` + mem + `[` + promDuration(GrowthWindow) + `]))`,
	}
	out := make([]map[string]float64, len(qs))
	errs := make([]error, len(qs))
	var wg sync.WaitGroup
	for i, q := range qs {
		wg.Go(func() { out[i], errs[i] = c.sumBy(ctx, q, "groupname", now) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return probes.ProcScanResult{}, fmt.Errorf("process-exporter through Prometheus: %w", c.explain(err))
	}
	res, swp, n, growth := out[0], out[1], out[2], out[3]
	if len(res) == 0 {
		return probes.ProcScanResult{}, fmt.Errorf("processes: %w: no process-exporter for %s (namedprocess_namegroup_memory_bytes absent)", probes.ErrUnavailable, s.h.instance)
	}
	r := probes.ProcScanResult{Table: probes.ProcTable{At: now}, Window: GrowthWindow, ProgramsOnly: ProgramsNote}
	for g, rss := range res {
		pg := probes.ProcGroup{Program: g, Count: int(n[g]), RSS: uint64(max(rss, 0))}
		if v, ok := swp[g]; ok {
			pg.Swap, pg.SwapOK = uint64(max(v, 0)), true
		}
		if v, ok := growth[g]; ok {
			pg.Growth, pg.GrowthOK = v, true
		}
		r.Programs = append(r.Programs, pg)
	}
	sort.Slice(r.Programs, func(i, j int) bool {
		if r.Programs[i].RSS != r.Programs[j].RSS {
			return r.Programs[i].RSS > r.Programs[j].RSS
		}
		return r.Programs[i].Program < r.Programs[j].Program
	})
	return r, nil
}

func (progSource) Detail(probes.ProcKey, *probes.ProcTable) (probes.ProcDetail, []probes.RSSSample, error) {
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

// Postgres reads postgres_exporter's connection counts for the host:
// by state, and max_connections. Sessions (queries, pids, ages) stay on the
// host: CountsOnly says so.
func (h *Host) Postgres() (host.PGSource, string) { return pgSource{h}, "" }

type pgSource struct{ h *Host }

// PGNote is what the PostgreSQL panel says of a Prometheus host's figures.
const PGNote = "counts from postgres_exporter: sessions, queries and actions stay on the host"

func (s pgSource) Read(ctx context.Context) probes.PGReading {
	c, now := s.h.c, time.Now()
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	sel := hostSelector(s.h.instance)
	r := probes.PGReading{Time: now, Target: "postgres_exporter via " + c.addr}
	var states, maxc map[string]float64
	var errS, errM error
	var wg sync.WaitGroup
	wg.Go(func() { states, errS = c.sumBy(ctx, `sum by (state) (pg_stat_activity_count{`+sel+`})`, "state", now) })
	wg.Go(func() { maxc, errM = c.sumBy(ctx, `max(pg_settings_max_connections{`+sel+`})`, "", now) })
	wg.Wait()
	switch err := errors.Join(errS, errM); {
	case err != nil:
		r.Err = &probes.PGError{Kind: probes.PGErrOther, Msg: "postgres_exporter through Prometheus: " + c.explain(err).Error()}
		return r
	case len(states) == 0:
		r.Err = &probes.PGError{Kind: probes.PGErrOther, Msg: "no postgres_exporter for " + s.h.instance + " (pg_stat_activity_count absent): connection counts need it on the host"}
		return r
	}
	st := &probes.PGStats{Time: now, ByState: map[string]int{}, SeesAll: true, CountsOnly: PGNote}
	for k, v := range states {
		if k == "" {
			k = "unknown"
		}
		st.ByState[k] += int(v)
		st.Total += int(v)
	}
	st.SlotsUsed = st.Total
	if v, ok := maxc[""]; ok {
		st.MaxConnections = int(v)
		st.Settings.MaxConnections = int(v)
	}
	r.Connected, r.Stats = true, st
	return r
}

// MemHistory is the last hour of the host's memory, oldest first, at the
// fleet's sparkline step, for the dashboard's chart to start with. Steps
// where the exporter was down have no point.
func (h *Host) MemHistory(ctx context.Context, now time.Time) ([]probes.MemPoint, error) {
	c := h.c
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	inst := `{instance=` + strconv.Quote(h.instance) + `}`
	from := now.Add(-time.Hour)
	qs := []string{
		`max by (instance) (node_memory_MemTotal_bytes` + inst + ` - node_memory_MemAvailable_bytes` + inst + `)`,
		`max by (instance) (node_memory_MemAvailable_bytes` + inst + `)`,
		`max by (instance) (node_memory_SwapTotal_bytes` + inst + ` - node_memory_SwapFree_bytes` + inst + `)`,
		// only where there is swap: never a division by a SwapTotal of 0
		`max by (instance) (100 * (1 - node_memory_SwapFree_bytes` + inst + ` / (node_memory_SwapTotal_bytes > 0)))`,
	}
	series := make([]map[int64]float64, len(qs))
	errs := make([]error, len(qs))
	var wg sync.WaitGroup
	for i, q := range qs {
		wg.Go(func() {
			m, err := c.api.queryRange(ctx, q, from, now, SparkStep)
			series[i], errs[i] = map[int64]float64{}, err
			for _, s := range m {
				for _, p := range s.Values {
					series[i][p.T] = p.V
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs[0], errs[1]); err != nil {
		return nil, c.explain(err)
	}
	return memPoints(series[0], series[1], series[2], series[3]), nil
}

// memPoints joins the range series by timestamp into points, oldest first:
// a step needs used and available; without swap (no swap %) its SwapPct is
// NaN, as the local panel's.
func memPoints(used, avail, swapUsed, swapPct map[int64]float64) []probes.MemPoint {
	out := make([]probes.MemPoint, 0, len(used))
	for t, u := range used {
		a, ok := avail[t]
		if !ok || u+a <= 0 {
			continue
		}
		p := probes.MemPoint{Time: time.UnixMilli(t), UsedBytes: uint64(max(u, 0)), AvailBytes: uint64(max(a, 0)),
			UsedPct: 100 * u / (u + a), SwapPct: math.NaN(), SwapUsed: uint64(max(swapUsed[t], 0))}
		if v, ok := swapPct[t]; ok {
			p.SwapPct = v
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// Close has nothing to release: the client is shared by the fleet.
func (h *Host) Close() error { return nil }
