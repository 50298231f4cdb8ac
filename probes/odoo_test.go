package probes

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// seedConf is the runbook's own odoo.conf (its Configuration Reference).
const seedConf = `[options]
; the runbook's values
admin_passwd = hunter2
db_host = localhost
workers = 4                    # 2 * CPU cores + 1
max_cron_threads = 2          # Dedicated cron workers
limit_memory_hard = 2684354560 # 2.5GB
limit_memory_soft = 2147483648 # 2GB
limit_time_cpu = 60
limit_time_real = 120
logfile = /var/log/odoo/odoo-server.log

[other]
workers = 99
`

func TestParseOdooConf(t *testing.T) {
	c, err := ParseOdooConf([]byte(seedConf))
	if err != nil {
		t.Fatal(err)
	}
	want := OdooConfig{Workers: 4, MaxCronThreads: 2, LimitMemorySoft: 2 << 30, LimitMemoryHard: 2560 << 20,
		LimitTimeCPU: 60, LimitTimeReal: 120, DBMaxconn: OdooDefaultDBMaxconn, Logfile: "/var/log/odoo/odoo-server.log",
		Set: map[string]bool{"workers": true, "max_cron_threads": true, "limit_memory_hard": true, "limit_memory_soft": true,
			"limit_time_cpu": true, "limit_time_real": true, "logfile": true}}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("seed odoo.conf (-want +got)\n%s", diff)
	}
	// Nothing set: Odoo's defaults, threaded mode.
	c, err = ParseOdooConf([]byte("[options]\ndb_name = prod\n"))
	if err != nil || c.Workers != 0 || c.LimitMemoryHard != OdooDefaultLimitMemoryHard || c.MaxCronThreads != 2 || len(c.Set) != 0 {
		t.Errorf("defaults: %+v %v", c, err)
	}
	for _, bad := range []string{"[options]\nworkers = four\n", "[options]\nlimit_memory_hard = 2.5GB\n", "[options]\nworkers = -1\n"} {
		if _, err := ParseOdooConf([]byte(bad)); err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("%q: err %v, want one naming line 2", bad, err)
		}
	}
}

// TestAssessOdooSeedHost is the runbook's example on an 8 GB, 2-CPU host
// with PostgreSQL at 25 % shared_buffers and 100 connections: the limits
// let the workers take 15 GiB of a 6 GiB room, and Odoo may open 448
// connections. Workers are the master's children: one past the hard
// limit, one past the soft, one near it, by virtual size (what Odoo
// checks), whatever their RSS.
func TestAssessOdooSeedHost(t *testing.T) {
	c, _ := ParseOdooConf([]byte(seedConf))
	const mib = 1 << 20
	procs := []OdooProc{
		{PID: 100, PPID: 1, RSS: 180 * mib, VM: 400 * mib},
		{PID: 101, PPID: 100, RSS: 1200 * mib, VM: 2560 * mib},
		{PID: 102, PPID: 100, RSS: 900 * mib, VM: 2100 * mib},
		{PID: 103, PPID: 100, RSS: 1000 * mib, VM: 1900 * mib},
		{PID: 104, PPID: 100, RSS: 2200 * mib, VM: 1500 * mib}, // RSS over the soft limit, VM not: fine for Odoo
	}
	a := AssessOdoo(c, procs, OdooHost{MemTotal: 8 << 30, CPUs: 2, PGSharedBuffers: 2 << 30, PGMaxConnections: 100})
	if a.Master != 100 || len(a.Workers) != 4 || a.AtHard != 1 || a.OverSoft != 1 || a.NearSoft != 1 {
		t.Fatalf("master %d, %d workers, at hard %d, over soft %d, near soft %d", a.Master, len(a.Workers), a.AtHard, a.OverSoft, a.NearSoft)
	}
	if a.Workers[0].State != OdooWorkerAtHard || a.Workers[3].State != OdooWorkerOK {
		t.Errorf("states %+v", a.Workers)
	}
	got := strings.Join(a.Warnings, "\n")
	for _, want := range []string{
		"(workers 4 + cron 2) × limit_memory_hard 2.50 GiB = 15.0 GiB > RAM 8.00 GiB − PostgreSQL shared_buffers 2.00 GiB = 6.00 GiB",
		"(workers 4 + cron 2 + 1) × db_maxconn 64 = 448 > PostgreSQL max_connections 100",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "CPUs") {
		t.Errorf("4 workers on 2 CPUs (limit 5) warned:\n%s", got)
	}
	// Nine workers on two CPUs are too many.
	c.Workers = 9
	if a := AssessOdoo(c, procs, OdooHost{MemTotal: 64 << 30, CPUs: 2}); !strings.Contains(strings.Join(a.Warnings, "\n"), "workers 9 > 2 × 2 CPUs + 1 = 5") {
		t.Errorf("9 workers on 2 CPUs: %v", a.Warnings)
	}
	// Threaded mode: no limits to hold.
	c.Workers = 0
	if a := AssessOdoo(c, procs, OdooHost{MemTotal: 8 << 30}); len(a.Warnings) != 0 || len(a.Notes) != 1 || !strings.Contains(a.Notes[0], "threaded mode") {
		t.Errorf("threaded: %v %v", a.Warnings, a.Notes)
	}
}
