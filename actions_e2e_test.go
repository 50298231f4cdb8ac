package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestEndToEndActionPalette runs the real binary in tmux with a test
// runbook: opens the palette, filters, confirms a harmless low-risk action,
// and sees its output (redacted), its result and its memory re-check.
func TestEndToEndActionPalette(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	needTmux(t)
	bin := buildBinary(t)
	rb := filepath.Join(t.TempDir(), "runbook.toml")
	err := os.WriteFile(rb, []byte(`[[actions]]
id = "e2e-hello"
name = "Say hello"
risk = "low"
description = "A harmless action for the end-to-end test."
commands = [["sh", "-c", "echo hello from memtui; echo password=hunter2"]]
timeout = "10s"
recheck_after = "2s"
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	s := startTmux(t, 120, 40, bin, "--runbook", rb)
	s.waitFor(10*time.Second, "Memory & swap", "% used")
	s.keys(":")
	s.waitFor(5*time.Second, "Actions — ", "clear-redis", "▲ HIGH")
	s.keys("-l", "e2e-hello")
	s.waitFor(5*time.Second, "Actions — 1 of 11", "Say hello — runs:", "sh -c 'echo hello from memtui; echo password=***'")
	s.keys("Enter")
	s.waitFor(5*time.Second, "Confirm: Say hello", "Run it? y/enter runs")
	s.keys("y")
	screen := s.waitFor(10*time.Second, "Finished: Say hello", "✔ OK sh exited 0", "hello from memtui", "password=***")
	if strings.Contains(screen, "hunter2") {
		t.Errorf("a secret reached the screen:\n%s", screen)
	}
	s.waitFor(10*time.Second, "re-check after 2 s: memory", "% used —")
	s.keys("Escape")
	deadline := time.Now().Add(5 * time.Second)
	for strings.Contains(s.capture(), "Finished: Say hello") {
		if time.Now().After(deadline) {
			t.Fatalf("esc did not close the run dialog:\n%s", s.capture())
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.keys("q")
	deadline = time.Now().Add(5 * time.Second)
	for !s.paneDead() {
		if time.Now().After(deadline) {
			t.Fatalf("memtui did not exit after q:\n%s", s.capture())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestActionsCommand checks `memtui actions`: the effective runbook with
// the file's additions, and a broken file refused with its line.
func TestActionsCommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.toml")
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(good, []byte("[builtin]\napp_unit = \"erp\"\n\n[[actions]]\nid = \"restart-odoo\"\nrisk = \"medium\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("[[actions]]\nid = \"x\"\nrisk = \"extreme\"\ncommands = [[\"true\"]]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		var out, errOut strings.Builder
		cmd := newRootCmd(&out, &errOut)
		cmd.SetArgs(args)
		err := cmd.Execute()
		return out.String(), err
	}
	out, err := run("actions", "--runbook", good)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"restart-odoo             ◆ medium  Restart erp  (from " + good + ")",
		"systemctl restart erp",
		"drop-page-caches         ▲ high    Drop page caches",
		"write 3 to /proc/sys/vm/drop_caches",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("memtui actions lacks %q:\n%s", want, out)
		}
	}
	_, err = run("actions", "--runbook", bad)
	if err == nil || !strings.Contains(err.Error(), bad+`:3: action "x": risk "extreme" is not one of low, medium, high`) {
		t.Errorf("bad runbook: %v", err)
	}
}
