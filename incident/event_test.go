package incident

import (
	"encoding/json"
	"testing"
)

func TestUnmarshalRejects(t *testing.T) {
	for name, in := range map[string]string{
		"unknown kind": `{"at":"2026-11-28T09:00:00Z","kind":"nope","data":{}}`,
		"no data":      `{"at":"2026-11-28T09:00:00Z","kind":"note"}`,
		"bad data":     `{"at":"2026-11-28T09:00:00Z","kind":"note","data":{"text":5}}`,
		"bad stage":    `{"at":"2026-11-28T09:00:00Z","kind":"escalation","data":{"stage":"panic"}}`,
		"bad duration": `{"at":"2026-11-28T09:00:00Z","kind":"swap_growth","data":{"window":"soon"}}`,
		"not json":     `{"at":`,
	} {
		t.Run(name, func(t *testing.T) {
			var ev Event
			if err := json.Unmarshal([]byte(in), &ev); err == nil {
				t.Errorf("accepted %s as %+v", in, ev)
			}
		})
	}
}
