package incident

import (
	"context"
	"strings"
	"testing"
	"time"
)

// testClock is a clock the test moves.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

func ptr[T any](v T) *T { return &v }

// TestSessionNoEscalationWhenNormal: an incident opened by hand at 4 %
// memory, slowly rising, reaches no stage in three hours (it fired
// "escalate to senior DevOps" at 4 %).
func TestSessionNoEscalationWhenNormal(t *testing.T) {
	c := &testClock{t0}
	s := NewSession(SessionConfig{Now: c.now})
	s.Add(Event{At: t0, Data: Note{Text: "looking at odoo"}})
	for m := 0; m <= 180; m++ {
		c.t = t0.Add(time.Duration(m) * time.Minute)
		s.Observe(Reading{At: c.t, UsedPct: 3 + float64(m)/180, SwapTotalBytes: 1 << 30, SwapUsedBytes: uint64(m) << 20, OOMKnown: true})
	}
	st := s.State()
	if len(st.Summary.Stages) != 0 {
		t.Errorf("stages reached at normal memory: %+v", st.Summary.Stages)
	}
	// The same clock at 90 % and growing escalates, so the test can fail.
	s = NewSession(SessionConfig{Now: c.now})
	for m := 0; m <= 40; m++ {
		c.t = t0.Add(time.Duration(m) * time.Minute)
		s.Observe(Reading{At: c.t, UsedPct: 86 + float64(m)/5, OOMKnown: true})
	}
	if st := s.State(); st.Summary.Stage != StageSeniorDevOps {
		t.Errorf("stage %s at 94%% and growing after 40 min, want senior-devops", st.Summary.Stage)
	}
}

// TestSessionEndsByItself: after an incident, memory under 75 % for 15
// minutes with the criteria met ends it; 14 minutes do not.
func TestSessionEndsByItself(t *testing.T) {
	c := &testClock{t0}
	s := NewSession(SessionConfig{Now: c.now})
	fp := uint64(2 << 30)
	for sec := 0; sec <= 16*60+60; sec += 5 {
		c.t = t0.Add(time.Duration(sec) * time.Second)
		pct := 90.0
		if sec >= 60 {
			pct = 60
		}
		s.Footprint(&fp, c.t)
		s.Observe(Reading{At: c.t, UsedPct: pct, SwapTotalBytes: 1 << 30, SwapUsedBytes: 100 << 20, OOMKnown: true})
		st := s.State()
		if sec == 60+14*60 && !st.Summary.Active() {
			t.Fatal("ended before 15 minutes under 75 %")
		}
	}
	st := s.State()
	if st.Summary.Active() || !strings.HasPrefix(st.Summary.EndReason, "recovered") {
		t.Errorf("not ended by itself: active=%v reason %q, criteria %+v", st.Summary.Active(), st.Summary.EndReason, st.Criteria)
	}
	if end := st.Summary.End.Sub(t0); end < 16*time.Minute || end > 17*time.Minute {
		t.Errorf("ended %s after the start, want 15 min after memory fell at 1 min", end)
	}
}

// TestSessionWithoutTimeline: nothing recorded, the detector still runs.
func TestSessionWithoutTimeline(t *testing.T) {
	s := NewSession(SessionConfig{})
	s.Observe(Reading{At: t0, UsedPct: 96})
	s.Observe(Reading{At: t0.Add(20 * time.Second), UsedPct: 96})
	s.Sync(context.Background())
	st := s.State()
	if st.Recording || !st.Summary.Active() || len(st.Criteria) != 5 {
		t.Errorf("recording=%v active=%v criteria=%d", st.Recording, st.Summary.Active(), len(st.Criteria))
	}
}

// TestObserverJoinsWithoutLosingCounts: an observer whose own detector
// counted a kill before the writer's Started reached it keeps the count,
// takes the writer's start, and counts the writer's copy of the kill once.
func TestObserverJoinsWithoutLosingCounts(t *testing.T) {
	d := NewDetector(Config{Host: HostFacts{BootID: "boot-1"}})
	kill := OOMKill{PID: ptr(42), KernelTimeS: ptr(99.5), KilledAt: ptr(t0.Add(12 * time.Second))}
	d.Observe(Reading{At: t0, UsedPct: 90, OOMKills: 1, OOMKnown: true})
	d.Observe(Reading{At: t0.Add(10 * time.Second), UsedPct: 90, OOMKills: 1, OOMKnown: true})
	d.Observe(Reading{At: t0.Add(12 * time.Second), UsedPct: 90, OOMKills: 2, OOMKnown: true, NewKills: []OOMKill{kill}})
	if n := d.Summary().OOMKills; n != 1 {
		t.Fatalf("own kills %d", n)
	}
	d.Record(Event{At: t0.Add(9 * time.Second), Writer: "other", Data: Started{Reason: "memory 90%"}})
	kill.Count = 1
	d.Record(Event{At: t0.Add(12 * time.Second), Writer: "other", Data: kill, ID: KillID("boot-1", kill)})
	s := d.Summary()
	if s.OOMKills != 1 || !s.Start.Equal(t0.Add(9*time.Second)) {
		t.Errorf("after joining: kills %d, start %s", s.OOMKills, s.Start.Sub(t0))
	}
}

// badFile is a Timeline whose file cannot be read or written (a device
// given as --incident): Resume and Record fail, Poll has nothing.
type badFile struct{}

func (badFile) Resume() (*Log, error) { return nil, ErrString("/dev/full is a character device") }
func (badFile) Record(context.Context, []Event) ([]Event, int, error) {
	return nil, 0, ErrString("/dev/full is a character device")
}
func (badFile) Poll() ([]Event, []Problem, error)                 { return nil, nil, nil }
func (badFile) Export(context.Context, time.Time) (string, error) { return "", nil }
func (badFile) Path() string                                      { return "" }

// TestSessionKeepsSayingTheFileIsUnusable: the reason a timeline file
// cannot be used stays in the state after later syncs, with or without an
// incident to write (it was lost at the first Poll, so a quiet host never
// said that nothing would be recorded).
func TestSessionKeepsSayingTheFileIsUnusable(t *testing.T) {
	s := NewSession(SessionConfig{Timeline: badFile{}})
	for range 3 {
		s.Sync(context.Background())
	}
	if err := s.State().FollowErr; err == nil || !strings.Contains(err.Error(), "character device") {
		t.Fatalf("after three syncs: FollowErr %v", err)
	}
}

// flakyFile is a timeline whose follow error is set by the test.
type flakyFile struct {
	badFile
	err error
}

func (f *flakyFile) Resume() (*Log, error)             { return nil, nil }
func (f *flakyFile) Poll() ([]Event, []Problem, error) { return nil, nil, f.err }

// TestSessionGenerationFollowsSyncs: a screen skips redrawing a state whose
// Generation did not move, so a sync that changed nothing keeps it and one
// whose follow error came or went moves it.
func TestSessionGenerationFollowsSyncs(t *testing.T) {
	f := &flakyFile{}
	s := NewSession(SessionConfig{Timeline: f})
	s.Sync(context.Background())
	g := s.State().Generation
	s.Sync(context.Background())
	if s.State().Generation != g {
		t.Error("a sync that changed nothing moved the generation")
	}
	f.err = ErrString("timeline unreadable")
	s.Sync(context.Background())
	if s.State().Generation == g {
		t.Error("a new follow error must move the generation")
	}
	g = s.State().Generation
	f.err = nil
	s.Sync(context.Background())
	if s.State().Generation == g || s.State().FollowErr != nil {
		t.Error("a follow error gone must move the generation")
	}
}

// TestSessionCountsEachRestartOnce: every process scan lists the last
// hour's restarts, so the same restart handed in scan after scan is one
// event; a restart that drops out of the list and a new one of the same
// service are each counted.
func TestSessionCountsEachRestartOnce(t *testing.T) {
	c := &testClock{t0}
	s := NewSession(SessionConfig{Now: c.now})
	odoo := ServiceRestart{Program: "odoo-bin", PID: 733, Start: 9000}
	again := ServiceRestart{Program: "odoo-bin", PID: 790, Start: 9900}
	scans := [][]ServiceRestart{
		nil, {odoo}, {odoo}, {odoo}, // three scans list one restart
		{odoo, again},   // then a second one
		{again}, {odoo}, // the first drops out and comes back: a new sighting
	}
	// Memory held high first, so the incident is open when they come.
	for sec := 0; sec < 300; sec += 5 {
		c.t = t0.Add(time.Duration(sec) * time.Second)
		s.Observe(Reading{At: c.t, UsedPct: 91, OOMKnown: true})
	}
	if st := s.State(); !st.Summary.Active() {
		t.Fatal("no incident open after 5 minutes at 91 %")
	}
	for i, rs := range scans {
		c.t = t0.Add(5*time.Minute + time.Duration(i)*5*time.Second)
		s.ScanRestarts(rs)
		s.Observe(Reading{At: c.t, UsedPct: 91, OOMKnown: true})
	}
	var names []string
	st := s.State()
	for _, e := range append(st.Events, st.Pending...) {
		if r, ok := e.Data.(ServiceRestarted); ok {
			names = append(names, r.Name)
		}
	}
	if len(names) != 3 {
		t.Errorf("%d service_restarted events, want 3 (one per sighting): %v", len(names), names)
	}
	if n := st.Summary.Restarts; n != 3 {
		t.Errorf("summary counts %d restarts, want 3", n)
	}
}
