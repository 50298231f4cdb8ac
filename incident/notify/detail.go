package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/internal/units"
)

// IncidentKey identifies an incident across restarts of the watcher: the
// timeline file and its Started time (a fixed --incident file may hold
// several incidents in turn).
func IncidentKey(timeline string, started time.Time) string {
	return timeline + "@" + started.UTC().Format(time.RFC3339)
}

// EscalationDetail is a message's Detail for an escalation stage:
// "**Escalation: senior-devops** — 30 min and memory still growing:
// escalate to senior DevOps (memory 93 % at 09:30 UTC)."
func EscalationDetail(e incident.Escalation, usedPct float64, at time.Time) string {
	s := fmt.Sprintf("**Escalation: %s** — %s (memory %.0f %% at %s).", e.Stage, e.Stage.Advice(), usedPct, at.UTC().Format("15:04 UTC"))
	if r := oneLine(e.Reason, 300); r != "" {
		s += " " + r
	}
	return s
}

// RemediationDetail is a message's Detail for an action's result, with
// the re-check when there was one: "Automated step `drop-caches`: ok
// (dropped 1.2 GiB); memory 93 % → 92 % after 30 s: unchanged."
func RemediationDetail(f incident.ActionFinished, r *incident.ActionRechecked) string {
	var b strings.Builder
	status := f.Status
	if status == "" {
		status = map[bool]string{true: "ok", false: "failed"}[f.Succeeded()]
	}
	fmt.Fprintf(&b, "Automated step `%s`: %s", oneLine(f.Action, 100), status)
	// The recorded outcome; older timelines have only the exit status,
	// which OutcomeText words.
	if f.Outcome != "" || f.Status == "" {
		fmt.Fprintf(&b, " (%s)", oneLine(f.OutcomeText(), 200))
	}
	if r != nil && r.MemBefore != nil && r.MemAfter != nil {
		fmt.Fprintf(&b, "; memory %.0f %% → %.0f %% after %s: %s", r.MemBefore.UsedPct, r.MemAfter.UsedPct, units.Duration(time.Duration(r.Waited)), r.Result)
	}
	b.WriteString(".")
	return b.String()
}

// RecoveryDetail is a message's Detail when memory is back to normal.
func RecoveryDetail(usedPct float64, at time.Time) string {
	return fmt.Sprintf("**Recovered**: memory %.0f %% at %s.", usedPct, at.UTC().Format("15:04 UTC"))
}
