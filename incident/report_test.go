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
