package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memtui/memtui/incident"
)

// hostSession is a session over a real journal in dir, as each dashboard
// on host db1 builds it.
func hostSession(t *testing.T, dir string, c *testClock) (*incident.Session, *Journal) {
	t.Helper()
	j := NewJournal(dir, "", "db1")
	t.Cleanup(func() { j.Close() })
	s := incident.NewSession(incident.SessionConfig{Timeline: j, Now: c.now,
		Detector: incident.Config{Host: incident.HostFacts{Host: "db1", BootID: "boot-1", MemTotalBytes: 8 << 30}}})
	return s, j
}

// fileKinds counts the kinds of the events in the host's newest timeline.
func fileKinds(t *testing.T, dir string) (map[incident.Kind]int, []incident.Event) {
	t.Helper()
	p := newestOfHost(dir, "db1")
	if p == "" {
		t.Fatal("no timeline written")
	}
	l, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	n := map[incident.Kind]int{}
	for _, ev := range l.Events {
		n[ev.Kind()]++
	}
	return n, l.Events
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
	k := incident.OOMKill{PID: ptr(7), KernelTimeS: ptr(12.25), Count: 1}
	ev := incident.Event{At: t0, Data: k, ID: incident.KillID("boot-1", k)}
	if _, err := a.Append(ev); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Append(ev); err != ErrDuplicate {
		t.Errorf("second append of the same kill: %v, want ErrDuplicate", err)
	}
	if _, err := a.Append(ev); err != ErrDuplicate {
		t.Errorf("same store again: %v, want ErrDuplicate", err)
	}
	stage := incident.Event{At: t0, Data: incident.Escalation{Stage: incident.StagePageOnCall}, ID: incident.StageID(t0, incident.StagePageOnCall)}
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

// TestSessionsOneEventPerFact: three dashboards on one host fed the same
// readings, including one OOM kill, write one incident with one kill and
// one page stage: the writer lock lets one write the detector's events.
func TestSessionsOneEventPerFact(t *testing.T) {
	dir := t.TempDir()
	c := &testClock{t0}
	var ss []*incident.Session
	for range 3 {
		s, _ := hostSession(t, dir, c)
		ss = append(ss, s)
	}
	for s := 0; s < 60; s++ {
		feed(c, ss, s)
	}
	n, _ := fileKinds(t, dir)
	if n[incident.KindStarted] != 1 || n[incident.KindOOMKill] != 1 || n[incident.KindEscalation] != 1 {
		t.Errorf("file holds %v, want one started, one oom_kill, one escalation", n)
	}
	writers := 0
	for i, s := range ss {
		st := s.State()
		if st.Writer {
			writers++
		}
		if !st.Summary.Active() || st.Summary.OOMKills != 1 || st.Summary.Stage != incident.StagePageOnCall {
			t.Errorf("session %d sees active=%v kills=%d stage=%s", i, st.Summary.Active(), st.Summary.OOMKills, st.Summary.Stage)
		}
	}
	if writers != 1 {
		t.Errorf("%d writers, want exactly 1", writers)
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
		feed(c, []*incident.Session{a, b}, s)
	}
	if !a.State().Writer || b.State().Writer {
		t.Fatalf("writer a=%v b=%v, want a only", a.State().Writer, b.State().Writer)
	}
	ja.Close()
	for s := 30; s < 60; s++ {
		feed(c, []*incident.Session{b}, s)
	}
	if !b.State().Writer {
		t.Fatal("b did not take over after a closed")
	}
	_, evs := fileKinds(t, dir)
	writers := map[string]bool{}
	lastB := time.Time{}
	for _, ev := range evs {
		if ev.Kind() == incident.KindMemSample {
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
	if n[incident.KindOOMKill] != 1 || n[incident.KindEscalation] != 1 || n[incident.KindStarted] != 1 {
		t.Errorf("after takeover the file holds %v", n)
	}
}

// TestSessionKillsBeforeStart: six kills in the kernel log from the last
// hour open an incident at start; a second dashboard started later adds
// no second copy of them; a kill older than an hour does not count.
func TestSessionKillsBeforeStart(t *testing.T) {
	dir := t.TempDir()
	c := &testClock{t0}
	var kills []incident.OOMKill
	for i := range 7 {
		at := t0.Add(-time.Duration(5+i*10) * time.Minute) // the 7th is 65 min ago
		kills = append(kills, incident.OOMKill{PID: ptr(1000 + i), Comm: "odoo-bin", KernelTimeS: ptr(float64(5000 + i)), KilledAt: &at})
	}
	a, _ := hostSession(t, dir, c)
	a.KillsBeforeStart(t0, kills)
	a.Sync(context.Background())
	st := a.State()
	if !st.Summary.Active() || !strings.Contains(st.Summary.Facts.Reason, "opened because 6 OOM kill(s) in the last hour") {
		t.Fatalf("no incident opened by the kills: active=%v reason %q", st.Summary.Active(), st.Summary.Facts.Reason)
	}
	c.t = t0.Add(time.Second)
	a.Observe(incident.Reading{At: c.t, UsedPct: 40, OOMKills: 6, OOMKnown: true})
	a.Sync(context.Background())

	c.t = t0.Add(time.Minute)
	b, _ := hostSession(t, dir, c)
	b.KillsBeforeStart(c.t, kills)
	b.Sync(context.Background())
	b.Observe(incident.Reading{At: c.t, UsedPct: 40, OOMKills: 6, OOMKnown: true})
	b.Sync(context.Background())
	a.Sync(context.Background())
	n, _ := fileKinds(t, dir)
	if n[incident.KindOOMKill] != 6 || n[incident.KindStarted] != 1 || n[incident.KindEscalation] != 1 {
		t.Errorf("file holds %v, want one started, 6 kills, the page stage", n)
	}
	if k := b.State().Summary.OOMKills; k != 6 {
		t.Errorf("second dashboard counts %d kills", k)
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
		s.Observe(incident.Reading{At: at, UsedPct: 93, OOMKnown: true})
		if i == 100 {
			s.ActionStarted(at, incident.ActionStarted{Run: "r1", Action: "clear-redis"})
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
	if n[incident.KindStarted] != 1 || n[incident.KindActionStarted] != 1 {
		t.Errorf("file holds %v", n)
	}
}

// feed gives every session the same reading at second s of the test: 92 %
// memory, and one OOM kill at s=20, in the log (with the kernel's stamp)
// and in the counter.
func feed(c *testClock, ss []*incident.Session, s int) {
	at := t0.Add(time.Duration(s) * time.Second)
	c.t = at
	counter := uint64(3)
	if s >= 20 {
		counter = 4
	}
	for _, se := range ss {
		if s == 20 {
			se.Kills([]incident.OOMKill{{PID: ptr(4242), Comm: "odoo-bin", KernelTimeS: ptr(81234.5), KilledAt: ptr(at)}})
		}
		se.Observe(incident.Reading{At: at, UsedPct: 92, OOMKills: counter, OOMKnown: true})
		se.Sync(context.Background())
	}
}
