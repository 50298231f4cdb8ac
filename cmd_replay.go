//go:build !memtui_watch

// memtui replay FILE: the dashboard at any moment of a recording.

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
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

// replayMaxBytes bounds what a replay holds of a recording: about 8 MB a
// recorded hour on a host of 2,000 processes, so some 60 hours at once.
// Past it, replay asks for --from and --to instead of taking a gigabyte of
// a host that may be short of memory.
const replayMaxBytes = 512 << 20

// replayLead is what a replay keeps before --from: the memory chart's
// window, so the chart is whole at the first moment shown.
const replayLead = ui.ChartWindow

// newReplayCmd is `memtui replay FILE`.
func newReplayCmd(o *options) *cobra.Command {
	var from, to string
	cmd := &cobra.Command{
		Use:   "replay FILE",
		Short: "The dashboard at any moment of a recording (read-only)",
		Long: `replay opens a recording made by memtui record and shows the full dashboard as
it was at the recorded moment: memory, the top processes, PostgreSQL, OOM kills.

  ←/→    step one sample back or forward
  [ / ]  jump to the previous / next event (OOM kill, severity change, action)
  space  play or pause; >  speed 1×, 10×, 60×

Nothing is read from or written to this machine: no action runs, and no
incident timeline is written unless --incident names one.

A replay holds what it shows in memory, about 8 MB a recorded hour on a host
of 2,000 processes. A recording of more than some 60 hours is refused whole:
replay a part with --from and --to. Each takes a time as
  2026-03-01T02:00:00Z      RFC 3339
  2026-03-01 02:00[:05]     local time
  02:00[:05]                local time, the first at or after the recording's
                            start (for --to: after --from)
  +90m                      that long after the recording's start
and --from keeps the 10 minutes before it too, for the memory chart.`,
		Example: `  memtui replay ~/.local/state/memtui/recordings/recording-20260301T020000Z.rec
  memtui replay --from 03:10 --to 04:00 recording-20260301T020000Z.rec
  memtui replay --from +26h --to +28h recording-20260301T020000Z.rec`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := replayWindow(args[0], from, to)
			if err != nil {
				return err
			}
			return runReplay(o, args[0], w)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "replay from `TIME`: RFC 3339, local \"2006-01-02 15:04\" or \"15:04\", or +DURATION after the recording's start")
	cmd.Flags().StringVar(&to, "to", "", "replay up to `TIME` (as --from)")
	return cmd
}

// replayWindow is what of the recording at path to load for --from and
// --to.
func replayWindow(path, from, to string) (record.Window, error) {
	w := record.Window{MaxBytes: replayMaxBytes}
	if from == "" && to == "" {
		return w, nil
	}
	h, err := record.ReadHeader(path)
	if err != nil {
		return w, err
	}
	if from != "" {
		if w.From, err = replayTime(from, h.Started, h.Started, time.Local); err != nil {
			return w, fmt.Errorf("--from %q: %w", from, err)
		}
		w.Lead = replayLead
	}
	if to != "" {
		// A clock time in --to is the first after --from: --from
		// "2026-03-03 01:00" --to 03:00 ends two hours later.
		base := h.Started
		if !w.From.IsZero() {
			base = w.From
		}
		if w.To, err = replayTime(to, h.Started, base, time.Local); err != nil {
			return w, fmt.Errorf("--to %q: %w", to, err)
		}
	}
	if !w.From.IsZero() && !w.To.IsZero() && !w.To.After(w.From) {
		return w, fmt.Errorf("--to %s is not after --from %s", localTime(w.To), localTime(w.From))
	}
	return w, nil
}

// localTime is t as the replay's messages give a moment.
func localTime(t time.Time) string { return t.In(time.Local).Format(time.DateTime) }

// replayTime reads a --from or --to value: a clock time is the first at
// or after base, and +DURATION counts from start.
func replayTime(s string, start, base time.Time, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		d, err := time.ParseDuration(rest)
		if err != nil || d < 0 {
			return time.Time{}, errors.New("want a duration after the start such as +90m or +26h")
		}
		return start.Add(d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"15:04:05", "15:04"} {
		c, err := time.ParseInLocation(layout, s, loc)
		if err != nil {
			continue
		}
		st := base.In(loc)
		t := time.Date(st.Year(), st.Month(), st.Day(), c.Hour(), c.Minute(), c.Second(), 0, loc)
		if t.Before(st) {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	return time.Time{}, errors.New("want 2026-03-01T02:00:00Z, \"2026-03-01 02:00\", 02:00 or +90m")
}

// runReplay loads what w keeps of the recording and runs the dashboard
// over it.
func runReplay(o *options, path string, w record.Window) error {
	if err := o.validate(); err != nil {
		return err
	}
	rec, err := record.LoadWindow(path, w)
	if errors.Is(err, record.ErrTooLarge) {
		return fmt.Errorf("%w: replay a part of it with --from and --to (memtui replay --help)", err)
	}
	if err != nil {
		return err
	}
	if len(rec.Mem) == 0 {
		if (w.From.IsZero() && w.To.IsZero()) || rec.First.IsZero() {
			return fmt.Errorf("%s: the recording holds no sample yet", path)
		}
		var span []string
		if !w.From.IsZero() {
			span = append(span, "from "+localTime(w.From))
		}
		if !w.To.IsZero() {
			span = append(span, "to "+localTime(w.To))
		}
		switch {
		case !rec.Stopped:
			return fmt.Errorf("%s: no sample %s: the recording runs from %s to %s", path, strings.Join(span, " "), localTime(rec.First), localTime(rec.Last))
		case rec.First.After(w.To):
			return fmt.Errorf("%s: no sample %s: the recording starts at %s", path, strings.Join(span, " "), localTime(rec.First))
		default:
			return fmt.Errorf("%s: no sample %s: the next one is at %s", path, strings.Join(span, " "), localTime(rec.Last))
		}
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
	if !w.From.IsZero() {
		cur.Seek(w.From) // the lead before it is the chart's history
	}
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
