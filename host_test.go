package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/incident/store"
	"github.com/memtui/memtui/probes/host"
)

// TestReplayRunsNothingAndWritesApart: a dashboard on a captured tree gets
// a runner that refuses every action with the replay's reason (the runner
// itself, not only the palette), and an incident journal named after the
// captured host in replays/, never in the live incident directory.
func TestReplayRunsNothingAndWritesApart(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	tree, err := filepath.Abs("probes/testdata/procs/odoo-postgres-busy/proc")
	if err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(t.TempDir(), "ran")
	rb := filepath.Join(t.TempDir(), "runbook.toml")
	if err := os.WriteFile(rb, []byte(`[[actions]]
id = "touch-marker"
name = "Touch a marker"
risk = "low"
description = "Proves whether a command ran."
commands = [["touch", "`+marker+`"]]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	o := &options{proc: tree, sys: "/sys", runbook: rb, interval: time.Second}
	h := o.openHost()
	defer h.Close()
	if h.Kind() != host.KindReplay {
		t.Fatalf("--proc %s opened a %s host", tree, h.Kind())
	}

	svc, err := newActionService(o, h, "")
	if err != nil {
		t.Fatal(err)
	}
	if !svc.ReadOnly() {
		t.Error("the replay's action service is not read-only")
	}
	var a actions.Action
	for _, x := range svc.Actions() {
		if x.ID == "touch-marker" {
			a = x
		}
	}
	res := svc.Start(context.Background(), actions.Request{Action: a, Confirmation: "y"}).Wait()
	if res.Status != actions.StatusRefused || res.Message != host.WhyReplay {
		t.Errorf("run on a replay: %s %q, want refused with %q", res.Status, res.Message, host.WhyReplay)
	}
	if _, err := os.Stat(marker); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the action's command ran on a replay (marker: %v)", err)
	}

	tl := newTimeline(o, h)
	now := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	if _, _, err := tl.Record(context.Background(), []incident.Event{{At: now, Data: incident.Started{Host: h.Name(), Reason: "test"}}}); err != nil {
		t.Fatal(err)
	}
	live := filepath.Join(state, "memtui", "incidents")
	if ents, _ := os.ReadDir(live); len(ents) > 0 {
		t.Errorf("a replay wrote into the live incident directory: %v", ents)
	}
	got, _ := filepath.Glob(filepath.Join(state, "memtui", "replays", "*.jsonl"))
	if len(got) != 1 || !strings.HasPrefix(filepath.Base(got[0]), "odoo-db-1-") {
		t.Errorf("replay incident files %v, want one named after the captured host odoo-db-1", got)
	}
	// memtui report looks only at the live directory: no replay is newest.
	if _, _, err := store.ReportFile(store.ReportRequest{Dir: live, Now: now, Stdout: &strings.Builder{}}); !errors.Is(err, store.ErrNoIncident) {
		t.Errorf("report found an incident in the live directory: %v", err)
	}
}

// TestLocalHostActs: the local host's runner runs actions (and refuses
// only under --read-only), so the seam did not make every host read-only.
func TestLocalHostActs(t *testing.T) {
	for _, ro := range []bool{false, true} {
		o := &options{proc: "/proc", sys: "/sys", pg: "none", readOnly: ro, interval: time.Second}
		h := o.openHost()
		svc, err := newActionService(o, h, "")
		h.Close()
		if err != nil {
			t.Fatal(err)
		}
		if svc.ReadOnly() != ro {
			t.Errorf("--read-only=%v: service read-only %v", ro, svc.ReadOnly())
		}
	}
}

// TestEndToEndReplay runs the real binary on a captured tree in tmux: the
// REPLAY banner at 80×24 and 120×40, the palette saying why actions are
// off, and the incident the replay opens landing beside, never in, the
// live incident directory.
func TestEndToEndReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	needTmux(t)
	bin := buildBinary(t)
	tree, err := filepath.Abs("probes/testdata/procs/odoo-postgres-busy/proc")
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	// env(1) so the test knows the state directory the dashboard writes to.
	run := func(w, h int) *tmuxSession {
		return startTmux(t, w, h, "env", "XDG_STATE_HOME="+state, bin, "--proc", tree, "--pg", "none")
	}
	s := run(120, 40)
	s.waitFor(10*time.Second, "▶ REPLAY │ odoo-db-1", "Top memory consumers")
	s.keys("Tab", "Tab", "Tab") // memory → processes → PostgreSQL → OOM kills
	s.waitFor(5*time.Second, "kernel log: saved in the capture", "odoo-bin[822]")
	s.keys("q")

	s = run(80, 24)
	s.waitFor(10*time.Second, "▶ REPLAY │ odoo-db-1", "Top memory consumers")
	s.keys(":")
	s.waitFor(5*time.Second, "ACTIONS OFF — replaying a captured tree")
	s.keys("Enter")
	s.waitFor(5*time.Second, "△ replaying a captured tree: actions run only on a live host")
	s.keys("Escape")
	// 93 % held for 10 s opens an incident: it must be the replay's own.
	s.keys("Tab", "Tab", "Tab", "Tab")
	s.waitFor(30*time.Second, "▶ INCIDENT")
	s.keys("q")
	if _, err := os.Stat(filepath.Join(state, "memtui", "incidents")); !errors.Is(err, os.ErrNotExist) {
		ents, _ := os.ReadDir(filepath.Join(state, "memtui", "incidents"))
		t.Errorf("the replay touched the live incident directory: %v %v", err, ents)
	}
	if got, _ := filepath.Glob(filepath.Join(state, "memtui", "replays", "odoo-db-1-*.jsonl")); len(got) != 1 {
		t.Errorf("replay incidents %v, want one named after odoo-db-1 in replays/", got)
	}
}

// TestSnapshotOfAReplay: `snapshot --json --proc TREE` names the captured
// host, reads the tree's saved kernel log, and reads no PostgreSQL even
// when the libpq environment names one (it is the live host's).
func TestSnapshotOfAReplay(t *testing.T) {
	t.Setenv("PGHOST", "/nonexistent-live-socket")
	var out, errOut strings.Builder
	cmd := newRootCmd(&out, &errOut)
	cmd.SetArgs([]string{"snapshot", "--json", "--proc", "probes/testdata/procs/odoo-postgres-busy/proc"})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("snapshot: %v\n%s", err, errOut.String())
	}
	var snap struct {
		Host     string `json:"host"`
		HostInfo struct {
			Kind string `json:"kind"`
		} `json:"host_info"`
		OOM struct {
			KillsSinceBoot *uint64 `json:"kills_since_boot"`
			Source         string  `json:"source"`
			Recent         []struct {
				PID int `json:"pid"`
			} `json:"recent"`
		} `json:"oom"`
		Postgres struct {
			Connected bool   `json:"connected"`
			Error     string `json:"error"`
		} `json:"postgres"`
	}
	if err := json.Unmarshal([]byte(out.String()), &snap); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out.String())
	}
	if snap.Host != "odoo-db-1" || snap.HostInfo.Kind != "replay" {
		t.Errorf("host %q kind %q, want odoo-db-1, replay", snap.Host, snap.HostInfo.Kind)
	}
	if len(snap.OOM.Recent) != 1 || snap.OOM.Recent[0].PID != 824 || !strings.Contains(snap.OOM.Source, "saved in the capture") ||
		snap.OOM.KillsSinceBoot == nil || *snap.OOM.KillsSinceBoot != 1 {
		t.Errorf("oom section %+v: want the tree's saved kill and counter", snap.OOM)
	}
	if snap.Postgres.Connected || snap.Postgres.Error != host.WhyPGReplay {
		t.Errorf("postgres %+v, want not read: %q", snap.Postgres, host.WhyPGReplay)
	}
}
