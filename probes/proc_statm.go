package probes

import (
	"bytes"
	"fmt"
)

// Statm is /proc/<pid>/statm converted to bytes.
type Statm struct {
	Size     uint64 // field 1: total program size (VmSize)
	Resident uint64 // field 2: resident set (VmRSS)
	Shared   uint64 // field 3: resident file-backed + shmem pages (RssFile+RssShmem)
	Text     uint64 // field 4: code
	Data     uint64 // field 6: data + stack
}

// parseStatm parses /proc/<pid>/statm (seven counts of pages) into bytes.
func parseStatm(b []byte, pageSize uint64) (Statm, error) {
	var v [7]uint64
	n := 0
	for _, f := range bytes.Fields(b) {
		if n == len(v) {
			break
		}
		x, ok := parseUint(f)
		// A count whose bytes overflow uint64 is not a real statm.
		if !ok || (pageSize > 0 && x > (1<<64-1)/pageSize) {
			return Statm{}, fmt.Errorf("statm: field %d %q: %w", n+1, f, ErrParse)
		}
		v[n] = x
		n++
	}
	if n < 6 {
		return Statm{}, fmt.Errorf("statm: %d fields, want 7: %w", n, ErrParse)
	}
	return Statm{
		Size:     v[0] * pageSize,
		Resident: v[1] * pageSize,
		Shared:   v[2] * pageSize,
		Text:     v[3] * pageSize,
		Data:     v[5] * pageSize,
	}, nil
}
