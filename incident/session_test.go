package incident

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testClock is a clock the test moves.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

// hostSession is a session over a real journal in dir, as each dashboard
// on host db1 builds it.
func hostSession(t *testing.T, dir string, c *testClock) (*Session, *Journal) {
	t.Helper()
	j := NewJournal(dir, "", "db1")
	t.Cleanup(func() { j.Close() })
	s := NewSession(SessionConfig{Timeline: j, Now: c.now,
		Detector: Config{Host: HostFacts{Host: "db1", BootID: "boot-1", MemTotalBytes: 8 << 30}}})
	return s, j
}

// fileKinds counts the kinds of the events in the host's newest timeline.
func fileKinds(t *testing.T, dir string) (map[Kind]int, []Event) {
	t.Helper()
	p := newestOfHost(dir, "db1")
	if p == "" {
		t.Fatal("no timeline written")
	}
	l, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	n := map[Kind]int{}
	for _, ev := range l.Events {
		n[ev.Kind()]++
	}
	return n, l.Events
}

func ptr[T any](v T) *T { return &v }

// feed gives every session the same reading at second s of the test: 92 %
// memory, and one OOM kill at s=20, in the log (with the kernel's stamp)
// and in the counter.
func feed(c *testClock, ss []*Session, s int) {
	at := t0.Add(time.Duration(s) * time.Second)
	c.t = at
	counter := uint64(3)
	if s >= 20 {
		counter = 4
	}
	for _, se := range ss {
		if s == 20 {
			se.Kills([]OOMKill{{PID: ptr(4242), Comm: "odoo-bin", KernelTimeS: ptr(81234.5), KilledAt: ptr(at)}})
		}
		se.Observe(Reading{At: at, UsedPct: 92, OOMKills: counter, OOMKnown: true})
		se.Sync(context.Background())
	}
}

// TestSessionsOneEventPerFact: three dashboards on one host fed the same
// readings, including one OOM kill, write one incident with one kill and
// one page stage: the writer lock lets one write the detector's events.
func TestSessionsOneEventPerFact(t *testing.T) {
	dir := t.TempDir()
	c := &testClock{t0}
	var ss []*Session
	for range 3 {
		s, _ := hostSession(t, dir, c)
		ss = append(ss, s)
	}
	for s := 0; s < 60; s++ {
		feed(c, ss, s)
	}
	n, _ := fileKinds(t, dir)
	if n[KindStarted] != 1 || n[KindOOMKill] != 1 || n[KindEscalation] != 1 {
		t.Errorf("file holds %v, want one started, one oom_kill, one escalation", n)
	}
	writers := 0
	for i, s := range ss {
		st := s.State()
		if st.Writer {
			writers++
		}
		if !st.Summary.Active() || st.Summary.OOMKills != 1 || st.Summary.Stage != StagePageOnCall {
			t.Errorf("session %d sees active=%v kills=%d stage=%s", i, st.Summary.Active(), st.Summary.OOMKills, st.Summary.Stage)
		}
	}
	if writers != 1 {
		t.Errorf("%d writers, want exactly 1", writers)
	}
}

// TestStoreSkipsKnownFact: the identity check under the lock, without the
// writer lock: two stores appending the same kill write it once.
func TestStoreSkipsKnownFact(t *testing.T) {
	p := filepath.Join(t.TempDir(), "i.jsonl")
	a, err := Open(p, "db1", t0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(p, "db1", t0)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	k := OOMKill{PID: ptr(7), KernelTimeS: ptr(12.25), Count: 1}
	ev := Event{At: t0, Data: k, ID: KillID("boot-1", k)}
	if _, err := a.Append(ev); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Append(ev); err != ErrDuplicate {
		t.Errorf("second append of the same kill: %v, want ErrDuplicate", err)
	}
	if _, err := a.Append(ev); err != ErrDuplicate {
		t.Errorf("same store again: %v, want ErrDuplicate", err)
	}
	stage := Event{At: t0, Data: Escalation{Stage: StagePageOnCall}, ID: StageID(t0, StagePageOnCall)}
	if _, err := b.Append(stage); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Append(stage); err != ErrDuplicate {
		t.Errorf("stage twice: %v", err)
	}
	l, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Events) != 2 || l.Events[0].ID != ev.ID {
		t.Errorf("file holds %d events (%+v), want the kill and the stage once", len(l.Events), l.Events)
	}
}

// TestSessionTakeover: when the writer closes (or dies: the kernel drops
// its lock), an observer becomes the writer and records from then on,
// including what happened while the lock changed hands.
func TestSessionTakeover(t *testing.T) {
	dir := t.TempDir()
	c := &testClock{t0}
	a, ja := hostSession(t, dir, c)
	b, _ := hostSession(t, dir, c)
	for s := 0; s < 30; s++ {
		feed(c, []*Session{a, b}, s)
	}
	if !a.State().Writer || b.State().Writer {
		t.Fatalf("writer a=%v b=%v, want a only", a.State().Writer, b.State().Writer)
	}
	ja.Close()
	for s := 30; s < 60; s++ {
		feed(c, []*Session{b}, s)
	}
	if !b.State().Writer {
		t.Fatal("b did not take over after a closed")
	}
	_, evs := fileKinds(t, dir)
	writers := map[string]bool{}
	lastB := time.Time{}
	for _, ev := range evs {
		if ev.Kind() == KindMemSample {
			writers[ev.Writer] = true
			if ev.At.After(lastB) {
				lastB = ev.At
			}
		}
	}
	if len(writers) != 2 {
		t.Errorf("samples by %d writers, want a's then b's", len(writers))
	}
	if lastB.Before(t0.Add(50 * time.Second)) {
		t.Errorf("last sample at %s: b is not recording", lastB.Sub(t0))
	}
	n, _ := fileKinds(t, dir)
	if n[KindOOMKill] != 1 || n[KindEscalation] != 1 || n[KindStarted] != 1 {
		t.Errorf("after takeover the file holds %v", n)
	}
}

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

// TestSessionKillsBeforeStart: six kills in the kernel log from the last
// hour open an incident at start; a second dashboard started later adds
// no second copy of them; a kill older than an hour does not count.
func TestSessionKillsBeforeStart(t *testing.T) {
	dir := t.TempDir()
	c := &testClock{t0}
	var kills []OOMKill
	for i := range 7 {
		at := t0.Add(-time.Duration(5+i*10) * time.Minute) // the 7th is 65 min ago
		kills = append(kills, OOMKill{PID: ptr(1000 + i), Comm: "odoo-bin", KernelTimeS: ptr(float64(5000 + i)), KilledAt: &at})
	}
	a, _ := hostSession(t, dir, c)
	a.KillsBeforeStart(t0, kills)
	a.Sync(context.Background())
	st := a.State()
	if !st.Summary.Active() || !strings.Contains(st.Summary.Facts.Reason, "opened because 6 OOM kill(s) in the last hour") {
		t.Fatalf("no incident opened by the kills: active=%v reason %q", st.Summary.Active(), st.Summary.Facts.Reason)
	}
	c.t = t0.Add(time.Second)
	a.Observe(Reading{At: c.t, UsedPct: 40, OOMKills: 6, OOMKnown: true})
	a.Sync(context.Background())

	c.t = t0.Add(time.Minute)
	b, _ := hostSession(t, dir, c)
	b.KillsBeforeStart(c.t, kills)
	b.Sync(context.Background())
	b.Observe(Reading{At: c.t, UsedPct: 40, OOMKills: 6, OOMKnown: true})
	b.Sync(context.Background())
	a.Sync(context.Background())
	n, _ := fileKinds(t, dir)
	if n[KindOOMKill] != 6 || n[KindStarted] != 1 || n[KindEscalation] != 1 {
		t.Errorf("file holds %v, want one started, 6 kills, the page stage", n)
	}
	if k := b.State().Summary.OOMKills; k != 6 {
		t.Errorf("second dashboard counts %d kills", k)
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

// TestJournalWriterLockFile: the lock sits beside the --incident file, or
// per host in the incident directory.
func TestJournalWriterLockFile(t *testing.T) {
	dir := t.TempDir()
	j := NewJournal(dir, "", "db 1")
	if got := filepath.Base(j.LockPath()); got != "db_1.writer.lock" {
		t.Errorf("lock %s", got)
	}
	fixed := filepath.Join(dir, "x.jsonl")
	a, b := NewJournal("", fixed, "db1"), NewJournal("", fixed, "db1")
	if w, err := a.TryWriter(); !w || err != nil {
		t.Fatalf("first: %v %v", w, err)
	}
	if w, _ := b.TryWriter(); w {
		t.Error("two writers on one file")
	}
	a.Close()
	if w, _ := b.TryWriter(); !w {
		t.Error("no takeover after the writer closed")
	}
	b.Close()
	if _, err := os.Stat(fixed + ".lock"); err != nil {
		t.Error(err)
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

// TestSessionFeedWhileSyncing: readings, actions and snapshots go on while
// Syncs run on other goroutines, as with the dashboard's Cmds (run with
// -race); a Sync while another runs returns at once.
func TestSessionFeedWhileSyncing(t *testing.T) {
	dir := t.TempDir()
	c := &testClock{t0}
	s, _ := hostSession(t, dir, c)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 50 {
			s.Sync(context.Background())
		}
	}()
	for i := range 200 {
		at := t0.Add(time.Duration(i) * time.Second)
		s.Observe(Reading{At: at, UsedPct: 93, OOMKnown: true})
		if i == 100 {
			s.ActionStarted(at, ActionStarted{Run: "r1", Action: "clear-redis"})
		}
		_ = s.State()
		go s.Sync(context.Background())
	}
	<-done
	// Stray Syncs may still hold the turn: retry until all is written.
	for i := 0; i < 200 && !s.Settled(); i++ {
		s.Sync(context.Background())
		time.Sleep(time.Millisecond)
	}
	n, _ := fileKinds(t, dir)
	if n[KindStarted] != 1 || n[KindActionStarted] != 1 {
		t.Errorf("file holds %v", n)
	}
}
