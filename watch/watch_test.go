package watch

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/incident/notify"
	"github.com/memtui/memtui/incident/store"
)

var t0 = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)

func TestDetector(t *testing.T) {
	cfg := Config{Threshold: 85, For: time.Minute, Cooldown: 30 * time.Minute}
	type step struct {
		at    time.Duration
		pct   float64
		kills uint64
		want  State
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"held a minute", []step{{0, 90, 0, Holding}, {30 * time.Second, 91, 0, Holding}, {time.Minute, 92, 0, Respond}}},
		{"a dip restarts the hold", []step{{0, 90, 0, Holding}, {40 * time.Second, 80, 0, Below}, {50 * time.Second, 90, 0, Holding}, {100 * time.Second, 90, 0, Holding}, {110 * time.Second, 90, 0, Respond}}},
		{"the threshold itself counts", []step{{0, 85, 0, Holding}, {time.Minute, 85, 0, Respond}}},
		{"kills before start set the baseline only", []step{{0, 10, 6, Below}, {time.Second, 10, 6, Below}}},
		{"a new kill acts at once, even below", []step{{0, 10, 6, Below}, {time.Second, 40, 7, Respond}}},
		{"cooldown holds the second response", []step{{0, 90, 0, Holding}, {time.Minute, 90, 0, Respond}, {2 * time.Minute, 90, 0, Holding}, {3 * time.Minute, 90, 0, CoolingDown}, {31 * time.Minute, 90, 0, Respond}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDetector(cfg, time.Time{})
			for i, s := range tc.steps {
				got, trig := d.Observe(Sample{At: t0.Add(s.at), UsedPct: s.pct, OOMKills: s.kills, OOMKnown: true})
				if got != tc.steps[i].want {
					t.Fatalf("step %d (%v, %.0f %%, %d kills): %s, want %s", i, s.at, s.pct, s.kills, got, s.want)
				}
				if got == Respond {
					if trig.Why == "" {
						t.Errorf("step %d: a trigger without a reason", i)
					}
					d.Responded(trig.At)
				}
			}
		})
	}
	d := NewDetector(cfg, time.Time{})
	d.Observe(Sample{At: t0, UsedPct: 93.2, UsedBytes: 240 << 20, TotalBytes: 256 << 20, OOMKills: 1, OOMKnown: true})
	_, trig := d.Observe(Sample{At: t0.Add(time.Minute), UsedPct: 93.2, UsedBytes: 240 << 20, TotalBytes: 256 << 20, OOMKills: 3, OOMKnown: true})
	if want := "2 OOM kills; memory 93.2 % (240 MiB of 256 MiB) at or above 85 % for 1 min"; trig.Why != want {
		t.Errorf("why %q, want %q", trig.Why, want)
	}
	// The cooldown of an earlier process holds.
	d = NewDetector(cfg, t0.Add(-10*time.Minute))
	d.Observe(Sample{At: t0, UsedPct: 90})
	if got, _ := d.Observe(Sample{At: t0.Add(time.Minute), UsedPct: 90}); got != CoolingDown {
		t.Errorf("a response 11 min ago: %s, want cooling_down", got)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := Defaults.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []Config{{Threshold: 0, For: time.Minute}, {Threshold: 100}, {Threshold: 85, For: -time.Second}, {Threshold: 85, RecheckAfter: 2 * time.Hour}} {
		if c.Validate() == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// scripted is a Scope that plays samples: each Read takes the next one
// (the last repeats).
type scripted struct {
	mu  sync.Mutex
	pct []float64
	// kills, when set, is the OOM counter at each read (the last repeats).
	kills []uint64
	i     int
	now   func() time.Time
}

func (s *scripted) Name() string { return "cgroup /sys/fs/cgroup/test" }

func (s *scripted) Read(context.Context) (Sample, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pct[min(s.i, len(s.pct)-1)]
	smp := Sample{At: s.now(), UsedPct: p, UsedBytes: uint64(p) << 20, TotalBytes: 100 << 20}
	if len(s.kills) > 0 {
		smp.OOMKills, smp.OOMKnown = s.kills[min(s.i, len(s.kills)-1)], true
	}
	s.i++
	if p < 0 {
		return Sample{}, fmt.Errorf("memory.current: no such file")
	}
	return smp, nil
}

// fakeRunner runs nothing and records what it was asked.
type fakeRunner struct {
	ran    []string
	status actions.Status
}

type doneRun struct{ res actions.Result }

func (r doneRun) ID() string { return r.res.RunID }
func (r doneRun) Info() actions.Started {
	return actions.Started{RunID: r.res.RunID, ActionID: r.res.ActionID, At: r.res.Started, Confirmation: r.res.Confirmation}
}
func (doneRun) Output() string { return "" }
func (doneRun) Done() <-chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}
func (doneRun) Cancel()                {}
func (r doneRun) Wait() actions.Result { return r.res }
func (r *fakeRunner) Recheck(_ context.Context, res actions.Result) actions.Recheck {
	return actions.Recheck{ActionID: res.ActionID}
}

func (r *fakeRunner) Start(_ context.Context, req actions.Request) actions.RunHandle {
	r.ran = append(r.ran, req.Action.ID+" ("+req.Confirmation+")")
	st := r.status
	if st == "" {
		st = actions.StatusOK
	}
	return doneRun{actions.Result{RunID: req.Action.ID + "#1", ActionID: req.Action.ID, Status: st, Outcome: "page cache dropped",
		Confirmation: req.Confirmation, Started: t0, Finished: t0}}
}

type memMemo struct{ m Memory }

func (m *memMemo) Load() (Memory, error) { return m.m, nil }
func (m *memMemo) Save(x Memory) error   { m.m = x; return nil }

type harness struct {
	w      *Watcher
	runner *fakeRunner
	sess   *incident.Session
	sent   []notify.Message
	log    *bytes.Buffer
	memo   *memMemo
	dir    string // the incident directory
}

func newHarness(t testing.TB, cfg Config, pct []float64, steps []actions.Action, memo *memMemo) *harness {
	t.Helper()
	h := &harness{runner: &fakeRunner{}, log: &bytes.Buffer{}, memo: memo}
	if h.memo == nil {
		h.memo = &memMemo{}
	}
	h.dir = t.TempDir()
	h.sess = incident.NewSession(incident.SessionConfig{Timeline: store.NewJournal(h.dir, "", "db1")})
	h.sess.Sync(context.Background())
	h.w = New(Deps{
		Config: cfg, Scope: &scripted{pct: pct, now: time.Now}, Host: "db1", Steps: steps, Runner: h.runner, Session: h.sess,
		Notify: func(_ context.Context, m notify.Message) []notify.Delivery {
			h.sent = append(h.sent, m)
			return []notify.Delivery{{Channel: "github", Target: "acme/ops#7", Action: "issue opened", Attempts: 1}}
		},
		Report:   func(context.Context) (string, error) { return "# Memory Incident Report\n", nil },
		Memo:     h.memo,
		Log:      slog.New(notify.NewLogHandler(&bytes.Buffer{}, slog.LevelInfo)),
		Interval: time.Millisecond,
	})
	h.w.d.Log = slog.New(notify.NewLogHandler(h.log, slog.LevelInfo))
	return h
}

var pageCache = actions.Action{ID: "clear-page-cache", Risk: actions.RiskLow, Kind: actions.KindDropCaches, File: "/proc/sys/vm/drop_caches", DropLevel: 1, Auto: true}

func notes(s *incident.Session) string {
	var b strings.Builder
	for _, ev := range s.State().Events {
		if n, ok := ev.Data.(incident.Note); ok {
			b.WriteString(n.Text + "\n")
		}
	}
	return b.String()
}

func TestOnceOutcomes(t *testing.T) {
	cfg := Config{Threshold: 85, For: 0, RecheckAfter: time.Millisecond, Cooldown: time.Hour}
	t.Run("normal", func(t *testing.T) {
		h := newHarness(t, cfg, []float64{40}, []actions.Action{pageCache}, nil)
		if out, err := h.w.Once(context.Background()); out != Normal || err != nil || len(h.runner.ran) != 0 {
			t.Fatalf("%s %v, ran %v", out, err, h.runner.ran)
		}
	})
	t.Run("remediated", func(t *testing.T) {
		h := newHarness(t, cfg, []float64{90, 60}, []actions.Action{pageCache}, nil)
		out, err := h.w.Once(context.Background())
		if out != Remediated || err != nil || len(h.runner.ran) != 1 || len(h.sent) != 0 {
			t.Fatalf("%s %v, ran %v, sent %d", out, err, h.runner.ran, len(h.sent))
		}
		if !strings.HasPrefix(h.runner.ran[0], "clear-page-cache (automated by memtui watch: ") {
			t.Errorf("confirmation %q", h.runner.ran[0])
		}
		if n := notes(h.sess); !strings.Contains(n, "memtui watch: remediated: memory 90.0 % → 60.0 % (60.0 MiB of 100 MiB)") {
			t.Errorf("notes:\n%s", n)
		}
	})
	t.Run("failed: one issue", func(t *testing.T) {
		h := newHarness(t, cfg, []float64{90, 92}, []actions.Action{pageCache}, nil)
		out, _ := h.w.Once(context.Background())
		if out != Failed || len(h.sent) != 1 {
			t.Fatalf("%s, sent %d", out, len(h.sent))
		}
		m := h.sent[0]
		if m.Event != notify.EventRemediationFailed || m.Report == "" || m.Host != "db1" || m.Scope != "cgroup /sys/fs/cgroup/test" {
			t.Errorf("message %+v", m)
		}
		if want := "High memory on db1 (cgroup /sys/fs/cgroup/test): 92 % after automated cache clearing"; m.Title() != want {
			t.Errorf("title %q, want %q", m.Title(), want)
		}
		if !strings.Contains(notes(h.sess), "github notification to acme/ops#7: issue opened") {
			t.Errorf("the delivery is not on the timeline:\n%s", notes(h.sess))
		}
		if !h.memo.m.Failed || h.memo.m.LastResponse.IsZero() {
			t.Errorf("memo %+v", h.memo.m)
		}
	})
	t.Run("a failed step with memory still high", func(t *testing.T) {
		h := newHarness(t, cfg, []float64{90, 92}, []actions.Action{pageCache}, nil)
		h.runner.status = actions.StatusError
		out, _ := h.w.Once(context.Background())
		if out != Failed || !strings.Contains(notes(h.sess), "step clear-page-cache ended error") {
			t.Errorf("%s\n%s", out, notes(h.sess))
		}
	})
	t.Run("no steps: people are told", func(t *testing.T) {
		h := newHarness(t, cfg, []float64{90, 92}, nil, nil)
		out, _ := h.w.Once(context.Background())
		if out != Failed || len(h.sent) != 1 || !strings.Contains(h.sent[0].Title(), "with no automated step to run") {
			t.Errorf("%s sent %+v", out, h.sent)
		}
	})
	t.Run("dry run", func(t *testing.T) {
		dry := cfg
		dry.DryRun = true
		h := newHarness(t, dry, []float64{90}, []actions.Action{pageCache}, nil)
		out, _ := h.w.Once(context.Background())
		if out != NotRun || len(h.runner.ran) != 0 || len(h.sent) != 0 || !strings.Contains(notes(h.sess), "would run clear-page-cache") {
			t.Errorf("%s ran %v sent %d\n%s", out, h.runner.ran, len(h.sent), notes(h.sess))
		}
	})
	t.Run("cooldown from the memo", func(t *testing.T) {
		h := newHarness(t, cfg, []float64{90}, []actions.Action{pageCache}, &memMemo{Memory{LastResponse: time.Now().Add(-time.Minute)}})
		out, _ := h.w.Once(context.Background())
		if out != NotRun || len(h.runner.ran) != 0 || !strings.Contains(h.log.String(), "event=cooling_down") {
			t.Errorf("%s ran %v\n%s", out, h.runner.ran, h.log)
		}
	})
	t.Run("unreadable", func(t *testing.T) {
		h := newHarness(t, cfg, []float64{-1}, []actions.Action{pageCache}, nil)
		if out, err := h.w.Once(context.Background()); out != ErrorOutcome || err == nil {
			t.Errorf("%s %v", out, err)
		}
	})
}

// TestRunSendsEachStageOnce: an escalation stage the incident reaches (an
// OOM kill during it pages the on-call) is sent once, however many readings
// follow, and the memo keeps it so a restarted watch does not send it again.
func TestRunSendsEachStageOnce(t *testing.T) {
	cfg := Config{Threshold: 85, For: time.Minute, RecheckAfter: time.Millisecond, Cooldown: time.Hour}
	h := newHarness(t, cfg, []float64{40}, []actions.Action{pageCache}, nil)
	h.w.d.Scope.(*scripted).kills = []uint64{3, 3, 4}
	ctx := context.Background()
	for range 8 {
		h.w.step(ctx)
	}
	var stages []string
	for _, m := range h.sent {
		if m.Event == notify.EventEscalated {
			stages = append(stages, m.Headline)
		}
	}
	if len(stages) != 1 || !strings.Contains(stages[0], "page-on-call") {
		t.Fatalf("escalations sent: %q (all: %d messages)", stages, len(h.sent))
	}
	if len(h.memo.m.Stages) != 1 || h.memo.m.Incident != h.w.incidentKey() {
		t.Errorf("memo %+v, incident %s", h.memo.m, h.w.incidentKey())
	}
	again := New(h.w.d)
	for range 3 {
		again.step(ctx)
	}
	n := 0
	for _, m := range h.sent {
		if m.Event == notify.EventEscalated {
			n++
		}
	}
	if n != 1 {
		t.Errorf("a restarted watch sent the stage again: %d escalations", n)
	}
}

// TestRunFollowsUp: after a failed remediation the recovery is sent once;
// nothing is sent while memory stays normal.
func TestRunFollowsUp(t *testing.T) {
	cfg := Config{Threshold: 85, For: 0, RecheckAfter: time.Millisecond, Cooldown: time.Hour}
	h := newHarness(t, cfg, []float64{90, 92, 92, 60, 60, 60}, []actions.Action{pageCache}, nil)
	ctx := context.Background()
	for i := 0; i < 6; i++ {
		h.w.step(ctx)
	}
	var events []notify.Event
	for _, m := range h.sent {
		events = append(events, m.Event)
	}
	if fmt.Sprint(events) != "[remediation_failed recovered]" {
		t.Errorf("sent %v", events)
	}
	if !strings.Contains(notes(h.sess), "memtui watch: recovered: memory 60.0 %") || h.memo.m.Failed {
		t.Errorf("notes:\n%s\nmemo %+v", notes(h.sess), h.memo.m)
	}
	for _, want := range []string{"event=triggered", "event=remediation_failed", "event=recovered"} {
		if !strings.Contains(h.log.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, h.log)
		}
	}
}
