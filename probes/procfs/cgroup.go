package procfs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/memtui/memtui/probes"
)

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
		line, b = probes.NextLine(b)
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
	return cgroupFiles{resolveProblem: fmt.Errorf("no memory cgroup controller found under %s: %w", root, probes.ErrUnavailable)}
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
func readCgroup(cf cgroupFiles, buf []byte, read func(path string, buf []byte) ([]byte, error)) (probes.Cgroup, []byte, error) {
	if cf.resolveProblem != nil {
		return probes.Cgroup{}, buf, cf.resolveProblem
	}
	c := probes.Cgroup{Version: cf.version, Path: cf.path}
	var err error
	if buf, err = read(cf.limit, buf); err != nil {
		return c, buf, err
	}
	c.Limit, err = probes.ParseCgroupValue(buf, cf.version)
	if err != nil {
		return c, buf, fmt.Errorf("%s: %w", cf.limit, err)
	}
	if buf, err = read(cf.usage, buf); err != nil {
		return c, buf, err
	}
	c.Usage, err = probes.ParseCgroupValue(buf, cf.version)
	if err != nil {
		return c, buf, fmt.Errorf("%s: %w", cf.usage, err)
	}
	if cf.swapMax != "" && c.Limited() {
		if b, e := read(cf.swapMax, buf); e == nil {
			buf = b
			c.SwapMax, _ = probes.ParseCgroupValue(b, 2)
		}
	}
	return c, buf, nil
}
