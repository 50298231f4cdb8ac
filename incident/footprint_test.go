package incident

import (
	"strings"
	"testing"
	"time"
)

// footprintSeries runs a synthetic incident through the detector, one
// reading a second for 16 minutes: memory at 90 % while the watched
// processes grow from 6 GiB by 2 MiB/s; at 6 min the service restarts and
// the footprint falls to 3 GiB, memory to 70 %; after that it grows by
// after bytes a second. With procs false no process reading is given
// (neither footprint nor restarts), as before the ui sent them.
func footprintSeries(after uint64, procs bool) []Event {
	d := NewDetector(Config{Host: HostFacts{Host: "odoo-prod-1", MemTotalBytes: 16 << 30, CPUs: 4}})
	var evs []Event
	for s := uint64(0); s < 16*60; s++ {
		r := Reading{At: t0.Add(time.Duration(s) * time.Second), UsedPct: 90, OOMKnown: true}
		rss := uint64(6<<30) + s*(2<<20)
		if s >= 360 {
			r.UsedPct, rss = 70, 3<<30+(s-360)*after
		}
		if procs {
			r.ProcRSSBytes = &rss
			if s == 360 {
				r.Restarts = []string{"odoo-bin"}
			}
		}
		evs = append(evs, d.Observe(r)...)
	}
	return evs
}

// criteriaLines is the report's success criteria section.
func criteriaLines(t *testing.T, evs []Event) []string {
	t.Helper()
	md := string(Render(&Log{Path: "/x.jsonl", Header: Header{Format: Format, Version: 1}, Events: evs}, t0.Add(16*time.Minute)))
	_, sec, ok := strings.Cut(md, "### Success criteria\n\n")
	if !ok {
		t.Fatalf("no success criteria in:\n%s", md)
	}
	sec, _, _ = strings.Cut(sec, "\n\n")
	return strings.Split(sec, "\n")
}

// TestReportCriteriaFromProcessReadings: readings that carry the process
// footprint and restarts give the report figures for the last two success
// criteria, where without them it can only say "unknown".
func TestReportCriteriaFromProcessReadings(t *testing.T) {
	tests := []struct {
		name      string
		after     uint64 // footprint growth after the restart, bytes a second
		procs     bool
		footprint string
		crash     string
	}{
		{
			name: "flat after the restart", procs: true,
			// The last sample (09:15:55) against the latest one at least
			// 5 min older (09:10:55): both 3 GiB.
			footprint: "- [x] Stable process memory footprint (summed PSS of the 5 largest programs): 3.00 GiB at 09:15:55, 3.00 GiB at 09:10:55 (+0.0%, stable within +5%)",
			crash:     "- [ ] No service crashes: not met: service restarted at 09:06:00, after the incident started",
		},
		{
			name: "still growing after the restart", after: 1 << 20, procs: true,
			// 3 GiB + 595 MiB against 3 GiB + 295 MiB: 300/3367 = +8.9 %.
			footprint: "- [ ] Stable process memory footprint (summed PSS of the 5 largest programs): not met: 3.58 GiB at 09:15:55, 3.29 GiB at 09:10:55 (+8.9%, stable within +5%)",
			crash:     "- [ ] No service crashes: not met: service restarted at 09:06:00, after the incident started",
		},
		{
			name:      "no process readings",
			footprint: "- [ ] Stable process memory footprint (summed PSS of the 5 largest programs): unknown: not measured",
			crash:     "- [x] No service crashes: no service restarted since the incident started",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := criteriaLines(t, footprintSeries(tt.after, tt.procs))
			if len(lines) != 5 {
				t.Fatalf("%d criteria:\n%s", len(lines), strings.Join(lines, "\n"))
			}
			if lines[3] != tt.footprint {
				t.Errorf("footprint\n got %s\nwant %s", lines[3], tt.footprint)
			}
			if lines[4] != tt.crash {
				t.Errorf("crash\n got %s\nwant %s", lines[4], tt.crash)
			}
		})
	}
}
