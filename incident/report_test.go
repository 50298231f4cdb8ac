package incident

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	goldenfile "github.com/memtui/memtui/internal/golden"

	"github.com/yuin/goldmark"
	gast "github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	gtext "github.com/yuin/goldmark/text"
)

// golden compares got with testdata/<test>/<name>.golden.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Assert(t, filepath.Join("testdata", strings.Split(t.Name(), "/")[0], name+".golden"), string(got))
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

func TestCellEscaping(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a|b", `a\|b`},
		{"line1\nline2", "line1 · line2"},
		{"<script>", "&lt;script&gt;"},
		{"postgres://u:pw@h/db", `postgres://u:\*\*\*@h/db`},
		{"## Root cause", `\## Root cause`},
		{"1. first\n- second", `1\. first · \- second`},
		{"see [x](http://evil) and `code` and *bold* and ~~gone~~", "see \\[x\\](http://evil) and \\`code\\` and \\*bold\\* and \\~\\~gone\\~\\~"},
		{"CONSTRAINT_NONE _em_", `CONSTRAINT_NONE \_em\_`},
		{"68.4% at 09:30", "68.4% at 09:30"},
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

// TestReportFieldsCannotInject: what people type into the report fields
// and notes, and what programs print, renders on GitHub as the text it is:
// no heading, list, link, raw HTML or code block of its own, and in time
// order even when the lines of two writers interleave.
func TestReportFieldsCannotInject(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	hostile := "## Hacked\n```\nopen fence\n<img src=x onerror=alert(1)>\n- [ ] fake item\n[click](http://evil.example)\n| a | b |"
	evs := []Event{
		{At: t0, Data: Started{Host: "db1", MemTotalBytes: 8 << 30, Levels: DefaultLevels, Reason: "opened by hand"}},
		{At: t0.Add(2 * time.Minute), Data: Note{Author: "bob", Text: "second, but written first"}},
		{At: t0.Add(time.Minute), Data: Note{Author: "alice", Text: hostile}},
		{At: t0.Add(3 * time.Minute), Data: ReportField{Field: FieldRootCause, Value: hostile}},
		{At: t0.Add(4 * time.Minute), Data: ActionStarted{Run: "r1", Action: "clear-odoo-caches", Name: "Clear Odoo caches (SQL)", Risk: "low",
			Who: Who{User: "root", SudoUser: "alice"}, Commands: [][]string{{"SQL on database erp: DELETE FROM ir_cache; DELETE FROM x WHERE a LIKE '%cache%'"}}, Confirmation: "y"}},
		{At: t0.Add(4*time.Minute + time.Second), Data: ActionFinished{Run: "r1", Action: "clear-odoo-caches", Status: "ok", Outcome: "DELETE 5000; DELETE 100",
			OutputTail: "## not a heading\n<b>bold</b>\n"}},
	}
	md := Render(&Log{Path: "/x.jsonl", Header: Header{Format: Format, Version: 1, Host: "db1"}, Events: evs}, t0.Add(10*time.Minute))
	checkMarkdown(t, md)
	doc := goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser().Parse(gtext.NewReader(md))
	var headings []string
	fences := map[string]int{}
	_ = gast.Walk(doc, func(n gast.Node, entering bool) (gast.WalkStatus, error) {
		if !entering {
			return gast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *gast.Heading:
			headings = append(headings, string(n.Text(md)))
		case *gast.RawHTML, *gast.HTMLBlock:
			t.Errorf("raw HTML in the report: %q", n.Text(md))
		case *gast.Link:
			t.Errorf("a link made from typed text: %q", n.Destination)
		case *east.TaskCheckBox:
			if p := n.Parent(); p != nil && strings.Contains(string(p.Text(md)), "fake item") {
				t.Errorf("a typed checklist item became one")
			}
		case *gast.FencedCodeBlock:
			fences[string(n.Language(md))]++
		}
		return gast.WalkContinue, nil
	})
	for _, h := range headings {
		if strings.Contains(h, "Hacked") || strings.Contains(h, "not a heading") {
			t.Errorf("typed text became a heading: %q", h)
		}
	}
	if fences["sql"] != 1 || fences["mermaid"] != 0 && fences["mermaid"] != 1 {
		t.Errorf("code blocks %v: want the SQL once as sql", fences)
	}
	s := string(md)
	if strings.Contains(s, "<br>") {
		t.Errorf("raw <br> in a table cell")
	}
	if a, b := strings.Index(s, "note (alice)"), strings.Index(s, "note (bob)"); a < 0 || b < 0 || a > b {
		t.Errorf("timeline out of time order (alice at %d, bob at %d)", a, b)
	}
	if !strings.Contains(s, "```sql\nDELETE FROM ir_cache;\nDELETE FROM x WHERE a LIKE '%cache%';\n```") {
		t.Errorf("the SQL is not shown as SQL:\n%s", s)
	}
	if !strings.Contains(s, "root (sudo from alice)") {
		t.Errorf("the acting user is not recorded")
	}
}

// TestReportRelatedRunbooks: the runbook's related runbooks close the
// report, linked where an address is known (parentheses and spaces cannot
// end a link early), and a note says where the missing addresses go.
func TestReportRelatedRunbooks(t *testing.T) {
	in := NewReportInput()
	in.SetRelated([]Link{{Name: "OOM Killer Investigation", URL: "https://wiki.example.com/oom_(v2)"}, {Name: "High CPU *Usage*"}})
	md := string(in.Render("i.jsonl", Header{}, nil, t0))
	for _, want := range []string{
		"### Root cause analysis\n\n- [ ] What triggered the memory spike?\n",
		"### Related runbooks\n\n- [OOM Killer Investigation](https://wiki.example.com/oom_%28v2%29)\n- High CPU \\*Usage\\*\n",
		"give each runbook's address under `[related]` in the runbook file",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	in.SetRelated(nil)
	if md := string(in.Render("i.jsonl", Header{}, nil, t0)); strings.Contains(md, "Related runbooks") {
		t.Error("a related-runbooks section without runbooks")
	}
}
