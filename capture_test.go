package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCaptureAgreesWithSnapshot prints `memtui snapshot --json`, captures
// the host at once, and replays the capture: the same machine, memory
// within a point (the live host moves), and the top process there.
func TestCaptureAgreesWithSnapshot(t *testing.T) {
	if testing.Short() {
		t.Skip("captures the whole machine")
	}
	bin := buildBinary(t)
	snap := func(args ...string) map[string]any {
		t.Helper()
		out, err := exec.Command(bin, append([]string{"snapshot", "--json", "--pg", "none"}, args...)...).Output()
		if err != nil {
			t.Fatalf("snapshot %v: %v", args, err)
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	live := snap()
	dir := filepath.Join(t.TempDir(), "cap")
	if out, err := exec.Command(bin, "capture", "-o", dir).CombinedOutput(); err != nil {
		t.Fatalf("capture: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "capture", "-o", dir).CombinedOutput(); err == nil {
		t.Errorf("a second capture into the same directory was not refused:\n%s", out)
	}
	replay := snap("--proc", filepath.Join(dir, "proc"), "--sys", filepath.Join(dir, "sys"))
	if live["host"] != replay["host"] {
		t.Errorf("host %v, replayed %v", live["host"], replay["host"])
	}
	lm, rm := live["memory"].(map[string]any), replay["memory"].(map[string]any)
	if lm["total_bytes"] != rm["total_bytes"] || lm["swap_total_bytes"] != rm["swap_total_bytes"] {
		t.Errorf("totals: live %v/%v, replay %v/%v", lm["total_bytes"], lm["swap_total_bytes"], rm["total_bytes"], rm["swap_total_bytes"])
	}
	lp, _ := lm["used_percent"].(float64)
	rp, _ := rm["used_percent"].(float64)
	if rp < lp-1 || rp > lp+1 {
		t.Errorf("used %%: live %.2f, replay %.2f", lp, rp)
	}
	if rm["severity"] != lm["severity"] {
		t.Errorf("severity: live %v, replay %v", lm["severity"], rm["severity"])
	}
	// On a busy host the top process can exit between the snapshot and
	// the capture (a compiler): hold the capture to each top process that
	// outlived it, and the replay's top rows to the captured tree.
	checked := 0
	for _, p := range live["processes"].([]any) {
		p := p.(map[string]any)
		pid := strconv.Itoa(int(p["pid"].(float64)))
		if b, err := os.ReadFile("/proc/" + pid + "/comm"); err != nil || strings.TrimSpace(string(b)) != p["comm"] {
			continue // gone, or the pid reused
		}
		checked++
		b, err := os.ReadFile(filepath.Join(dir, "proc", pid, "comm"))
		if err != nil || strings.TrimSpace(string(b)) != p["comm"] {
			t.Errorf("live top process %s %v is not in the capture: %v", pid, p["comm"], err)
		}
	}
	if checked == 0 {
		t.Errorf("no process of the live snapshot outlived the capture")
	}
	rows := replay["processes"].([]any)
	if len(rows) == 0 {
		t.Fatalf("the replay shows no process")
	}
	rtop := rows[0].(map[string]any)
	if _, err := os.Stat(filepath.Join(dir, "proc", strconv.Itoa(int(rtop["pid"].(float64))))); err != nil {
		t.Errorf("the replay's top process is not from the capture: %v", err)
	}
	if hi := replay["host_info"].(map[string]any); hi["kind"] != "replay" {
		t.Errorf("host_info.kind %v", hi["kind"])
	}
}
