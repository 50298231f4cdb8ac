package probes

import (
	"sort"
	"strings"
	"time"
)

// RSSSample is one reading of a process's resident set.
type RSSSample struct {
	At  time.Time
	RSS uint64 // bytes
}

// GrowthConfig tunes the growth tracker. Zero fields take the defaults.
type GrowthConfig struct {
	// GrowthWindow is the span growth is measured over (default 1 min): the
	// change since a reading between one and one and a quarter windows old.
	// A process has no growth until it has been followed that long.
	GrowthWindow time.Duration
	// LeakWindow is how long RSS must grow without a drop before the process
	// is a leak suspect (default 5 min).
	LeakWindow time.Duration
	// LeakMinGrowth: less net growth than this over the leak window is noise
	// (default 4 MiB).
	LeakMinGrowth uint64
	// DropTolerance: a fall below the running peak smaller than this is
	// jitter, not a drop (default 256 KiB).
	DropTolerance uint64
	// TrackTop keeps RSS history for this many fastest growers besides the
	// pinned (shown) processes (default 20).
	TrackTop int
	// HistoryLen is the number of samples kept per tracked process (default
	// 360). When full, every other sample is dropped and the spacing doubles,
	// so one buffer covers everything since tracking began.
	HistoryLen int
	// RestartMemory is how long a restarted mark stays (default 10 min).
	RestartMemory time.Duration
	// ServicePrograms are the program groups the runbook names (default
	// odoo, postgres, redis). Where cgroups name no systemd unit (a
	// container, a host without systemd), a process of one of them under
	// init is a service, told apart from another of its kind by its
	// command line (a throwaway test server's data directory differs).
	ServicePrograms []string
	// ReadProcFile reads /proc/PID/<name> ("cgroup", "cmdline"); nil or
	// false when it cannot (then unknown). ProcMonitor sets it; the
	// tracker calls it only for processes that appear under init.
	ReadProcFile func(pid int32, name string) ([]byte, bool)
}

func (c GrowthConfig) WithDefaults() GrowthConfig {
	if c.GrowthWindow <= 0 {
		c.GrowthWindow = time.Minute
	}
	if c.LeakWindow <= 0 {
		c.LeakWindow = 5 * time.Minute
	}
	if c.LeakMinGrowth == 0 {
		c.LeakMinGrowth = 4 << 20
	}
	if c.DropTolerance == 0 {
		c.DropTolerance = 256 << 10
	}
	if c.TrackTop <= 0 {
		c.TrackTop = 20
	}
	if c.HistoryLen < 8 {
		c.HistoryLen = 360
	}
	if c.RestartMemory <= 0 {
		c.RestartMemory = 10 * time.Minute
	}
	if c.ServicePrograms == nil {
		c.ServicePrograms = []string{"odoo", "postgres", "redis"}
	}
	return c
}

// Restart records a service that came back: its main process Old went
// away and New replaced it (same pid with a new start time, or a new main
// process of the same service). A service is a systemd unit, read from the
// process's cgroup, or, where no unit is named, a program group the runbook
// names with the same command line — never any process re-parented to init
// (a shell, tmux, sleep, memtui itself).
type Restart struct {
	At time.Time
	// Program names the service: its unit ("odoo.service") or program.
	Program string
	Old     ProcKey
	New     ProcKey
}

// growthPoints is how many readings the tracker keeps per process, a
// quarter window apart: once full, the oldest is at least a window old.
const growthPoints = 5

// growthPoint is one kept reading (unix nanoseconds: a time.Time would
// triple the size of every process's anchor).
type growthPoint struct {
	at  int64
	rss uint64
}

// growthAnchor is what the tracker keeps for every process: a few readings
// spaced a quarter window apart, enough to measure the change over a whole
// window without a history.
//
// One is kept for every process on the host (10,000 and more), so it is
// kept small: the service, which few processes have, sits behind a pointer.
type growthAnchor struct {
	start uint64
	// svc is the service whose main process this is (nil when it is none);
	// set when the process appears.
	svc *anchorService
	gen uint32
	n   uint8
	// young: first seen after the tracker's first scan and not yet measured
	// over a whole window. Its first reading is never a baseline: a process
	// caught mid-start-up (a 1.5 GiB allocation in its first second) would
	// show its start-up as growth.
	young bool
	pts   [growthPoints]growthPoint
}

// anchorService identifies a service (id) and names it (name).
type anchorService struct{ id, name string }

// setService records p's service when p is a service's main process.
func (g *GrowthTracker) setService(a *growthAnchor, p *Proc) {
	if !isServiceRoot(p) {
		return
	}
	if id, name := g.serviceOf(p); id != "" {
		a.svc = &anchorService{id: id, name: name}
	}
}

// keep records a reading when the last kept one is at least step old.
func (a *growthAnchor) keep(now time.Time, rss uint64, step time.Duration) {
	at := now.UnixNano()
	if a.n > 0 && at-a.pts[a.n-1].at < int64(step) {
		return
	}
	if a.n == growthPoints {
		copy(a.pts[:], a.pts[1:])
		a.n--
	}
	a.pts[a.n] = growthPoint{at: at, rss: rss}
	a.n++
}

// baseline is the newest kept reading at least window old.
func (a *growthAnchor) baseline(now time.Time, window time.Duration) (growthPoint, bool) {
	at := now.UnixNano()
	for i := int(a.n) - 1; i >= 0; i-- {
		if at-a.pts[i].at >= int64(window) {
			return a.pts[i], true
		}
	}
	return growthPoint{}, false
}

// rssSeries is the bounded history of one tracked process. Its buffer is
// allocated whole when the process is first followed, so a session's heap
// does not creep up as histories fill (16 bytes a reading: a time.Time
// would double it).
type rssSeries struct {
	pts      []growthPoint
	step     time.Duration // minimum spacing; doubles at each compaction
	lastUsed time.Time     // last scan in which the process was tracked
}

func newRSSSeries(capacity int) *rssSeries {
	return &rssSeries{pts: make([]growthPoint, 0, capacity)}
}

func (s *rssSeries) add(now time.Time, rss uint64) {
	at := now.UnixNano()
	n := len(s.pts)
	if n > 0 && at-s.pts[n-1].at < int64(s.step) {
		// Closer than the spacing: the newer reading replaces the last one,
		// unless that would hide a drop the leak check must see.
		if rss >= s.pts[n-1].rss || n == 1 {
			s.pts[n-1] = growthPoint{at: at, rss: rss}
			return
		}
	}
	if n == cap(s.pts) {
		// Keep every other sample (always the newest) and double the spacing.
		j := 0
		for i := n % 2; i < n; i += 2 {
			s.pts[j] = s.pts[i]
			j++
		}
		s.pts = s.pts[:j]
		if s.step == 0 {
			s.step = time.Second
		}
		s.step *= 2
	}
	s.pts = append(s.pts, growthPoint{at: at, rss: rss})
}

// GrowthTracker follows RSS over time: a growth rate for every process, a
// bounded history for the processes on screen and the fastest growers, leak
// suspects, and restarts. It is pure (readings in, marks out) and, like the
// scanner, used from one goroutine at a time. Memory is bounded: state of
// processes that disappear is dropped at the next observation.
type GrowthTracker struct {
	cfg       GrowthConfig
	gen       uint32
	anchors   map[int32]growthAnchor
	peak      int // the most anchors held since anchors was last rebuilt
	series    map[ProcKey]*rssSeries
	restarted map[ProcKey]time.Time
	gone      map[string]goneService // service → its last main process that went away
	restarts  []Restart
	rank      []int
	// Scratch sets reused by every track call.
	want, alive map[ProcKey]bool
}

type goneService struct {
	key  ProcKey
	at   time.Time
	name string
}

// NewGrowthTracker returns a tracker with cfg (zero fields take defaults).
func NewGrowthTracker(cfg GrowthConfig) *GrowthTracker {
	return &GrowthTracker{
		cfg:       cfg.WithDefaults(),
		anchors:   make(map[int32]growthAnchor),
		series:    make(map[ProcKey]*rssSeries),
		restarted: make(map[ProcKey]time.Time),
		gone:      make(map[string]goneService),
	}
}

// Config returns the configuration in use, defaults filled in.
func (g *GrowthTracker) Config() GrowthConfig { return g.cfg }

// isServiceRoot: a process started by init (or a container's init) is a
// service main process; its replacement by another of the same program is
// a restart. Workers (parent of the same program) and shell children are not.
func isServiceRoot(p *Proc) bool { return p.PPID <= 1 }

// Observe takes one scan, sets Growth, GrowthOK and Mark on every process in
// t.Procs, and records history for the pinned processes and the fastest
// growers.
func (g *GrowthTracker) Observe(t *ProcTable, pinned []ProcKey) {
	now := t.At
	first := g.gen == 0
	g.gen++
	// Pass 1: which known processes are still here.
	for i := range t.Procs {
		p := &t.Procs[i]
		if a, ok := g.anchors[p.PID]; ok && a.start == p.Start {
			a.gen = g.gen
			g.anchors[p.PID] = a
		}
	}
	// Processes gone since the last scan (including a pid now reused):
	// remember service roots for the restart check, drop the rest.
	var vanished map[int32]growthAnchor
	for pid, a := range g.anchors {
		if a.gen != g.gen {
			if vanished == nil {
				vanished = make(map[int32]growthAnchor)
			}
			vanished[pid] = a
			if a.svc != nil {
				g.gone[a.svc.id] = goneService{key: ProcKey{PID: pid, Start: a.start}, at: now, name: a.svc.name}
			}
			delete(g.anchors, pid)
		}
	}
	for prog, gs := range g.gone {
		if now.Sub(gs.at) > g.cfg.RestartMemory {
			delete(g.gone, prog)
		}
	}
	g.anchors, g.peak = ShrinkMap(g.anchors, g.peak)
	// Pass 2: rates, new processes, restarts.
	step := g.cfg.GrowthWindow / (growthPoints - 1)
	for i := range t.Procs {
		p := &t.Procs[i]
		p.Mark &^= MarkLeak | MarkRestarted | MarkNew
		a, known := g.anchors[p.PID]
		switch {
		case !known && first:
			a = growthAnchor{start: p.Start}
			g.setService(&a, p)
			a.keep(now, p.RSS, step)
		case !known:
			// The first reading of a new process is skipped (see young).
			a = growthAnchor{start: p.Start, young: true}
			g.setService(&a, p)
			g.checkRestart(now, p, a, vanished)
		default:
			a.keep(now, p.RSS, step)
		}
		a.gen = g.gen
		// Growth is the change measured over a whole window, never a rate
		// extrapolated from a few seconds.
		if b, ok := a.baseline(now, g.cfg.GrowthWindow); ok {
			span := time.Duration(now.UnixNano() - b.at)
			p.Growth = (float64(p.RSS) - float64(b.rss)) / span.Seconds()
			p.GrowthOK, p.GrowthSpan = true, span
			a.young = false
		} else {
			p.Growth, p.GrowthOK, p.GrowthSpan = 0, false, 0
		}
		if a.young {
			p.Mark |= MarkNew
		}
		g.anchors[p.PID] = a
		if at, ok := g.restarted[p.Key()]; ok {
			if now.Sub(at) <= g.cfg.RestartMemory {
				p.Mark |= MarkRestarted
			} else {
				delete(g.restarted, p.Key())
			}
		}
	}
	for k := range g.restarted {
		if _, ok := g.anchors[k.PID]; !ok {
			delete(g.restarted, k)
		}
	}
	g.track(t, pinned)
}

// checkRestart decides whether the new process p (anchor a) replaces the
// main process of a service that went away: the same service under the
// same pid with a new start time, or a new main process of a service whose
// main process went away within RestartMemory.
func (g *GrowthTracker) checkRestart(now time.Time, p *Proc, a growthAnchor, vanished map[int32]growthAnchor) {
	if a.svc == nil {
		return
	}
	if old, ok := vanished[p.PID]; ok && old.svc != nil && old.svc.id == a.svc.id {
		g.markRestart(now, a.svc.name, ProcKey{PID: p.PID, Start: old.start}, p.Key())
		delete(g.gone, a.svc.id)
		return
	}
	if gs, ok := g.gone[a.svc.id]; ok && now.Sub(gs.at) <= g.cfg.RestartMemory {
		g.markRestart(now, a.svc.name, gs.key, p.Key())
		delete(g.gone, a.svc.id)
	}
}

// serviceOf identifies the service whose main process p is, and names it:
// its systemd unit when its cgroup is one; nothing when its cgroup is a
// user's session or a scope (started by hand: shells, tmux, a test
// suite's servers); otherwise, when it runs a program group the runbook
// names, that program with its command line.
func (g *GrowthTracker) serviceOf(p *Proc) (id, name string) {
	read := g.cfg.ReadProcFile
	if read != nil {
		if b, ok := read(p.PID, "cgroup"); ok {
			unit, byHand := parseServiceCgroup(b)
			switch {
			case unit != "":
				return "unit:" + unit, unit
			case byHand:
				return "", ""
			}
		}
	}
	for _, n := range g.cfg.ServicePrograms {
		if !namedProgram(p.Program, n) && !namedProgram(p.Comm, n) {
			continue
		}
		// Without its command line one test server cannot be told from
		// the next: then it is not counted as a service at all.
		cmd, ok := p.Cmdline, p.CmdlineOK
		if !ok && read != nil {
			if b, rok := read(p.PID, "cmdline"); rok && len(b) > 0 {
				cmd, ok = JoinCmdline(b), true
			}
		}
		if !ok {
			return "", ""
		}
		return "program:" + p.Program + "\x00" + cmd, p.Program
	}
	return "", ""
}

// namedProgram says whether program is the runbook's group n: "odoo",
// "odoo-bin", "redis-server", "postgres" — n itself or n followed by a
// separator.
func namedProgram(program, n string) bool {
	rest, ok := strings.CutPrefix(program, n)
	return ok && (rest == "" || rest[0] == '-' || rest[0] == '.' || rest[0] == '_' || rest[0] == ':')
}

// parseServiceCgroup reads /proc/PID/cgroup: unit is the systemd service
// whose cgroup the process is in ("0::/system.slice/odoo.service" →
// "odoo.service"); byHand is true for a user's session, a user manager or
// a scope (session-3.scope, tmux-spawn-….scope), where programs are
// started by hand, not by a service manager. The cgroup v2 line wins; on
// v1 the name=systemd hierarchy says the same.
func parseServiceCgroup(b []byte) (unit string, byHand bool) {
	path := ""
	for len(b) > 0 {
		var line []byte
		line, b = NextLine(b)
		hier, rest, ok := strings.Cut(string(line), ":")
		if !ok {
			continue
		}
		ctl, p, ok := strings.Cut(rest, ":")
		if !ok {
			continue
		}
		if hier == "0" && ctl == "" {
			path = p
			break
		}
		if ctl == "name=systemd" {
			path = p
		}
	}
	if path == "" {
		return "", false
	}
	last := path[strings.LastIndexByte(path, '/')+1:]
	if strings.HasSuffix(last, ".service") && !strings.HasPrefix(last, "user@") {
		return last, false
	}
	byHand = strings.HasSuffix(last, ".scope") || strings.Contains(path, "/user.slice") || strings.HasPrefix(last, "user@")
	return "", byHand
}

// ServiceUnit is the systemd service a process runs in, from the text of
// its /proc/PID/cgroup ("" when none: a session, a scope, no systemd).
func ServiceUnit(cgroup []byte) string {
	unit, _ := parseServiceCgroup(cgroup)
	return unit
}

func (g *GrowthTracker) markRestart(now time.Time, program string, old, new ProcKey) {
	g.restarted[new] = now
	g.restarts = append(g.restarts, Restart{At: now, Program: program, Old: old, New: new})
	if len(g.restarts) > 64 {
		g.restarts = append(g.restarts[:0], g.restarts[len(g.restarts)-64:]...)
	}
}

// track appends a sample for the pinned processes and the TrackTop fastest
// growers, flags leak suspects among them, and drops history that is no
// longer followed.
func (g *GrowthTracker) track(t *ProcTable, pinned []ProcKey) {
	now := t.At
	g.rank = TopKIndexes(t.Procs, g.cfg.TrackTop, g.rank, func(a, b *Proc) bool { return a.Growth > b.Growth })
	if g.want == nil {
		g.want, g.alive = make(map[ProcKey]bool), make(map[ProcKey]bool)
	}
	want, alive := g.want, g.alive
	clear(want)
	clear(alive)
	for _, k := range pinned {
		want[k] = true
	}
	for _, i := range g.rank {
		if t.Procs[i].Growth > 0 {
			want[t.Procs[i].Key()] = true
		}
	}
	for i := range t.Procs {
		p := &t.Procs[i]
		k := p.Key()
		s, has := g.series[k]
		if has {
			alive[k] = true
		}
		if !want[k] && !has {
			continue
		}
		if !has {
			s = newRSSSeries(g.cfg.HistoryLen)
			g.series[k] = s
			alive[k] = true
		}
		if want[k] {
			s.lastUsed = now
		}
		s.add(now, p.RSS)
		if isLeak(s.pts, now, g.cfg) {
			p.Mark |= MarkLeak
		}
	}
	// A followed process stays followed for a leak window after it leaves
	// the wanted set, so a brief dip in rank does not erase its history.
	for k, s := range g.series {
		if !alive[k] || now.Sub(s.lastUsed) > g.cfg.LeakWindow {
			delete(g.series, k)
		}
	}
	// A hard cap, whatever the churn of the fastest growers: the least
	// recently wanted histories go first.
	limit := len(pinned) + 3*g.cfg.TrackTop
	if len(g.series) > limit {
		keys := make([]ProcKey, 0, len(g.series))
		for k := range g.series {
			if !want[k] {
				keys = append(keys, k)
			}
		}
		sort.Slice(keys, func(i, j int) bool { return g.series[keys[i]].lastUsed.Before(g.series[keys[j]].lastUsed) })
		for _, k := range keys {
			if len(g.series) <= limit {
				break
			}
			delete(g.series, k)
		}
	}
}

// isLeak reports whether pts show steady growth over the whole leak window
// ending at now: history reaching back at least the window, no drop below
// the running peak beyond the tolerance, and net growth of at least
// LeakMinGrowth.
func isLeak(pts []growthPoint, now time.Time, cfg GrowthConfig) bool {
	if len(pts) < 3 {
		return false
	}
	from := now.Add(-cfg.LeakWindow).UnixNano()
	if pts[0].at > from {
		return false // not followed for a whole window yet
	}
	// Start at the last sample at or before the window start.
	i := sort.Search(len(pts), func(i int) bool { return pts[i].at > from }) - 1
	if i < 0 {
		i = 0
	}
	base := pts[i].rss
	peak := base
	for _, p := range pts[i+1:] {
		if p.rss > peak {
			peak = p.rss
		} else if peak-p.rss > cfg.DropTolerance {
			return false
		}
	}
	last := pts[len(pts)-1].rss
	return last > base && last-base >= cfg.LeakMinGrowth
}

// History appends to dst the samples kept for k (oldest first) and returns
// it; empty when k is not followed.
func (g *GrowthTracker) History(k ProcKey, dst []RSSSample) []RSSSample {
	return g.HistoryTail(k, 0, dst)
}

// HistoryTail is History limited to the last n samples (n <= 0: all).
func (g *GrowthTracker) HistoryTail(k ProcKey, n int, dst []RSSSample) []RSSSample {
	s, ok := g.series[k]
	if !ok {
		return dst[:0]
	}
	src := s.pts
	if n > 0 && len(src) > n {
		src = src[len(src)-n:]
	}
	dst = dst[:0]
	for _, p := range src {
		dst = append(dst, RSSSample{At: time.Unix(0, p.at), RSS: p.rss})
	}
	return dst
}

// Restarts returns the restarts seen since since, oldest first (at most
// the last 64).
func (g *GrowthTracker) Restarts(since time.Time) []Restart {
	var out []Restart
	for _, r := range g.restarts {
		if !r.At.Before(since) {
			out = append(out, r)
		}
	}
	return out
}

// Tracked is the number of processes with history (bounded by the pinned
// count plus TrackTop plus those lingering for a leak window).
func (g *GrowthTracker) Tracked() int { return len(g.series) }
