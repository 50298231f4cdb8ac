package procfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/memtui/memtui/probes"
)

// Memcg is one memory cgroup chosen by `memtui watch --cgroup PATH` or
// `--unit NAME`, read against its own limit: a container or a service
// with MemoryMax= runs out of memory long before the host does.
type Memcg struct {
	dir     string
	version int
	buf     []byte // reused between readings: the watcher reads every second
}

// OpenMemcg checks that dir is a memory cgroup directory (v2: it has
// memory.current; v1: memory.usage_in_bytes) and returns its probe.
func OpenMemcg(dir string) (*Memcg, error) {
	dir = filepath.Clean(dir)
	if _, err := os.Stat(filepath.Join(dir, "memory.current")); err == nil {
		return &Memcg{dir: dir, version: 2}, nil
	}
	if _, err := os.Stat(filepath.Join(dir, "memory.usage_in_bytes")); err == nil {
		return &Memcg{dir: dir, version: 1}, nil
	}
	if fi, err := os.Stat(dir); err != nil {
		return nil, pathErr(dir, err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory: %w", dir, probes.ErrUnavailable)
	}
	return nil, fmt.Errorf("%s is not a memory cgroup (no memory.current, no memory.usage_in_bytes; on cgroup v1 give the directory under /sys/fs/cgroup/memory): %w", dir, probes.ErrUnavailable)
}

// Dir is the cgroup's directory.
func (m *Memcg) Dir() string { return m.dir }

// Version is 1 or 2.
func (m *Memcg) Version() int { return m.version }

// Read reads usage, limit, memory.stat and the OOM kill counter. Only
// usage and limit are needed for a reading; the others become Problems.
func (m *Memcg) Read() (probes.MemcgReading, error) {
	usage, limit := "memory.current", "memory.max"
	if m.version == 1 {
		usage, limit = "memory.usage_in_bytes", "memory.limit_in_bytes"
	}
	r := probes.MemcgReading{Cgroup: probes.Cgroup{Version: m.version, Path: m.dir}}
	var err error
	if r.Usage, err = m.value(usage); err != nil {
		return r, err
	}
	if r.Limit, err = m.value(limit); err != nil {
		return r, err
	}
	if m.buf, err = readInto(filepath.Join(m.dir, "memory.stat"), m.buf); err == nil {
		r.Anon, r.File = parseMemoryStat(m.buf, m.version)
	} else {
		r.Problems = append(r.Problems, err)
	}
	events := "memory.events"
	if m.version == 1 {
		events = "memory.oom_control"
	}
	if m.buf, err = readInto(filepath.Join(m.dir, events), m.buf); err == nil {
		if m.version == 2 {
			r.OOMKills = parseMemoryEvents(m.buf).OOMKill
		} else {
			r.OOMKills = parseOOMControl(m.buf).OOMKill
		}
	} else {
		r.Problems = append(r.Problems, err)
	}
	return r, nil
}

func (m *Memcg) value(name string) (probes.Val, error) {
	p := filepath.Join(m.dir, name)
	var err error
	if m.buf, err = readInto(p, m.buf); err != nil {
		return probes.Val{}, err
	}
	v, err := probes.ParseCgroupValue(m.buf, m.version)
	if err != nil {
		return probes.Val{}, fmt.Errorf("%s: %w", p, err)
	}
	return v, nil
}

// parseMemoryStat takes anon and file memory from memory.stat. v1's
// total_* lines count the whole subtree, as v2's do; its rss/cache
// (this cgroup alone) are used only when the total_ lines are missing.
func parseMemoryStat(b []byte, version int) (anon, file probes.Val) {
	var rss, cache probes.Val
	eachCounter(b, func(k []byte, v uint64) {
		switch key := string(k); {
		case version == 2 && key == "anon", version == 1 && key == "total_rss":
			anon = probes.Some(v)
		case version == 2 && key == "file", version == 1 && key == "total_cache":
			file = probes.Some(v)
		case version == 1 && key == "rss":
			rss = probes.Some(v)
		case version == 1 && key == "cache":
			cache = probes.Some(v)
		}
	})
	if version == 1 {
		if !anon.OK {
			anon = rss
		}
		if !file.OK {
			file = cache
		}
	}
	return anon, file
}

// parseMemoryEvents parses v2 memory.events.
func parseMemoryEvents(b []byte) probes.MemcgEvents {
	var e probes.MemcgEvents
	eachCounter(b, func(k []byte, v uint64) {
		switch string(k) {
		case "high":
			e.High = probes.Some(v)
		case "max":
			e.Max = probes.Some(v)
		case "oom":
			e.OOM = probes.Some(v)
		case "oom_kill":
			e.OOMKill = probes.Some(v)
		}
	})
	return e
}

// parseOOMControl parses v1 memory.oom_control.
func parseOOMControl(b []byte) probes.OOMControl {
	var c probes.OOMControl
	eachCounter(b, func(k []byte, v uint64) {
		switch string(k) {
		case "under_oom":
			c.UnderOOM = v == 1
		case "oom_kill":
			c.OOMKill = probes.Some(v)
		}
	})
	return c
}

// eachCounter calls fn for every complete "name value" line of a cgroup
// counter file; other lines (a truncated last line, garbage) are skipped,
// so a counter that is not there stays unknown.
func eachCounter(b []byte, fn func(k []byte, v uint64)) {
	var f [3][]byte
	b = probes.CompleteLines(b)
	for len(b) > 0 {
		var line []byte
		line, b = probes.NextLine(b)
		if probes.Fields(line, f[:]) != 2 {
			continue
		}
		if v, ok := probes.ParseUint(f[1]); ok {
			fn(f[0], v)
		}
	}
}

// UnitCgroup finds the memory cgroup directory of a systemd unit under
// the sys root: system.slice/NAME on cgroup v2 and on v1's memory
// hierarchy, else the unit's ControlGroup as controlGroup reports it (nil:
// not asked; SystemctlControlGroup in production), for units in other
// slices. NAME without a type suffix is a .service.
func (fs FS) UnitCgroup(ctx context.Context, unit string, controlGroup func(ctx context.Context, unit string) (string, error)) (string, error) {
	if unit == "" || strings.ContainsAny(unit, "/\x00") || unit == "." || unit == ".." {
		return "", fmt.Errorf("unit %q: not a unit name", unit)
	}
	if !strings.Contains(unit, ".") {
		unit += ".service"
	}
	root := fs.sysPath("fs", "cgroup")
	roots := []string{root, filepath.Join(root, "memory")}
	for _, r := range roots {
		if m, err := OpenMemcg(filepath.Join(r, "system.slice", unit)); err == nil {
			return m.Dir(), nil
		}
	}
	why := "not under system.slice"
	if controlGroup != nil {
		cg, err := controlGroup(ctx, unit)
		switch {
		case err != nil:
			why += "; " + err.Error()
		case cg == "":
			why += "; systemd knows no cgroup for it (not running?)"
		default:
			for _, r := range roots {
				if m, err := OpenMemcg(filepath.Join(r, filepath.Clean("/"+cg))); err == nil {
					return m.Dir(), nil
				}
			}
			why += "; its ControlGroup " + cg + " has no memory controller files"
		}
	}
	return "", fmt.Errorf("unit %s: no memory cgroup found under %s (%s): %w", unit, root, why, probes.ErrUnavailable)
}

// SystemctlControlGroup asks systemd for a unit's cgroup path
// (`systemctl show -p ControlGroup --value UNIT`), for UnitCgroup.
func SystemctlControlGroup(ctx context.Context, unit string) (string, error) {
	path, err := exec.LookPath("systemctl")
	if err != nil {
		return "", errors.New("no systemctl to ask")
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "show", "-p", "ControlGroup", "--value", "--", unit)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("systemctl: %w", err)
	}
	b, _ := io.ReadAll(io.LimitReader(out, 4096))
	if err := cmd.Wait(); err != nil {
		return "", fmt.Errorf("systemctl show %s: %w", unit, err)
	}
	return string(bytes.TrimSpace(b)), nil
}
