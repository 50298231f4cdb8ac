package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/probes"
)

// fpTable is an Odoo host's process table at `at`: seven programs, of which
// the five largest hold 4096 + 1536 + 256 + 128 + 100 = 6116 MiB and the
// two smallest 12 MiB. workerMiB is each Odoo worker's RSS.
func fpTable(at time.Time, workerMiB uint64) probes.ProcTable {
	procs := []probes.Proc{
		mkProc(812, 1, "odoo", "odoo-bin", "", workerMiB, 0, 0),
		mkProc(820, 812, "odoo", "odoo-bin", "", workerMiB, 0, 0),
		mkProc(821, 812, "odoo", "odoo-bin", "", workerMiB, 0, 0),
		mkProc(822, 812, "odoo", "odoo-bin", "", workerMiB, 0, 0),
		mkProc(900, 1, "postgres", "postgres", "", 512, 0, 0),
		mkProc(903, 900, "postgres", "postgres", "", 512, 0, 0),
		mkProc(904, 900, "postgres", "postgres", "", 512, 0, 0),
		mkProc(950, 1, "redis", "redis-server", "", 256, 0, 0),
		mkProc(960, 1, "www-data", "nginx", "", 64, 0, 0),
		mkProc(961, 960, "www-data", "nginx", "", 64, 0, 0),
		mkProc(970, 1, "www-data", "php-fpm8.1", "", 100, 0, 0),
		mkProc(980, 1, "root", "sshd", "", 8, 0, 0),
		mkProc(990, 980, "root", "bash", "", 4, 0, 0),
	}
	return probes.ProcTable{At: at, Procs: procs}
}

// The footprint's own tests (ranking, PSS, scale) are probes'
// TestFootprintOf and TestFootprintScale; these follow it through the ui.

// TestTimelineTakesProcessScans: the process panel's scans reach the
// detector: every memory sample carries the footprint, a restart the scans
// keep listing is recorded once, and the success criteria show figures
// instead of "not measured". A failed scan makes the footprint unknown.
func TestTimelineTakesProcessScans(t *testing.T) {
	tl := &fakeTimeline{}
	c := &clock{t0}
	p := startedPanel(t, tl, c)
	restart := probes.Restart{At: t0.Add(200 * time.Second), Program: "odoo-bin",
		Old: probes.ProcKey{PID: 812, Start: 1}, New: probes.ProcKey{PID: 812, Start: 8120}}
	for s := 0; s <= 420; s++ {
		at := t0.Add(time.Duration(s) * time.Second)
		c.t = at
		if s%2 == 0 { // scans on their own schedule, here every 2 s
			tab := fpTable(at, 1024)
			res := probes.ProcScanResult{Table: tab, Footprint: probes.FootprintOf(tab.Procs)}
			if s >= 200 {
				res.Restarts = []probes.Restart{restart} // the last hour's, every scan
			}
			p, _ = step(t, p, procsScannedMsg{id: 1, res: res})
		}
		p, _ = step(t, p, memSampledMsg{at: at, mem: memAt(at, 90, 30, 0)})
	}
	var restarts []string
	samples := 0
	for _, ev := range tl.recorded {
		switch v := ev.Data.(type) {
		case incident.ServiceRestarted:
			restarts = append(restarts, v.Name+"@"+ev.At.Format("15:04:05"))
		case incident.MemSample:
			samples++
			if v.ProcRSSBytes == nil || *v.ProcRSSBytes != 6116*procMiB {
				t.Fatalf("sample at %s: footprint %v, want 6116 MiB", ev.At.Format("15:04:05"), v.ProcRSSBytes)
			}
		}
	}
	if samples < 10 {
		t.Fatalf("only %d samples recorded: %s", samples, tl.kinds())
	}
	if diff := cmp.Diff([]string{"odoo-bin@13:03:20"}, restarts); diff != "" {
		t.Errorf("restarts recorded (-want +got):\n%s", diff)
	}
	crit := p.st.Criteria
	fp, crash := crit[3], crit[4]
	if fp.State != incident.Met || !strings.HasPrefix(fp.Figure, "5.97 GiB at 13:07:00, 5.97 GiB at 13:02:00 (+0.0%") {
		t.Errorf("footprint criterion %+v", fp)
	}
	if crash.State != incident.NotMet || !strings.Contains(crash.Figure, "restarted at 13:03:20") {
		t.Errorf("crash criterion %+v", crash)
	}

	// A failed scan: the next readings carry no footprint.
	p, _ = step(t, p, procsScannedMsg{id: 1, err: errors.New("scanning the process table took over 5s")})
	for s := 421; s <= 430; s++ {
		at := t0.Add(time.Duration(s) * time.Second)
		c.t = at
		p, _ = step(t, p, memSampledMsg{at: at, mem: memAt(at, 90, 30, 0)})
	}
	last := tl.recorded[len(tl.recorded)-1]
	if v, ok := last.Data.(incident.MemSample); !ok || v.ProcRSSBytes != nil {
		t.Errorf("after a failed scan the last event is %s %+v, want a sample without footprint", last.Kind(), last.Data)
	}
}

// TestRootForwardsScansToTheTimeline: the root broadcasts the process
// panel's scan, so the timeline sees it without the panel knowing.
func TestRootForwardsScansToTheTimeline(t *testing.T) {
	c := &clock{t0}
	m := New(timelineDeps(&fakeTimeline{}, c))
	tab := fpTable(t0, 1024)
	m = feed(m, procsScannedMsg{id: m.procs.id, res: probes.ProcScanResult{Table: tab, Footprint: probes.FootprintOf(tab.Procs)}},
		recordEventsMsg{events: []incident.Event{{At: t0, Data: incident.Note{Text: "open one"}}}},
		memSampledMsg{at: t0, mem: memAt(t0, 90, 30, 0)})
	if got := m.timeline.st.Summary.Last.ProcRSSBytes; got == nil || *got != 6116*procMiB {
		t.Errorf("timeline footprint after a scan through the root: %v", got)
	}
}
