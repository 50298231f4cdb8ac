//go:build !memtui_watch

// memtui replay FILE: the dashboard at any moment of a recording.

package main

import (
	"context"
	"fmt"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spf13/cobra"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/incident/store"
	"github.com/memtui/memtui/internal/redact"
	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/host"
	"github.com/memtui/memtui/probes/record"
	"github.com/memtui/memtui/ui"
)

// newReplayCmd is `memtui replay FILE`.
func newReplayCmd(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "replay FILE",
		Short: "The dashboard at any moment of a recording (read-only)",
		Long: `replay opens a recording made by memtui record and shows the full dashboard as
it was at the recorded moment: memory, the top processes, PostgreSQL, OOM kills.

  ←/→    step one sample back or forward
  [ / ]  jump to the previous / next event (OOM kill, severity change, action)
  space  play or pause; >  speed 1×, 10×, 60×

Nothing is read from or written to this machine: no action runs, and no
incident timeline is written unless --incident names one.`,
		Example: `  memtui replay ~/.local/state/memtui/incidents/recording-20260301T020000Z.rec`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReplay(o, args[0])
		},
	}
}

// runReplay loads the recording and runs the dashboard over it.
func runReplay(o *options, path string) error {
	if err := o.validate(); err != nil {
		return err
	}
	rec, err := record.Load(path)
	if err != nil {
		return err
	}
	if len(rec.Mem) == 0 {
		return fmt.Errorf("%s: the recording holds no sample yet", path)
	}
	if o.incident != "" {
		// The timeline knows what the recording cannot: the actions and
		// notes of the incident, as events to jump to.
		evs, err := incidentEvents(o.incident)
		if err != nil {
			return err
		}
		rec.AddEvents(evs...)
	}
	cur := record.NewCursor(rec, time.Now)
	h := host.NewRecording(path, rec, cur)
	actionSvc, err := newActionService(o, h, os.Getenv("SUDO_USER"))
	if err != nil {
		return err
	}
	pg, pgWhy := h.Postgres()
	actErr := h.CanAct()
	interval := time.Duration(rec.Header.Interval) * time.Millisecond
	if interval <= 0 {
		interval = time.Second
	}
	facts := readFacts(h)
	d := ui.Deps{
		Now:         cur.Now, // the screen's clock is the recording's
		Host:        hostInfo(h, facts),
		Memory:      h.Memory(),
		Interval:    min(interval, time.Second),
		Thresholds:  probes.DefaultThresholds(),
		ReadOnly:    true,
		ReadOnlyWhy: errText(actErr),
		Styles:      terminalStyles(o),
		Location:    time.Local,
		Replay:      cursorAdapter{cur},
		Procs:       h.Processes(probes.GrowthConfig{}),
		OOM:         h.OOM(context.Background(), true),
		PG:          pg,
		PGOffWhy:    pgWhy,
		PGInterval:  min(interval, time.Second),
		Actions:     actionSvc,
		Author:      author(),
	}
	// A replay writes no timeline of its own: only one named on purpose.
	if o.incident != "" {
		sess, closeSession := newIncidentSession(o, h, detectorFacts(facts), d.Thresholds)
		defer closeSession()
		d.Incident = sess
	}
	_, err = tea.NewProgram(ui.New(d), o.programOptions()...).Run()
	return err
}

// cursorAdapter gives the ui the cursor in its own words (ui.ReplayCursor):
// an event becomes the sentence the flash line shows.
type cursorAdapter struct{ *record.Cursor }

func (c cursorAdapter) JumpEvent(dir int) (string, bool) {
	e, ok := c.Cursor.JumpEvent(dir)
	if !ok {
		return "", false
	}
	return e.At.Local().Format("15:04:05") + " " + e.Text, true
}

// incidentEvents are the actions and notes of an incident timeline.
func incidentEvents(path string) ([]record.Event, error) {
	l, err := store.Load(path)
	if err != nil {
		return nil, err
	}
	var out []record.Event
	for _, e := range l.Events {
		switch d := e.Data.(type) {
		case incident.ActionStarted:
			out = append(out, record.Event{At: e.At, Kind: record.EventAction, Text: "action " + d.Action + " started"})
		case *incident.ActionStarted:
			out = append(out, record.Event{At: e.At, Kind: record.EventAction, Text: "action " + d.Action + " started"})
		case incident.Note:
			out = append(out, record.Event{At: e.At, Kind: record.EventNote, Text: "note: " + redact.Redact(d.Text)})
		case *incident.Note:
			out = append(out, record.Event{At: e.At, Kind: record.EventNote, Text: "note: " + redact.Redact(d.Text)})
		}
	}
	return out, nil
}
