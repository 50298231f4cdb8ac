package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/memtui/memtui/actions/run"
	"github.com/memtui/memtui/actions/timeline"
	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/incident/store"
)

// newKeepCmd is the keeper a command action runs under (run.Keeper): not
// for people, so hidden from the help. memtui starts it with the run on
// stdin; it outlives memtui if it must, enforces the run's timeout and
// leaves the result for whichever memtui is there to record it.
func newKeepCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "keep",
		Short:  "run one action's commands for memtui (internal)",
		Hidden: true,
		Args:   cobra.NoArgs,
		// No config files: the request carries everything.
		PersistentPreRunE: func(*cobra.Command, []string) error { return nil },
		RunE: func(cmd *cobra.Command, _ []string) error {
			if code := run.Keep(os.Stdin, os.Stdout); code != 0 {
				return &exitError{code: code}
			}
			return nil
		},
	}
}

// runsDir is where runs under a keeper leave their locks and results:
// "runs" beside the incidents directory.
func runsDir(o *options) (string, error) {
	dir, err := incidentDir(o)
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(dir), "runs"), nil
}

// newKeeper runs command actions under memtui's own keeper, recording in
// the session's timeline; nil (commands run as memtui's children) when
// there is no state directory or no binary to start.
func newKeeper(o *options, sess *incident.Session) *run.Keeper {
	dir, err := runsDir(o)
	if err != nil {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	timeline := func() string {
		path, _, _ := sess.Incident()
		return path
	}
	return &run.Keeper{Argv: []string{exe, "keep"}, Dir: dir, Timeline: timeline}
}

// recordOrphans writes the end of every run that finished while no memtui
// was there to see it (memtui was killed; its keeper saw the run through)
// into the timeline the run started in, with a note saying so. It returns
// how many it recorded and the first problem; a run it cannot place stays
// for a later start.
func recordOrphans(o *options, host string) (int, error) {
	dir, err := runsDir(o)
	if err != nil {
		return 0, nil
	}
	orphans, err := run.Orphans(dir)
	n := 0
	var first error
	for _, or := range orphans {
		path := or.Timeline
		if path == "" {
			path = timelineOfRun(o, or.Result.RunID)
		}
		if path == "" {
			or.Close()
			first = cmpErr(first, fmt.Errorf("run %s ended while memtui was away, but no timeline holds its start", or.Result.RunID))
			continue
		}
		if err := appendOrphan(path, host, or); err != nil {
			or.Close()
			first = cmpErr(first, err)
			continue
		}
		_ = or.Done()
		n++
	}
	return n, cmpErr(err, first)
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// appendOrphan records or's end, and a note on how it was kept, in the
// timeline at path.
func appendOrphan(path, host string, or *run.Orphan) error {
	s, err := store.Open(path, host, or.Result.Started)
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := s.Append(timeline.Finished(or.Result)); err != nil {
		return err
	}
	note := incident.Event{At: or.Result.Finished, Data: incident.Note{Author: "memtui",
		Text: fmt.Sprintf("%s ended while no memtui was running (memtui was killed during the run); its keeper enforced the timeout and kept this outcome: %s",
			or.Result.ActionID, or.Result.Outcome)}}
	_, err = s.Append(note)
	return err
}

// timelineOfRun is the timeline in the incident directory whose text names
// run (its "started" record), newest first; "" when none does.
func timelineOfRun(o *options, runID string) string {
	dir, err := incidentDir(o)
	if err != nil {
		return ""
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	for i := len(files) - 1; i >= 0; i-- {
		b, err := os.ReadFile(files[i])
		if err == nil && strings.Contains(string(b), `"`+runID+`"`) {
			return files[i]
		}
	}
	return ""
}
