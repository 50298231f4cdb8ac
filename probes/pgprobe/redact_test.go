package pgprobe

import (
	"encoding/json"
	"testing"

	"github.com/memtui/memtui/internal/redact/redacttest"
	"github.com/memtui/memtui/probes"
)

// TestQueryTextRedaction feeds the redaction matrix through the query text
// path: a pg_stat_activity row as the probe decodes it, then the snapshot's
// JSON built from the reading. The PostgreSQL panel draws the same
// PGBackend.Query, so this is its text too.
func TestQueryTextRedaction(t *testing.T) {
	for _, c := range redacttest.Matrix {
		t.Run(c.Name, func(t *testing.T) {
			raw, err := json.Marshal(map[string]any{"pid": 42, "usename": "odoo", "query": c.Text, "state": "active", "query_age": 61.5})
			if err != nil {
				t.Fatal(err)
			}
			var row pgRow
			if err := json.Unmarshal(raw, &row); err != nil {
				t.Fatal(err)
			}
			b := row.backend()
			if b.Query == "" {
				t.Fatalf("query text lost: %+v", row)
			}
			redacttest.Check(t, "PostgreSQL panel query", c, b.Query)
			r := probes.PGReading{Connected: true, Stats: &probes.PGStats{
				OldestXacts: []probes.PGBackend{b}, LongestQueries: []probes.PGBackend{b}}}
			js, err := json.Marshal(r.Snapshot())
			if err != nil {
				t.Fatal(err)
			}
			redacttest.CheckAbsent(t, "snapshot --json", c, string(js))
		})
	}
}
