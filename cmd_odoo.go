package main

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/internal/units"
	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/host"
	"github.com/memtui/memtui/probes/procfs"
)

// odooSnapshot reads the host's Odoo (live hosts only: a replay's
// odoo.conf is not in the capture) and puts it against this host's memory,
// CPUs and PostgreSQL.
func odooSnapshot(o *options, h host.Host, cur probes.Memory, cpus int, pg probes.PGSnapshot) probes.OdooSnapshot {
	if h.Kind() != host.KindLive {
		return probes.SnapshotOdoo(probes.OdooAssessment{}, false, false, "", procfs.ErrOdooReplay)
	}
	r, err := procfs.ReadOdoo(procfs.NewFS(o.proc, o.sys), o.odooConf)
	if err != nil {
		return probes.SnapshotOdoo(probes.OdooAssessment{}, false, false, "", err)
	}
	oh := probes.OdooHost{MemTotal: cur.Meminfo.MemTotal.Or(0), CPUs: cpus}
	if pg.Settings != nil {
		if pg.Settings.SharedBuffers != nil {
			oh.PGSharedBuffers = *pg.Settings.SharedBuffers
		}
		oh.PGMaxConnections = pg.Settings.MaxConnections
	}
	a := probes.AssessOdoo(r.Config, r.Procs, oh)
	s := probes.SnapshotOdoo(a, r.Running(), r.ConfErr == nil, r.FoundBy, r.ConfErr)
	if r.ConfErr == nil {
		l := procfs.ReadOdooLog(r.Config.Logfile, time.Now().Add(-time.Hour), time.Local)
		s.Log = &l
	}
	if r.Running() {
		unit := cmp.Or(r.Unit, "odoo.service")
		j := procfs.ReadOdooJournal(context.Background(), unit)
		s.Journal = &j
	}
	return s
}

// writeOdooText is the Odoo part of the text snapshot.
func writeOdooText(b *strings.Builder, s probes.OdooSnapshot) {
	b.WriteString("\nOdoo\n")
	switch {
	case !s.Running && s.ConfigPath == nil && s.Error != "":
		fmt.Fprintf(b, "  not running · %s\n", s.Error)
		return
	case !s.Running:
		b.WriteString("  not running")
	default:
		fmt.Fprintf(b, "  running")
		if s.MasterPID != nil {
			fmt.Fprintf(b, " · master pid %d", *s.MasterPID)
		}
		fmt.Fprintf(b, " · %d worker process(es); Odoo checks each worker's virtual size (VM) against its limits", len(s.WorkerProcesses))
	}
	if s.ConfigPath != nil {
		fmt.Fprintf(b, " · %s (%s)\n", *s.ConfigPath, s.FoundBy)
		fmt.Fprintf(b, "  workers %d + cron %d · limit_memory_soft %s · hard %s · db_maxconn %d\n",
			*s.Workers, *s.MaxCronThreads, units.Bytes(*s.LimitMemorySoftBytes), units.Bytes(*s.LimitMemoryHardBytes), *s.DBMaxconn)
	} else {
		b.WriteString("\n")
	}
	if s.Error != "" {
		fmt.Fprintf(b, "  error      %s\n", s.Error)
	}
	for _, w := range s.WorkerProcesses {
		if w.State != string(probes.OdooWorkerOK) {
			fmt.Fprintf(b, "  ▲ worker %d  VM %s (RSS %s)  %s\n", w.PID, units.Bytes(w.VMBytes), units.Bytes(w.RSSBytes), w.State)
		}
	}
	for _, w := range s.Warnings {
		fmt.Fprintf(b, "  ▲ %s\n", w)
	}
	for _, n := range s.Notes {
		fmt.Fprintf(b, "  · %s\n", n)
	}
	if j := s.Journal; j != nil {
		if j.Error != "" {
			fmt.Fprintf(b, "  journal    %s: %s\n", j.Unit, j.Error)
		} else {
			fmt.Fprintf(b, "  journal    %s: %d error line(s) in the last hour\n", j.Unit, j.Lines)
			for _, l := range j.Recent[max(len(j.Recent)-3, 0):] {
				fmt.Fprintf(b, "    %s\n", l)
			}
		}
	}
	if l := s.Log; l != nil {
		if l.Error != "" {
			fmt.Fprintf(b, "  log        %s\n", l.Error)
			return
		}
		fmt.Fprintf(b, "  log        %s, last hour: %d recycled (soft limit), %d MemoryError (hard limit), %d killed (time limit), %d CPU limit\n",
			l.Source, l.Recycled, l.MemoryError, l.Killed, l.CPULimit)
		for _, ev := range l.Recent[max(len(l.Recent)-5, 0):] {
			fmt.Fprintf(b, "    %s  %s\n", ev.At.Format("15:04:05"), ev.Text)
		}
	}
}

// odooLogEvery is how often the Odoo log is looked at for new memory lines.
const odooLogEvery = 10 * time.Second

// readOdoo finds the running Odoo and reads its configuration, once at
// start (it reads every process's stat); nil when there is no Odoo to
// follow: none running and no --odoo-conf, or an odoo.conf that cannot be
// read.
func readOdoo(o *options) *procfs.OdooReading {
	r, err := procfs.ReadOdoo(procfs.NewFS(o.proc, o.sys), o.odooConf)
	if err != nil || r.ConfErr != nil || !(r.Running() || o.odooConf != "") {
		return nil
	}
	return &r
}

// followOdooLog puts the memory lines Odoo logs during an incident on its
// timeline — workers recycled at the soft limit, MemoryErrors, workers
// killed at their time limit — once per line however many memtuis watch
// the host (each line's identity is its time, process and kind). Lines
// from before the incident opened stay in `memtui snapshot`. Nothing is
// done without a running Odoo whose odoo.conf names a logfile.
func followOdooLog(ctx context.Context, r *procfs.OdooReading, sess *incident.Session) {
	if r == nil || r.Config.Logfile == "" {
		return
	}
	f := procfs.NewOdooLogFollower(r.Config.Logfile, time.Local)
	go func() {
		t := time.NewTicker(odooLogEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			evs, err := f.Poll()
			if err != nil || len(evs) == 0 {
				continue
			}
			st := sess.State()
			if !st.Summary.Active() {
				continue // a line alone opens no incident
			}
			if add := odooLogEvents(evs, st.Summary.Start); len(add) > 0 {
				sess.Add(add...)
			}
		}
	}()
}

// odooLogEvents are the timeline events of the log lines logged since
// start.
func odooLogEvents(evs []probes.OdooLogEvent, start time.Time) []incident.Event {
	var out []incident.Event
	for _, e := range evs {
		if e.At.Before(start) {
			continue
		}
		out = append(out, incident.Event{At: e.At, ID: incident.OdooLogID(e.At, e.PID, string(e.Kind)),
			Data: incident.OdooLog{What: string(e.Kind), PID: e.PID, Text: e.Text}})
	}
	return out
}
