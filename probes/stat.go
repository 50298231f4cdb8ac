package probes

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"time"
)

// BootTime reads btime (seconds since the epoch) from <proc>/stat: the
// anchor that turns kernel timestamps into wall-clock times and gives uptime.
func (fs FS) BootTime() (time.Time, error) {
	p := fs.path("stat")
	b, err := readInto(p, make([]byte, 0, 8192))
	if err != nil {
		return time.Time{}, err
	}
	t, err := parseBootTime(b)
	if err != nil {
		return t, fmt.Errorf("%s: %w", p, err)
	}
	return t, nil
}

// parseBootTime finds the "btime N" line of /proc/stat.
func parseBootTime(b []byte) (time.Time, error) {
	var f [3][]byte
	b = completeLines(b)
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		// Exactly "btime N": not "btimex N", not "btime N junk".
		if !bytes.HasPrefix(line, []byte("btime")) || fields(line, f[:]) != 2 || string(f[0]) != "btime" {
			continue
		}
		// Above MaxInt64 time.Unix would wrap to a date before 1970.
		if v, ok := parseUint(f[1]); ok && v > 0 && v <= math.MaxInt64 {
			return time.Unix(int64(v), 0), nil
		}
	}
	return time.Time{}, fmt.Errorf("no btime line: %w", ErrParse)
}

// KernelRelease reads <proc>/sys/kernel/osrelease (e.g. "6.1.0-18-amd64").
func (fs FS) KernelRelease() (string, error) {
	b, err := readInto(fs.path("sys", "kernel", "osrelease"), make([]byte, 0, 128))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}
