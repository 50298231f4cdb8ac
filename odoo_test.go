package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memtui/memtui/incident/store"
	"github.com/memtui/memtui/probes"
)

// TestHelperOdoo is not a test: run through a link named odoo-bin, it
// plays Odoo in prefork mode. The master (MEMTUI_ODOO_ROLE=master) starts
// one worker per MiB figure in MEMTUI_ODOO_WORKERS, each of which touches
// that much memory; everything ends when the master's stdin closes.
func TestHelperOdoo(t *testing.T) {
	role := os.Getenv("MEMTUI_ODOO_ROLE")
	switch role {
	case "":
		t.Skip("the Odoo of TestSnapshotOdoo")
	case "worker":
		mib, _ := strconv.Atoi(os.Getenv("MEMTUI_ODOO_MIB"))
		keep := make([]byte, mib<<20)
		for i := 0; i < len(keep); i += 4096 {
			keep[i] = 1
		}
		os.Stdout.WriteString("ready\n")
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
		keep[0]++
		os.Exit(0)
	}
	var workers []*exec.Cmd
	for _, f := range strings.Split(os.Getenv("MEMTUI_ODOO_WORKERS"), ",") {
		w := exec.Command(os.Args[0], os.Args[1:]...)
		w.Env = append(os.Environ(), "MEMTUI_ODOO_ROLE=worker", "MEMTUI_ODOO_MIB="+f)
		in, _ := w.StdinPipe()
		out, _ := w.StdoutPipe()
		if err := w.Start(); err != nil {
			os.Exit(2)
		}
		if l, err := bufio.NewReader(out).ReadString('\n'); err != nil || l != "ready\n" {
			os.Exit(3)
		}
		defer in.Close()
		workers = append(workers, w)
	}
	os.Stdout.WriteString("ready\n")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	for _, w := range workers {
		_ = w.Process.Kill()
		_ = w.Wait()
	}
	os.Exit(0)
}

// TestSnapshotOdoo runs an Odoo stand-in (processes named odoo-bin: a
// master started with -c odoo.conf and three workers)
// and takes `memtui snapshot --json`: the configuration is found through
// the master's relative -c; by virtual size, the worker holding 700 MiB
// is at the hard limit, the one holding 350 MiB over the soft limit
// (recycled after its request), the small one fine; and the limits
// are checked against this host's RAM and CPUs with the arithmetic.
func TestSnapshotOdoo(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector reserves terabytes of virtual memory per process, and Odoo's limits are judged by virtual size")
	}
	dir := t.TempDir()
	link := filepath.Join(dir, "odoo-bin")
	if err := os.Symlink(os.Args[0], link); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "odoo.conf")
	master := exec.Command(link, "-test.run=^TestHelperOdoo$", "--", "-c", "odoo.conf")
	master.Dir = dir // a relative -c is taken from the master's working directory
	master.Env = append(os.Environ(), "MEMTUI_ODOO_ROLE=master", "MEMTUI_ODOO_WORKERS=700,350,4")
	stdin, _ := master.StdinPipe()
	stdout, _ := master.StdoutPipe()
	if err := master.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); _ = master.Wait() }()
	if l, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || l != "ready\n" {
		t.Fatalf("the Odoo stand-in did not start: %q %v", l, err)
	}
	// Odoo compares virtual size, and a Go process reserves address space
	// of its own: the limits are set from the small worker's VM, so that
	// it stays under 90 % of the soft limit, the 350 MiB worker goes over
	// the soft limit and the 700 MiB one reaches the hard limit.
	base := uint64(1) << 62
	// Any of the master's threads may have forked a worker.
	var kids []string
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", master.Process.Pid))
	for _, task := range tasks {
		b, _ := os.ReadFile(task)
		kids = append(kids, strings.Fields(string(b))...)
	}
	if len(kids) != 3 {
		t.Fatalf("the Odoo stand-in has %d workers, want 3", len(kids))
	}
	for _, f := range kids {
		b, err := os.ReadFile("/proc/" + f + "/statm")
		if err != nil {
			t.Fatal(err)
		}
		pages, _ := strconv.ParseUint(strings.Fields(string(b))[0], 10, 64)
		base = min(base, pages*uint64(os.Getpagesize()))
	}
	soft := (base + 44<<20) * 10 / 9
	hard := soft + 300<<20
	t.Logf("small worker's VM %s: limit_memory_soft %d, limit_memory_hard %d", fmt.Sprint(base>>20)+" MiB", soft, hard)
	// Odoo's log: the last hour's memory lines count, older ones do not.
	logf := filepath.Join(dir, "odoo-server.log")
	stamp := func(d time.Duration) string { return time.Now().Add(-d).Format("2006-01-02 15:04:05") + ",512" }
	logText := stamp(2*time.Hour) + " 4243 INFO prod odoo.service.server: Worker (4243) virtual memory limit (2214592512) reached.\n" +
		stamp(10*time.Minute) + " 4243 INFO prod odoo.service.server: Worker (4243) virtual memory limit (2214592512) reached.\n" +
		stamp(5*time.Minute) + " 4246 ERROR prod odoo.http: Exception during request handling.\nTraceback (most recent call last):\nMemoryError\n"
	if err := os.WriteFile(logf, []byte(logText), 0o600); err != nil {
		t.Fatal(err)
	}
	err := os.WriteFile(conf, []byte(fmt.Sprintf(`[options]
admin_passwd = not-drawn-anywhere
workers = 200
max_cron_threads = 2
limit_memory_soft = %d
limit_memory_hard = %d
logfile = %s
`, soft, hard, logf)), 0o600)
	if err != nil {
		t.Fatal(err)
	}

	var out, errb bytes.Buffer
	cmd := newRootCmd(&out, &errb)
	cmd.SetArgs([]string{"snapshot", "--json", "--pg", "none", "--redis", "none"})
	start := time.Now()
	if err := cmd.Execute(); err != nil {
		t.Fatalf("snapshot: %v\n%s", err, errb.String())
	}
	var snap struct {
		Odoo struct {
			Running    bool    `json:"running"`
			ConfigPath *string `json:"config_path"`
			FoundBy    string  `json:"found_by"`
			Error      string  `json:"error"`
			Workers    *int    `json:"workers"`
			Soft       *uint64 `json:"limit_memory_soft_bytes"`
			Master     *int32  `json:"master_pid"`
			Procs      []struct {
				PID   int32  `json:"pid"`
				RSS   uint64 `json:"rss_bytes"`
				State string `json:"state"`
			} `json:"worker_processes"`
			NearSoft int      `json:"workers_near_soft_limit"`
			OverSoft int      `json:"workers_over_soft_limit"`
			Warnings []string `json:"warnings"`
			Log      *struct {
				Source      string `json:"source"`
				Error       string `json:"error"`
				Recycled    int    `json:"recycled"`
				MemoryError int    `json:"memory_errors"`
			} `json:"log"`
		} `json:"odoo"`
	}
	if err := json.Unmarshal(out.Bytes(), &snap); err != nil {
		t.Fatal(err)
	}
	o := snap.Odoo
	t.Logf("snapshot in %v: %+v", time.Since(start).Round(time.Millisecond), o)
	if !o.Running || o.ConfigPath == nil || *o.ConfigPath != conf || o.FoundBy != fmt.Sprintf("-c of pid %d", master.Process.Pid) || o.Error != "" {
		t.Fatalf("running %v, config %v found by %q, error %q", o.Running, o.ConfigPath, o.FoundBy, o.Error)
	}
	if o.Master == nil || *o.Master != int32(master.Process.Pid) || len(o.Procs) != 3 {
		t.Fatalf("master %v, %d workers", o.Master, len(o.Procs))
	}
	var states []string
	for _, p := range o.Procs {
		states = append(states, p.State)
	}
	slices.Sort(states)
	if want := []string{"at hard limit: allocations fail (MemoryError)", "ok", "over soft limit: recycled after its request"}; !slices.Equal(states, want) || o.OverSoft != 1 {
		t.Errorf("worker states %v, want %v", states, want)
	}
	w := strings.Join(o.Warnings, "\n")
	for _, want := range []string{"(workers 200 + cron 2) × limit_memory_hard ", " > RAM ", "the workers may take more memory than the host has", "workers 200 > 2 × "} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings lack %q:\n%s", want, w)
		}
	}
	if o.Log == nil || o.Log.Source != logf || o.Log.Error != "" || o.Log.Recycled != 1 || o.Log.MemoryError != 1 {
		t.Errorf("the log's last hour: %+v", o.Log)
	}
	if strings.Contains(out.String(), "not-drawn-anywhere") {
		t.Error("the snapshot carries odoo.conf's admin password")
	}
}

// TestOdooLogEventsOnTheTimeline: log lines of the incident become
// timeline events with an identity that two memtuis compute alike (so the
// store keeps one), and lines from before the incident opened stay out.
func TestOdooLogEventsOnTheTimeline(t *testing.T) {
	start := time.Date(2026, 12, 4, 1, 21, 0, 0, time.UTC)
	evs := []probes.OdooLogEvent{
		{At: start.Add(-time.Minute), PID: 4243, Kind: probes.OdooLogRecycled, Text: "Worker (4243) virtual memory limit (2214592512) reached."},
		{At: start.Add(time.Minute), PID: 4245, Kind: probes.OdooLogTimeout, Text: "WorkerHTTP (4245) timeout after 120s"},
	}
	a, b := odooLogEvents(evs, start), odooLogEvents(evs, start)
	if len(a) != 1 || a[0].ID == "" || a[0].ID != b[0].ID || a[0].Summary() != "odoo log: WorkerHTTP (4245) timeout after 120s" {
		t.Fatalf("events %+v", a)
	}
	path := filepath.Join(t.TempDir(), "i.jsonl")
	for range 2 { // two memtuis on one host
		s, err := store.Open(path, "db1", start)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Append(a[0])
		s.Close()
		if err != nil && !errors.Is(err, store.ErrDuplicate) {
			t.Fatal(err)
		}
	}
	l, err := store.Load(path)
	if err != nil || len(l.Events) != 1 {
		t.Fatalf("the timeline holds %d events (%v), want the line once", len(l.Events), err)
	}
}
