// Package incident is the memory incident's timeline: typed events, the
// detector that turns probe readings into events, the Session that owns the
// escalation clock and the success criteria, reading a timeline from bytes,
// and the markdown post-incident report.
//
// Dependency rule: incident is pure (the standard library and internal/
// only) and never imports ui, Bubble Tea, Lip Gloss, ntcharts, actions or
// probes, so the ui may take its types from here. The durable store the
// events are written to lives in incident/store, behind Timeline.
package incident

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/memtui/memtui/internal/units"
)

// Kind names an event type on disk. The strings are part of the file format:
// never rename one, add new kinds instead.
type Kind string

// The event kinds of format version 1.
const (
	KindStarted          Kind = "started"
	KindMemSample        Kind = "mem_sample"
	KindSeverityChanged  Kind = "severity_changed"
	KindSwapGrowth       Kind = "swap_growth"
	KindOOMKill          Kind = "oom_kill"
	KindPGSaturation     Kind = "pg_saturation"
	KindServiceRestarted Kind = "service_restarted"
	KindEscalation       Kind = "escalation"
	KindActionStarted    Kind = "action_started"
	KindActionFinished   Kind = "action_finished"
	KindActionRechecked  Kind = "action_rechecked"
	KindNote             Kind = "note"
	KindReportField      Kind = "report_field"
	KindReportExported   Kind = "report_exported"
	KindEnded            Kind = "ended"
	// KindOdooLog is a memory line of Odoo's log during the incident
	// (added after version 1's first kinds; older readers skip it).
	KindOdooLog Kind = "odoo_log"
)

// Event is one line of the timeline: when, who wrote it, and what happened.
type Event struct {
	// At is when the event happened (the reading's time for detector events).
	At time.Time
	// Writer identifies the process that appended the event (set by store.Store),
	// so a process following a shared file can tell its own events apart.
	Writer string
	// Seq numbers the writer's events from 1 (set by store.Store).
	Seq uint64
	// ID names the fact the event records when one fact can be seen by
	// several processes (an OOM kill, an escalation stage); Store writes
	// an event whose ID is already in the file as a no-op. "" for events
	// that are facts of one process only (a note, a sample).
	ID string
	// Data is the typed payload; its Kind names the line's type.
	Data Payload
}

// Kind is the kind of the event's payload ("" when there is none).
func (e Event) Kind() Kind {
	if e.Data == nil {
		return ""
	}
	return e.Data.Kind()
}

// Payload is the typed content of an event. The set is closed: only the
// types in this package implement it, so the file format stays knowable.
type Payload interface {
	// Kind names the payload type on disk.
	Kind() Kind
	// redact strips secrets and bounds free text before anything is stored
	// or rendered; it returns the cleaned copy.
	redact() Payload
}

// Levels are the severity thresholds in percent of memory used. It mirrors
// probes' thresholds so that a recorded incident says which levels applied.
type Levels struct {
	Warning  float64 `json:"warning"`
	High     float64 `json:"high"`
	Critical float64 `json:"critical"`
}

// DefaultLevels are the runbook's 75/85/95 %.
var DefaultLevels = Levels{Warning: 75, High: 85, Critical: 95}

// Level is a severity word: "normal", "warning", "high" or "critical".
// It is a string on disk so the file reads without this package.
type Level string

// The severity words, lowest first.
const (
	LevelNormal   Level = "normal"
	LevelWarning  Level = "warning"
	LevelHigh     Level = "high"
	LevelCritical Level = "critical"
)

// rank orders levels; unknown words rank lowest.
func (l Level) rank() int {
	switch l {
	case LevelWarning:
		return 1
	case LevelHigh:
		return 2
	case LevelCritical:
		return 3
	}
	return 0
}

// LevelOf says which level pct falls in under lv.
func LevelOf(pct float64, lv Levels) Level {
	switch {
	case pct >= lv.Critical:
		return LevelCritical
	case pct >= lv.High:
		return LevelHigh
	case pct >= lv.Warning:
		return LevelWarning
	}
	return LevelNormal
}

// Duration is a time.Duration written as Go text ("1m30s") in the file so
// a person reading the JSON understands it.
type Duration time.Duration

// MarshalText writes the duration as Go text.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads Go duration text.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Started opens an incident with the facts a post-mortem needs about the host.
type Started struct {
	Host           string `json:"host"`
	Kernel         string `json:"kernel,omitempty"`
	MemTotalBytes  uint64 `json:"mem_total_bytes"`
	SwapTotalBytes uint64 `json:"swap_total_bytes"`
	CPUs           int    `json:"cpus,omitempty"`
	// Levels are the thresholds in force for this incident.
	Levels Levels `json:"levels"`
	// Reason says what opened the incident ("memory 86.2 % ≥ high 85 %").
	Reason string `json:"reason"`
}

// MemSample is one compact memory reading. The detector keeps at most one per
// sample interval (the highest reading of the interval, so the peak is kept).
type MemSample struct {
	UsedPct        float64 `json:"used_pct"`
	SwapUsedBytes  uint64  `json:"swap_used_bytes"`
	SwapTotalBytes uint64  `json:"swap_total_bytes"`
	// ProcRSSBytes is the process footprint (FootprintDefinition; the name
	// is older than the definition and kept for the file format), when known.
	ProcRSSBytes *uint64 `json:"proc_rss_bytes,omitempty"`
}

// SwapPct is swap used in percent of swap total; ok is false without swap.
func (m MemSample) SwapPct() (pct float64, ok bool) {
	if m.SwapTotalBytes == 0 {
		return 0, false
	}
	return 100 * float64(m.SwapUsedBytes) / float64(m.SwapTotalBytes), true
}

// SeverityChanged records a level change that outlasted the minimum duration.
type SeverityChanged struct {
	From    Level   `json:"from"`
	To      Level   `json:"to"`
	UsedPct float64 `json:"used_pct"`
}

// SwapGrowth records swap starting (Growing) or stopping to grow.
type SwapGrowth struct {
	Growing       bool     `json:"growing"`
	SwapUsedBytes uint64   `json:"swap_used_bytes"`
	DeltaBytes    int64    `json:"delta_bytes"`
	Window        Duration `json:"window"`
}

// OOMKill is one process killed by the OOM killer. Pointers are nil where
// the kernel log did not say; Count > 1 stands for kills seen only as a
// counter increase, without details.
type OOMKill struct {
	PID         *int       `json:"pid,omitempty"`
	Comm        string     `json:"comm,omitempty"`
	UID         *int       `json:"uid,omitempty"`
	TotalVMKB   *uint64    `json:"total_vm_kb,omitempty"`
	AnonRSSKB   *uint64    `json:"anon_rss_kb,omitempty"`
	FileRSSKB   *uint64    `json:"file_rss_kb,omitempty"`
	ShmemRSSKB  *uint64    `json:"shmem_rss_kb,omitempty"`
	OOMScoreAdj *int       `json:"oom_score_adj,omitempty"`
	Constraint  string     `json:"constraint,omitempty"`
	Memcg       string     `json:"memcg,omitempty"`
	KilledAt    *time.Time `json:"killed_at,omitempty"`
	// KernelTimeS is the kernel's own stamp of the kill, seconds since
	// boot: with the boot id and the pid it names the kill across
	// processes (see KillID).
	KernelTimeS *float64 `json:"kernel_time_s,omitempty"`
	Count       int      `json:"count"`
}

// KillID is the identity of a kill seen in the kernel log: boot id, the
// kernel's timestamp and the pid, so every memtui on the host names the
// same kill the same way. "" when the log did not give all three.
func KillID(bootID string, k OOMKill) string {
	if bootID == "" || k.KernelTimeS == nil || k.PID == nil {
		return ""
	}
	return fmt.Sprintf("oom:%s:%.6f:%d", bootID, *k.KernelTimeS, *k.PID)
}

// KillCountID names kills seen only as the kernel's counter reaching n
// (no details in the log): the counter's value is the same for every
// process reading it during that boot.
func KillCountID(bootID string, n uint64) string {
	if bootID == "" {
		return ""
	}
	return fmt.Sprintf("oom:%s:counter:%d", bootID, n)
}

// StageID is the identity of an escalation stage of the incident that
// started at start: each stage is reached once per incident.
func StageID(start time.Time, s Stage) string {
	return "escalation:" + start.UTC().Format(time.RFC3339Nano) + ":" + s.String()
}

// OdooLog records a memory line of Odoo's log during the incident: a
// worker recycled at its soft limit, a MemoryError past its hard limit, a
// worker killed at its time limit, a CPU-limit recycle.
type OdooLog struct {
	What string `json:"what"` // recycled, memory-error, killed, cpu-limit
	PID  int    `json:"pid,omitempty"`
	Text string `json:"text"`
}

// OdooLogID names a line of Odoo's log the same way in every memtui on the
// host: when it was logged, by which process, saying what.
func OdooLogID(at time.Time, pid int, what string) string {
	return fmt.Sprintf("odoo:%s:%d:%s", at.UTC().Format(time.RFC3339Nano), pid, what)
}

// PGSaturation records PostgreSQL connections reaching (or leaving) saturation.
type PGSaturation struct {
	Saturated bool `json:"saturated"`
	Used      int  `json:"used"`
	Max       int  `json:"max"`
}

// ServiceRestarted records a watched process restarting (a service crash).
type ServiceRestarted struct {
	Name string `json:"name"`
}

// Stage is a step of the runbook's escalation path, in order.
type Stage int

// The escalation stages.
const (
	StageNone Stage = iota
	// StagePageOnCall: the OOM killer is active — page the on-call engineer now.
	StagePageOnCall
	// StageSeniorDevOps: 30 min in and memory still growing.
	StageSeniorDevOps
	// StageMaintenance: 1 h in — consider maintenance mode.
	StageMaintenance
	// StageEmergency: 2 h in — plan emergency scaling or rollback.
	StageEmergency
)

var stageNames = [...]string{"none", "page-on-call", "senior-devops", "maintenance-mode", "emergency-scaling"}

// String is the stage's file name ("page-on-call").
func (s Stage) String() string {
	if s < 0 || int(s) >= len(stageNames) {
		return fmt.Sprintf("stage-%d", int(s))
	}
	return stageNames[s]
}

// Advice is the runbook's sentence for the stage.
func (s Stage) Advice() string {
	switch s {
	case StagePageOnCall:
		return "OOM killer active: page the on-call engineer"
	case StageSeniorDevOps:
		return "30 min and memory still growing: escalate to senior DevOps"
	case StageMaintenance:
		return "1 h: consider enabling maintenance mode for investigation"
	case StageEmergency:
		return "2 h: plan emergency scaling or rollback"
	}
	return "no escalation"
}

// MarshalText writes the stage name.
func (s Stage) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a stage name.
func (s *Stage) UnmarshalText(b []byte) error {
	for i, n := range stageNames {
		if n == string(b) {
			*s = Stage(i)
			return nil
		}
	}
	return fmt.Errorf("unknown escalation stage %q", b)
}

// Escalation records a stage of the escalation path being reached.
type Escalation struct {
	Stage  Stage  `json:"stage"`
	Reason string `json:"reason"`
}

// Who is the person behind an action: the login user and, under sudo, the
// user who ran sudo.
type Who struct {
	User     string `json:"user"`
	UID      *int   `json:"uid,omitempty"`
	SudoUser string `json:"sudo_user,omitempty"`
}

// String is "root (sudo from alice)" or "alice".
func (w Who) String() string {
	if w.User == "" && w.SudoUser == "" {
		return ""
	}
	if w.SudoUser != "" {
		return w.User + " (sudo from " + w.SudoUser + ")"
	}
	return w.User
}

// MemFigure is memory at one moment, for before/after comparisons.
type MemFigure struct {
	At            time.Time `json:"at"`
	UsedPct       float64   `json:"used_pct"`
	SwapUsedBytes uint64    `json:"swap_used_bytes"`
}

// ActionStarted records an action about to run, exactly as confirmed.
type ActionStarted struct {
	// Run ties the started/finished/rechecked events of one run together.
	Run    string `json:"run"`
	Action string `json:"action"`
	Name   string `json:"name,omitempty"`
	Risk   string `json:"risk,omitempty"`
	Who    Who    `json:"who"`
	// Commands are the exact argv lists, run in order, no shell.
	Commands [][]string `json:"commands"`
	// Confirmation is what the person gave ("y", the typed id).
	Confirmation string     `json:"confirmation"`
	MemBefore    *MemFigure `json:"mem_before,omitempty"`
}

// CommandResult is the outcome of one step of an action: a command, an
// SQL statement, a terminate, a signal.
type CommandResult struct {
	// Argv is the command; for steps that run no program, the step in
	// words ("SQL statement 1", "SIGTERM").
	Argv []string `json:"argv"`
	// Exit is the exit status; nil when the command did not run to an exit
	// (not found, timed out, killed by a signal) or the step runs no program.
	Exit     *int     `json:"exit,omitempty"`
	Error    string   `json:"error,omitempty"`
	Duration Duration `json:"duration"`
	// Status is the runner's word for how the step ended ("ok", "failed",
	// "timed out" …) and Outcome the result in a few words ("exit 0",
	// "DELETE 5000", "4 of 4 backends ended"). Both are empty in timelines
	// written before steps carried them.
	Status  string `json:"status,omitempty"`
	Outcome string `json:"outcome,omitempty"`
}

// ActionFinished records how an action ended, step by step.
type ActionFinished struct {
	Run    string `json:"run"`
	Action string `json:"action"`
	// Commands are the steps, in order (the name is kept from when only
	// commands had steps, so older timelines still load).
	Commands []CommandResult `json:"commands"`
	// Exit is the action's overall status: the first non-zero exit, else 0;
	// nil when a command did not exit at all, or the kind runs no command.
	Exit     *int     `json:"exit,omitempty"`
	Error    string   `json:"error,omitempty"`
	Duration Duration `json:"duration"`
	// Status is how the run ended ("ok", "failed", "timed out",
	// "cancelled", "refused", "error") and Outcome what it did in a few
	// words ("DELETE 5000; DELETE 100"). Empty in older timelines, which
	// fall back to Exit and Error.
	Status  string `json:"status,omitempty"`
	Outcome string `json:"outcome,omitempty"`
	// OutputTail is the last part of the combined output, redacted and
	// bounded to MaxOutputTail bytes.
	OutputTail string     `json:"output_tail,omitempty"`
	MemAfter   *MemFigure `json:"mem_after,omitempty"`
}

// Succeeded says whether the action did what it was meant to: its status
// when recorded, else (older timelines) an exit status of 0.
func (v ActionFinished) Succeeded() bool {
	if v.Status != "" {
		return v.Status == "ok"
	}
	return v.Exit != nil && *v.Exit == 0
}

// OutcomeText is the action's outcome in a few words: the recorded outcome,
// or for older timelines the exit status or why there is none.
func (v ActionFinished) OutcomeText() string {
	if v.Outcome != "" {
		return oneLine(v.Outcome)
	}
	return exitText(v.Exit, v.Error)
}

// OutcomeText is the step's outcome in a few words, as ActionFinished's.
func (c CommandResult) OutcomeText() string {
	if c.Outcome != "" {
		return oneLine(c.Outcome)
	}
	return exitText(c.Exit, c.Error)
}

// Succeeded says whether the step did what it was meant to, as
// ActionFinished's.
func (c CommandResult) Succeeded() bool {
	if c.Status != "" {
		return c.Status == "ok"
	}
	return c.Exit != nil && *c.Exit == 0
}

// ActionRechecked records memory re-checked some time after an action.
type ActionRechecked struct {
	Run       string     `json:"run"`
	Action    string     `json:"action"`
	Waited    Duration   `json:"waited"`
	MemBefore *MemFigure `json:"mem_before,omitempty"`
	MemAfter  *MemFigure `json:"mem_after,omitempty"`
	// Result is "improved", "unchanged" or "worse" (see Verdict).
	Result string `json:"result"`
}

// Verdict compares memory before and after an action: "improved" when
// used % fell by at least one point, "worse" when it rose by one, else
// "unchanged"; "unknown" when either figure is missing.
func Verdict(before, after *MemFigure) string {
	if before == nil || after == nil {
		return "unknown"
	}
	switch d := after.UsedPct - before.UsedPct; {
	case d <= -1:
		return "improved"
	case d >= 1:
		return "worse"
	}
	return "unchanged"
}

// Note is free text someone added to the timeline.
type Note struct {
	Author string `json:"author,omitempty"`
	Text   string `json:"text"`
}

// Report field names, as set through ReportField.
const (
	FieldRootCause   = "root_cause"
	FieldResolution  = "resolution"
	FieldPrevention  = "prevention"
	FieldActionItems = "action_items" // one item per line
)

// ReportField sets one of the report's hand-written fields; the latest wins.
type ReportField struct {
	Field  string `json:"field"`
	Value  string `json:"value"`
	Author string `json:"author,omitempty"`
}

// ReportExported records where the report was written.
type ReportExported struct {
	Path string `json:"path"`
}

// Ended closes the incident.
type Ended struct {
	Reason string `json:"reason"`
}

// Kind implementations: one line each so the set is easy to audit.

// Kind implements Payload.
func (Started) Kind() Kind { return KindStarted }

// Kind implements Payload.
func (MemSample) Kind() Kind { return KindMemSample }

// Kind implements Payload.
func (SeverityChanged) Kind() Kind { return KindSeverityChanged }

// Kind implements Payload.
func (SwapGrowth) Kind() Kind { return KindSwapGrowth }

// Kind implements Payload.
func (OOMKill) Kind() Kind { return KindOOMKill }

// Kind implements Payload.
func (PGSaturation) Kind() Kind { return KindPGSaturation }

// Kind implements Payload.
func (ServiceRestarted) Kind() Kind { return KindServiceRestarted }

// Kind implements Payload.
func (OdooLog) Kind() Kind { return KindOdooLog }

// Kind implements Payload.
func (Escalation) Kind() Kind { return KindEscalation }

// Kind implements Payload.
func (ActionStarted) Kind() Kind { return KindActionStarted }

// Kind implements Payload.
func (ActionFinished) Kind() Kind { return KindActionFinished }

// Kind implements Payload.
func (ActionRechecked) Kind() Kind { return KindActionRechecked }

// Kind implements Payload.
func (Note) Kind() Kind { return KindNote }

// Kind implements Payload.
func (ReportField) Kind() Kind { return KindReportField }

// Kind implements Payload.
func (ReportExported) Kind() Kind { return KindReportExported }

// Kind implements Payload.
func (Ended) Kind() Kind { return KindEnded }

// newPayload returns a pointer to an empty payload of kind k.
func newPayload(k Kind) (Payload, bool) {
	switch k {
	case KindStarted:
		return &Started{}, true
	case KindMemSample:
		return &MemSample{}, true
	case KindSeverityChanged:
		return &SeverityChanged{}, true
	case KindSwapGrowth:
		return &SwapGrowth{}, true
	case KindOOMKill:
		return &OOMKill{}, true
	case KindPGSaturation:
		return &PGSaturation{}, true
	case KindServiceRestarted:
		return &ServiceRestarted{}, true
	case KindOdooLog:
		return &OdooLog{}, true
	case KindEscalation:
		return &Escalation{}, true
	case KindActionStarted:
		return &ActionStarted{}, true
	case KindActionFinished:
		return &ActionFinished{}, true
	case KindActionRechecked:
		return &ActionRechecked{}, true
	case KindNote:
		return &Note{}, true
	case KindReportField:
		return &ReportField{}, true
	case KindReportExported:
		return &ReportExported{}, true
	case KindEnded:
		return &Ended{}, true
	}
	return nil, false
}

// deref turns the pointer newPayload returned back into a value payload, so
// callers always switch on value types.
func deref(p Payload) Payload {
	switch v := p.(type) {
	case *Started:
		return *v
	case *MemSample:
		return *v
	case *SeverityChanged:
		return *v
	case *SwapGrowth:
		return *v
	case *OOMKill:
		return *v
	case *PGSaturation:
		return *v
	case *ServiceRestarted:
		return *v
	case *OdooLog:
		return *v
	case *Escalation:
		return *v
	case *ActionStarted:
		return *v
	case *ActionFinished:
		return *v
	case *ActionRechecked:
		return *v
	case *Note:
		return *v
	case *ReportField:
		return *v
	case *ReportExported:
		return *v
	case *Ended:
		return *v
	}
	return p
}

// line is an event's shape on disk.
type line struct {
	At     time.Time       `json:"at"`
	Kind   Kind            `json:"kind"`
	Writer string          `json:"writer,omitempty"`
	Seq    uint64          `json:"seq,omitempty"`
	ID     string          `json:"id,omitempty"`
	Data   json.RawMessage `json:"data"`
}

// MarshalJSON writes the event as one JSON object with its kind.
func (e Event) MarshalJSON() ([]byte, error) {
	if e.Data == nil {
		return nil, fmt.Errorf("incident: event at %s has no payload", e.At.Format(time.RFC3339))
	}
	data, err := json.Marshal(e.Data)
	if err != nil {
		return nil, err
	}
	return json.Marshal(line{At: e.At.UTC(), Kind: e.Data.Kind(), Writer: e.Writer, Seq: e.Seq, ID: e.ID, Data: data})
}

// UnmarshalJSON reads an event, typed by its kind.
func (e *Event) UnmarshalJSON(b []byte) error {
	if ev, ok := fastDecode(b); ok {
		*e = ev
		return nil
	}
	var l line
	if err := json.Unmarshal(b, &l); err != nil {
		return err
	}
	p, ok := newPayload(l.Kind)
	if !ok {
		return fmt.Errorf("unknown event kind %q", l.Kind)
	}
	if len(l.Data) == 0 {
		return fmt.Errorf("%s event without data", l.Kind)
	}
	if err := json.Unmarshal(l.Data, p); err != nil {
		return fmt.Errorf("%s event: %w", l.Kind, err)
	}
	*e = Event{At: l.At, Writer: l.Writer, Seq: l.Seq, ID: l.ID, Data: deref(p)}
	return nil
}

// fastDecode reads a line in exactly the shape MarshalJSON writes, with the
// envelope parsed by hand and only the payload given to encoding/json. Load
// of a 100,000-event timeline must stay under a second on a loaded host, and
// the generic path validates and decodes every line three times over. Any
// deviation (hand-edited file, escapes, torn line) returns false and the
// caller takes the generic path, so this is never less strict.
func fastDecode(b []byte) (Event, bool) {
	var ev Event
	rest, ok := bytes.CutPrefix(b, []byte(`{"at":"`))
	if !ok {
		return ev, false
	}
	field := func(prefix string) ([]byte, bool) {
		r, ok := bytes.CutPrefix(rest, []byte(prefix))
		if !ok {
			return nil, false
		}
		i := bytes.IndexByte(r, '"')
		if i < 0 || !plainJSONString(r[:i]) {
			return nil, false
		}
		rest = r[i+1:]
		return r[:i], true
	}
	i := bytes.IndexByte(rest, '"')
	if i < 0 {
		return ev, false
	}
	// UnmarshalText is the strict RFC 3339 parse encoding/json uses.
	var at time.Time
	if err := at.UnmarshalText(rest[:i]); err != nil {
		return ev, false
	}
	rest = rest[i+1:]
	kind, ok := field(`,"kind":"`)
	if !ok {
		return ev, false
	}
	if bytes.HasPrefix(rest, []byte(`,"writer":"`)) {
		w, ok := field(`,"writer":"`)
		if !ok {
			return ev, false
		}
		ev.Writer = string(w)
	}
	if r, ok := bytes.CutPrefix(rest, []byte(`,"seq":`)); ok {
		n := 0
		for n < len(r) && r[n] >= '0' && r[n] <= '9' {
			n++
		}
		if n > 1 && r[0] == '0' {
			return ev, false // JSON has no leading zeros
		}
		seq, err := strconv.ParseUint(string(r[:n]), 10, 64)
		if err != nil {
			return ev, false
		}
		ev.Seq, rest = seq, r[n:]
	}
	if bytes.HasPrefix(rest, []byte(`,"id":"`)) {
		id, ok := field(`,"id":"`)
		if !ok {
			return ev, false
		}
		ev.ID = string(id)
	}
	data, ok := bytes.CutPrefix(rest, []byte(`,"data":`))
	if !ok || len(data) < 2 || data[len(data)-1] != '}' {
		return ev, false
	}
	data = data[:len(data)-1]
	p, ok := newPayload(Kind(kind))
	if !ok || json.Unmarshal(data, p) != nil {
		return ev, false
	}
	ev.At, ev.Data = at, deref(p)
	return ev, true
}

// plainJSONString says whether b reads the same as JSON string content and
// as raw bytes: valid UTF-8, no escapes, no control characters.
func plainJSONString(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == '\\' {
			return false
		}
	}
	return utf8.Valid(b)
}

// Summary is a one-line description of the event for timelines.
func (e Event) Summary() string {
	switch v := e.Data.(type) {
	case Started:
		return "incident started: " + v.Reason
	case MemSample:
		s := fmt.Sprintf("memory %.1f%%", v.UsedPct)
		if p, ok := v.SwapPct(); ok {
			s += fmt.Sprintf(", swap %.1f%%", p)
		}
		return s
	case SeverityChanged:
		return fmt.Sprintf("severity %s → %s at %.1f%%", v.From, v.To, v.UsedPct)
	case SwapGrowth:
		if v.Growing {
			return fmt.Sprintf("swap growing: +%s in %s (now %s)", units.Bytes(uint64(max(v.DeltaBytes, 0))), units.Duration(time.Duration(v.Window)), units.Bytes(v.SwapUsedBytes))
		}
		return fmt.Sprintf("swap stopped growing (%s used)", units.Bytes(v.SwapUsedBytes))
	case OOMKill:
		return "OOM kill: " + v.describe()
	case PGSaturation:
		if v.Saturated {
			return fmt.Sprintf("PostgreSQL connections saturated: %d of %d", v.Used, v.Max)
		}
		return fmt.Sprintf("PostgreSQL connections back to %d of %d", v.Used, v.Max)
	case ServiceRestarted:
		return "service restarted: " + v.Name
	case OdooLog:
		return "odoo log: " + v.Text
	case Escalation:
		return "escalation: " + v.Stage.Advice()
	case ActionStarted:
		s := "action " + v.Action + " started"
		if w := v.Who.String(); w != "" {
			s += " by " + w
		}
		return s
	case ActionFinished:
		if v.Outcome == "" {
			return "action " + v.Action + " finished: " + exitText(v.Exit, v.Error) + " in " + units.Duration(time.Duration(v.Duration))
		}
		// The duration goes first: outcomes carry times of their own
		// ("exited 1.2s after SIGTERM").
		return "action " + v.Action + " finished in " + units.Duration(time.Duration(v.Duration)) + ": " + v.OutcomeText()
	case ActionRechecked:
		s := "action " + v.Action + " re-checked: " + v.Result
		if v.MemBefore != nil && v.MemAfter != nil {
			s += fmt.Sprintf(" (%.1f%% → %.1f%%)", v.MemBefore.UsedPct, v.MemAfter.UsedPct)
		}
		return s
	case Note:
		if v.Author != "" {
			return "note (" + v.Author + "): " + oneLine(v.Text)
		}
		return "note: " + oneLine(v.Text)
	case ReportField:
		return "report " + strings.ReplaceAll(v.Field, "_", " ") + " set"
	case ReportExported:
		return "report exported to " + v.Path
	case Ended:
		return "incident ended: " + v.Reason
	}
	return string(e.Kind())
}

// describe is "pid 4242 odoo-bin (uid 1001, anon-rss 1.90 GiB)".
func (k OOMKill) describe() string {
	var b strings.Builder
	if k.PID != nil {
		fmt.Fprintf(&b, "pid %d ", *k.PID)
	}
	if k.Comm != "" {
		b.WriteString(k.Comm)
	} else {
		b.WriteString("(process not named)")
	}
	var extra []string
	if k.UID != nil {
		extra = append(extra, fmt.Sprintf("uid %d", *k.UID))
	}
	if k.AnonRSSKB != nil {
		extra = append(extra, "anon-rss "+units.KiB(*k.AnonRSSKB))
	}
	if k.Count > 1 {
		extra = append(extra, fmt.Sprintf("%d kills", k.Count))
	}
	if len(extra) > 0 {
		b.WriteString(" (" + strings.Join(extra, ", ") + ")")
	}
	return b.String()
}

// exitText is "exit 0", "exit 3" or the error when there was no exit.
func exitText(exit *int, errText string) string {
	if exit != nil {
		return fmt.Sprintf("exit %d", *exit)
	}
	if errText != "" {
		return "no exit status (" + oneLine(errText) + ")"
	}
	return "no exit status"
}

// oneLine joins lines with " ⏎ " so free text fits one timeline row.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", " ⏎ ")
}
