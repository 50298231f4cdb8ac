package incident

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// t0 is the fixed clock of every test: a Saturday morning incident.
var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

func ip(v int) *int             { return &v }
func up(v uint64) *uint64       { return &v }
func tp(t time.Time) *time.Time { return &t }

// allEvents has one event of every kind, with every field set, so a round
// trip that drops a field or a kind fails.
func allEvents() []Event {
	before := &MemFigure{At: t0.Add(10 * time.Minute), UsedPct: 93.4, SwapUsedBytes: 900 << 20}
	after := &MemFigure{At: t0.Add(11 * time.Minute), UsedPct: 71.2, SwapUsedBytes: 850 << 20}
	return []Event{
		{At: t0, Data: Started{Host: "db1", Kernel: "6.8.0-45-generic", MemTotalBytes: 8 << 30, SwapTotalBytes: 2 << 30, CPUs: 4, Levels: DefaultLevels, Reason: "memory 86.0% held at high"}},
		{At: t0.Add(time.Second), Data: MemSample{UsedPct: 86.04, SwapUsedBytes: 512 << 20, SwapTotalBytes: 2 << 30, ProcRSSBytes: up(5 << 30)}},
		{At: t0.Add(2 * time.Second), Data: SeverityChanged{From: LevelWarning, To: LevelHigh, UsedPct: 86}},
		{At: t0.Add(3 * time.Second), Data: SwapGrowth{Growing: true, SwapUsedBytes: 600 << 20, DeltaBytes: 88 << 20, Window: Duration(time.Minute)}},
		{At: t0.Add(4 * time.Second), Data: OOMKill{PID: ip(4242), Comm: "odoo-bin", UID: ip(1001), TotalVMKB: up(3 << 20), AnonRSSKB: up(2 << 20), FileRSSKB: up(1024), ShmemRSSKB: up(0), OOMScoreAdj: ip(300), Constraint: "CONSTRAINT_NONE", Memcg: "/system.slice/odoo.service", KilledAt: tp(t0.Add(3 * time.Second)), Count: 1}},
		{At: t0.Add(5 * time.Second), Data: PGSaturation{Saturated: true, Used: 95, Max: 100}},
		{At: t0.Add(6 * time.Second), Data: ServiceRestarted{Name: "odoo"}},
		{At: t0.Add(7 * time.Second), Data: Escalation{Stage: StagePageOnCall, Reason: "1 OOM kill(s)"}},
		{At: t0.Add(10 * time.Minute), Data: ActionStarted{Run: "r1", Action: "restart-odoo", Name: "Restart Odoo", Risk: "medium", Who: Who{User: "root", UID: ip(0), SudoUser: "alice"}, Commands: [][]string{{"systemctl", "restart", "odoo"}}, Confirmation: "y", MemBefore: before}},
		{At: t0.Add(10*time.Minute + 3*time.Second), Data: ActionFinished{Run: "r1", Action: "restart-odoo", Commands: []CommandResult{{Argv: []string{"systemctl", "restart", "odoo"}, Exit: ip(0), Duration: Duration(2500 * time.Millisecond)}}, Exit: ip(0), Duration: Duration(2500 * time.Millisecond), OutputTail: "done\n", MemAfter: after}},
		{At: t0.Add(10*time.Minute + 33*time.Second), Data: ActionRechecked{Run: "r1", Action: "restart-odoo", Waited: Duration(30 * time.Second), MemBefore: before, MemAfter: after, Result: "improved"}},
		{At: t0.Add(12 * time.Minute), Data: Note{Author: "alice", Text: "leak in module X?\nchecking deploys"}},
		{At: t0.Add(13 * time.Minute), Data: ReportField{Field: FieldRootCause, Value: "memory leak in module X", Author: "alice"}},
		{At: t0.Add(14 * time.Minute), Data: ReportExported{Path: "/root/.local/state/memtui/incidents/db1.md"}},
		{At: t0.Add(30 * time.Minute), Data: Ended{Reason: "recovered"}},
	}
}

// TestEveryKindCovered keeps allEvents honest when a kind is added.
func TestEveryKindCovered(t *testing.T) {
	seen := map[Kind]bool{}
	for _, ev := range allEvents() {
		seen[ev.Kind()] = true
	}
	for _, k := range []Kind{KindStarted, KindMemSample, KindSeverityChanged, KindSwapGrowth, KindOOMKill, KindPGSaturation,
		KindServiceRestarted, KindEscalation, KindActionStarted, KindActionFinished, KindActionRechecked, KindNote,
		KindReportField, KindReportExported, KindEnded} {
		if !seen[k] {
			t.Errorf("allEvents lacks a %s event", k)
		}
		if _, ok := newPayload(k); !ok {
			t.Errorf("newPayload does not know %s", k)
		}
	}
}

func TestRoundTripEveryKind(t *testing.T) {
	path := filepath.Join(t.TempDir(), "i.jsonl")
	s, err := Open(path, "db1", t0)
	if err != nil {
		t.Fatal(err)
	}
	var want []Event
	for _, ev := range allEvents() {
		got, err := s.Append(ev)
		if err != nil {
			t.Fatalf("append %s: %v", ev.Kind(), err)
		}
		want = append(want, got)
	}
	s.Close()
	l, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Problems) > 0 {
		t.Errorf("problems: %v", l.Problems)
	}
	if diff := cmp.Diff(want, l.Events); diff != "" {
		t.Errorf("round trip (-appended +loaded):\n%s", diff)
	}
	// Appended events keep their content apart from writer and sequence.
	for i, ev := range allEvents() {
		got := l.Events[i]
		if got.Writer != s.Writer() || got.Seq != uint64(i+1) {
			t.Errorf("event %d: writer %q seq %d, want %q %d", i, got.Writer, got.Seq, s.Writer(), i+1)
		}
		got.Writer, got.Seq = "", 0
		if diff := cmp.Diff(ev, got); diff != "" {
			t.Errorf("event %d content changed:\n%s", i, diff)
		}
	}
	if l.Header.Format != Format || l.Header.Version != Version || l.Header.Host != "db1" || !l.Header.Created.Equal(t0) {
		t.Errorf("header %+v", l.Header)
	}
}

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

// TestAppendRedactsAndBounds: secrets never reach the file, and output is bounded.
func TestAppendRedactsAndBounds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "i.jsonl")
	s, err := Open(path, "db1", t0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	long := strings.Repeat("x", 3*MaxOutputTail) + " password=hunter2"
	evs := []Event{
		{At: t0, Data: ActionStarted{Run: "r", Action: "a", Commands: [][]string{{"psql", "postgres://u:hunter2@h/db"}}}},
		{At: t0, Data: ActionFinished{Run: "r", Action: "a", OutputTail: long, Error: "PGPASSWORD=hunter2"}},
		{At: t0, Data: Note{Text: "the DSN is postgres://u:hunter2@h/db"}},
		{At: t0, Data: ReportField{Field: FieldResolution, Value: "token: hunter2"}},
	}
	for _, ev := range evs {
		if _, err := s.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	l, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(l.Events)
	if strings.Contains(string(b), "hunter2") {
		t.Errorf("secret written to the timeline: %s", b)
	}
	out := l.Events[1].Data.(ActionFinished).OutputTail
	if len(out) > MaxOutputTail+len("…") || !strings.HasSuffix(out, "password=***") {
		t.Errorf("output tail %d bytes, ends %q", len(out), out[max(0, len(out)-20):])
	}
}

func TestSummaryText(t *testing.T) {
	var got []string
	for _, ev := range allEvents() {
		got = append(got, ev.Summary())
	}
	want := []string{
		"incident started: memory 86.0% held at high",
		"memory 86.0%, swap 25.0%",
		"severity warning → high at 86.0%",
		"swap growing: +88.0 MiB in 1m0s (now 600 MiB)",
		"OOM kill: pid 4242 odoo-bin (uid 1001, anon-rss 2.00 GiB)",
		"PostgreSQL connections saturated: 95 of 100",
		"service restarted: odoo",
		"escalation: OOM killer active: page the on-call engineer",
		"action restart-odoo started by root (sudo from alice)",
		"action restart-odoo finished: exit 0 in 2.5s",
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
	for i, ev := range allEvents() {
		ev.Writer, ev.Seq = "42-beef", uint64(i+7)
		b, err := ev.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		fast, ok := fastDecode(b)
		if !ok {
			t.Fatalf("%s: fast path refused our own line %s", ev.Kind(), b)
		}
		var l line
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatal(err)
		}
		p, _ := newPayload(l.Kind)
		json.Unmarshal(l.Data, p)
		generic := Event{At: l.At, Writer: l.Writer, Seq: l.Seq, Data: deref(p)}
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
		if _, ok := fastDecode([]byte(in)); ok {
			t.Errorf("fast path took %s", in)
		}
	}
	// The generic path still reads the reordered and escaped shapes.
	var ev Event
	if err := ev.UnmarshalJSON([]byte(`{"kind":"no\u0074e","at":"2026-11-28T09:00:00Z","data":{"text":"x"}}`)); err != nil || ev.Data != (Note{Text: "x"}) {
		t.Errorf("generic path: %v %+v", err, ev)
	}
}

// FuzzFastDecode: whatever the hand-parsed fast path accepts, the generic
// decoder accepts too, with the same event; it is never less strict.
func FuzzFastDecode(f *testing.F) {
	for _, ev := range allEvents() {
		ev.Writer, ev.Seq = "1-ab", 3
		b, _ := ev.MarshalJSON()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, ok := fastDecode(b)
		if !ok {
			return
		}
		var l line
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatalf("fast path took what JSON rejects: %q: %v", b, err)
		}
		p, known := newPayload(l.Kind)
		if !known || json.Unmarshal(l.Data, p) != nil {
			t.Fatalf("fast path took a line the generic path rejects: %q", b)
		}
		generic := Event{At: l.At, Writer: l.Writer, Seq: l.Seq, Data: deref(p)}
		if diff := cmp.Diff(generic, fast); diff != "" {
			t.Fatalf("%q: fast and generic differ:\n%s", b, diff)
		}
	})
}
