package incident

import (
	"fmt"
	"sort"
	"time"

	"github.com/memtui/memtui/internal/units"
)

// Reading is what the detector needs from one probe round. The ui fills it
// from probes' memory, OOM and PostgreSQL readings; fields it cannot know
// stay at their "unknown" value (ok flags false, nil pointers).
type Reading struct {
	At             time.Time
	UsedPct        float64
	SwapUsedBytes  uint64
	SwapTotalBytes uint64
	// OOMKills is the kernel's OOM kill counter since boot (/proc/vmstat
	// oom_kill); OOMKnown says it was read.
	OOMKills uint64
	OOMKnown bool
	// NewKills are details of kills that happened since the last reading,
	// when the kernel log gave them. Without the counter each one counts.
	NewKills []OOMKill
	// PGUsed and PGMax are PostgreSQL connections in use and allowed;
	// PGKnown says they were read.
	PGUsed, PGMax int
	PGKnown       bool
	// ProcRSSBytes is the process footprint (FootprintDefinition; the name
	// is older than the definition and kept for the file format), when known.
	ProcRSSBytes *uint64
	// Restarts names watched processes seen restarting since the last reading.
	Restarts []string
}

// HostFacts describe the machine in the incident's first event.
type HostFacts struct {
	Host           string
	Kernel         string
	MemTotalBytes  uint64
	SwapTotalBytes uint64
	CPUs           int
	// BootID is the kernel's boot id (/proc/sys/kernel/random/boot_id):
	// with a kill's kernel timestamp and pid it names the kill, so every
	// process on the host records the same kill once. "" when unknown.
	BootID string
}

// Config tunes the detector. Zero fields take the defaults of DefaultConfig.
type Config struct {
	Host   HostFacts
	Levels Levels
	// StartLevel opens an incident once memory holds at it; default high
	// (the runbook's "> 85 %"). An OOM kill always opens one.
	StartLevel Level
	// MinDuration is how long a new level (or PostgreSQL saturation) must
	// hold before it is recorded.
	MinDuration time.Duration
	// Hysteresis is how many points below a threshold memory must fall
	// before the level drops.
	Hysteresis float64
	// SampleEvery bounds memory samples on the timeline to one per period.
	SampleEvery time.Duration
	// SwapWindow and SwapGrowthMin: swap is growing when it rose by at least
	// SwapGrowthMin bytes over SwapWindow; it stopped when it did not rise.
	SwapWindow    time.Duration
	SwapGrowthMin uint64
	// PGSaturatedPct and PGClearPct are the connection saturation band.
	PGSaturatedPct, PGClearPct float64
	// GrowthWindow and GrowthMinPct define "memory continues to grow" for
	// the 30-minute escalation.
	GrowthWindow time.Duration
	GrowthMinPct float64
	// RecoveryHold is how long the success criteria must hold before the
	// incident ends by itself (the runbook monitors for 15 minutes).
	RecoveryHold time.Duration
}

// DefaultConfig is the runbook's numbers.
func DefaultConfig() Config {
	return Config{
		Levels:         DefaultLevels,
		StartLevel:     LevelHigh,
		MinDuration:    10 * time.Second,
		Hysteresis:     2,
		SampleEvery:    5 * time.Second,
		SwapWindow:     time.Minute,
		SwapGrowthMin:  8 << 20,
		PGSaturatedPct: 90,
		PGClearPct:     80,
		GrowthWindow:   10 * time.Minute,
		GrowthMinPct:   1,
		RecoveryHold:   15 * time.Minute,
	}
}

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Levels == (Levels{}) {
		c.Levels = d.Levels
	}
	if c.StartLevel == "" {
		c.StartLevel = d.StartLevel
	}
	if c.MinDuration == 0 {
		c.MinDuration = d.MinDuration
	}
	if c.Hysteresis == 0 {
		c.Hysteresis = d.Hysteresis
	}
	if c.SampleEvery == 0 {
		c.SampleEvery = d.SampleEvery
	}
	if c.SwapWindow == 0 {
		c.SwapWindow = d.SwapWindow
	}
	if c.SwapGrowthMin == 0 {
		c.SwapGrowthMin = d.SwapGrowthMin
	}
	if c.PGSaturatedPct == 0 {
		c.PGSaturatedPct = d.PGSaturatedPct
	}
	if c.PGClearPct == 0 {
		c.PGClearPct = d.PGClearPct
	}
	if c.GrowthWindow == 0 {
		c.GrowthWindow = d.GrowthWindow
	}
	if c.GrowthMinPct == 0 {
		c.GrowthMinPct = d.GrowthMinPct
	}
	if c.RecoveryHold == 0 {
		c.RecoveryHold = d.RecoveryHold
	}
	return c
}

// The escalation clock's marks, from the incident's start.
const (
	seniorAfter      = 30 * time.Minute
	maintenanceAfter = time.Hour
	emergencyAfter   = 2 * time.Hour
)

// swapPoint is one swap reading for the growth window.
type swapPoint struct {
	at   time.Time
	used uint64
}

// Detector turns readings into timeline events: it debounces severity with
// hysteresis and a minimum duration, keeps one memory sample per period (the
// period's highest, so the peak is never lost), notices swap growth, OOM
// kills and PostgreSQL saturation, runs the escalation clock and ends the
// incident once the success criteria have held. It is pure: time comes only
// from the readings, so a series of readings always gives the same events.
type Detector struct {
	cfg Config
	sum Summary

	level        Level // committed level
	pending      Level // level the readings point to, waiting for MinDuration
	pendingSince time.Time

	winStart time.Time
	best     Reading // highest reading of the current sample period, if hasBest
	hasBest  bool

	swap        []swapPoint
	swapGrowing bool

	oomSeen bool
	oomLast uint64
	killQ   []pendingKill // kill details not yet counted

	pgSat          bool
	pgPending      bool
	pgPendingSince time.Time

	recoveredSince time.Time
	lastAt         time.Time

	// ids are the identities of the facts on the timeline (Event.ID), so a
	// fact learned twice (a kill in the log at start and again from the
	// file) is emitted once.
	ids map[string]bool
}

// NewDetector returns a detector with cfg (zero fields take defaults).
func NewDetector(cfg Config) *Detector {
	return &Detector{cfg: cfg.withDefaults(), level: LevelNormal, ids: map[string]bool{}}
}

// SetHost updates the host facts the next Started event carries (the ui
// learns memory and swap totals only with the first reading).
func (d *Detector) SetHost(h HostFacts) { d.cfg.Host = h }

// Config is the detector's configuration with defaults filled in.
func (d *Detector) Config() Config { return d.cfg }

// Summary is the fold of every event the detector emitted or was told of.
func (d *Detector) Summary() *Summary { return &d.sum }

// Record tells the detector about an event it did not emit: actions, notes,
// or an incident loaded from a file it joins. Its own events are already
// folded in; recording them again would count them twice.
func (d *Detector) Record(ev Event) {
	if ev.ID != "" {
		if d.ids[ev.ID] {
			return // the same fact from another writer: counted once
		}
		d.ids[ev.ID] = true
	}
	if v, ok := ev.Data.(Started); ok && d.sum.Active() && ev.At.Sub(d.sum.Start).Abs() <= JoinWindow {
		// The same incident, opened by another process that saw the same
		// crossing moments apart: take its start (stage identities hang
		// on it) and keep what was already folded, kills included.
		d.sum.Facts, d.sum.Start = v, ev.At
		return
	}
	d.sum.Add(ev)
	switch v := ev.Data.(type) {
	case Started:
		d.recoveredSince = time.Time{}
	case SeverityChanged:
		d.level, d.pending = v.To, ""
	case SwapGrowth:
		d.swapGrowing = v.Growing
	case PGSaturation:
		d.pgSat = v.Saturated
	case Ended:
		d.recoveredSince = time.Time{}
	}
}

// Start opens an incident by hand (a note or an action with none open). It
// returns nil when one is already open.
func (d *Detector) Start(at time.Time, reason string) []Event {
	if d.sum.Active() {
		return nil
	}
	return d.emit(nil, at, d.started(reason))
}

// End closes the open incident by hand; nil when none is open.
func (d *Detector) End(at time.Time, reason string) []Event {
	if !d.sum.Active() {
		return nil
	}
	var out []Event
	if d.hasBest {
		out = d.emit(out, d.best.At, sampleOf(d.best))
		d.hasBest = false
	}
	return d.emit(out, at, Ended{Reason: reason})
}

func (d *Detector) started(reason string) Started {
	h := d.cfg.Host
	return Started{Host: h.Host, Kernel: h.Kernel, MemTotalBytes: h.MemTotalBytes, SwapTotalBytes: h.SwapTotalBytes, CPUs: h.CPUs, Levels: d.cfg.Levels, Reason: reason}
}

// emit stamps p, folds it into the summary and appends it to out.
func (d *Detector) emit(out []Event, at time.Time, p Payload) []Event {
	return d.emitID(out, at, p, "")
}

// emitID is emit for a fact with an identity; a fact already on the
// timeline is not emitted again.
func (d *Detector) emitID(out []Event, at time.Time, p Payload, id string) []Event {
	if id != "" {
		if d.ids[id] {
			return out
		}
		d.ids[id] = true
	}
	ev := Event{At: at, Data: p, ID: id}
	d.sum.Add(ev)
	return append(out, ev)
}

// killEventID names a kill event: by boot, kernel time and pid when the
// log described it, by the counter's value when only the counter saw it.
func (d *Detector) killEventID(k OOMKill, r Reading) string {
	if k.PID == nil && r.OOMKnown {
		return KillCountID(d.cfg.Host.BootID, r.OOMKills)
	}
	return KillID(d.cfg.Host.BootID, k)
}

// KillsWindow is how far back kills found in the kernel log at start open
// an incident: being paged for the OOM killer and then opening memtui is
// the usual order, and an hour is the runbook's horizon.
const KillsWindow = time.Hour

// KillsBeforeStart takes the kills the kernel log already held when this
// process started. Those of the last KillsWindow before at open an
// incident when none is open ("opened because 6 OOM kills in the last
// hour") and are recorded as its kills, each once (by KillID) however
// many processes read the same log.
func (d *Detector) KillsBeforeStart(at time.Time, kills []OOMKill) []Event {
	var recent []OOMKill
	for _, k := range kills {
		if k.KilledAt == nil || at.Sub(*k.KilledAt) > KillsWindow || k.KilledAt.After(at) {
			continue
		}
		if id := KillID(d.cfg.Host.BootID, k); id != "" && d.ids[id] {
			continue
		}
		recent = append(recent, k)
	}
	if len(recent) == 0 {
		return nil
	}
	sort.SliceStable(recent, func(i, j int) bool { return recent[i].KilledAt.Before(*recent[j].KilledAt) })
	var out []Event
	if !d.sum.Active() {
		// The incident began with the first of those kills, not when
		// memtui was opened: its clock and the order on file say so.
		first := at
		for _, k := range recent {
			if k.KilledAt.Before(first) {
				first = *k.KilledAt
			}
		}
		out = d.emit(out, first.UTC(), d.started(fmt.Sprintf("opened because %d OOM kill(s) in the last hour", len(recent))))
		d.winStart, d.hasBest = time.Time{}, false
	}
	for _, k := range recent {
		k.Count = 1
		out = d.emitID(out, k.KilledAt.UTC(), k, KillID(d.cfg.Host.BootID, k))
	}
	return out
}

// Observe takes one reading and returns the events it caused, in order.
// Readings must come in time order; an older one is ignored.
func (d *Detector) Observe(r Reading) []Event {
	if !d.lastAt.IsZero() && r.At.Before(d.lastAt) {
		return nil
	}
	d.lastAt = r.At
	var out []Event
	active := d.sum.Active()
	opened := false // this reading opened the incident

	// Severity, debounced: a new level must hold for MinDuration.
	if changed, from := d.stepLevel(r); changed {
		if !active && d.level.rank() >= d.cfg.StartLevel.rank() {
			out = d.emit(out, r.At, d.started(fmt.Sprintf("memory %.1f%% held at %s (≥ %s%%) for %s",
				r.UsedPct, d.level, pctText(d.threshold(d.level)), units.Duration(d.cfg.MinDuration))))
			active, opened = true, true
			d.winStart, d.hasBest = time.Time{}, false
		}
		if active {
			out = d.emit(out, r.At, SeverityChanged{From: from, To: d.level, UsedPct: r.UsedPct})
		}
	}

	// OOM kills: the counter says how many, the log (when given) says who.
	kills := d.newKills(r)
	if len(kills) > 0 && !active {
		out = d.emit(out, r.At, d.started("OOM killer active: "+kills[0].describe()))
		active, opened = true, true
		d.winStart, d.hasBest = time.Time{}, false
	}

	if active {
		out = d.sample(out, r)
		for _, k := range kills {
			at := r.At
			if k.KilledAt != nil && !k.KilledAt.IsZero() && !k.KilledAt.After(r.At) {
				at = k.KilledAt.UTC()
			}
			out = d.emitID(out, at, k, d.killEventID(k, r))
		}
	}

	// Swap growth is tracked before and during an incident so the state is
	// right the moment one opens.
	if changed := d.stepSwap(r); active && (changed || opened && d.swapGrowing) {
		out = d.emit(out, r.At, d.swapEvent(r))
	}

	if changed := d.stepPG(r); changed && active {
		out = d.emit(out, r.At, PGSaturation{Saturated: d.pgSat, Used: r.PGUsed, Max: r.PGMax})
	}

	if active {
		for _, name := range r.Restarts {
			out = d.emit(out, r.At, ServiceRestarted{Name: name})
		}
		out = d.escalate(out, r)
		out = d.checkRecovery(out, r)
	}
	return out
}

// threshold is the percentage where level l starts.
func (d *Detector) threshold(l Level) float64 {
	switch l {
	case LevelWarning:
		return d.cfg.Levels.Warning
	case LevelHigh:
		return d.cfg.Levels.High
	case LevelCritical:
		return d.cfg.Levels.Critical
	}
	return 0
}

// stepLevel advances the debounced level; it reports a change and the old level.
func (d *Detector) stepLevel(r Reading) (bool, Level) {
	ind := d.level
	if up := LevelOf(r.UsedPct, d.cfg.Levels); up.rank() > d.level.rank() {
		ind = up
	} else if down := LevelOf(r.UsedPct+d.cfg.Hysteresis, d.cfg.Levels); down.rank() < d.level.rank() {
		// Going down needs memory Hysteresis points below the threshold.
		ind = down
	}
	if ind == d.level {
		d.pending = ""
		return false, d.level
	}
	if ind != d.pending {
		d.pending, d.pendingSince = ind, r.At
	}
	if r.At.Sub(d.pendingSince) < d.cfg.MinDuration {
		return false, d.level
	}
	from := d.level
	d.level, d.pending = ind, ""
	return true, from
}

// sample keeps the highest reading of each SampleEvery period and emits it
// when the period is over; the first reading of an incident is emitted at once.
func (d *Detector) sample(out []Event, r Reading) []Event {
	if d.winStart.IsZero() {
		d.winStart = r.At
		return d.emit(out, r.At, sampleOf(r))
	}
	if !d.hasBest || r.UsedPct >= d.best.UsedPct {
		d.best, d.hasBest = r, true
	}
	if r.At.Sub(d.winStart) >= d.cfg.SampleEvery {
		out = d.emit(out, d.best.At, sampleOf(d.best))
		d.winStart, d.hasBest = r.At, false
	}
	return out
}

func sampleOf(r Reading) MemSample {
	return MemSample{UsedPct: r.UsedPct, SwapUsedBytes: r.SwapUsedBytes, SwapTotalBytes: r.SwapTotalBytes, ProcRSSBytes: r.ProcRSSBytes}
}

// killMatchWait is how long a kill from the kernel log waits for the OOM
// counter to count it. The log and the counter are read on different
// schedules; a kill the counter never counts (earlyoom, a log from another
// boot's counter) is recorded on its own after this.
const killMatchWait = 10 * time.Second

// pendingKill is a kill detail waiting to be matched with the counter.
type pendingKill struct {
	kill OOMKill
	seen time.Time
}

// newKills turns the counter and the details into one event per kill: each
// counter increase takes the oldest waiting details, kills the log did not
// describe become one count-only event, and details the counter did not
// count within killMatchWait are recorded on their own.
func (d *Detector) newKills(r Reading) []OOMKill {
	for _, k := range r.NewKills {
		k.Count = 1
		d.killQ = append(d.killQ, pendingKill{k, r.At})
	}
	var out []OOMKill
	take := func(n int) {
		for _, p := range d.killQ[:n] {
			out = append(out, p.kill)
		}
		d.killQ = append(d.killQ[:0], d.killQ[n:]...)
	}
	if !r.OOMKnown {
		take(len(d.killQ))
		return out
	}
	if !d.oomSeen || r.OOMKills < d.oomLast {
		// First reading (kills before memtui looked are not this
		// incident's) or a reset counter (reboot): take it as the baseline.
		d.oomSeen, d.oomLast = true, r.OOMKills
		return nil
	}
	n := int(r.OOMKills - d.oomLast)
	d.oomLast = r.OOMKills
	if n > 0 {
		described := min(n, len(d.killQ))
		take(described)
		if rest := n - described; rest > 0 {
			out = append(out, OOMKill{Count: rest})
		}
	}
	stale := 0
	for stale < len(d.killQ) && r.At.Sub(d.killQ[stale].seen) >= killMatchWait {
		stale++
	}
	take(stale)
	return out
}

// stepSwap updates the swap growth state; it reports a change.
func (d *Detector) stepSwap(r Reading) bool {
	if r.SwapTotalBytes == 0 {
		d.swap = d.swap[:0]
		if d.swapGrowing {
			d.swapGrowing = false
			return true
		}
		return false
	}
	d.swap = append(d.swap, swapPoint{r.At, r.SwapUsedBytes})
	cut := 0
	for cut+1 < len(d.swap) && r.At.Sub(d.swap[cut+1].at) >= d.cfg.SwapWindow {
		cut++
	}
	if cut > 0 {
		d.swap = append(d.swap[:0], d.swap[cut:]...)
	}
	old := d.swap[0]
	if r.At.Sub(old.at) < d.cfg.SwapWindow {
		return false
	}
	delta := int64(r.SwapUsedBytes) - int64(old.used)
	switch {
	case !d.swapGrowing && delta >= int64(d.cfg.SwapGrowthMin):
		d.swapGrowing = true
		return true
	case d.swapGrowing && delta <= 0:
		d.swapGrowing = false
		return true
	}
	return false
}

func (d *Detector) swapEvent(r Reading) SwapGrowth {
	var delta int64
	if len(d.swap) > 0 {
		delta = int64(r.SwapUsedBytes) - int64(d.swap[0].used)
	}
	return SwapGrowth{Growing: d.swapGrowing, SwapUsedBytes: r.SwapUsedBytes, DeltaBytes: delta, Window: Duration(d.cfg.SwapWindow)}
}

// stepPG updates PostgreSQL saturation with a band and MinDuration.
func (d *Detector) stepPG(r Reading) bool {
	if !r.PGKnown || r.PGMax <= 0 {
		d.pgPending = false
		return false
	}
	pct := 100 * float64(r.PGUsed) / float64(r.PGMax)
	want := d.pgSat
	if !d.pgSat && pct >= d.cfg.PGSaturatedPct {
		want = true
	} else if d.pgSat && pct < d.cfg.PGClearPct {
		want = false
	}
	if want == d.pgSat {
		d.pgPending = false
		return false
	}
	if !d.pgPending {
		d.pgPending, d.pgPendingSince = true, r.At
	}
	if r.At.Sub(d.pgPendingSince) < d.cfg.MinDuration {
		return false
	}
	d.pgSat, d.pgPending = want, false
	return true
}

// reached says whether stage s is already on the timeline.
func (d *Detector) reached(s Stage) bool {
	for _, st := range d.sum.Stages {
		if st.Stage == s {
			return true
		}
	}
	return false
}

// escalate runs the runbook's escalation clock.
func (d *Detector) escalate(out []Event, r Reading) []Event {
	s := &d.sum
	elapsed := r.At.Sub(s.Start)
	// Paging is for the OOM killer itself, which acts in a small cgroup
	// while the host is fine: it does not wait for host memory.
	if s.OOMKills > 0 && !d.reached(StagePageOnCall) {
		out = d.emitID(out, r.At, Escalation{Stage: StagePageOnCall, Reason: fmt.Sprintf("%d OOM kill(s) during the incident", s.OOMKills)}, StageID(s.Start, StagePageOnCall))
	}
	// The later stages apply only while memory is not back to normal
	// (below warning): an incident that is recovering is watched, not
	// escalated. "Still growing" alone read a rise from 3 to 4 % as growth.
	still := r.UsedPct >= d.cfg.Levels.Warning
	if elapsed >= seniorAfter && still && !d.reached(StageSeniorDevOps) && s.Growing(d.cfg.GrowthWindow, d.cfg.GrowthMinPct) {
		reason := fmt.Sprintf("%s in, memory %.1f%% and still growing", units.Duration(elapsed), r.UsedPct)
		if s.SwapGrowing {
			reason += " (swap growing)"
		}
		out = d.emitID(out, r.At, Escalation{Stage: StageSeniorDevOps, Reason: reason}, StageID(s.Start, StageSeniorDevOps))
	}
	if elapsed >= maintenanceAfter && still && !d.reached(StageMaintenance) {
		out = d.emitID(out, r.At, Escalation{Stage: StageMaintenance, Reason: fmt.Sprintf("%s in, memory %.1f%%", units.Duration(elapsed), r.UsedPct)}, StageID(s.Start, StageMaintenance))
	}
	if elapsed >= emergencyAfter && still && !d.reached(StageEmergency) {
		out = d.emitID(out, r.At, Escalation{Stage: StageEmergency, Reason: fmt.Sprintf("%s in, memory %.1f%%", units.Duration(elapsed), r.UsedPct)}, StageID(s.Start, StageEmergency))
	}
	return out
}

// checkRecovery ends the incident once memory has been under the warning
// level for RecoveryHold with no criterion failing, and all of them met at
// the end. The hold starts when memory falls, not when every criterion has
// its full comparison window (swap and footprint need 5 minutes of
// samples): "15 minutes under 75 %" means from the fall. The criteria are
// judged on the current reading, so a pending sample cannot delay the
// verdict.
func (d *Detector) checkRecovery(out []Event, r Reading) []Event {
	s := d.sum
	s.Last, s.LastAt = sampleOf(r), r.At
	if s.Samples == 0 {
		s.Samples = 1
	}
	cs := s.criteria(false)
	failing := r.UsedPct >= d.cfg.Levels.Warning
	for _, c := range cs {
		failing = failing || c.State == NotMet
	}
	if failing {
		d.recoveredSince = time.Time{}
		return out
	}
	if d.recoveredSince.IsZero() {
		d.recoveredSince = r.At
	}
	if r.At.Sub(d.recoveredSince) < d.cfg.RecoveryHold || !Recovered(cs[:]) {
		return out
	}
	d.recoveredSince = time.Time{}
	return d.End(r.At, fmt.Sprintf("recovered: memory under %s%% for %s with the success criteria met (memory %.1f%%)", pctText(d.cfg.Levels.Warning), units.Duration(d.cfg.RecoveryHold), r.UsedPct))
}
