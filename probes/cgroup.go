package probes

import (
	"bytes"
	"fmt"
)

// unlimitedV1 is the largest value cgroup v1 prints for "no limit"
// (PAGE_COUNTER_MAX rounded to pages); anything at or above it is no limit.
const unlimitedV1 = 1 << 62

// Cgroup is the memory limit of the cgroup memtui runs in, when it has one
// (a container, a systemd slice with MemoryMax=).
type Cgroup struct {
	Version int    // 1 or 2
	Path    string // the cgroup path, e.g. /system.slice/odoo.service
	Limit   Val    // memory.max / memory.limit_in_bytes; unknown when unlimited
	Usage   Val    // memory.current / memory.usage_in_bytes
	SwapMax Val    // v2 memory.swap.max, when limited
}

// Limited reports whether the cgroup caps memory below what the host has.
func (c Cgroup) Limited() bool { return c.Limit.OK && c.Limit.V > 0 }

// UsedPercent is usage over the limit; ok is false without a limit.
func (c Cgroup) UsedPercent() (float64, bool) {
	if !c.Limited() || !c.Usage.OK {
		return 0, false
	}
	return 100 * float64(c.Usage.V) / float64(c.Limit.V), true
}

// ParseCgroupValue parses a cgroup memory file: a byte count, "max" (v2, no
// limit) or v1's huge "no limit" number. No limit is an unknown Val.
func ParseCgroupValue(b []byte, version int) (Val, error) {
	b = bytes.TrimSpace(b)
	if string(b) == "max" {
		return Val{}, nil
	}
	v, ok := ParseUint(b)
	if !ok {
		return Val{}, fmt.Errorf("%q is not a byte count: %w", truncate(b, 32), ErrParse)
	}
	if version == 1 && v >= unlimitedV1 {
		return Val{}, nil
	}
	return Some(v), nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
