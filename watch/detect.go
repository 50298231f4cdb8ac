// Package watch is the automated response of `memtui watch`, with no
// screen: when memory holds above a threshold long enough, or the OOM
// killer strikes, it runs the runbook's automated steps (auto = true),
// waits, re-checks, and tells people when the steps did not help — the
// runbook's "clear caches, wait 30 seconds, re-check, create a GitHub
// issue if remediation failed".
//
// The package decides and sequences; it reads nothing itself. Memory
// comes from a Scope (the host or one memory cgroup), actions run through
// a Runner (actions/run), the record is an incident session
// (incident.Session, shared with any dashboard open on the host), and
// messages go through notify. main.go builds them from the flags.
//
// Dependency rule: watch never imports ui, Bubble Tea, Lip Gloss or
// ntcharts, and does no I/O of its own.
package watch

import (
	"fmt"
	"time"

	"github.com/memtui/memtui/internal/units"
)

// Config is what the flags of `memtui watch` decide.
type Config struct {
	// Threshold is the memory used, in percent of the scope's memory
	// (the host's, or the cgroup's limit), at or above which memtui acts.
	Threshold float64
	// For is how long memory must hold at or above Threshold before the
	// response starts (an OOM kill starts it at once).
	For time.Duration
	// RecheckAfter is the wait between the steps and the re-check.
	RecheckAfter time.Duration
	// Cooldown is how long after a response no second one starts.
	Cooldown time.Duration
	// DryRun decides and records, and runs nothing.
	DryRun bool
}

// Defaults are the runbook's: 85 %, held a minute, re-checked after 30
// seconds, at most one automated response per 30 minutes.
var Defaults = Config{Threshold: 85, For: time.Minute, RecheckAfter: 30 * time.Second, Cooldown: 30 * time.Minute}

// Validate says what is wrong with c, in flag terms.
func (c Config) Validate() error {
	switch {
	case !(c.Threshold > 0 && c.Threshold < 100):
		return fmt.Errorf("--threshold %g: want a percentage above 0 and below 100", c.Threshold)
	case c.For < 0 || c.For > 24*time.Hour:
		return fmt.Errorf("--for %s: want 0 to 24h", c.For)
	case c.RecheckAfter < 0 || c.RecheckAfter > time.Hour:
		return fmt.Errorf("--recheck-after %s: want 0 to 1h", c.RecheckAfter)
	case c.Cooldown < 0 || c.Cooldown > 7*24*time.Hour:
		return fmt.Errorf("--cooldown %s: want 0 to 168h", c.Cooldown)
	}
	return nil
}

// Sample is one reading of the watched scope.
type Sample struct {
	At time.Time
	// UsedPct is memory used in percent of TotalBytes.
	UsedPct               float64
	UsedBytes, TotalBytes uint64
	// OOMKills is the OOM kill counter of the scope (the host's vmstat
	// oom_kill, or the cgroup's); OOMKnown says it was read.
	OOMKills uint64
	OOMKnown bool
}

// Text is the sample in words: "93.2 % (238 MiB of 256 MiB)".
func (s Sample) Text() string {
	if s.TotalBytes == 0 {
		return fmt.Sprintf("%.1f %%", s.UsedPct)
	}
	return fmt.Sprintf("%.1f %% (%s of %s)", s.UsedPct, units.Bytes(s.UsedBytes), units.Bytes(s.TotalBytes))
}

// State is where the detector stands after a sample.
type State int

// The detector's states.
const (
	// Below: memory is under the threshold and no kill is new.
	Below State = iota
	// Holding: at or above the threshold, not yet for long enough.
	Holding
	// Respond: start the automated response now.
	Respond
	// CoolingDown: a response is due but one ran within the cooldown.
	CoolingDown
)

// String names the state for logs.
func (s State) String() string {
	return [...]string{"below", "holding", "respond", "cooling_down"}[s]
}

// Trigger says why a response is due.
type Trigger struct {
	At     time.Time
	Sample Sample
	// Kills counts OOM kills since the previous sample (0: memory alone).
	Kills uint64
	// Since is when memory went at or above the threshold (zero for a kill
	// below it).
	Since time.Time
	// Why is the reason in words, for the timeline, the log and the issue.
	Why string
}

// Detector turns samples into decisions: a response when memory has held
// at or above the threshold for Config.For, or at once on a new OOM kill,
// and none within the cooldown of the last one. It is a plain value fed by
// one goroutine.
type Detector struct {
	cfg        Config
	aboveSince time.Time
	kills      uint64
	killsKnown bool
	lastRun    time.Time
}

// NewDetector returns a detector; lastResponse is when the previous
// automated response ran (zero: never), so the cooldown holds across
// restarts and across `--once` runs from a timer.
func NewDetector(cfg Config, lastResponse time.Time) *Detector {
	return &Detector{cfg: cfg, lastRun: lastResponse}
}

// Observe takes a sample and says what to do. The first sample only sets
// the OOM counter's baseline: kills from before the watcher started are
// the dashboard's to report, not a reason to act now.
func (d *Detector) Observe(s Sample) (State, Trigger) {
	var newKills uint64
	if s.OOMKnown {
		if d.killsKnown && s.OOMKills > d.kills {
			newKills = s.OOMKills - d.kills
		}
		d.kills, d.killsKnown = s.OOMKills, true
	}
	above := s.UsedPct >= d.cfg.Threshold
	if !above {
		d.aboveSince = time.Time{}
	} else if d.aboveSince.IsZero() {
		d.aboveSince = s.At
	}
	held := above && s.At.Sub(d.aboveSince) >= d.cfg.For
	if newKills == 0 && !held {
		if above {
			return Holding, Trigger{}
		}
		return Below, Trigger{}
	}
	t := Trigger{At: s.At, Sample: s, Kills: newKills, Since: d.aboveSince, Why: d.why(s, newKills, above)}
	if !d.lastRun.IsZero() && s.At.Sub(d.lastRun) < d.cfg.Cooldown {
		return CoolingDown, t
	}
	return Respond, t
}

// why words a trigger: "memory 93.2 % (238 MiB of 256 MiB) at or above
// 85 % for 1 min" or "2 OOM kills; memory 60.1 %".
func (d *Detector) why(s Sample, kills uint64, above bool) string {
	mem := "memory " + s.Text()
	if above {
		mem += fmt.Sprintf(" at or above %g %% for %s", d.cfg.Threshold, units.Duration(s.At.Sub(d.aboveSince)))
	}
	if kills == 0 {
		return mem
	}
	k := fmt.Sprintf("%d OOM kill", kills)
	if kills > 1 {
		k += "s"
	}
	return k + "; " + mem
}

// Responded starts the cooldown: a response began at at.
func (d *Detector) Responded(at time.Time) {
	d.lastRun = at
	d.aboveSince = time.Time{}
}

// CooldownUntil is when a new response may start (zero: now).
func (d *Detector) CooldownUntil() time.Time {
	if d.lastRun.IsZero() {
		return time.Time{}
	}
	return d.lastRun.Add(d.cfg.Cooldown)
}
