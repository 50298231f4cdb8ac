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
// from our own readers (they honour the --proc root exactly); the
// distribution and virtualization come from gopsutil, which knows the many
// places distributions and hypervisors leave them (os-release, lsb-release,
// DMI, cgroup hints) — one call at start, where its cost does not matter.
// Missing facts stay empty; this never fails.
func ReadHost(ctx context.Context, fs FS) Host {
	var h Host
	h.Name, _ = os.Hostname()
	h.Kernel, _ = fs.KernelRelease()
	h.BootTime, _ = fs.BootTime()
	env := common.EnvMap{common.HostProcEnvKey: fs.ProcRoot(), common.HostSysEnvKey: fs.SysRoot()}
	// A replayed tree may carry its own etc/ beside proc/ (os-release).
	if etc := filepath.Join(filepath.Dir(fs.ProcRoot()), "etc"); fs.ProcRoot() != "/proc" {
		if _, err := os.Stat(etc); err == nil {
			env[common.HostEtcEnvKey] = etc
		}
	}
	ctx = context.WithValue(ctx, common.EnvKey, env)
	if info, err := host.InfoWithContext(ctx); err == nil && info != nil {
		h.Platform = strings.TrimSpace(info.Platform + " " + info.PlatformVersion)
		h.Arch = info.KernelArch
		if info.VirtualizationSystem != "" {
			h.Virtualization = strings.TrimSpace(info.VirtualizationSystem + " " + info.VirtualizationRole)
		}
		if h.Name == "" {
			h.Name = info.Hostname
		}
	}
	return h
}
