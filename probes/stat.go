package probes

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// BootTime reads btime (seconds since the epoch) from <proc>/stat: the
// anchor that turns kernel timestamps into wall-clock times and gives uptime.
func (fs FS) BootTime() (time.Time, error) {
	b, err := readInto(fs.path("stat"), make([]byte, 0, 8192))
	if err != nil {
		return time.Time{}, err
	}
	return parseBootTime(b)
}

// parseBootTime finds the "btime N" line of /proc/stat.
func parseBootTime(b []byte) (time.Time, error) {
	var f [2][]byte
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		if !bytes.HasPrefix(line, []byte("btime")) || fields(line, f[:]) != 2 {
			continue
		}
		if v, ok := parseUint(f[1]); ok && v > 0 {
			return time.Unix(int64(v), 0), nil
		}
	}
	return time.Time{}, fmt.Errorf("stat: no btime line: %w", ErrParse)
}

// KernelRelease reads <proc>/sys/kernel/osrelease (e.g. "6.1.0-18-amd64").
func (fs FS) KernelRelease() (string, error) {
	b, err := readInto(fs.path("sys", "kernel", "osrelease"), make([]byte, 0, 128))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}
