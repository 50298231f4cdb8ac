package procfs

import (
	"context"
	"os"
	"path/filepath"
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

// The distribution is read from os-release as gopsutil's names it ("ubuntu
// 22.04", Debian with its point release), without running lsb_release.
func TestPlatformFromOSRelease(t *testing.T) {
	for _, c := range []struct {
		name, osRelease, debianVersion, want string
	}{
		{"ubuntu", "NAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nID=ubuntu\nID_LIKE=debian\n", "bookworm/sid\n", "ubuntu 22.04"},
		{"debian point release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_ID=\"12\"\nID=debian\n", "12.11\n", "debian 12.11"},
		{"debian testing", "ID=debian\n", "trixie/sid\n", "debian"},
		{"rocky", "ID=\"rocky\"\nVERSION_ID=\"9.3\"\n", "", "rocky 9.3"},
		{"no os-release", "", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.osRelease != "" {
				if err := os.WriteFile(filepath.Join(dir, "os-release"), []byte(c.osRelease), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if c.debianVersion != "" {
				if err := os.WriteFile(filepath.Join(dir, "debian_version"), []byte(c.debianVersion), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if got := platform(dir); got != c.want {
				t.Errorf("platform = %q, want %q", got, c.want)
			}
		})
	}
}
