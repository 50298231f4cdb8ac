package procfs

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v4/common"
	"github.com/shirou/gopsutil/v4/host"
)

// Host are facts about the machine, read once at start for the bars, the
// snapshot and the incident's first event.
type Host struct {
	Name           string    // hostname
	Kernel         string    // <proc>/sys/kernel/osrelease
	Platform       string    // distribution and version, e.g. "debian 12.5"
	Arch           string    // uname -m
	Virtualization string    // e.g. "kvm guest", "docker guest"; "" when none or unknown
	BootTime       time.Time // btime of <proc>/stat; zero when unknown
}

// ReadHost reads the machine's facts. The kernel release and boot time come
// from our own readers (they honour the --proc root exactly), and so does
// the distribution, from os-release; the architecture and virtualization
// come from gopsutil, which knows where hypervisors and containers leave
// their hints (DMI, cgroups). Not gopsutil's host.Info: on Debian and
// Ubuntu it runs lsb_release, a shell script of a dozen processes that took
// 110 ms of the 225 before the dashboard's first frame. Missing facts stay
// empty; this never fails.
func ReadHost(ctx context.Context, fs FS) Host {
	var h Host
	h.Name, _ = os.Hostname()
	h.Kernel, _ = fs.KernelRelease()
	h.BootTime, _ = fs.BootTime()
	etc := "/etc"
	env := common.EnvMap{common.HostProcEnvKey: fs.ProcRoot(), common.HostSysEnvKey: fs.SysRoot()}
	// A replayed tree may carry its own etc/ beside proc/ (os-release).
	if dir := filepath.Join(filepath.Dir(fs.ProcRoot()), "etc"); fs.ProcRoot() != "/proc" {
		if _, err := os.Stat(dir); err == nil {
			env[common.HostEtcEnvKey] = dir
			etc = dir
		}
	}
	h.Platform = platform(etc)
	ctx = context.WithValue(ctx, common.EnvKey, env)
	h.Arch, _ = host.KernelArch()
	if sys, role, err := host.VirtualizationWithContext(ctx); err == nil && sys != "" {
		h.Virtualization = strings.TrimSpace(sys + " " + role)
	}
	return h
}

// platform is the distribution and its version from etc/os-release (ID and
// VERSION_ID, e.g. "ubuntu 22.04"), with Debian's point release from
// debian_version ("debian 12.5"); "" when there is no os-release.
func platform(etc string) string {
	b, err := os.ReadFile(filepath.Join(etc, "os-release"))
	if err != nil && etc == "/etc" {
		b, err = os.ReadFile("/usr/lib/os-release")
	}
	if err != nil {
		return ""
	}
	var id, version string
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(l), "=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"'`)
		switch k {
		case "ID":
			id = v
		case "VERSION_ID":
			version = v
		}
	}
	if id == "debian" {
		if d, err := os.ReadFile(filepath.Join(etc, "debian_version")); err == nil {
			if v := strings.TrimSpace(string(d)); v != "" && v[0] >= '0' && v[0] <= '9' {
				version = v
			}
		}
	}
	return strings.TrimSpace(id + " " + version)
}
