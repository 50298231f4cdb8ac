package procfs

import (
	"fmt"
	"strings"
	"time"

	"github.com/memtui/memtui/probes"
)

// BootTime reads btime (seconds since the epoch) from <proc>/stat: the
// anchor that turns kernel timestamps into wall-clock times and gives uptime.
func (fs FS) BootTime() (time.Time, error) {
	p := fs.path("stat")
	b, err := readInto(p, make([]byte, 0, 8192))
	if err != nil {
		return time.Time{}, err
	}
	t, err := probes.ParseBootTime(b)
	if err != nil {
		return t, fmt.Errorf("%s: %w", p, err)
	}
	return t, nil
}

// KernelRelease reads <proc>/sys/kernel/osrelease (e.g. "6.1.0-18-amd64").
func (fs FS) KernelRelease() (string, error) {
	b, err := readInto(fs.path("sys", "kernel", "osrelease"), make([]byte, 0, 128))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}
