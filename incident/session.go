package incident

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Timeline is the durable record a Session writes to and follows. *store.Journal
// is the real one; tests hand in fakes.
type Timeline interface {
	// Resume loads the incident to continue at start (nil when none).
	Resume() (*Log, error)
	// Record appends events in order, each fsynced before the next; it
	// returns the recorded events and how many of evs it dealt with.
	Record(ctx context.Context, evs []Event) ([]Event, int, error)
	// Poll returns the events other processes appended since the last call.
	Poll() ([]Event, []Problem, error)
	// Export writes the markdown report and returns its path.
	Export(ctx context.Context, now time.Time) (string, error)
	// Path is the timeline file in use ("" before the first event).
	Path() string
}

// WriterElection is implemented by a Timeline several processes on one
// host share (*store.Journal): exactly one of them holds the writer lock and
// writes the detector's events; the others observe the file. TryWriter
// never blocks and reports whether this process is the writer now.
type WriterElection interface {
	TryWriter() (bool, error)
}

// ActionObserver is told about actions as they run, so they land on the
// timeline whoever drives them (the dashboard's palette today, the
// headless watch later). Session implements it.
type ActionObserver interface {
	ActionStarted(at time.Time, a ActionStarted)
	ActionFinished(at time.Time, a ActionFinished)
	ActionRechecked(at time.Time, a ActionRechecked)
}

// SessionConfig is what a Session is built from.
type SessionConfig struct {
	// Timeline records the incident; nil runs the detector and criteria
	// with nothing recorded (State says so).
	Timeline Timeline
	// Detector tunes the detector (zero fields take the defaults); its
	// Host.BootID names OOM kills across processes.
	Detector Config
	// Now is the clock (default time.Now); tests pass a fixed one.
	Now func() time.Time
}

// sessionKeep bounds the events a Session keeps for a screen; the file
// has them all.
const sessionKeep = 200

// shadowKeep bounds the shadow: a writer's silence of a few dozen events
// is normal; this only guards against a stuck clock.
const shadowKeep = 500

// footprintMaxAge is how old a footprint may be and still go with a memory
// reading: process scans run on their own, slower schedule.
const footprintMaxAge = 15 * time.Second

// Session is one host's incident, headless: it owns the detector, the
// timeline, the escalation clock and the success criteria, and is fed
// plain readings (memory, OOM kills, PostgreSQL, process footprint,
// service restarts) and actions (ActionObserver).
//
// Threading: the feeding methods and State only touch memory under a
// mutex held for microseconds, so a screen may call them from its update
// loop. All I/O — loading, the writer lock, writing, following the file —
// happens in Sync, which a caller runs off its loop (the dashboard: a
// tea.Cmd under a timeout, once per tick and after new events; a headless
// watcher: a loop). Sync never holds the mutex during I/O, and a second
// Sync while one is running returns at once, so a slow disk delays the
// record, never a reading.
//
// Writers: of all the processes sharing a host's timeline, only the one
// holding the writer lock (WriterElection) writes detector events
// (samples, kills, severity, escalation); the others keep theirs in a
// shadow and show the file's. When the writer dies its lock is released,
// the next Sync of an observer takes it and writes the shadow newer than
// the writer's last event, so a kill during the change-over is not lost;
// facts with an identity (kills, stages) are written once even so.
// Notes, report fields and actions are written by whoever made them.
type Session struct {
	tl    Timeline
	elect WriterElection
	now   func() time.Time

	syncMu sync.Mutex // one Sync at a time

	mu      sync.Mutex
	det     *Detector
	writer  bool
	elected bool // the writer lock has been tried at least once
	resumed bool
	// lastOther is the newest detector event another process wrote.
	lastOther time.Time
	shadow    []Event

	// Inputs waiting for the next memory reading.
	kills         []OOMKill
	early         []OOMKill // kills before start, applied once resumed
	earlyAt       time.Time
	pgUsed, pgMax int
	pgKnown       bool
	footprint     *uint64
	footprintAt   time.Time
	restarts      []string
	// restartSeen are the restarts already handed to the detector, by
	// the new process's identity: every scan repeats the last hour's.
	restartSeen map[ServiceRestart]bool

	shown   []Event // recorded events, newest last, no samples
	pending []Event // not on disk yet (in flight or failed)
	fields  map[string]string

	path      string
	writeErr  error
	followErr error
	// resumeErr and lockErr outlive the next Poll: the file could not be
	// read at start, or its writer lock cannot be had at all, and the
	// screen keeps saying so until a write goes through.
	resumeErr, lockErr error
	problems           int
	generation         uint64
}

// NewSession returns a session; call Sync to load the incident to
// continue and to start recording.
func NewSession(cfg SessionConfig) *Session {
	s := &Session{tl: cfg.Timeline, now: cfg.Now, det: NewDetector(cfg.Detector), fields: map[string]string{}}
	if s.now == nil {
		s.now = time.Now
	}
	if el, ok := cfg.Timeline.(WriterElection); ok {
		s.elect = el
	} else {
		// Nobody to share the file with: this process writes.
		s.writer, s.elected = true, true
	}
	if s.tl == nil {
		s.resumed = true
	}
	return s
}

// SetHost updates the facts the next Started event carries (memory and
// swap totals are known only with the first reading).
func (s *Session) SetHost(h HostFacts) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.det.SetHost(h)
}

// Kills hands in kills the kernel log reported while running; the next
// memory reading pairs them with the kernel's OOM counter.
func (s *Session) Kills(ks []OOMKill) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kills = append(s.kills, ks...)
}

// KillsBeforeStart hands in the kills the kernel log held at start. Those
// of the last hour open an incident (see Detector.KillsBeforeStart); they
// are applied once the incident to continue is loaded, so they join it
// rather than open a second one.
func (s *Session) KillsBeforeStart(at time.Time, ks []OOMKill) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.early, s.earlyAt = append(s.early, ks...), at
	if s.resumed {
		s.applyEarly()
	}
}

// PG hands in PostgreSQL's connection figures for the next reading; known
// false when they could not be read.
func (s *Session) PG(used, max int, known bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pgUsed, s.pgMax, s.pgKnown = used, max, known
}

// Footprint hands in the process footprint measured at at (nil: the scan
// failed; the footprint is unknown rather than an old figure).
func (s *Session) Footprint(bytes *uint64, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.footprint, s.footprintAt = bytes, at
}

// ServiceRestart is one restart a process scan reports: the service's
// program and the identity (pid and start time) of the process that came
// back.
type ServiceRestart struct {
	Program string
	PID     int32
	Start   uint64
}

// ScanRestarts hands in the restarts one process scan lists. A scan lists
// every restart of the last hour, so a restart counts the first time it is
// handed in; those the scan no longer lists are forgotten.
func (s *Session) ScanRestarts(rs []ServiceRestart) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.restartSeen == nil {
		s.restartSeen = map[ServiceRestart]bool{}
	}
	listed := make(map[ServiceRestart]bool, len(rs))
	for _, r := range rs {
		listed[r] = true
		if !s.restartSeen[r] {
			s.restartSeen[r] = true
			s.restarts = append(s.restarts, r.Program)
		}
	}
	for r := range s.restartSeen {
		if !listed[r] {
			delete(s.restartSeen, r)
		}
	}
}

// Observe takes one memory reading together with what was handed in since
// the last one, and runs the detector on it.
func (s *Session) Observe(r Reading) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.NewKills, s.kills = append(r.NewKills, s.kills...), nil
	if !r.PGKnown {
		r.PGUsed, r.PGMax, r.PGKnown = s.pgUsed, s.pgMax, s.pgKnown
	}
	if r.ProcRSSBytes == nil && s.footprint != nil && r.At.Sub(s.footprintAt) <= footprintMaxAge {
		v := *s.footprint
		r.ProcRSSBytes = &v
	}
	r.Restarts, s.restarts = append(r.Restarts, s.restarts...), nil
	s.detected(s.det.Observe(r))
}

// detected queues detector events: to be written by the writer, kept in
// the shadow by an observer. The caller holds mu.
func (s *Session) detected(evs []Event) {
	if len(evs) == 0 {
		return
	}
	s.generation++
	if s.writer {
		s.pending = append(s.pending, evs...)
		return
	}
	s.shadow = append(s.shadow, evs...)
	s.trimShadow()
}

// Add records events a person made: notes, report fields, actions. One
// with no incident open opens one: it belongs on a timeline.
func (s *Session) Add(evs ...Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.add(evs...)
}

func (s *Session) add(evs ...Event) {
	for _, ev := range evs {
		if ev.Kind() != KindStarted && !s.det.Summary().Active() {
			// Written by whoever made it, writer or not: the incident is
			// opened by the person acting.
			s.pending = append(s.pending, s.det.Start(ev.At, "opened by hand: "+strings.ReplaceAll(string(ev.Kind()), "_", " "))...)
		}
		s.det.Record(ev)
		s.pending = append(s.pending, ev)
	}
	s.generation++
}

// ActionStarted implements ActionObserver.
func (s *Session) ActionStarted(at time.Time, a ActionStarted) { s.Add(Event{At: at, Data: a}) }

// ActionFinished implements ActionObserver.
func (s *Session) ActionFinished(at time.Time, a ActionFinished) { s.Add(Event{At: at, Data: a}) }

// ActionRechecked implements ActionObserver.
func (s *Session) ActionRechecked(at time.Time, a ActionRechecked) { s.Add(Event{At: at, Data: a}) }

// Open opens an incident with reason (memtui watch's trigger in words);
// false when one is open already.
func (s *Session) Open(at time.Time, reason string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	evs := s.det.Start(at, reason)
	s.pending = append(s.pending, evs...)
	s.generation++
	return len(evs) > 0
}

// End closes the open incident by hand; false when none is open.
func (s *Session) End(at time.Time, reason string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	evs := s.det.End(at, reason)
	s.pending = append(s.pending, evs...)
	s.generation++
	return len(evs) > 0
}

// Active says whether an incident is open.
func (s *Session) Active() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.det.Summary().Active()
}

// Export writes the report of the incident in use and records where.
func (s *Session) Export(ctx context.Context) (string, error) {
	if s.tl == nil {
		return "", errors.New("no timeline: nothing to export")
	}
	p, err := s.tl.Export(ctx, s.now())
	if err != nil {
		return "", err
	}
	// Recorded on the incident exported, even an ended one: an export
	// never opens a new incident the way a note does.
	s.mu.Lock()
	ev := Event{At: s.now(), Data: ReportExported{Path: p}}
	s.det.Record(ev)
	s.pending = append(s.pending, ev)
	s.generation++
	s.mu.Unlock()
	return p, nil
}

// Sync does the session's I/O: loads the incident to continue (once),
// tries to become the writer, writes what is pending and reads what other
// processes appended. Record honours ctx between events; Resume and Poll
// are single reads the caller bounds by not waiting for them. A Sync
// while another runs returns at once.
func (s *Session) Sync(ctx context.Context) {
	if s.tl == nil || !s.syncMu.TryLock() {
		return
	}
	defer s.syncMu.Unlock()

	s.mu.Lock()
	resumed := s.resumed
	s.mu.Unlock()
	if !resumed {
		l, err := s.tl.Resume()
		s.mu.Lock()
		s.applyResume(l, err)
		s.mu.Unlock()
	}

	if s.elect != nil {
		w, err := s.elect.TryWriter()
		s.mu.Lock()
		s.elected = true
		s.lockErr = err
		if err != nil {
			// The lock cannot be had at all (not merely held by another):
			// record rather than lose the incident; fact identities still
			// keep kills and stages single. The error stays on screen.
			s.lockErr = err
			w = true
		}
		if w && !s.writer {
			s.takeOver()
		}
		s.mu.Unlock()
	}

	s.mu.Lock()
	batch := append([]Event(nil), s.pending...)
	s.mu.Unlock()
	if len(batch) > 0 {
		rec, n, err := s.tl.Record(ctx, batch)
		s.mu.Lock()
		s.pending = s.pending[min(n, len(s.pending)):]
		for _, ev := range rec {
			s.show(ev)
		}
		s.writeErr = err
		if err == nil && n > 0 {
			s.resumeErr = nil // the file is usable after all
		}
		s.path = s.tl.Path()
		s.generation++
		s.mu.Unlock()
	}

	evs, probs, err := s.tl.Poll()
	s.mu.Lock()
	defer s.mu.Unlock()
	if errMsg(err) != errMsg(s.followErr) || s.tl.Path() != s.path {
		s.generation++
	}
	s.followErr = err
	s.path = s.tl.Path()
	for _, ev := range evs {
		s.det.Record(ev)
		s.show(ev)
		if detectorKind(ev.Kind()) && ev.At.After(s.lastOther) {
			s.lastOther = ev.At
		}
	}
	s.problems += len(probs)
	if len(evs) > 0 || len(probs) > 0 {
		s.generation++
	}
	s.trimShadow()
}

// applyResume folds the incident loaded at start. The caller holds mu.
func (s *Session) applyResume(l *Log, err error) {
	s.resumed = true
	s.path = s.tl.Path()
	s.generation++
	s.resumeErr = err
	if l != nil {
		for _, ev := range l.Events {
			s.det.Record(ev)
			s.show(ev)
			if detectorKind(ev.Kind()) && ev.At.After(s.lastOther) {
				s.lastOther = ev.At
			}
		}
		s.problems += len(l.Problems)
	}
	s.applyEarly()
}

// applyEarly runs the kills found at start through the detector. The
// caller holds mu.
func (s *Session) applyEarly() {
	if len(s.early) == 0 {
		return
	}
	s.detected(s.det.KillsBeforeStart(s.earlyAt, s.early))
	s.early = nil
}

// takeOver makes this process the writer: the shadow newer than the last
// writer's last detector event fills the gap. The caller holds mu.
func (s *Session) takeOver() {
	s.writer = true
	s.trimShadow()
	// In time order, the shadow first at equal times: a note typed while
	// observing must not reach the file before the Started it belongs to.
	// No batch is in flight (this runs inside Sync), so reordering is safe.
	merged := append(s.shadow, s.pending...)
	sort.SliceStable(merged, func(i, j int) bool { return merged[i].At.Before(merged[j].At) })
	s.pending = merged
	s.shadow = nil
	s.generation++
}

// trimShadow drops shadow events the writer already covered. The caller
// holds mu.
func (s *Session) trimShadow() {
	i := 0
	for i < len(s.shadow) && !s.shadow[i].At.After(s.lastOther) {
		i++
	}
	i = max(i, len(s.shadow)-shadowKeep)
	if i > 0 {
		s.shadow = append(s.shadow[:0:0], s.shadow[i:]...)
	}
}

// show keeps a recorded event for State (samples are charted, not listed).
// The caller holds mu.
func (s *Session) show(ev Event) {
	if f, ok := ev.Data.(ReportField); ok {
		s.fields[f.Field] = f.Value
	}
	if ev.Kind() == KindMemSample {
		return
	}
	s.shown = append(s.shown, ev)
	if len(s.shown) > 2*sessionKeep {
		// Copy down instead of reslicing so the old array is freed.
		s.shown = append(s.shown[:0:0], s.shown[len(s.shown)-sessionKeep:]...)
	}
}

// detectorKind says whether a kind is written only by the writer.
func detectorKind(k Kind) bool {
	switch k {
	case KindMemSample, KindSeverityChanged, KindSwapGrowth, KindOOMKill,
		KindPGSaturation, KindServiceRestarted, KindEscalation:
		return true
	}
	return false
}

// SessionState is a copy of what a screen shows of a session; it shares
// nothing with the session.
type SessionState struct {
	// Recording is false when there is no timeline at all.
	Recording bool
	// Resumed: the incident to continue has been looked for.
	Resumed bool
	// Writer: this process writes the detector's events; otherwise, once
	// Elected (the lock was tried), it observes another process's.
	Writer, Elected bool
	// Path is the timeline file in use ("" before the first event).
	Path string
	// Summary is the incident so far; Criteria are the success criteria
	// judged on it now.
	Summary  Summary
	Criteria []Criterion
	// Config is the detector's, defaults filled in.
	Config Config
	// Events are the latest recorded events (no samples), oldest first;
	// Pending those not on disk yet.
	Events, Pending []Event
	// Fields are the report fields as recorded.
	Fields map[string]string
	// WriteErr says why Pending are not on disk; FollowErr why the file
	// could not be read; Problems counts lines of it skipped.
	WriteErr, FollowErr error
	Problems            int
	// Generation changes whenever anything above may have, so a screen
	// can skip redrawing an unchanged state.
	Generation uint64
}

// State is a snapshot of the session.
func (s *Session) State() SessionState {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum := s.det.Summary().Clone()
	fields := make(map[string]string, len(s.fields))
	for k, v := range s.fields {
		fields[k] = v
	}
	shown := s.shown
	if len(shown) > sessionKeep {
		shown = shown[len(shown)-sessionKeep:]
	}
	return SessionState{
		Recording: s.tl != nil, Resumed: s.resumed, Writer: s.writer, Elected: s.elected, Path: s.path,
		Summary: sum, Criteria: sum.Criteria(), Config: s.det.Config(),
		Events: append([]Event(nil), shown...), Pending: append([]Event(nil), s.pending...),
		Fields: fields, WriteErr: s.writeErr, FollowErr: cmp.Or(s.followErr, s.resumeErr, s.lockErr), Problems: s.problems,
		Generation: s.generation,
	}
}

// Incident says which incident the session is on, without the copies
// State makes (the summary, its criteria, the events, the fields): its
// timeline ("" before one is written), its start (zero: none) and whether
// it is still open. The watch asks at every reading.
func (s *Session) Incident() (path string, start time.Time, active bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum := s.det.Summary()
	return s.path, sum.Start, sum.Active()
}

// Stages appends the escalation stages the incident reached to dst.
func (s *Session) Stages(dst []StageReached) []StageReached {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append(dst, s.det.Summary().Stages...)
}

// Settled says everything handed in is on disk (or there is no timeline):
// quitting waits for it.
func (s *Session) Settled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tl == nil || len(s.pending) == 0
}

// CriteriaLine is the criteria abridged for a status bar: "criteria 3/5".
func CriteriaLine(cs []Criterion) string {
	met, all := MetCount(cs)
	return fmt.Sprintf("criteria %d/%d", met, all)
}

// errMsg is err's text, "" for nil: errors compare by what they say.
func errMsg(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
