package ui

import (
	"time"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/probes"
)

// Messages of the dashboard. Results are past tense, requests imperative;
// each says who sends it and who consumes it.

// memTickMsg asks the memory panel to take a reading. Sent by the memory
// panel's own tick Cmd; consumed by memPanel.update. id and tag let stale
// ticks die when the interval changes or refresh is paused.
type memTickMsg struct {
	id  int
	tag int
}

// memSampledMsg carries one memory reading. Sent by readMemoryCmd; consumed
// by memPanel (chart, figures), the root (severity in the bars) and any
// panel that follows memory (the timeline's detector).
type memSampledMsg struct {
	at  time.Time
	mem probes.Memory
}

// flashMsg shows a levelled line in the bottom bar that clears itself.
// Sent by any Cmd that finishes an action or an export; consumed by the root.
type flashMsg struct {
	level flashLevel
	text  string
}

// flashExpiredMsg clears the flash line if it is still the one with seq.
// Sent by the root's flash timer; consumed by the root.
type flashExpiredMsg struct{ seq int }

// openDialogMsg asks the root to show d over the dashboard; it takes every
// key until d.closed(). Sent by panels (detail view, note, palette).
type openDialogMsg struct{ d dialog }

// pauseToggledMsg tells every panel that refresh was paused or resumed;
// panels bump their tick tag so pending ticks die. Sent by the root on the
// pause key; consumed by every panel.
type pauseToggledMsg struct{ paused bool }

// flashLevel is how loud a flash line is.
type flashLevel int

const (
	flashInfo flashLevel = iota
	flashWarn
	flashErr
)

// clockTickedMsg redraws the clock and the incident timers once a second
// while refresh is paused. Sent and consumed by the root.
type clockTickedMsg struct{ at time.Time }

// The process panel (panel_procs.go).

// procTickMsg asks the process panel to scan. Sent by procTickCmd; consumed
// by procPanel.update. id and tag let stale ticks die (pause, rescan).
type procTickMsg struct {
	id  int
	tag int
}

// procsScannedMsg carries one scan of the process table with growth applied
// (or the error that stopped it). Sent by scanProcsCmd; consumed by
// procPanel.update and an open process detail dialog (which re-reads then).
type procsScannedMsg struct {
	id   int
	res  probes.ProcScanResult
	err  error
	took time.Duration
}

// procDetailReadMsg carries one process's detail and RSS history. Sent by
// procDetailDialog.readCmd; consumed by the procDetailDialog with that key.
type procDetailReadMsg struct {
	key  probes.ProcKey
	d    probes.ProcDetail
	hist []probes.RSSSample
	err  error
}

// procFilterSetMsg sets the process table's filter while it is typed (done
// when enter or esc closed the input). Sent by procFilterDialog; consumed
// by procPanel.update.
type procFilterSetMsg struct {
	text string
	done bool
}

// The PostgreSQL panel (panel_pg.go).

// pgTickMsg asks the PostgreSQL panel to take a reading. Sent by the
// panel's own pgTickCmd; consumed by pgPanel.update (id and tag as for
// memTickMsg).
type pgTickMsg struct {
	id  int
	tag int
}

// pgSampledMsg carries one PostgreSQL reading (connected or not). Sent by
// readPGCmd; consumed by pgPanel and by anything that follows Postgres
// (the timeline's detector).
type pgSampledMsg struct {
	at time.Time
	r  probes.PGReading
}

// The OOM panel (panel_oom.go).

// oomKilledMsg carries kills that arrived while memtui runs, oldest first.
// Sent by waitOOMCmd when the kernel log follower has new kills; consumed
// by oomPanel (highlighted as new) and the timeline (one event per kill).
type oomKilledMsg struct {
	id    int // the oomPanel that asked; the timeline ignores it
	at    time.Time
	kills []probes.OOMKill
}

// oomLoadedMsg carries the kills already in the kernel log at start and
// the source's status. Sent by loadOOMCmd; consumed by oomPanel.
type oomLoadedMsg struct {
	id     int
	kills  []probes.OOMKill
	status probes.OOMSourceStatus
	start  probes.Val
}

// oomWaitEndedMsg says a wait for kills ended without any: its timeout
// passed (wait again) or following stopped (err is ErrFollowEnded or the
// source's error; status says why). Sent by waitOOMCmd; consumed by oomPanel.
type oomWaitEndedMsg struct {
	id     int
	err    error
	status probes.OOMSourceStatus
}

// The timeline panel (panel_timeline.go).

// timelineTickMsg asks the timeline panel to follow the shared file and
// retry unrecorded events. Sent by the panel's own tick; consumed by
// timelinePanel.update.
type timelineTickMsg struct {
	id  int
	tag int
}

// incidentSyncedMsg carries the incident session's state after a Sync
// (its I/O: load, writer lock, write, follow); err says the Sync did not
// finish in time. Sent by syncIncidentCmd; consumed by timelinePanel, which
// draws only this state.
type incidentSyncedMsg struct {
	state incident.SessionState
	err   error
}

// incidentChangedMsg says a Cmd handed the session something to record (an
// action's start, end or re-check, through incident.ActionObserver). Sent
// by startActionCmd, waitActionCmd and recheckActionCmd; consumed by
// timelinePanel, which syncs.
type incidentChangedMsg struct{}

// recordEventsMsg asks the timeline to record events a person typed (a
// note, report fields). Sent by the note and report dialogs and a note
// run from the palette; consumed by timelinePanel, which hands them to the
// session.
type recordEventsMsg struct{ events []incident.Event }

// endIncidentMsg asks the timeline to end the open incident by hand. Sent
// by the end-incident confirmation; consumed by timelinePanel.
type endIncidentMsg struct {
	at     time.Time
	reason string
}

// reportExportedMsg says where the report was written, or why not. Sent by
// exportReportCmd (the session has recorded the export); consumed by
// timelinePanel.
type reportExportedMsg struct {
	path string
	err  error
}

// The action palette (palette.go).

// actionPreviewedMsg carries what a confirmation must show before it may
// be confirmed (backends to terminate, SQL preview rows, the verified
// process). Sent by previewActionCmd; consumed by confirmDialog (seq
// drops answers to an earlier request).
type actionPreviewedMsg struct {
	seq     int
	preview actions.Preview
	err     error
}

// actionStartedMsg says a confirmed action is running (its start already
// handed to the incident session). Sent by startActionCmd;
// consumed by runDialog (token names the dialog that asked).
type actionStartedMsg struct {
	token int
	run   actions.RunHandle
	info  actions.Started
}

// actionOutputMsg is a snapshot of the running action's live output tail.
// Sent by pollActionOutputCmd every outputPoll; consumed by runDialog.
type actionOutputMsg struct {
	token int
	out   string
}

// actionFinishedMsg carries a finished run's result (its record already
// handed to the incident session). Sent by waitActionCmd; consumed by runDialog.
type actionFinishedMsg struct {
	token int
	res   actions.Result
}

// actionStartingMsg says a confirmed action is about to start (its
// "before" memory reading is being taken). Sent by confirmDialog.confirm,
// in sequence before startActionCmd; consumed by the root, which counts it
// as running so quitting cannot leave it behind.
type actionStartingMsg struct {
	token  int
	action string
}

// signalledMsg carries a signal memtui got. Sent by waitSignalCmd from
// Deps.Signals; consumed by the root model (quit.go).
type signalledMsg struct{ sig Signal }

// quitConfirmedMsg says the user chose to quit and cancel the running
// actions. Sent by quitDialog; consumed by the root.
type quitConfirmedMsg struct{}

// quitDeadlineMsg ends the wait for the cancelled runs' records: the root
// quits whatever happened. Sent by the root's quit timer; consumed by it.
type quitDeadlineMsg struct{}

// actionRecheckedMsg carries the memory re-check taken RecheckAfter after
// a run (its record already handed to the incident session). Sent by
// recheckActionCmd; consumed by runDialog.
type actionRecheckedMsg struct {
	token int
	rc    actions.Recheck
}

// privacyChangedMsg is sent by the root when P (or H) flips privacy or the
// war-room view turns it on; the process and PostgreSQL panels consume it
// to hide command-line arguments, users, client addresses and query text.
type privacyChangedMsg struct{ on bool }
