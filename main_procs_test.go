package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestSnapshotProcessesSection runs `snapshot --json` on the busy Odoo +
// PostgreSQL fixture: the processes section lists the top 20 by RSS, largest
// first, with the users of the fixture's own passwd and no secret.
func TestSnapshotProcessesSection(t *testing.T) {
	var out, errOut bytes.Buffer
	cmd := newRootCmd(&out, &errOut)
	cmd.SetArgs([]string{"snapshot", "--json", "--proc", "probes/testdata/procs/odoo-postgres-busy/proc"})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("snapshot: %v\n%s", err, errOut.String())
	}
	var snap struct {
		Processes []struct {
			PID     int32   `json:"pid"`
			User    string  `json:"user"`
			Comm    string  `json:"comm"`
			RSS     uint64  `json:"rss_bytes"`
			Swap    *uint64 `json:"swap_bytes"`
			Cmdline string  `json:"cmdline"`
		} `json:"processes"`
		Err string `json:"processes_error"`
	}
	if err := json.Unmarshal(out.Bytes(), &snap); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out.String())
	}
	if snap.Err != "" || len(snap.Processes) != 20 {
		t.Fatalf("%d processes, error %q", len(snap.Processes), snap.Err)
	}
	top := snap.Processes[0]
	if top.PID != 823 || top.User != "odoo" || top.Comm != "odoo-bin" || top.RSS != 1638<<20 || top.Swap == nil || *top.Swap != 300<<20 {
		t.Errorf("top row: %+v", top)
	}
	for i, p := range snap.Processes {
		if i > 0 && p.RSS > snap.Processes[i-1].RSS {
			t.Errorf("row %d (%d) larger than the row above", i, p.PID)
		}
	}
	if s := out.String(); strings.Contains(s, "S3cretOdoo") || strings.Contains(s, "Pg5ecret") || strings.Contains(s, "Hunter2") {
		t.Error("a secret reached the snapshot")
	}

	out.Reset()
	cmd = newRootCmd(&out, &errOut)
	cmd.SetArgs([]string{"snapshot", "--proc", "probes/testdata/procs/odoo-postgres-busy/proc"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Top processes by RSS") || !strings.Contains(out.String(), "823 odoo") || strings.Contains(out.String(), "S3cret") {
		t.Errorf("text snapshot:\n%s", out.String())
	}
}
