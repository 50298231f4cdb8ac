package incident

import (
	"encoding/json"
	"testing"
)

// TestActionOutcomeOldLines: a finished action written before steps carried
// a status and an outcome still loads, and still reads as before (exit 0 is
// success, no exit is not).
func TestActionOutcomeOldLines(t *testing.T) {
	tests := []struct {
		line    string
		ok      bool
		summary string
	}{
		{`{"at":"2026-11-28T09:10:03Z","kind":"action_finished","data":{"run":"r1","action":"restart-odoo","commands":[{"argv":["systemctl","restart","odoo"],"exit":0,"duration":"2.5s"}],"exit":0,"duration":"2.5s"}}`,
			true, "action restart-odoo finished: exit 0 in 2.5 s"},
		{`{"at":"2026-11-28T09:10:03Z","kind":"action_finished","data":{"run":"r2","action":"clear-odoo-caches","commands":null,"duration":"40ms"}}`,
			false, "action clear-odoo-caches finished: no exit status in 40 ms"},
	}
	for _, tt := range tests {
		var ev Event
		if err := json.Unmarshal([]byte(tt.line), &ev); err != nil {
			t.Fatalf("%s: %v", tt.line, err)
		}
		f, ok := ev.Data.(ActionFinished)
		if !ok {
			t.Fatalf("%T", ev.Data)
		}
		if f.Succeeded() != tt.ok || ev.Summary() != tt.summary {
			t.Errorf("succeeded %v %q, want %v %q", f.Succeeded(), ev.Summary(), tt.ok, tt.summary)
		}
	}
}
