package probes

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/memtui/memtui/internal/golden"
)

// TestProposeOdooLimitsSeedHost: the runbook's odoo.conf on its 8 GB,
// 2-CPU example host with 2 GB of shared_buffers and 100 connections. A
// tenth of RAM is kept, the rest less shared_buffers is 5.20 GiB for 6
// processes: a hard limit of 832 MiB (rounded down to 64 MiB), a soft one
// of 640 MiB, and db_maxconn 12 = (100 − 10) ÷ 7. Four workers on two
// CPUs stay.
func TestProposeOdooLimitsSeedHost(t *testing.T) {
	c, _ := ParseOdooConf([]byte(seedConf))
	p, err := ProposeOdooLimits(c, OdooHost{MemTotal: 8 << 30, CPUs: 2, PGSharedBuffers: 2 << 30, PGMaxConnections: 100})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"limit_memory_hard": "872415232", "limit_memory_soft": "671088640", "db_maxconn": "12"}
	if diff := cmp.Diff(want, p.Set); diff != "" {
		t.Errorf("proposal (-want +got)\n%s\n%s", diff, strings.Join(p.Why, "\n"))
	}
	why := strings.Join(p.Why, "\n")
	for _, w := range []string{
		"limit_memory_hard 2.50 GiB → 832 MiB: (RAM 8.00 GiB − shared_buffers 2.00 GiB − reserve 819 MiB) = 5.20 GiB ÷ (workers 4 + cron 2), rounded down to 64.0 MiB",
		"limit_memory_soft 2.00 GiB → 640 MiB: 4/5 of limit_memory_hard 832 MiB",
		"db_maxconn 64 → 12: (max_connections 100 − 10 kept for superusers) ÷ (workers 4 + cron 2 + 1)",
	} {
		if !strings.Contains(why, w) {
			t.Errorf("the arithmetic lacks %q:\n%s", w, why)
		}
	}
	// Nine workers on 2 CPUs and 4 GB: fewer workers, then limits.
	c.Workers = 9
	p, err = ProposeOdooLimits(c, OdooHost{MemTotal: 4 << 30, CPUs: 2})
	if err != nil || p.Set["workers"] == "" {
		t.Fatalf("9 workers on 2 CPUs: %v %v", p.Set, err)
	}
	t.Logf("9 workers, 2 CPUs, 4 GiB:\n%s", strings.Join(p.Why, "\n"))
	// Threaded mode: nothing to adjust, said so.
	c.Workers = 0
	if _, err := ProposeOdooLimits(c, OdooHost{MemTotal: 8 << 30}); err != ErrOdooThreaded {
		t.Errorf("threaded: %v", err)
	}
}

// TestEditOdooConfDiff: the proposal written into the runbook's odoo.conf
// changes only the lines of its keys (inline comments go with them), adds
// db_maxconn at the end of [options], leaves the other section and every
// other byte alone, and the diff shown before writing is golden.
func TestEditOdooConfDiff(t *testing.T) {
	set := map[string]string{"limit_memory_hard": "872415232", "limit_memory_soft": "671088640", "db_maxconn": "12"}
	out, err := EditOdooConf([]byte(seedConf), set)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseOdooConf(out)
	if err != nil || c.LimitMemoryHard != 872415232 || c.LimitMemorySoft != 671088640 || c.DBMaxconn != 12 || c.Workers != 4 || c.Logfile == "" {
		t.Fatalf("the edited file reads %+v, %v", c, err)
	}
	if !strings.Contains(string(out), "[other]\nworkers = 99\n") || !strings.Contains(string(out), "admin_passwd = hunter2\n") {
		t.Errorf("the edit touched what it should not:\n%s", out)
	}
	diff, err := UnifiedDiff("/etc/odoo/odoo.conf", "/etc/odoo/odoo.conf (proposed)", []byte(seedConf), out)
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, filepath.Join("testdata", "odoo", "seed.diff"), diff)
	if _, err := EditOdooConf([]byte("workers = 4\n"), set); err == nil {
		t.Error("a file without [options] was edited")
	}
	// Unchanged text: no hunk.
	if d, _ := UnifiedDiff("a", "b", []byte(seedConf), []byte(seedConf)); strings.Contains(d, "@@") {
		t.Errorf("diff of equal texts:\n%s", d)
	}
}
