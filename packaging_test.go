package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWatchUnit checks the systemd unit the packages ship for memtui
// watch: the settings issue 11 asks for are there, systemd-analyze
// accepts it without a word, and .goreleaser.yaml puts it in the .deb and
// .rpm.
func TestWatchUnit(t *testing.T) {
	b, err := os.ReadFile("packaging/memtui-watch.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := string(b)
	for _, want := range []string{
		"ExecStart=/usr/bin/memtui watch ",
		"User=root\n",
		"OOMScoreAdjust=-900\n",
		"MemoryHigh=", "MemoryMax=",
		"Restart=on-failure\n",
		"EnvironmentFile=-/etc/memtui/watch.env\n",
		"StandardError=journal\n",
		"WantedBy=multi-user.target\n",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("memtui-watch.service lacks %q", want)
		}
	}
	env, err := os.ReadFile("packaging/watch.env")
	if err != nil {
		t.Fatal(err)
	}
	// The shipped settings must hold no token, only the empty assignment.
	for _, line := range strings.Split(string(env), "\n") {
		if strings.HasPrefix(line, "GITHUB_TOKEN=") && line != "GITHUB_TOKEN=" {
			t.Errorf("watch.env ships a token: %q", line)
		}
	}

	// The packages ship the unit only once `memtui watch` exists.
	cfg, err := os.ReadFile(".goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := newRootCmd(io.Discard, io.Discard).Find([]string{"watch"})
	hasWatch := err == nil && c.Name() == "watch"
	packaged := strings.Contains(string(cfg), "src: packaging/memtui-watch.service")
	if !hasWatch && packaged {
		t.Error(".goreleaser.yaml packages memtui-watch.service, but this binary has no watch command")
	}
	if hasWatch && (!packaged || !strings.Contains(string(cfg), "src: packaging/watch.env")) {
		t.Error("memtui watch exists, but .goreleaser.yaml does not package memtui-watch.service and watch.env")
	}

	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("no systemd-analyze to verify the unit with")
	}
	// verify insists the program exists; the unit names the installed
	// path, so point it at a program that exists here.
	tmp := filepath.Join(t.TempDir(), "memtui-watch.service")
	if err := os.WriteFile(tmp, []byte(strings.ReplaceAll(unit, "/usr/bin/memtui", "/bin/true")), 0o644); err != nil {
		t.Fatal(err)
	}
	// systemd-analyze exits 0 on unknown keys and bad values; any output
	// at all is a finding.
	out, err := exec.Command(sa, "verify", tmp).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
