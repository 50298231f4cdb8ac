package run

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/internal/redact/redacttest"
)

// TestRunRedactsMatrix runs every case of the redaction matrix as a real
// command: its text printed by the program (the output tail) and its argv
// as the command run (plan and argv as recorded), plus as a note.
func TestRunRedactsMatrix(t *testing.T) {
	var r Runner
	for _, c := range redacttest.Matrix {
		t.Run(c.Name, func(t *testing.T) {
			cmds := [][]string{{"printf", "%s\\n", c.Text}}
			if c.Argv != nil {
				cmds = append(cmds, append([]string{"echo"}, c.Argv...))
			}
			a := cmdAction(5*time.Second, cmds...)
			redacttest.CheckAbsent(t, "action plan", c, jsonOf(t, a.Plan(nil)))
			res := r.RunSync(context.Background(), actions.Request{Action: a, Confirmation: "y"})
			if res.Status != actions.StatusOK {
				t.Fatalf("status %q: %s", res.Status, res.Message)
			}
			redacttest.Check(t, "action output", c, res.Output)
			redacttest.CheckAbsent(t, "action result", c, jsonOf(t, res))
			note := r.RunSync(context.Background(), actions.Request{Action: actions.Action{ID: "add-note", Name: "note", Risk: actions.RiskLow, Kind: actions.KindNote}, Note: c.Text, Confirmation: "y"})
			redacttest.Check(t, "note action", c, note.Note)
		})
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
