package incident

import (
	"fmt"
	"time"

	"github.com/memtui/memtui/internal/units"
)

// criteriaWindow is how far back the success criteria compare swap and the
// process footprint ("is it still going up?").
const criteriaWindow = 5 * time.Minute

// RecentWindow bounds the samples a Summary keeps: enough for the criteria
// and for the escalation clock's "still growing" test.
const RecentWindow = 10 * time.Minute

// StageReached is one escalation stage and when it was reached.
type StageReached struct {
	Stage  Stage
	At     time.Time
	Reason string
}

// timedSample is a memory sample with its time.
type timedSample struct {
	At time.Time
	MemSample
}

// Summary folds a timeline's events into what the status bar, the success
// criteria and the report need. It keeps a bounded window of samples, so
// folding a long incident costs constant memory.
type Summary struct {
	// Facts is the Started event (zero until one is seen).
	Facts Started
	// Levels in force: the Started event's, else DefaultLevels.
	Levels Levels
	// Start and End of the incident; End is zero while it is in progress.
	Start, End time.Time
	EndReason  string
	// Peak is the highest memory sample and PeakAt its time.
	Peak   MemSample
	PeakAt time.Time
	// Last is the latest memory sample and LastAt its time.
	Last   MemSample
	LastAt time.Time
	// Level is the latest recorded severity.
	Level Level
	// Stage is the highest escalation stage reached; Stages lists them all.
	Stage  Stage
	Stages []StageReached
	// OOMKills counts processes killed during the incident.
	OOMKills    int
	LastKillAt  time.Time
	SwapGrowing bool
	// PGSaturated is the latest PostgreSQL saturation state.
	PGSaturated bool
	// LastActionAt is the latest action event (started, finished or
	// re-checked): the criteria look at what happened after it.
	LastActionAt  time.Time
	LastAction    string
	Actions       int
	Notes         int
	Restarts      int
	LastRestartAt time.Time
	// Samples counts memory samples seen.
	Samples int

	recent []timedSample
}

// Started says whether an incident has been opened.
func (s *Summary) Started() bool { return !s.Start.IsZero() }

// Active says whether an incident is open and not ended.
func (s *Summary) Active() bool { return s.Started() && s.End.IsZero() }

// Elapsed is the incident's duration up to now, or to its end.
func (s *Summary) Elapsed(now time.Time) time.Duration {
	if !s.Started() {
		return 0
	}
	if !s.End.IsZero() {
		return s.End.Sub(s.Start)
	}
	return now.Sub(s.Start)
}

// Add folds one event in.
func (s *Summary) Add(ev Event) {
	switch v := ev.Data.(type) {
	case Started:
		// A new incident starts from a clean slate.
		*s = Summary{Facts: v, Levels: v.Levels, Start: ev.At, Level: LevelNormal}
		if s.Levels == (Levels{}) {
			s.Levels = DefaultLevels
		}
	case MemSample:
		s.Samples++
		if s.Samples == 1 || v.UsedPct > s.Peak.UsedPct {
			s.Peak, s.PeakAt = v, ev.At
		}
		if !ev.At.Before(s.LastAt) {
			s.Last, s.LastAt = v, ev.At
		}
		s.recent = append(s.recent, timedSample{ev.At, v})
		// Trim to the window, keeping one sample older than it so a full
		// window can be compared.
		cut := 0
		for cut+1 < len(s.recent) && ev.At.Sub(s.recent[cut+1].At) >= RecentWindow {
			cut++
		}
		if cut > 0 {
			s.recent = append(s.recent[:0], s.recent[cut:]...)
		}
	case SeverityChanged:
		s.Level = v.To
	case SwapGrowth:
		s.SwapGrowing = v.Growing
	case OOMKill:
		s.OOMKills += max(v.Count, 1)
		// Kills found in the log at start come in the log's order, which
		// need not be the clock's: keep the latest.
		if ev.At.After(s.LastKillAt) {
			s.LastKillAt = ev.At
		}
	case PGSaturation:
		s.PGSaturated = v.Saturated
	case ServiceRestarted:
		s.Restarts++
		s.LastRestartAt = ev.At
	case Escalation:
		s.Stages = append(s.Stages, StageReached{v.Stage, ev.At, v.Reason})
		s.Stage = max(s.Stage, v.Stage)
	case ActionStarted:
		s.Actions++
		s.LastActionAt, s.LastAction = ev.At, v.Action
	case ActionFinished:
		s.LastActionAt, s.LastAction = ev.At, v.Action
	case ActionRechecked:
		s.LastActionAt, s.LastAction = ev.At, v.Action
	case Note:
		s.Notes++
	case Ended:
		s.End, s.EndReason = ev.At, v.Reason
	}
	if s.Levels == (Levels{}) {
		s.Levels = DefaultLevels
	}
}

// sampleBefore returns the latest sample at least d before t.
func (s *Summary) sampleBefore(t time.Time, d time.Duration) (timedSample, bool) {
	for i := len(s.recent) - 1; i >= 0; i-- {
		if t.Sub(s.recent[i].At) >= d {
			return s.recent[i], true
		}
	}
	return timedSample{}, false
}

// Growing says whether memory is still growing: used % rose by at least
// minPct over window, or swap is growing.
func (s *Summary) Growing(window time.Duration, minPct float64) bool {
	if s.SwapGrowing {
		return true
	}
	old, ok := s.sampleBefore(s.LastAt, window)
	return ok && s.Last.UsedPct-old.UsedPct >= minPct
}

// CriterionState is met, not met, or unknown for lack of data.
type CriterionState int

// The criterion states.
const (
	Unknown CriterionState = iota
	Met
	NotMet
)

// Criterion is one of the runbook's success criteria, with the figures
// behind the verdict.
type Criterion struct {
	Name string
	// Short is the name in a word or two, for a compact list ("swap").
	Short  string
	State  CriterionState
	Figure string
}

// Criteria evaluates the runbook's success criteria on what was recorded.
func (s *Summary) Criteria() []Criterion {
	cs := s.criteria(true)
	return cs[:]
}

// criteria evaluates the criteria. Without words it leaves Name and Figure
// empty: the detector needs only the verdicts, at every reading, and must
// not build sentences to throw them away.
func (s *Summary) criteria(words bool) [5]Criterion {
	clock := func(t time.Time) string { return t.UTC().Format("15:04:05") }
	var out [5]Criterion

	mem := Criterion{Short: "memory"}
	if words {
		mem.Name = fmt.Sprintf("Memory usage below %s%%", pctText(s.Levels.Warning))
	}
	switch {
	case s.Samples == 0:
		mem.Figure = "no memory sample recorded"
	default:
		mem.State = metIf(s.Last.UsedPct < s.Levels.Warning)
		if words {
			mem.Figure = fmt.Sprintf("%.1f%% at %s", s.Last.UsedPct, clock(s.LastAt))
		}
	}
	out[0] = mem

	swap := Criterion{Name: "No swap usage or decreasing", Short: "swap"}
	switch old, ok := s.sampleBefore(s.LastAt, criteriaWindow); {
	case s.Samples == 0:
		swap.Figure = "no memory sample recorded"
	case s.Last.SwapTotalBytes == 0:
		swap.State, swap.Figure = Met, "no swap configured"
	case s.Last.SwapUsedBytes == 0:
		swap.State, swap.Figure = Met, "no swap in use"
	case !ok:
		if words {
			swap.Figure = fmt.Sprintf("%s in use; less than %s of samples to compare", units.Bytes(s.Last.SwapUsedBytes), units.Duration(criteriaWindow))
		}
	default:
		// Pages stay in swap until touched, so a flat level after a crisis
		// means nothing new is being pushed out: that counts as met.
		swap.State = metIf(s.Last.SwapUsedBytes <= old.SwapUsedBytes)
		if words {
			word := "decreasing"
			switch {
			case s.Last.SwapUsedBytes > old.SwapUsedBytes:
				word = "growing"
			case s.Last.SwapUsedBytes == old.SwapUsedBytes:
				word = "flat"
			}
			swap.Figure = fmt.Sprintf("%s at %s, %s at %s (%s)", units.Bytes(s.Last.SwapUsedBytes), clock(s.LastAt), units.Bytes(old.SwapUsedBytes), clock(old.At), word)
		}
	}
	out[1] = swap

	ref, refText := s.Start, "the incident started"
	if !s.LastActionAt.IsZero() {
		ref = s.LastActionAt
		if words {
			refText = fmt.Sprintf("the last action (%s at %s)", s.LastAction, clock(s.LastActionAt))
		}
	}
	oom := Criterion{Name: "No OOM killer activity since the last action", Short: "no OOM"}
	if !s.LastKillAt.IsZero() && s.LastKillAt.After(ref) {
		oom.State = NotMet
		if words {
			oom.Figure = fmt.Sprintf("OOM kill at %s, after %s", clock(s.LastKillAt), refText)
		}
	} else {
		oom.State = Met
		if words {
			oom.Figure = fmt.Sprintf("no OOM kill since %s; %d during the incident", refText, s.OOMKills)
		}
	}
	out[2] = oom

	fp := Criterion{Name: "Stable process memory footprint (" + FootprintDefinition + ")", Short: "footprint"}
	old, ok := s.sampleBefore(s.LastAt, criteriaWindow)
	switch {
	case s.Last.ProcRSSBytes == nil:
		fp.Figure = "not measured"
	case !ok || old.ProcRSSBytes == nil:
		if words {
			fp.Figure = fmt.Sprintf("%s now; less than %s of measurements to compare", units.Bytes(*s.Last.ProcRSSBytes), units.Duration(criteriaWindow))
		}
	default:
		a, b := float64(*old.ProcRSSBytes), float64(*s.Last.ProcRSSBytes)
		change := 0.0
		if a > 0 {
			change = 100 * (b - a) / a
		}
		fp.State = metIf(change <= footprintTolerancePct)
		if words {
			fp.Figure = fmt.Sprintf("%s at %s, %s at %s (%+.1f%%, stable within +%s%%)", units.Bytes(uint64(b)), clock(s.LastAt), units.Bytes(uint64(a)), clock(old.At), change, pctText(footprintTolerancePct))
		}
	}
	out[3] = fp

	crash := Criterion{Name: "No service crashes", Short: "no crash"}
	if !s.LastRestartAt.IsZero() && s.LastRestartAt.After(ref) {
		crash.State = NotMet
		if words {
			crash.Figure = fmt.Sprintf("service restarted at %s, after %s", clock(s.LastRestartAt), refText)
		}
	} else {
		crash.State = Met
		if words {
			crash.Figure = fmt.Sprintf("no service restarted since %s", refText)
		}
	}
	out[4] = crash
	return out
}

// FootprintDefinition says in words what the footprint figure is (probes'
// Footprint computes it; MemSample.ProcRSSBytes carries it under its
// old name): shown on screen and in the report so the figure is read as
// what it is. PSS splits shared pages among their sharers, so the figure
// stays within the host's used memory, where summed RSS read 17.5 GiB on
// a host using 2.5 GiB.
const FootprintDefinition = "summed PSS of the 5 largest programs"

// footprintTolerancePct is how much the watched processes may grow over the
// criteria window and still count as stable; shrinking is always stable.
const footprintTolerancePct = 5

// metIf maps a condition to Met or NotMet.
func metIf(ok bool) CriterionState {
	if ok {
		return Met
	}
	return NotMet
}

// pctText prints a threshold without needless decimals: "75", "87.5".
func pctText(p float64) string {
	return fmt.Sprintf("%g", p)
}

// Recovered says whether the criteria count as all met: memory, swap and
// OOM must be met; the footprint and crash criteria may be unknown (not
// every host has a watched process) but never failed.
func Recovered(cs []Criterion) bool {
	for i, c := range cs {
		if c.State == NotMet || (i < 3 && c.State != Met) {
			return false
		}
	}
	return len(cs) > 0
}

// runMayStillGo is how long after its start a run without a recorded end
// may still be running: longer than any runbook timeout memtui ships.
const runMayStillGo = time.Hour

// UnfinishedRun says what became of a run whose start is on the timeline
// and whose end is not, for the report and the timeline panel. memtui
// records a run's end whatever happens to its screen (q, SIGHUP, SIGTERM:
// see ui/quit.go), so a start without an end means the run is still going,
// or the memtui that ran it was killed outright (SIGKILL, the OOM killer,
// a reboot) and nobody saw how it ended. Which one is decided by the
// incident still being open and the start being recent.
func UnfinishedRun(started, now time.Time, incidentActive bool) string {
	if incidentActive && now.Sub(started) < runMayStillGo {
		return "no end recorded yet: still running, or memtui was killed"
	}
	return "outcome unknown: memtui was killed before recording its end"
}

// Clone is a copy of s that shares nothing with it, for handing a
// snapshot to another goroutine (a screen) while s goes on folding events.
func (s *Summary) Clone() Summary {
	c := *s
	c.Stages = append([]StageReached(nil), s.Stages...)
	c.recent = append([]timedSample(nil), s.recent...)
	return c
}

// MetCount is how many criteria are met, of how many: the status bar's
// "criteria 3/5".
func MetCount(cs []Criterion) (met, all int) {
	for _, c := range cs {
		if c.State == Met {
			met++
		}
	}
	return met, len(cs)
}
