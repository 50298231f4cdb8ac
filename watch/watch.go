package watch

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/actions/timeline"
	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/incident/notify"
	"github.com/memtui/memtui/internal/units"
)

// Scope is the memory watched: the whole host or one memory cgroup.
type Scope interface {
	// Name is "" for the whole host, else what is watched in words:
	// "cgroup /sys/fs/cgroup/memory/odoo".
	Name() string
	// Read takes one sample.
	Read(ctx context.Context) (Sample, error)
}

// Runner runs the automated steps (actions/run.Service).
type Runner interface {
	Start(ctx context.Context, req actions.Request) actions.RunHandle
	Recheck(ctx context.Context, res actions.Result) actions.Recheck
}

// Recorder is the incident session the response is recorded on
// (*incident.Session): the same timeline a dashboard on the host shows.
type Recorder interface {
	Observe(r incident.Reading)
	Open(at time.Time, reason string) bool
	Add(evs ...incident.Event)
	Incident() (path string, start time.Time, active bool)
	Stages(dst []incident.StageReached) []incident.StageReached
	Sync(ctx context.Context)
}

// Memo keeps what must survive a restart of the watcher or the next
// `--once` run: when the last response started (the cooldown) and which
// messages an incident has had. FileMemo in cmd is the real one.
type Memo interface {
	Load() (Memory, error)
	Save(Memory) error
}

// Memory is what a Memo keeps.
type Memory struct {
	// LastResponse is when the last automated response started.
	LastResponse time.Time `json:"last_response"`
	// Incident is the key of the incident the fields below are about.
	Incident string `json:"incident,omitempty"`
	// Failed: a remediation of Incident failed and people were told, so
	// the recovery is worth a message too.
	Failed bool `json:"failed,omitempty"`
	// Stages are the escalation stages of Incident already sent.
	Stages []incident.Stage `json:"stages,omitempty"`
}

// Deps are what a Watcher is built from.
type Deps struct {
	Config Config
	Scope  Scope
	// Host names the machine in messages.
	Host string
	// Steps are the runbook's automated steps, in order.
	Steps  []actions.Action
	Runner Runner
	// Session records the incident.
	Session Recorder
	// Notify sends a message to every channel (notify.Fanout.Notify); nil
	// when none is configured.
	Notify func(ctx context.Context, m notify.Message) []notify.Delivery
	// Report is the markdown report of the incident so far (the issue's
	// body); nil or an error leaves the body a short summary.
	Report func(ctx context.Context) (string, error)
	Memo   Memo
	Log    *slog.Logger
	// Interval is the time between samples.
	Interval time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Outcome is how a check ended; for `--once` it is the exit status.
type Outcome int

// Outcomes, and the exit statuses of `memtui watch --once`.
const (
	// Normal: no response was due (exit 0).
	Normal Outcome = 0
	// Remediated: the steps ran and memory is below the threshold at the
	// re-check (exit 1).
	Remediated Outcome = 1
	// Failed: the steps ran (or there were none, or one failed) and memory
	// is still at or above the threshold at the re-check (exit 2).
	Failed Outcome = 2
	// ErrorOutcome: memory could not be read or the flags are wrong
	// (exit 3).
	ErrorOutcome Outcome = 3
	// NotRun: a response was due and nothing ran: --dry-run, or within
	// the cooldown of the last one (exit 4).
	NotRun Outcome = 4
)

// String names the outcome for logs.
func (o Outcome) String() string {
	switch o {
	case Normal:
		return "normal"
	case Remediated:
		return "remediated"
	case Failed:
		return "failed"
	case NotRun:
		return "not_run"
	}
	return "error"
}

// Author is who the watcher's notes are from.
const Author = "memtui watch"

// Watcher runs the automated response.
type Watcher struct {
	d       Deps
	det     *Detector
	mem     Memory
	lastErr string
	state   State
	// Set when the cooldown held a response back, so it is said once.
	coolingSaid bool
	// alerts are Alertmanager's alerts for this host, from Alert.
	alerts chan []Alert
	// stages is followUp's buffer, and key the last incident key made:
	// a quiet reading allocates nothing for either.
	stages []incident.StageReached
	key    struct {
		path  string
		start time.Time
		text  string
	}
}

// New returns a watcher; it loads the memo for the cooldown.
func New(d Deps) *Watcher {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Interval <= 0 {
		d.Interval = time.Second
	}
	w := &Watcher{d: d, alerts: make(chan []Alert, 16)}
	if d.Memo != nil {
		m, err := d.Memo.Load()
		if err != nil {
			d.Log.Warn("memo_unreadable", "error", err, "effect", "the cooldown starts afresh")
		}
		w.mem = m
	}
	w.det = NewDetector(d.Config, w.mem.LastResponse)
	return w
}

// Run watches until ctx ends. Readings that fail are logged (once until
// they change) and watching goes on.
func (w *Watcher) Run(ctx context.Context) {
	w.d.Log.Info("watching", w.startAttrs()...)
	t := time.NewTicker(w.d.Interval)
	defer t.Stop()
	for {
		w.step(ctx)
		select {
		case <-ctx.Done():
			w.d.Session.Sync(context.WithoutCancel(ctx))
			w.d.Log.Info("stopped", "host", w.d.Host)
			return
		case as := <-w.alerts:
			w.alerted(ctx, as)
		case <-t.C:
		}
	}
}

// Alert hands Run alerts about this host from Alertmanager (the
// --listen receiver); false when too many are waiting, so the receiver
// can answer 503 and Alertmanager retries.
func (w *Watcher) Alert(as []Alert) bool {
	select {
	case w.alerts <- as:
		return true
	default:
		return false
	}
}

// alerted records Alertmanager's alerts and answers a firing one as an
// OOM kill: at once, without waiting for --for, within the cooldown rule.
func (w *Watcher) alerted(ctx context.Context, as []Alert) {
	var firing []string
	for _, a := range as {
		if a.Firing() {
			firing = append(firing, a.Text())
			w.d.Log.Warn("alert_firing", "alert", a.Name(), "instance", a.Labels["instance"])
			continue
		}
		w.d.Log.Info("alert_resolved", "alert", a.Name(), "instance", a.Labels["instance"])
		if _, _, active := w.d.Session.Incident(); active {
			w.note(w.d.Now(), "Alertmanager: "+a.Text())
		}
	}
	if len(firing) == 0 {
		w.d.Session.Sync(ctx)
		return
	}
	s, err := w.d.Scope.Read(ctx)
	if err != nil {
		w.d.Log.Error("unreadable", "scope", w.scopeName(), "error", err)
		s = Sample{At: w.d.Now()}
	}
	t := Trigger{At: s.At, Sample: s, Why: "Alertmanager: " + strings.Join(firing, "; ") + "; memory " + s.Text()}
	if until := w.det.CooldownUntil(); !until.IsZero() && t.At.Before(until) {
		w.cooling(t)
		w.d.Session.Sync(ctx)
		return
	}
	w.respond(ctx, t)
	w.d.Session.Sync(ctx)
}

// Once checks until it can say: memory below the threshold (at once), or
// held above it for Config.For and answered, or a kill. It returns the
// outcome; the error is why memory could not be read.
func (w *Watcher) Once(ctx context.Context) (Outcome, error) {
	w.d.Log.Info("checking", w.startAttrs()...)
	defer w.d.Session.Sync(context.WithoutCancel(ctx))
	for {
		s, err := w.d.Scope.Read(ctx)
		if err != nil {
			w.d.Log.Error("unreadable", "scope", w.scopeName(), "error", err)
			return ErrorOutcome, err
		}
		w.observe(s)
		st, trig := w.det.Observe(s)
		switch st {
		case Below:
			w.d.Log.Info("normal", w.sampleAttrs(s)...)
			return Normal, nil
		case CoolingDown:
			w.cooling(trig)
			return NotRun, nil
		case Respond:
			return w.respond(ctx, trig), nil
		}
		select {
		case <-ctx.Done():
			return ErrorOutcome, ctx.Err()
		case <-time.After(w.d.Interval):
		}
	}
}

// step is one tick of Run.
func (w *Watcher) step(ctx context.Context) {
	s, err := w.d.Scope.Read(ctx)
	if err != nil {
		if msg := err.Error(); msg != w.lastErr {
			w.lastErr = msg
			w.d.Log.Error("unreadable", "scope", w.scopeName(), "error", err, "effect", "retrying every interval")
		}
		w.d.Session.Sync(ctx)
		return
	}
	if w.lastErr != "" {
		w.lastErr = ""
		w.d.Log.Info("readable_again", "scope", w.scopeName())
	}
	w.observe(s)
	st, trig := w.det.Observe(s)
	if st != w.state {
		switch st {
		case Holding:
			w.d.Log.Info("above_threshold", append(w.sampleAttrs(s), "respond_after", units.Duration(w.d.Config.For))...)
		case Below:
			if w.state != Respond {
				w.d.Log.Info("below_threshold", w.sampleAttrs(s)...)
			}
			w.coolingSaid = false
		}
	}
	w.state = st
	switch st {
	case Respond:
		w.respond(ctx, trig)
		w.state = Below
	case CoolingDown:
		w.cooling(trig)
	}
	w.followUp(ctx, s)
	w.d.Session.Sync(ctx)
}

// observe hands the sample to the incident session.
func (w *Watcher) observe(s Sample) {
	w.d.Session.Observe(incident.Reading{At: s.At, UsedPct: s.UsedPct, OOMKills: s.OOMKills, OOMKnown: s.OOMKnown})
}

// cooling logs, once per episode, that a due response was held back.
func (w *Watcher) cooling(t Trigger) {
	if w.coolingSaid {
		return
	}
	w.coolingSaid = true
	w.d.Log.Warn("cooling_down", append(w.sampleAttrs(t.Sample),
		"why", t.Why, "until", w.det.CooldownUntil().UTC().Format(time.RFC3339))...)
}

// respond runs the automated response to t and says how it went.
func (w *Watcher) respond(ctx context.Context, t Trigger) Outcome {
	cfg := w.d.Config
	w.det.Responded(t.At)
	w.coolingSaid = false
	w.remember(func(m *Memory) { m.LastResponse = t.At })
	why := t.Why
	if n := w.d.Scope.Name(); n != "" {
		why = n + ": " + why
	}
	if !w.d.Session.Open(t.At, "opened by memtui watch: "+why) {
		w.note(t.At, "memtui watch: "+why+"; starting the automated response")
	}
	ids := make([]string, len(w.d.Steps))
	for i, a := range w.d.Steps {
		ids[i] = a.ID
	}
	w.d.Log.Warn("triggered", append(w.sampleAttrs(t.Sample), "why", t.Why, "steps", orNone(ids))...)
	w.d.Session.Sync(ctx)

	if cfg.DryRun {
		text := fmt.Sprintf("memtui watch --dry-run: %s; would run %s, then re-check after %s. Nothing was run.",
			t.Why, orNone(ids), units.Duration(cfg.RecheckAfter))
		w.note(w.d.Now(), text)
		w.d.Log.Warn("dry_run", "would_run", strings.Join(ids, ","), "recheck_after", units.Duration(cfg.RecheckAfter))
		w.d.Session.Sync(ctx)
		return NotRun
	}
	if len(w.d.Steps) == 0 {
		w.note(w.d.Now(), "memtui watch: no runbook action is marked auto = true, so nothing was run; people are told instead")
		w.d.Log.Warn("no_steps", "effect", "nothing to run; notifying")
	}
	var results []actions.Result
	for _, a := range w.d.Steps {
		if ctx.Err() != nil {
			break
		}
		req := actions.Request{Action: a, Confirmation: "automated by memtui watch: " + t.Why}
		h := w.d.Runner.Start(ctx, req)
		w.d.Session.Add(timeline.Started(h.Info()))
		w.d.Session.Sync(ctx)
		w.d.Log.Info("action_started", "action", a.ID, "risk", string(a.Risk), "runs", strings.Join(a.Plan(nil), "; "))
		res := h.Wait()
		w.d.Session.Add(timeline.Finished(res))
		w.d.Session.Sync(ctx)
		level := slog.LevelInfo
		if res.Status != actions.StatusOK {
			level = slog.LevelWarn
		}
		w.d.Log.Log(ctx, level, "action_finished", "action", a.ID, "status", string(res.Status), "outcome", res.Outcome, "took", units.Duration(res.Duration))
		results = append(results, res)
	}

	// The runbook's wait, with the timeline kept fed meanwhile.
	w.wait(ctx, cfg.RecheckAfter)
	var rechecks []incident.Event
	for _, res := range results {
		rc := w.d.Runner.Recheck(ctx, res)
		rechecks = append(rechecks, timeline.Rechecked(res, rc))
	}
	w.d.Session.Add(rechecks...)
	after, err := w.d.Scope.Read(ctx)
	out := Failed
	var verdict string
	switch {
	case err != nil:
		verdict = fmt.Sprintf("memory could not be read at the re-check (%v): treated as not remediated", err)
	case after.UsedPct < cfg.Threshold:
		out = Remediated
		verdict = fmt.Sprintf("remediated: memory %s → %s after %s, below %g %%", pct(t.Sample), after.Text(), units.Duration(cfg.RecheckAfter), cfg.Threshold)
	default:
		verdict = fmt.Sprintf("remediation failed: memory %s → %s after %s, still at or above %g %%", pct(t.Sample), after.Text(), units.Duration(cfg.RecheckAfter), cfg.Threshold)
	}
	if err == nil {
		w.observe(after)
	}
	for _, res := range results {
		if res.Status != actions.StatusOK {
			verdict += fmt.Sprintf("; step %s ended %s (%s)", res.ActionID, res.Status, res.Outcome)
		}
	}
	w.note(w.d.Now(), "memtui watch: "+verdict)
	attrs := []any{"outcome", out.String(), "used_pct_before", t.Sample.UsedPct}
	if err == nil {
		attrs = append(attrs, "used_pct", after.UsedPct)
	}
	if out == Remediated {
		w.d.Log.Info("remediated", attrs...)
	} else {
		w.d.Log.Warn("remediation_failed", append(attrs, "why", verdict)...)
	}
	w.d.Session.Sync(ctx)

	key := w.incidentKey()
	switch {
	case out == Failed:
		used := t.Sample.UsedPct
		if err == nil {
			used = after.UsedPct
		}
		w.send(ctx, notify.Message{Event: notify.EventRemediationFailed, At: w.d.Now(), UsedPct: used,
			Headline: headline(w.d.Steps), Detail: failureDetail(verdict, results, rechecks)})
		w.remember(func(m *Memory) { m.Incident, m.Failed = key, true })
	case w.mem.Failed && w.mem.Incident == key:
		// An earlier response of this incident failed and people were told:
		// say this one worked.
		w.send(ctx, notify.Message{Event: notify.EventRemediation, At: w.d.Now(), UsedPct: after.UsedPct,
			Detail: failureDetail(verdict, results, rechecks)})
	}
	return out
}

// followUp sends the escalation stages the session reached and the
// recovery, once each, for an incident people were told about.
func (w *Watcher) followUp(ctx context.Context, s Sample) {
	if _, start, _ := w.d.Session.Incident(); start.IsZero() {
		return
	}
	key := w.incidentKey()
	if w.mem.Incident != key && (w.mem.Failed || len(w.mem.Stages) > 0) {
		// A new incident: what was sent was about the last one.
		w.remember(func(m *Memory) { m.Incident, m.Failed, m.Stages = key, false, nil })
	}
	w.stages = w.d.Session.Stages(w.stages[:0])
	for _, sr := range w.stages {
		if w.mem.Incident == key && slices.Contains(w.mem.Stages, sr.Stage) {
			continue
		}
		w.send(ctx, notify.Message{Event: notify.EventEscalated, At: sr.At, UsedPct: s.UsedPct,
			Headline: "— escalation: " + sr.Stage.String(),
			Detail:   notify.EscalationDetail(incident.Escalation{Stage: sr.Stage, Reason: sr.Reason}, s.UsedPct, sr.At)})
		w.remember(func(m *Memory) { m.Incident, m.Stages = key, append(m.Stages, sr.Stage) })
	}
	if w.mem.Failed && w.mem.Incident == key && s.UsedPct < w.d.Config.Threshold {
		w.send(ctx, notify.Message{Event: notify.EventRecovered, At: s.At, UsedPct: s.UsedPct, Detail: notify.RecoveryDetail(s.UsedPct, s.At)})
		w.note(s.At, fmt.Sprintf("memtui watch: recovered: memory %s, below %g %%", s.Text(), w.d.Config.Threshold))
		w.d.Log.Info("recovered", w.sampleAttrs(s)...)
		w.remember(func(m *Memory) { m.Failed = false })
	}
}

// send fills in the incident and the report, sends m everywhere and puts
// each delivery on the timeline and in the log.
func (w *Watcher) send(ctx context.Context, m notify.Message) {
	if w.d.Notify == nil {
		return
	}
	w.d.Session.Sync(ctx) // the report below reads what is on disk
	m.Incident, m.Host, m.Scope = w.incidentKey(), w.d.Host, w.d.Scope.Name()
	if w.d.Report != nil {
		if r, err := w.d.Report(ctx); err == nil {
			m.Report = r
		} else {
			w.d.Log.Warn("report_unavailable", "error", err)
		}
	}
	for _, dl := range w.d.Notify(ctx, m) {
		w.d.Session.Add(incident.Event{At: w.d.Now(), Data: dl.Note()})
		level := slog.LevelInfo
		if !dl.OK() {
			level = slog.LevelWarn
		}
		attrs := append([]slog.Attr{slog.String("notified", string(m.Event))}, dl.LogAttrs()...)
		w.d.Log.LogAttrs(ctx, level, "notification", attrs...)
	}
	w.d.Session.Sync(ctx)
}

// wait sleeps d, feeding the session a sample every interval so the
// timeline and any dashboard keep up.
func (w *Watcher) wait(ctx context.Context, d time.Duration) {
	deadline := w.d.Now().Add(d)
	for {
		left := deadline.Sub(w.d.Now())
		if left <= 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(min(left, w.d.Interval)):
		}
		if s, err := w.d.Scope.Read(ctx); err == nil {
			w.observe(s)
			w.d.Session.Sync(ctx)
		}
	}
}

func (w *Watcher) note(at time.Time, text string) {
	w.d.Session.Add(incident.Event{At: at, Data: incident.Note{Author: Author, Text: text}})
}

// incidentKey names the open (or last) incident for notify.
func (w *Watcher) incidentKey() string {
	path, start, _ := w.d.Session.Incident()
	if k := &w.key; k.text == "" || k.path != path || !k.start.Equal(start) {
		k.path, k.start, k.text = path, start, notify.IncidentKey(path, start)
	}
	return w.key.text
}

// remember changes the memo and saves it; a failed save is logged (the
// cooldown then lasts only as long as this process).
func (w *Watcher) remember(change func(*Memory)) {
	change(&w.mem)
	if w.d.Memo == nil {
		return
	}
	if err := w.d.Memo.Save(w.mem); err != nil {
		w.d.Log.Warn("memo_not_saved", "error", err, "effect", "the cooldown and the messages sent are not kept across restarts")
	}
}

func (w *Watcher) scopeName() string {
	if n := w.d.Scope.Name(); n != "" {
		return n
	}
	return "host"
}

func (w *Watcher) startAttrs() []any {
	cfg := w.d.Config
	ids := make([]string, len(w.d.Steps))
	for i, a := range w.d.Steps {
		ids[i] = a.ID
	}
	return []any{"host", w.d.Host, "scope", w.scopeName(), "threshold", cfg.Threshold, "for", units.Duration(cfg.For),
		"recheck_after", units.Duration(cfg.RecheckAfter), "cooldown", units.Duration(cfg.Cooldown),
		"steps", orNone(ids), "dry_run", cfg.DryRun}
}

func (w *Watcher) sampleAttrs(s Sample) []any {
	return []any{"host", w.d.Host, "scope", w.scopeName(), "used_pct", s.UsedPct, "threshold", w.d.Config.Threshold}
}

func pct(s Sample) string { return fmt.Sprintf("%.1f %%", s.UsedPct) }

func orNone(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ",")
}

// headline finishes the issue title: "after automated cache clearing".
func headline(steps []actions.Action) string {
	if len(steps) == 0 {
		return "with no automated step to run"
	}
	var names []string
	for _, a := range steps {
		n := a.ID
		if a.Kind == actions.KindDropCaches || strings.Contains(a.ID, "cache") {
			n = "cache clearing"
		}
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return "after automated " + strings.Join(names, ", ")
}

// failureDetail is the message's paragraph: the verdict, then each step.
func failureDetail(verdict string, results []actions.Result, rechecks []incident.Event) string {
	var b strings.Builder
	b.WriteString("**memtui watch**: " + verdict + ".")
	for i, res := range results {
		f := timeline.Finished(res).Data.(incident.ActionFinished)
		var rc *incident.ActionRechecked
		if i < len(rechecks) {
			if r, ok := rechecks[i].Data.(incident.ActionRechecked); ok {
				rc = &r
			}
		}
		b.WriteString("\n\n" + notify.RemediationDetail(f, rc))
	}
	return b.String()
}
