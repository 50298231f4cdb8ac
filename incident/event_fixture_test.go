package incident_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/incident/incidenttest"
)

// TestEveryKindCovered keeps allEvents honest when a kind is added.
func TestEveryKindCovered(t *testing.T) {
	seen := map[incident.Kind]bool{}
	for _, ev := range incidenttest.AllEvents() {
		seen[ev.Kind()] = true
	}
	for _, k := range []incident.Kind{incident.KindStarted, incident.KindMemSample, incident.KindSeverityChanged, incident.KindSwapGrowth, incident.KindOOMKill, incident.KindPGSaturation,
		incident.KindServiceRestarted, incident.KindEscalation, incident.KindActionStarted, incident.KindActionFinished, incident.KindActionRechecked, incident.KindNote,
		incident.KindReportField, incident.KindReportExported, incident.KindEnded, incident.KindOdooLog} {
		if !seen[k] {
			t.Errorf("allEvents lacks a %s event", k)
		}
		if _, ok := incident.NewPayload(k); !ok {
			t.Errorf("newPayload does not know %s", k)
		}
	}
}

func TestSummaryText(t *testing.T) {
	var got []string
	for _, ev := range incidenttest.AllEvents() {
		got = append(got, ev.Summary())
	}
	want := []string{
		"incident started: memory 86.0% held at high",
		"memory 86.0%, swap 25.0%",
		"severity warning → high at 86.0%",
		"swap growing: +88.0 MiB in 1 min (now 600 MiB)",
		"OOM kill: pid 4242 odoo-bin (uid 1001, anon-rss 2.00 GiB)",
		"PostgreSQL connections saturated: 95 of 100",
		"service restarted: odoo",
		"escalation: OOM killer active: page the on-call engineer",
		"odoo log: Worker (4243) virtual memory limit (2214592512) reached.",
		"action restart-odoo started by root (sudo from alice)",
		"action restart-odoo finished: exit 0 in 2.5 s",
		"action restart-odoo re-checked: improved (93.4% → 71.2%)",
		"note (alice): leak in module X? ⏎ checking deploys",
		"report root cause set",
		"report exported to /root/.local/state/memtui/incidents/db1.md",
		"incident ended: recovered",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
}

// TestFastDecodeAgrees: the hand-parsed envelope gives exactly what the
// generic decoder gives, for every kind, and steps aside for other shapes.
func TestFastDecodeAgrees(t *testing.T) {
	for i, ev := range incidenttest.AllEvents() {
		ev.Writer, ev.Seq = "42-beef", uint64(i+7)
		b, err := ev.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		fast, ok := incident.FastDecode(b)
		if !ok {
			t.Fatalf("%s: fast path refused our own line %s", ev.Kind(), b)
		}
		var l incident.Line
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatal(err)
		}
		p, _ := incident.NewPayload(l.Kind)
		json.Unmarshal(l.Data, p)
		generic := incident.Event{At: l.At, Writer: l.Writer, Seq: l.Seq, Data: incident.Deref(p)}
		if diff := cmp.Diff(generic, fast); diff != "" {
			t.Errorf("%s: fast and generic differ:\n%s", ev.Kind(), diff)
		}
		if !fast.At.Equal(ev.At) {
			t.Errorf("%s: time %v, want %v", ev.Kind(), fast.At, ev.At)
		}
	}
	for _, in := range []string{
		`{"kind":"note","at":"2026-11-28T09:00:00Z","data":{"text":"x"}}`,            // other key order
		`{"at":"2026-11-28T09:00:00Z","kind":"no\u0074e","data":{"text":"x"}}`,       // escapes
		`{"at":"2026-11-28T09:00:00Z","kind":"note","data":{"text":"x"}} `,           // trailing space
		`{"at":"2026-11-28T09:00:00Z","kind":"note","data":{"text":"x"}`,             // torn
		`{"at":"2026-11-28T09:00:00Z","kind":"note","seq":x,"data":{"text":"x"}}`,    // bad seq
		`{"at":"2026-11-28T09:00:00Z","kind":"note","data":{"text":"x"},"extra":1}}`, // extra field
	} {
		if _, ok := incident.FastDecode([]byte(in)); ok {
			t.Errorf("fast path took %s", in)
		}
	}
	// The generic path still reads the reordered and escaped shapes.
	var ev incident.Event
	if err := ev.UnmarshalJSON([]byte(`{"kind":"no\u0074e","at":"2026-11-28T09:00:00Z","data":{"text":"x"}}`)); err != nil || ev.Data != (incident.Note{Text: "x"}) {
		t.Errorf("generic path: %v %+v", err, ev)
	}
}

// FuzzFastDecode: whatever the hand-parsed fast path accepts, the generic
// decoder accepts too, with the same event; it is never less strict.
func FuzzFastDecode(f *testing.F) {
	for _, ev := range incidenttest.AllEvents() {
		ev.Writer, ev.Seq = "1-ab", 3
		b, _ := ev.MarshalJSON()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, ok := incident.FastDecode(b)
		if !ok {
			return
		}
		var l incident.Line
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatalf("fast path took what JSON rejects: %q: %v", b, err)
		}
		p, known := incident.NewPayload(l.Kind)
		if !known || json.Unmarshal(l.Data, p) != nil {
			t.Fatalf("fast path took a line the generic path rejects: %q", b)
		}
		generic := incident.Event{At: l.At, Writer: l.Writer, Seq: l.Seq, Data: incident.Deref(p)}
		if diff := cmp.Diff(generic, fast); diff != "" {
			t.Fatalf("%q: fast and generic differ:\n%s", b, diff)
		}
	})
}
