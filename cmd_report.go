// memtui report, and the incident timeline the dashboard writes.

package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/incident/store"
	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/host"
)

// incidentDir is where timelines live: --incident-dir (or incident_dir in a
// config file), else the per-user default from XDG_STATE_HOME or HOME.
func incidentDir(o *options) (string, error) {
	if o.incidentDir != "" {
		return o.incidentDir, nil
	}
	return store.DefaultDir(os.Getenv("XDG_STATE_HOME"), os.Getenv("HOME"))
}

// newTimeline is the dashboard's incident journal: --incident, or a new
// file per incident in the default directory. nil (no timeline, the panel
// says so) when neither is usable; the error shows in the panel then.
// A replay's incidents are named after the captured host and kept in a
// directory of their own beside the live one, so a replay never resumes a
// live incident and `memtui report` never takes one for the newest.
func newTimeline(o *options, h host.Host) *store.Journal {
	dir, err := incidentDir(o)
	if err != nil && o.incident == "" {
		return nil
	}
	switch {
	case dir == "" || h.Kind() == host.KindLive:
	case h.Kind() == host.KindPrometheus:
		dir = fleetDir(dir)
	default:
		dir = replayDir(dir)
	}
	j := store.NewJournal(dir, o.incident, h.Name())
	rb, err := loadRunbook(o)
	if err != nil {
		rb.Related = actions.DefaultRelated // the dashboard refuses a bad runbook itself
	}
	j.Related = relatedLinks(rb)
	return j
}

// relatedLinks are the runbook's related runbooks for the report.
func relatedLinks(rb actions.Runbook) []incident.Link {
	out := make([]incident.Link, 0, len(rb.Related))
	for _, l := range rb.Related {
		out = append(out, incident.Link{Name: l.Name, URL: l.URL})
	}
	return out
}

// replayDir is where replays keep their incidents: "replays" beside the
// live "incidents" directory, never inside it.
func replayDir(incidents string) string {
	return filepath.Join(filepath.Dir(incidents), "replays")
}

// fleetDir is where the fleet keeps the incidents of the hosts it opens:
// "fleet" beside the live "incidents" directory. They are this machine's
// notes about another host, never mixed with this host's own incidents.
func fleetDir(incidents string) string {
	return filepath.Join(filepath.Dir(incidents), "fleet")
}

// newIncidentSession is the headless incident session the dashboard
// shows: the detector tuned to th, over the host's journal (one writer per
// host through its lock). The boot id names OOM kills across processes.
func newIncidentSession(o *options, h host.Host, facts incident.HostFacts, th probes.Thresholds) (*incident.Session, func()) {
	facts.BootID = h.BootID()
	cfg := incident.SessionConfig{Now: time.Now, Detector: incident.Config{
		Host:   facts,
		Levels: incident.Levels{Warning: th.Warning, High: th.High, Critical: th.Critical},
	}}
	closeFn := func() {}
	if j := newTimeline(o, h); j != nil {
		cfg.Timeline = j
		closeFn = func() { j.Close() } // releases the writer lock for an observer to take
	}
	return incident.NewSession(cfg), closeFn
}

// author names the person at the keyboard the way actions name who ran
// them: the effective user, and under sudo who ran sudo ("root (sudo from
// alice)"), so notes and actions in one report are credited alike.
func author() string {
	return actions.Who{User: userName(), SudoUser: os.Getenv("SUDO_USER")}.String()
}

func newReportCmd(o *options, stdout io.Writer) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write the post-incident report of a timeline as markdown",
		Long: `Write the post-incident report of an incident timeline as GitHub markdown:
the runbook's "Memory Incident Report" (date, host, peak memory, duration,
root cause, resolution, prevention, action items), then a chart of memory and
swap, the timeline, the actions with their exact commands and effect, the OOM
kills, the escalation stages reached and the success criteria.

Without --incident it reports on the newest timeline under
$XDG_STATE_HOME/memtui/incidents (or ~/.local/state/memtui/incidents).
Fields nobody filled in are marked "not recorded"; an incident still in
progress says so.

-o writes only to a regular file, replaced atomically: a path that is a
device, a FIFO, a directory or a symbolic link is refused, so -o /dev/null
never replaces the device. --incident must be a regular file too; a line
of it longer than 1 MiB is skipped and listed under "Lines that could not
be read".`,
		Example: `  memtui report                               # newest incident, to stdout
  memtui report -o incident.md                # to a file (mode 0600)
  memtui report --incident /var/tmp/db1.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// A run that ended while memtui was killed belongs in the
			// report: its keeper left the end for the next memtui.
			name, _ := os.Hostname()
			if n, err := recordOrphans(o, name); n > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "recorded the end of %d run(s) that finished while no memtui was running\n", n)
			} else if err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "memtui: %v\n", err)
			}
			dir := ""
			if o.incident == "" {
				d, err := incidentDir(o)
				if err != nil {
					return err
				}
				dir = d
			}
			// The related runbooks of the runbook file (its [related]); a
			// file that does not load leaves the seed's titles.
			rb, rerr := loadRunbook(o)
			if rerr != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "memtui: related runbooks not read: %v\n", rerr)
				rb = actions.Runbook{Related: actions.DefaultRelated}
			}
			written, timeline, err := store.ReportFile(store.ReportRequest{Incident: o.incident, Dir: dir, Out: out, Now: time.Now(), Stdout: stdout, Related: relatedLinks(rb)})
			if err != nil {
				return err
			}
			if written != "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "report of %s written to %s\n", timeline, written)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the report to this regular file (mode 0600, replaced atomically) instead of stdout; a device, FIFO, directory or symlink is refused")
	return cmd
}
