package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/actions/run"
	"github.com/memtui/memtui/actions/timeline"
	"github.com/memtui/memtui/incident"
)

// fakeSQL answers the sql kind with two statements, as a server running
// the seed's two DELETEs does.
type fakeSQL struct{ actions.Postgres }

func (fakeSQL) Exec(context.Context, string) ([]actions.StatementOutcome, error) {
	return []actions.StatementOutcome{actions.NewStatementOutcome("DELETE 5000"), actions.NewStatementOutcome("DELETE 100")}, nil
}

// TestFinishedEventOutcomes: a run's outcome reaches the timeline line and
// its glyph, so a successful SQL run no longer reads "✘ no exit status".
func TestFinishedEventOutcomes(t *testing.T) {
	st := NewStyles(nil, DarkTheme())
	r := run.Runner{PG: fakeSQL{}}
	cmd := func(argv ...string) actions.Action {
		return actions.Action{ID: "c", Risk: actions.RiskLow, Kind: actions.KindCommands, Commands: [][]string{argv}, Timeout: 5 * time.Second}
	}
	tests := []struct {
		name   string
		action actions.Action
		glyph  string
		line   string // the summary up to the duration, then after it
		after  string
	}{
		{"sql", actions.Action{ID: "clear-odoo-caches", Risk: actions.RiskLow, Kind: actions.KindSQL, SQL: "DELETE …; DELETE …"},
			"✔", "action clear-odoo-caches finished in ", ": DELETE 5000; DELETE 100"},
		{"exit 0", cmd("true"), "✔", "action c finished in ", ": exit 0"},
		{"exit 1", cmd("false"), "✘", "action c finished in ", ": false: exit 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := r.RunSync(context.Background(), actions.Request{Action: tc.action})
			ev := timeline.Finished(res)
			f := ev.Data.(incident.ActionFinished)
			if len(f.Commands) != len(res.Steps) || f.Commands[0].Outcome == "" || f.Commands[0].Status == "" {
				t.Errorf("steps not carried: %+v", f.Commands)
			}
			line := ev.Summary()
			if !strings.HasPrefix(line, tc.line) || !strings.HasSuffix(line, tc.after) {
				t.Errorf("line %q, want %q…%q", line, tc.line, tc.after)
			}
			if g, _ := eventGlyph(st, ev); g != tc.glyph {
				t.Errorf("glyph %q, want %q", g, tc.glyph)
			}
		})
	}
}
