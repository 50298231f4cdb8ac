package incident

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/yuin/goldmark"
	gast "github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	gtext "github.com/yuin/goldmark/text"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/<test>/<name>.golden.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", strings.Split(t.Name(), "/")[0], name+".golden")
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

// quietIncident runs a real reading series through the detector: memory
// climbs to 88 %, stays for a while, falls back and the incident ends alone.
func quietIncident() []Event {
	d := NewDetector(Config{Host: HostFacts{Host: "web2", Kernel: "6.1.0-26-amd64", MemTotalBytes: 4 << 30, CPUs: 2}})
	var evs []Event
	for s := 0; s < 40*60; s++ {
		pct := 70.0
		switch {
		case s < 300:
			pct = 70 + float64(s)*0.06
		case s < 900:
			pct = 88
		}
		evs = append(evs, d.Observe(Reading{At: t0.Add(time.Duration(s) * time.Second), UsedPct: pct, OOMKnown: true})...)
	}
	return evs
}

// busyIncident is the "done when" session: over 85 %, an OOM kill,
// actions (one failing), notes, the report fields, and the end.
func busyIncident(ended bool) []Event {
	at := func(m, s int) time.Time { return t0.Add(time.Duration(m)*time.Minute + time.Duration(s)*time.Second) }
	before := &MemFigure{At: at(14, 0), UsedPct: 96.1, SwapUsedBytes: 1700 << 20}
	mid := &MemFigure{At: at(15, 0), UsedPct: 94.8, SwapUsedBytes: 1700 << 20}
	after := &MemFigure{At: at(21, 0), UsedPct: 68.4, SwapUsedBytes: 1200 << 20}
	evs := []Event{
		{At: at(0, 0), Data: Started{Host: "odoo-prod-1", Kernel: "6.8.0-45-generic", MemTotalBytes: 8 << 30, SwapTotalBytes: 2 << 30, CPUs: 4, Levels: DefaultLevels, Reason: "memory 86.2% held at high (≥ 85%) for 10 s"}},
		{At: at(0, 0), Data: SeverityChanged{From: LevelWarning, To: LevelHigh, UsedPct: 86.2}},
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
		evs = append(evs, Event{At: at(0, s), Data: MemSample{UsedPct: pct, SwapUsedBytes: swap, SwapTotalBytes: 2 << 30}})
	}
	evs = append(evs,
		Event{At: at(2, 0), Data: SwapGrowth{Growing: true, SwapUsedBytes: 520 << 20, DeltaBytes: 60 << 20, Window: Duration(time.Minute)}},
		Event{At: at(9, 40), Data: SeverityChanged{From: LevelHigh, To: LevelCritical, UsedPct: 95.2}},
		Event{At: at(11, 2), Data: OOMKill{PID: ip(31337), Comm: "odoo-bin", UID: ip(1001), TotalVMKB: up(3_900_000), AnonRSSKB: up(2_800_000), OOMScoreAdj: ip(0), Constraint: "CONSTRAINT_NONE", Memcg: "/system.slice/odoo.service", Count: 1}},
		Event{At: at(11, 3), Data: Escalation{Stage: StagePageOnCall, Reason: "1 OOM kill(s) during the incident"}},
		Event{At: at(12, 0), Data: Note{Author: "alice", Text: "paged Bob; odoo workers at 2.7 GB | deploy 4.2 went out at 08:40"}},
		// Runs recorded with per-step outcomes: the kinds that run no
		// program succeed with no exit status, and a timeout says so.
		Event{At: at(13, 0), Data: ActionStarted{Run: "r3", Action: "clear-odoo-caches", Name: "Clear Odoo caches", Risk: "low", Who: Who{User: "root", UID: ip(0)},
			Commands: [][]string{{"SQL on database odoo_production: DELETE FROM ir_cache; DELETE FROM ir_attachment WHERE name LIKE '%cache%'"}}, Confirmation: "y"}},
		Event{At: at(13, 1), Data: ActionFinished{Run: "r3", Action: "clear-odoo-caches", Status: "ok", Outcome: "DELETE 5000; DELETE 100", Duration: Duration(40 * time.Millisecond),
			Commands: []CommandResult{
				{Argv: []string{"SQL statement 1"}, Status: "ok", Outcome: "DELETE 5000"},
				{Argv: []string{"SQL statement 2"}, Status: "ok", Outcome: "DELETE 100", Duration: Duration(40 * time.Millisecond)},
			}}},
		Event{At: at(13, 10), Data: ActionFinished{Run: "r4", Action: "terminate-idle-postgres", Status: "ok", Duration: Duration(12 * time.Millisecond),
			Outcome:  "4 of 5 backends ended; 1 no longer idle or already gone (pid 4711)",
			Commands: []CommandResult{{Argv: []string{"pg_terminate_backend"}, Status: "ok", Outcome: "4 of 5 backends ended; 1 no longer idle or already gone (pid 4711)"}}}},
		Event{At: at(13, 20), Data: ActionFinished{Run: "r5", Action: "signal-process", Status: "ok", Duration: Duration(1250 * time.Millisecond),
			Outcome:  "pid 1234 (odoo-bin) exited 1.2s after SIGTERM",
			Commands: []CommandResult{{Argv: []string{"SIGTERM"}, Status: "ok", Outcome: "pid 1234 (odoo-bin) exited 1.2s after SIGTERM", Duration: Duration(1200 * time.Millisecond)}}}},
		Event{At: at(13, 50), Data: ActionFinished{Run: "r6", Action: "restart-odoo", Status: "timed out", Duration: Duration(60 * time.Second),
			Error:   "timed out: timed out after 1m; stopped it (process group killed)",
			Outcome: "command 2 of 2, systemctl: no exit status: timed out after 1m; stopped it (process group killed)",
			Commands: []CommandResult{
				{Argv: []string{"systemctl", "stop", "odoo"}, Exit: ip(0), Status: "ok", Outcome: "exit 0", Duration: Duration(time.Second)},
				{Argv: []string{"systemctl", "start", "odoo"}, Status: "timed out", Outcome: "no exit status: timed out after 1m; stopped it (process group killed)", Duration: Duration(59 * time.Second)},
			}}},
		Event{At: at(14, 0), Data: ActionStarted{Run: "r1", Action: "clear-redis", Name: "Clear Redis cache", Risk: "low", Who: Who{User: "root", UID: ip(0), SudoUser: "alice"},
			Commands: [][]string{{"redis-cli", "-a", "hunter2", "FLUSHALL"}}, Confirmation: "y", MemBefore: before}},
		Event{At: at(14, 1), Data: ActionFinished{Run: "r1", Action: "clear-redis", Exit: ip(1), Duration: Duration(310 * time.Millisecond),
			Commands:   []CommandResult{{Argv: []string{"redis-cli", "-a", "hunter2", "FLUSHALL"}, Exit: ip(1), Duration: Duration(310 * time.Millisecond)}},
			OutputTail: "Could not connect to Redis at 127.0.0.1:6379: Connection refused\n", MemAfter: before}},
		Event{At: at(15, 0), Data: ActionStarted{Run: "r2", Action: "restart-odoo", Name: "Restart Odoo", Risk: "medium", Who: Who{User: "root", UID: ip(0), SudoUser: "alice"},
			Commands: [][]string{{"systemctl", "restart", "odoo"}, {"sh", "-c", "echo 'a|b' > /tmp/x"}}, Confirmation: "y", MemBefore: mid}},
		Event{At: at(15, 4), Data: ActionFinished{Run: "r2", Action: "restart-odoo", Exit: ip(0), Duration: Duration(4200 * time.Millisecond),
			Commands: []CommandResult{
				{Argv: []string{"systemctl", "restart", "odoo"}, Exit: ip(0), Duration: Duration(4100 * time.Millisecond)},
				{Argv: []string{"sh", "-c", "echo 'a|b' > /tmp/x"}, Exit: ip(0), Duration: Duration(100 * time.Millisecond)},
			}, MemAfter: &MemFigure{At: at(15, 4), UsedPct: 80.3, SwapUsedBytes: 1600 << 20}}},
		Event{At: at(15, 34), Data: ActionRechecked{Run: "r2", Action: "restart-odoo", Waited: Duration(30 * time.Second), MemBefore: mid, MemAfter: after, Result: "improved"}},
		Event{At: at(16, 0), Data: SeverityChanged{From: LevelCritical, To: LevelNormal, UsedPct: 68.4}},
		Event{At: at(17, 0), Data: SwapGrowth{Growing: false, SwapUsedBytes: 1200 << 20, Window: Duration(time.Minute)}},
		Event{At: at(18, 0), Data: ReportField{Field: FieldRootCause, Value: "Memory leak in module sale_report after deploy 4.2 (password=s3cret was in its config)", Author: "alice"}},
		Event{At: at(18, 30), Data: ReportField{Field: FieldResolution, Value: "Restarted Odoo", Author: "alice"}},
		Event{At: at(18, 40), Data: ReportField{Field: FieldActionItems, Value: "Fix memory leak in module sale_report\n- [ ] Implement connection pooling\n\nUpgrade to 16GB RAM", Author: "alice"}},
	)
	if ended {
		evs = append(evs,
			Event{At: at(30, 0), Data: Note{Text: "stable for 15 min"}},
			Event{At: at(31, 0), Data: Ended{Reason: "ended by alice"}})
	}
	return evs
}

func TestReport(t *testing.T) {
	tests := []struct {
		name     string
		now      time.Time
		evs      []Event
		problems []Problem
		// the markdown must hold this many tables and mermaid charts
		tables, charts int
	}{
		{"quiet", t0.Add(time.Hour), quietIncident(), nil, 1, 1},
		{"actions_and_oom", t0.Add(time.Hour), busyIncident(true), nil, 3, 1},
		{"in_progress", t0.Add(30*time.Minute + 20*time.Second), busyIncident(false), []Problem{{Line: 40, Offset: 12345, Err: errString("unexpected end of JSON input")}}, 3, 1},
		{"empty", t0, nil, nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &Log{Path: "/var/lib/x.jsonl", Header: Header{Format: Format, Version: 1, Host: "h"}, Events: tt.evs, Problems: tt.problems}
			md := Render(l, tt.now)
			golden(t, tt.name, md)
			tables, charts := checkMarkdown(t, md)
			if tables != tt.tables || charts != tt.charts {
				t.Errorf("%d tables and %d mermaid charts, want %d and %d", tables, charts, tt.tables, tt.charts)
			}
			for _, secret := range []string{"hunter2", "s3cret"} {
				if bytes.Contains(md, []byte(secret)) {
					t.Errorf("report prints the secret %q", secret)
				}
			}
		})
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// checkMarkdown parses md as GitHub markdown and checks its structure: every
// table row has as many cells as its header, and every mermaid block is an
// xychart with as many values per line as x labels. It returns the counts.
func checkMarkdown(t *testing.T, md []byte) (tables, charts int) {
	t.Helper()
	p := goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser()
	doc := p.Parse(gtext.NewReader(md))
	err := gast.Walk(doc, func(n gast.Node, entering bool) (gast.WalkStatus, error) {
		if !entering {
			return gast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *east.Table:
			tables++
			cols := len(n.Alignments)
			for row := n.FirstChild(); row != nil; row = row.NextSibling() {
				if got := row.ChildCount(); got != cols {
					t.Errorf("table %d: a row has %d cells, want %d", tables, got, cols)
				}
			}
			if n.ChildCount() < 2 {
				t.Errorf("table %d has no rows", tables)
			}
		case *gast.FencedCodeBlock:
			if string(n.Language(md)) != "mermaid" {
				break
			}
			charts++
			var body strings.Builder
			for i := 0; i < n.Lines().Len(); i++ {
				seg := n.Lines().At(i)
				body.Write(seg.Value(md))
			}
			checkChart(t, body.String())
		}
		return gast.WalkContinue, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tables, charts
}

func checkChart(t *testing.T, chart string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(chart), "\n")
	if lines[0] != "xychart-beta" {
		t.Errorf("mermaid block is not an xychart: %q", lines[0])
	}
	labels, series := -1, 0
	for _, ln := range lines[1:] {
		ln = strings.TrimSpace(ln)
		list := func() int {
			i, j := strings.IndexByte(ln, '['), strings.LastIndexByte(ln, ']')
			if i < 0 || j < i {
				t.Errorf("no list in %q", ln)
				return 0
			}
			return len(strings.Split(ln[i+1:j], ","))
		}
		switch {
		case strings.HasPrefix(ln, "x-axis"):
			labels = list()
			// Mermaid's band scale merges equal categories: labels must differ.
			seen := map[string]bool{}
			for _, l := range strings.Split(ln[strings.IndexByte(ln, '[')+1:strings.LastIndexByte(ln, ']')], ",") {
				if seen[strings.TrimSpace(l)] {
					t.Errorf("x label %s repeats", l)
				}
				seen[strings.TrimSpace(l)] = true
			}
		case strings.HasPrefix(ln, "line"):
			series++
			if n := list(); n != labels {
				t.Errorf("line with %d values for %d x labels", n, labels)
			}
		}
	}
	if labels < 1 || labels > chartPoints || series < 4 {
		t.Errorf("chart with %d labels and %d lines", labels, series)
	}
}

func TestReportFile(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i, evs := range [][]Event{quietIncident(), busyIncident(true)} {
		start := evs[0].At.Add(time.Duration(i) * time.Hour)
		p := filepath.Join(dir, FileName("db1", start))
		s, err := Open(p, "db1", start)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if _, err := s.Append(ev); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
		paths = append(paths, p)
	}
	// Default: the newest incident, to stdout.
	var out bytes.Buffer
	written, timeline, err := ReportFile(ReportRequest{Dir: dir, Now: t0, Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	if written != "" || timeline != paths[1] || !bytes.Contains(out.Bytes(), []byte("odoo-prod-1")) {
		t.Errorf("wrote %q from %q:\n%.200s", written, timeline, out.String())
	}
	// -o: a 0600 file, replaced atomically, no temp file left behind.
	dst := filepath.Join(dir, "report.md")
	os.WriteFile(dst, []byte("old"), 0o644)
	written, _, err = ReportFile(ReportRequest{Incident: paths[0], Out: dst, Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(dst)
	b, _ := os.ReadFile(dst)
	if written != dst || fi.Mode().Perm() != 0o600 || !bytes.HasPrefix(b, []byte("## Memory Incident Report")) {
		t.Errorf("wrote %q mode %v: %.60q", written, fi.Mode().Perm(), b)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temp file left: %s", e.Name())
		}
	}
	if got := ReportPath(paths[0]); got != strings.TrimSuffix(paths[0], ".jsonl")+".md" {
		t.Errorf("ReportPath = %s", got)
	}
	// Errors a person can act on.
	if _, _, err := ReportFile(ReportRequest{Dir: t.TempDir(), Stdout: &out}); err == nil || !strings.Contains(err.Error(), "--incident") {
		t.Errorf("empty dir: %v", err)
	}
	if _, _, err := ReportFile(ReportRequest{Incident: paths[0], Out: "/sys/kernel/x.md"}); err == nil {
		t.Error("wrote under /sys")
	}
}

func TestCellEscaping(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a|b", `a\|b`},
		{"line1\nline2", "line1<br>line2"},
		{"<script>", "&lt;script&gt;"},
		{"postgres://u:pw@h/db", "postgres://u:***@h/db"},
		{"", " "},
	}
	for _, tt := range tests {
		if got := cell(tt.in); got != tt.want {
			t.Errorf("cell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := cellCode("a`b|c"); got != "``a`b\\|c``" {
		t.Errorf("cellCode = %q", got)
	}
	if got := commandText([]string{"sh", "-c", "echo 'x'", "--password", "pw"}); got != `sh -c 'echo '\''x'\''' --password '***'` {
		t.Errorf("commandText = %q", got)
	}
}

// TestChartBounded: however long the incident, the chart keeps at most
// chartPoints distinct points.
func TestChartBounded(t *testing.T) {
	for _, span := range []time.Duration{0, time.Second, 4 * time.Minute, 47 * time.Hour, 400 * 24 * time.Hour, 200 * 365 * 24 * time.Hour} {
		samples := []timedSample{{At: t0}, {At: t0.Add(span / 2)}, {At: t0.Add(span), MemSample: MemSample{UsedPct: 99}}}
		pts, layout, step := bucket(samples, chartPoints)
		if len(pts) < 1 || len(pts) > chartPoints || step <= 0 {
			t.Errorf("span %s: %d points, step %s", span, len(pts), step)
			continue
		}
		if pts[len(pts)-1].mem != 99 {
			t.Errorf("span %s: last point lost the peak: %+v", span, pts[len(pts)-1])
		}
		seen := map[string]bool{}
		for _, p := range pts {
			l := p.at.Format(layout)
			if seen[l] {
				t.Errorf("span %s: label %s repeats", span, l)
			}
			seen[l] = true
		}
	}
}
