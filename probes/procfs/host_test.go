package procfs

import (
	"context"
	"os"
	"strings"
	"testing"
)

// The live host's facts agree with what the kernel says directly.
func TestHostLive(t *testing.T) {
	if _, err := os.Stat("/proc/sys/kernel/osrelease"); err != nil {
		t.Skip("no /proc on this system")
	}
	h := ReadHost(context.Background(), NewFS("", ""))
	rel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	if h.Kernel != strings.TrimSpace(string(rel)) {
		t.Errorf("kernel %q, osrelease %q", h.Kernel, rel)
	}
	if name, _ := os.Hostname(); h.Name != name {
		t.Errorf("name %q, hostname %q", h.Name, name)
	}
	if h.BootTime.IsZero() {
		t.Error("no boot time")
	}
	if _, err := os.Stat("/etc/os-release"); err == nil && h.Platform == "" {
		t.Error("no platform although /etc/os-release exists")
	}
}

// A fixture tree gives the fixture's kernel and boot time, not the host's.
func TestHostFixture(t *testing.T) {
	h := ReadHost(context.Background(), NewFS("../testdata/fixtures/swap-thrash/proc", "../testdata/fixtures/swap-thrash/sys"))
	want, err := os.ReadFile("../testdata/fixtures/swap-thrash/proc/sys/kernel/osrelease")
	if err != nil {
		t.Skip("fixture has no osrelease")
	}
	if h.Kernel != strings.TrimSpace(string(want)) {
		t.Errorf("kernel %q, want the fixture's %q", h.Kernel, want)
	}
	bt, _ := NewFS("../testdata/fixtures/swap-thrash/proc", "").BootTime()
	if !h.BootTime.Equal(bt) {
		t.Errorf("boot time %v, want the fixture's %v", h.BootTime, bt)
	}
}
