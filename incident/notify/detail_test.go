package notify

import (
	"testing"
	"time"

	"github.com/memtui/memtui/incident"
)

func TestDetails(t *testing.T) {
	at := time.Date(2026, 12, 3, 9, 30, 0, 0, time.UTC)
	cases := []struct{ got, want string }{
		{EscalationDetail(incident.Escalation{Stage: incident.StageSeniorDevOps}, 93.4, at),
			"**Escalation: senior-devops** — 30 min and memory still growing: escalate to senior DevOps (memory 93 % at 09:30 UTC)."},
		{RemediationDetail(incident.ActionFinished{Action: "drop-caches", Status: "ok", Outcome: "dropped 1.2 GiB"},
			&incident.ActionRechecked{Waited: incident.Duration(30 * time.Second), Result: "unchanged",
				MemBefore: &incident.MemFigure{UsedPct: 93.2}, MemAfter: &incident.MemFigure{UsedPct: 92.6}}),
			"Automated step `drop-caches`: ok (dropped 1.2 GiB); memory 93 % → 93 % after 30 s: unchanged."},
		{RemediationDetail(incident.ActionFinished{Action: "clear-redis", Status: "timed out"}, nil),
			"Automated step `clear-redis`: timed out."},
		{RecoveryDetail(61.2, at), "**Recovered**: memory 61 % at 09:30 UTC."},
		{IncidentKey("/var/lib/x.jsonl", at.In(time.FixedZone("CET", 3600))), "/var/lib/x.jsonl@2026-12-03T09:30:00Z"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got  %q\nwant %q", c.got, c.want)
		}
	}
}
