// Package incidenttest holds the timelines the incident tests share: one
// event of every kind, a quiet and a busy incident, the redaction matrix
// as events. The incident and incident/store tests both use them, so they
// live once, here.
package incidenttest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/internal/redact/redacttest"
)

// T0 is the fixed clock of every test: a Saturday morning incident.
var T0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

// IP, UP and TP point at a value, for the optional fields of events.
func IP(v int) *int { return &v }

func UP(v uint64) *uint64 { return &v }

func TP(t time.Time) *time.Time { return &t }

// AllEvents has one event of every kind, with every field set, so a round
// trip that drops a field or a kind fails.
func AllEvents() []incident.Event {
	before := &incident.MemFigure{At: T0.Add(10 * time.Minute), UsedPct: 93.4, SwapUsedBytes: 900 << 20}
	after := &incident.MemFigure{At: T0.Add(11 * time.Minute), UsedPct: 71.2, SwapUsedBytes: 850 << 20}
	return []incident.Event{
		{At: T0, Data: incident.Started{Host: "db1", Kernel: "6.8.0-45-generic", MemTotalBytes: 8 << 30, SwapTotalBytes: 2 << 30, CPUs: 4, Levels: incident.DefaultLevels, Reason: "memory 86.0% held at high"}},
		{At: T0.Add(time.Second), Data: incident.MemSample{UsedPct: 86.04, SwapUsedBytes: 512 << 20, SwapTotalBytes: 2 << 30, ProcRSSBytes: UP(5 << 30)}},
		{At: T0.Add(2 * time.Second), Data: incident.SeverityChanged{From: incident.LevelWarning, To: incident.LevelHigh, UsedPct: 86}},
		{At: T0.Add(3 * time.Second), Data: incident.SwapGrowth{Growing: true, SwapUsedBytes: 600 << 20, DeltaBytes: 88 << 20, Window: incident.Duration(time.Minute)}},
		{At: T0.Add(4 * time.Second), Data: incident.OOMKill{PID: IP(4242), Comm: "odoo-bin", UID: IP(1001), TotalVMKB: UP(3 << 20), AnonRSSKB: UP(2 << 20), FileRSSKB: UP(1024), ShmemRSSKB: UP(0), OOMScoreAdj: IP(300), Constraint: "CONSTRAINT_NONE", Memcg: "/system.slice/odoo.service", KilledAt: TP(T0.Add(3 * time.Second)), Count: 1}},
		{At: T0.Add(5 * time.Second), Data: incident.PGSaturation{Saturated: true, Used: 95, Max: 100}},
		{At: T0.Add(6 * time.Second), Data: incident.ServiceRestarted{Name: "odoo"}},
		{At: T0.Add(7 * time.Second), Data: incident.Escalation{Stage: incident.StagePageOnCall, Reason: "1 OOM kill(s)"}},
		{At: T0.Add(8 * time.Second), Data: incident.OdooLog{What: "recycled", PID: 4243, Text: "Worker (4243) virtual memory limit (2214592512) reached."}},
		{At: T0.Add(10 * time.Minute), Data: incident.ActionStarted{Run: "r1", Action: "restart-odoo", Name: "Restart Odoo", Risk: "medium", Who: incident.Who{User: "root", UID: IP(0), SudoUser: "alice"}, Commands: [][]string{{"systemctl", "restart", "odoo"}}, Confirmation: "y", MemBefore: before}},
		{At: T0.Add(10*time.Minute + 3*time.Second), Data: incident.ActionFinished{Run: "r1", Action: "restart-odoo", Commands: []incident.CommandResult{{Argv: []string{"systemctl", "restart", "odoo"}, Exit: IP(0), Duration: incident.Duration(2500 * time.Millisecond)}}, Exit: IP(0), Duration: incident.Duration(2500 * time.Millisecond), OutputTail: "done\n", MemAfter: after}},
		{At: T0.Add(10*time.Minute + 33*time.Second), Data: incident.ActionRechecked{Run: "r1", Action: "restart-odoo", Waited: incident.Duration(30 * time.Second), MemBefore: before, MemAfter: after, Result: "improved"}},
		{At: T0.Add(12 * time.Minute), Data: incident.Note{Author: "alice", Text: "leak in module X?\nchecking deploys"}},
		{At: T0.Add(13 * time.Minute), Data: incident.ReportField{Field: incident.FieldRootCause, Value: "memory leak in module X", Author: "alice"}},
		{At: T0.Add(14 * time.Minute), Data: incident.ReportExported{Path: "/root/.local/state/memtui/incidents/db1.md"}},
		{At: T0.Add(30 * time.Minute), Data: incident.Ended{Reason: "recovered"}},
	}
}

// QuietIncident runs a real reading series through the detector: memory
// climbs to 88 %, stays for a while, falls back and the incident ends alone.
func QuietIncident() []incident.Event {
	d := incident.NewDetector(incident.Config{Host: incident.HostFacts{Host: "web2", Kernel: "6.1.0-26-amd64", MemTotalBytes: 4 << 30, CPUs: 2}})
	var evs []incident.Event
	for s := 0; s < 40*60; s++ {
		pct := 70.0
		switch {
		case s < 300:
			pct = 70 + float64(s)*0.06
		case s < 900:
			pct = 88
		}
		evs = append(evs, d.Observe(incident.Reading{At: T0.Add(time.Duration(s) * time.Second), UsedPct: pct, OOMKnown: true})...)
	}
	return evs
}

// BusyIncident is the "done when" session: over 85 %, an OOM kill,
// actions (one failing), notes, the report fields, and the end.
func BusyIncident(ended bool) []incident.Event {
	at := func(m, s int) time.Time { return T0.Add(time.Duration(m)*time.Minute + time.Duration(s)*time.Second) }
	before := &incident.MemFigure{At: at(14, 0), UsedPct: 96.1, SwapUsedBytes: 1700 << 20}
	mid := &incident.MemFigure{At: at(15, 0), UsedPct: 94.8, SwapUsedBytes: 1700 << 20}
	after := &incident.MemFigure{At: at(21, 0), UsedPct: 68.4, SwapUsedBytes: 1200 << 20}
	evs := []incident.Event{
		{At: at(0, 0), Data: incident.Started{Host: "odoo-prod-1", Kernel: "6.8.0-45-generic", MemTotalBytes: 8 << 30, SwapTotalBytes: 2 << 30, CPUs: 4, Levels: incident.DefaultLevels, Reason: "memory 86.2% held at high (≥ 85%) for 10 s"}},
		{At: at(0, 0), Data: incident.SeverityChanged{From: incident.LevelWarning, To: incident.LevelHigh, UsedPct: 86.2}},
	}
	// Memory climbs for 12 minutes, holds near 96 %, then falls after the restart.
	for s := 0; s <= 30*60; s += 5 {
		pct, swap := 86.2+float64(s)*0.0135, uint64(400+s)<<20
		switch {
		case s > 12*60 && s <= 20*60:
			pct, swap = 96.1+float64(s%60)/100, 1700<<20
		case s > 20*60:
			pct, swap = 68.4, 1200<<20
		}
		evs = append(evs, incident.Event{At: at(0, s), Data: incident.MemSample{UsedPct: pct, SwapUsedBytes: swap, SwapTotalBytes: 2 << 30}})
	}
	evs = append(evs,
		incident.Event{At: at(2, 0), Data: incident.SwapGrowth{Growing: true, SwapUsedBytes: 520 << 20, DeltaBytes: 60 << 20, Window: incident.Duration(time.Minute)}},
		incident.Event{At: at(9, 40), Data: incident.SeverityChanged{From: incident.LevelHigh, To: incident.LevelCritical, UsedPct: 95.2}},
		incident.Event{At: at(11, 2), Data: incident.OOMKill{PID: IP(31337), Comm: "odoo-bin", UID: IP(1001), TotalVMKB: UP(3_900_000), AnonRSSKB: UP(2_800_000), OOMScoreAdj: IP(0), Constraint: "CONSTRAINT_NONE", Memcg: "/system.slice/odoo.service", Count: 1}},
		incident.Event{At: at(11, 3), Data: incident.Escalation{Stage: incident.StagePageOnCall, Reason: "1 OOM kill(s) during the incident"}},
		incident.Event{At: at(12, 0), Data: incident.Note{Author: "alice", Text: "paged Bob; odoo workers at 2.7 GB | deploy 4.2 went out at 08:40"}},
		// Runs recorded with per-step outcomes: the kinds that run no
		// program succeed with no exit status, and a timeout says so.
		incident.Event{At: at(13, 0), Data: incident.ActionStarted{Run: "r3", Action: "clear-odoo-caches", Name: "Clear Odoo caches", Risk: "low", Who: incident.Who{User: "root", UID: IP(0)},
			Commands: [][]string{{"SQL on database odoo_production: DELETE FROM ir_cache; DELETE FROM ir_attachment WHERE name LIKE '%cache%'"}}, Confirmation: "y"}},
		incident.Event{At: at(13, 1), Data: incident.ActionFinished{Run: "r3", Action: "clear-odoo-caches", Status: "ok", Outcome: "DELETE 5000; DELETE 100", Duration: incident.Duration(40 * time.Millisecond),
			Commands: []incident.CommandResult{
				{Argv: []string{"SQL statement 1"}, Status: "ok", Outcome: "DELETE 5000"},
				{Argv: []string{"SQL statement 2"}, Status: "ok", Outcome: "DELETE 100", Duration: incident.Duration(40 * time.Millisecond)},
			}}},
		incident.Event{At: at(13, 10), Data: incident.ActionFinished{Run: "r4", Action: "terminate-idle-postgres", Status: "ok", Duration: incident.Duration(12 * time.Millisecond),
			Outcome:  "4 of 5 backends ended; 1 no longer idle or already gone (pid 4711)",
			Commands: []incident.CommandResult{{Argv: []string{"pg_terminate_backend"}, Status: "ok", Outcome: "4 of 5 backends ended; 1 no longer idle or already gone (pid 4711)"}}}},
		incident.Event{At: at(13, 20), Data: incident.ActionFinished{Run: "r5", Action: "signal-process", Status: "ok", Duration: incident.Duration(1250 * time.Millisecond),
			Outcome:  "pid 1234 (odoo-bin) exited 1.2s after SIGTERM",
			Commands: []incident.CommandResult{{Argv: []string{"SIGTERM"}, Status: "ok", Outcome: "pid 1234 (odoo-bin) exited 1.2s after SIGTERM", Duration: incident.Duration(1200 * time.Millisecond)}}}},
		incident.Event{At: at(13, 50), Data: incident.ActionFinished{Run: "r6", Action: "restart-odoo", Status: "timed out", Duration: incident.Duration(60 * time.Second),
			Error:   "timed out: timed out after 1m; stopped it (process group killed)",
			Outcome: "command 2 of 2, systemctl: no exit status: timed out after 1m; stopped it (process group killed)",
			Commands: []incident.CommandResult{
				{Argv: []string{"systemctl", "stop", "odoo"}, Exit: IP(0), Status: "ok", Outcome: "exit 0", Duration: incident.Duration(time.Second)},
				{Argv: []string{"systemctl", "start", "odoo"}, Status: "timed out", Outcome: "no exit status: timed out after 1m; stopped it (process group killed)", Duration: incident.Duration(59 * time.Second)},
			}}},
		incident.Event{At: at(14, 0), Data: incident.ActionStarted{Run: "r1", Action: "clear-redis", Name: "Clear Redis cache", Risk: "low", Who: incident.Who{User: "root", UID: IP(0), SudoUser: "alice"},
			Commands: [][]string{{"redis-cli", "-a", "hunter2", "FLUSHALL"}}, Confirmation: "y", MemBefore: before}},
		incident.Event{At: at(14, 1), Data: incident.ActionFinished{Run: "r1", Action: "clear-redis", Exit: IP(1), Duration: incident.Duration(310 * time.Millisecond),
			Commands:   []incident.CommandResult{{Argv: []string{"redis-cli", "-a", "hunter2", "FLUSHALL"}, Exit: IP(1), Duration: incident.Duration(310 * time.Millisecond)}},
			OutputTail: "Could not connect to Redis at 127.0.0.1:6379: Connection refused\n", MemAfter: before}},
		incident.Event{At: at(15, 0), Data: incident.ActionStarted{Run: "r2", Action: "restart-odoo", Name: "Restart Odoo", Risk: "medium", Who: incident.Who{User: "root", UID: IP(0), SudoUser: "alice"},
			Commands: [][]string{{"systemctl", "restart", "odoo"}, {"sh", "-c", "echo 'a|b' > /tmp/x"}}, Confirmation: "y", MemBefore: mid}},
		incident.Event{At: at(15, 4), Data: incident.ActionFinished{Run: "r2", Action: "restart-odoo", Exit: IP(0), Duration: incident.Duration(4200 * time.Millisecond),
			Commands: []incident.CommandResult{
				{Argv: []string{"systemctl", "restart", "odoo"}, Exit: IP(0), Duration: incident.Duration(4100 * time.Millisecond)},
				{Argv: []string{"sh", "-c", "echo 'a|b' > /tmp/x"}, Exit: IP(0), Duration: incident.Duration(100 * time.Millisecond)},
			}, MemAfter: &incident.MemFigure{At: at(15, 4), UsedPct: 80.3, SwapUsedBytes: 1600 << 20}}},
		incident.Event{At: at(15, 34), Data: incident.ActionRechecked{Run: "r2", Action: "restart-odoo", Waited: incident.Duration(30 * time.Second), MemBefore: mid, MemAfter: after, Result: "improved"}},
		incident.Event{At: at(16, 0), Data: incident.SeverityChanged{From: incident.LevelCritical, To: incident.LevelNormal, UsedPct: 68.4}},
		incident.Event{At: at(17, 0), Data: incident.SwapGrowth{Growing: false, SwapUsedBytes: 1200 << 20, Window: incident.Duration(time.Minute)}},
		incident.Event{At: at(18, 0), Data: incident.ReportField{Field: incident.FieldRootCause, Value: "Memory leak in module sale_report after deploy 4.2 (password=s3cret was in its config)", Author: "alice"}},
		incident.Event{At: at(18, 30), Data: incident.ReportField{Field: incident.FieldResolution, Value: "Restarted Odoo", Author: "alice"}},
		incident.Event{At: at(18, 40), Data: incident.ReportField{Field: incident.FieldActionItems, Value: "Fix memory leak in module sale_report\n- [ ] Implement connection pooling\n\nUpgrade to 16GB RAM", Author: "alice"}},
	)
	if ended {
		evs = append(evs,
			incident.Event{At: at(30, 0), Data: incident.Note{Text: "stable for 15 min"}},
			incident.Event{At: at(31, 0), Data: incident.Ended{Reason: "ended by alice"}})
	}
	return evs
}

// MatrixEvents puts one case of the redaction matrix in every free-text
// field of the timeline: an action's argv and output, a note, a report field
// and the incident's reasons.
func MatrixEvents(c redacttest.Case, at time.Time) []incident.Event {
	argv := c.Argv
	if argv == nil {
		argv = []string{"sh", "-c", c.Text}
	}
	return []incident.Event{
		{At: at, Data: incident.Started{Host: "h", Reason: c.Text}},
		{At: at, Data: incident.ActionStarted{Run: "r1", Action: "a", Name: "A", Risk: "low", Commands: [][]string{argv}, Confirmation: c.Text}},
		{At: at.Add(time.Second), Data: incident.ActionFinished{Run: "r1", Action: "a", Exit: IP(0), Duration: incident.Duration(time.Second),
			Commands: []incident.CommandResult{{Argv: argv, Exit: IP(0), Error: c.Text}}, Error: c.Text, OutputTail: c.Text + "\n"}},
		{At: at.Add(2 * time.Second), Data: incident.Note{Author: "alice", Text: c.Text}},
		{At: at.Add(3 * time.Second), Data: incident.ReportField{Field: incident.FieldRootCause, Value: c.Text, Author: "alice"}},
		{At: at.Add(4 * time.Second), Data: incident.ReportField{Field: incident.FieldResolution, Value: c.Text, Author: "alice"}},
		{At: at.Add(5 * time.Second), Data: incident.Escalation{Stage: incident.StagePageOnCall, Reason: c.Text}},
		{At: at.Add(6 * time.Second), Data: incident.Ended{Reason: c.Text}},
	}
}

// BigTimeline writes a 100,000-event timeline the way a long incident
// looks: mostly memory samples, with the other kinds mixed in. It is written
// without fsync (straight encoding) to keep the setup fast.
func BigTimeline(b testing.TB, n int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "big.jsonl")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	f.WriteString(`{"format":"memtui-incident","version":1,"host":"db1","created":"2026-11-28T09:00:00Z"}` + "\n")
	// One incident: a Started first, then every other kind but Ended mixed
	// in, so the report covers all 100,000 events.
	all := AllEvents()
	others := all[1 : len(all)-1]
	buf := make([]byte, 0, 1<<20)
	for i := 0; i < n; i++ {
		ev := incident.Event{At: T0.Add(time.Duration(i) * 5 * time.Second), Writer: "1234-abcd", Seq: uint64(i + 1)}
		switch {
		case i == 0:
			ev.Data = all[0].Data
		case i%20 == 0:
			ev.Data = others[(i/20)%len(others)].Data
		default:
			ev.Data = incident.MemSample{UsedPct: 80 + float64(i%150)/10, SwapUsedBytes: uint64(i) << 12, SwapTotalBytes: 2 << 30}
		}
		line, err := ev.MarshalJSON()
		if err != nil {
			b.Fatal(err)
		}
		buf = append(append(buf, line...), '\n')
		if len(buf) > 900<<10 {
			f.Write(buf)
			buf = buf[:0]
		}
	}
	f.Write(buf)
	f.Close()
	return path
}
