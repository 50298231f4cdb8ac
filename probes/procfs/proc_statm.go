package procfs

import (
	"bytes"
	"fmt"

	"github.com/memtui/memtui/probes"
)

// parseStatm parses /proc/<pid>/statm (seven counts of pages) into bytes.
func parseStatm(b []byte, pageSize uint64) (probes.Statm, error) {
	var v [7]uint64
	n := 0
	for _, f := range bytes.Fields(b) {
		if n == len(v) {
			break
		}
		x, ok := probes.ParseUint(f)
		// A count whose bytes overflow uint64 is not a real statm.
		if !ok || (pageSize > 0 && x > (1<<64-1)/pageSize) {
			return probes.Statm{}, fmt.Errorf("statm: field %d %q: %w", n+1, f, probes.ErrParse)
		}
		v[n] = x
		n++
	}
	if n < 6 {
		return probes.Statm{}, fmt.Errorf("statm: %d fields, want 7: %w", n, probes.ErrParse)
	}
	return probes.Statm{
		Size:     v[0] * pageSize,
		Resident: v[1] * pageSize,
		Shared:   v[2] * pageSize,
		Text:     v[3] * pageSize,
		Data:     v[5] * pageSize,
	}, nil
}
