package probes

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// cgroupFiles are the resolved paths of one cgroup's memory files.
type cgroupFiles struct {
	version        int
	path           string
	limit, usage   string
	swapMax        string
	resolveProblem error
}

// findCgroup reads <proc>/self/cgroup and resolves the memory files under
// <sys>/fs/cgroup. In a container with its own cgroup namespace the path is
// "/" and the files sit at the mount root; with a host path that does not
// exist under our /sys (v1 without namespaces) we fall back to the root.
func (fs FS) findCgroup() cgroupFiles {
	b, err := readSmall(fs.path("self", "cgroup"))
	if err != nil {
		return cgroupFiles{resolveProblem: pathErr(fs.path("self", "cgroup"), errors.Unwrap(err))}
	}
	var v1, v2 string
	haveV1, haveV2 := false, false
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		parts := bytes.SplitN(line, []byte(":"), 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case string(parts[0]) == "0" && len(parts[1]) == 0:
			v2, haveV2 = string(parts[2]), true
		case containsController(string(parts[1]), "memory"):
			v1, haveV1 = string(parts[2]), true
		}
	}
	root := fs.sysPath("fs", "cgroup")
	if haveV1 {
		dir := filepath.Join(root, "memory")
		if _, err := os.Stat(filepath.Join(dir, "memory.limit_in_bytes")); err == nil {
			d := filepath.Join(dir, v1)
			if _, err := os.Stat(filepath.Join(d, "memory.limit_in_bytes")); err != nil {
				d = dir
			}
			return cgroupFiles{version: 1, path: v1,
				limit: filepath.Join(d, "memory.limit_in_bytes"),
				usage: filepath.Join(d, "memory.usage_in_bytes")}
		}
	}
	if haveV2 {
		// Pure v2 mounts at fs/cgroup; hybrid hosts mount it at fs/cgroup/unified.
		for _, dir := range []string{root, filepath.Join(root, "unified")} {
			d := filepath.Join(dir, v2)
			if _, err := os.Stat(filepath.Join(d, "memory.max")); err != nil {
				if _, err := os.Stat(filepath.Join(dir, "memory.max")); err != nil {
					continue
				}
				d = dir
			}
			return cgroupFiles{version: 2, path: v2,
				limit:   filepath.Join(d, "memory.max"),
				usage:   filepath.Join(d, "memory.current"),
				swapMax: filepath.Join(d, "memory.swap.max")}
		}
	}
	return cgroupFiles{resolveProblem: fmt.Errorf("no memory cgroup controller found under %s: %w", root, ErrUnavailable)}
}

func containsController(list, name string) bool {
	for _, c := range strings.Split(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// readCgroup reads the limit and usage files found by findCgroup with read
// (readInto, or a probe's held files), reusing buf.
func readCgroup(cf cgroupFiles, buf []byte, read func(path string, buf []byte) ([]byte, error)) (Cgroup, []byte, error) {
	if cf.resolveProblem != nil {
		return Cgroup{}, buf, cf.resolveProblem
	}
	c := Cgroup{Version: cf.version, Path: cf.path}
	var err error
	if buf, err = read(cf.limit, buf); err != nil {
		return c, buf, err
	}
	c.Limit, err = parseCgroupValue(buf, cf.version)
	if err != nil {
		return c, buf, fmt.Errorf("%s: %w", cf.limit, err)
	}
	if buf, err = read(cf.usage, buf); err != nil {
		return c, buf, err
	}
	c.Usage, err = parseCgroupValue(buf, cf.version)
	if err != nil {
		return c, buf, fmt.Errorf("%s: %w", cf.usage, err)
	}
	if cf.swapMax != "" && c.Limited() {
		if b, e := read(cf.swapMax, buf); e == nil {
			buf = b
			c.SwapMax, _ = parseCgroupValue(b, 2)
		}
	}
	return c, buf, nil
}

// parseCgroupValue parses a cgroup memory file: a byte count, "max" (v2, no
// limit) or v1's huge "no limit" number. No limit is an unknown Val.
func parseCgroupValue(b []byte, version int) (Val, error) {
	b = bytes.TrimSpace(b)
	if string(b) == "max" {
		return Val{}, nil
	}
	v, ok := parseUint(b)
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
