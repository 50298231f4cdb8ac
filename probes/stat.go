package probes

import (
	"bytes"
	"fmt"
	"math"
	"time"
)

// ParseBootTime finds the "btime N" line of /proc/stat.
func ParseBootTime(b []byte) (time.Time, error) {
	var f [3][]byte
	b = CompleteLines(b)
	for len(b) > 0 {
		var line []byte
		line, b = NextLine(b)
		// Exactly "btime N": not "btimex N", not "btime N junk".
		if !bytes.HasPrefix(line, []byte("btime")) || Fields(line, f[:]) != 2 || string(f[0]) != "btime" {
			continue
		}
		// Above MaxInt64 time.Unix would wrap to a date before 1970.
		if v, ok := ParseUint(f[1]); ok && v > 0 && v <= math.MaxInt64 {
			return time.Unix(int64(v), 0), nil
		}
	}
	return time.Time{}, fmt.Errorf("no btime line: %w", ErrParse)
}
