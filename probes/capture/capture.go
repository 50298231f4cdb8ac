// Package capture writes the files memtui reads from a live host into a
// directory that `memtui --proc DIR/proc --sys DIR/sys` replays
// (probes/host.Replay): memory, paging and pressure, every process's
// status files, the memory cgroup of the capturing process, user names
// and the OOM-relevant part of the kernel log. It replaces copying /proc
// files by hand for a bug report, so it never copies what could leak:
// command lines and log lines go through internal/redact, environments
// (/proc/PID/environ) are never read, and /etc/passwd keeps names only.
package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/memtui/memtui/internal/redact"
	"github.com/memtui/memtui/probes/procfs"
)

// DefaultMaxFile bounds every copied file: the largest file memtui reads
// (a busy /proc/PID/status, a long cmdline) is a few KiB, and a capture of
// a host short of memory must not itself grow without limit.
const DefaultMaxFile = 1 << 20

// maxKernelLog bounds the saved kernel log: the kmsg ring buffer is at most
// a few MiB, and only its OOM-relevant part is kept.
const maxKernelLog = 4 << 20

// Options say what to capture from where; main.go fills them from flags.
type Options struct {
	Proc, Sys, Etc string // roots to read ("" means /proc, /sys, /etc)
	KmsgPath       string // kernel log device ("" means /dev/kmsg)
	Force          bool   // overwrite a non-empty directory
	MaxFile        int64  // bytes per file (0 means DefaultMaxFile)
}

// Result says what a capture wrote.
type Result struct {
	Dir       string
	Files     int
	Bytes     int64
	PIDs      int    // processes captured
	Vanished  int    // processes that exited while being read
	KernelLog string // "" when the kernel log could not be read
	LogErr    error  // why the kernel log is missing
}

// ErrNotEmpty is returned for an existing non-empty directory without Force.
var ErrNotEmpty = errors.New("directory is not empty (use --force to overwrite)")

// procFiles are the host-wide files under /proc the probes read.
var procFiles = []string{"meminfo", "vmstat", "pressure/memory", "stat", "uptime", "loadavg",
	"sys/kernel/hostname", "sys/kernel/osrelease", "sys/kernel/random/boot_id", "sys/kernel/dmesg_restrict"}

// pidFiles are the per-process files the process table and detail read;
// environ is deliberately absent. cmdline is masked before it is written.
var pidFiles = []string{"stat", "statm", "status", "cmdline", "comm", "cgroup", "smaps_rollup", "oom_score", "oom_score_adj"}

// writer copies files into the tree, keeping the modes and the count.
type writer struct {
	dir string
	max int64
	res *Result
}

// put writes b to rel under the tree, 0600 in 0700 directories: a
// capture describes a whole machine and is for its owner only.
func (w *writer) put(rel string, b []byte) error {
	p := filepath.Join(w.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		return err
	}
	w.res.Files++
	w.res.Bytes += int64(len(b))
	return nil
}

// read reads at most w.max bytes of a (proc or sys) file: their size is 0
// in stat(2), so reading until EOF under a limit is the only way.
func (w *writer) read(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, w.max))
}

// copyFile copies src to rel; a source that does not exist is skipped
// (old kernels, no PSI), any other error is returned.
func (w *writer) copyFile(src, rel string) error {
	b, err := w.read(src)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			return nil
		}
		return err
	}
	return w.put(rel, b)
}

// Write captures the host into dir.
func Write(ctx context.Context, dir string, o Options) (Result, error) {
	if o.Proc == "" {
		o.Proc = "/proc"
	}
	if o.Sys == "" {
		o.Sys = "/sys"
	}
	if o.Etc == "" {
		o.Etc = "/etc"
	}
	if o.KmsgPath == "" {
		o.KmsgPath = "/dev/kmsg"
	}
	if o.MaxFile <= 0 {
		o.MaxFile = DefaultMaxFile
	}
	res := Result{Dir: dir}
	if err := prepare(dir, o.Force); err != nil {
		return res, err
	}
	w := &writer{dir: dir, max: o.MaxFile, res: &res}
	for _, f := range procFiles {
		if err := w.copyFile(filepath.Join(o.Proc, f), filepath.Join("proc", f)); err != nil {
			return res, err
		}
	}
	if err := w.copyDir(filepath.Join(o.Proc, "sys", "vm"), filepath.Join("proc", "sys", "vm")); err != nil {
		return res, err
	}
	if err := w.cgroup(o.Proc, o.Sys); err != nil {
		return res, err
	}
	if err := w.processes(ctx, o.Proc); err != nil {
		return res, err
	}
	if b, err := w.read(filepath.Join(o.Etc, "passwd")); err == nil {
		if err := w.put("etc/passwd", namesOnly(b)); err != nil {
			return res, err
		}
	}
	// os-release names the distribution for the replay's header.
	if err := w.copyFile(filepath.Join(o.Etc, "os-release"), "etc/os-release"); err != nil {
		return res, err
	}
	log, err := kernelLog(o.KmsgPath)
	if err != nil {
		res.LogErr = err
	} else {
		if err := w.put(kernelLogName, log); err != nil {
			return res, err
		}
		res.KernelLog = filepath.Join(dir, kernelLogName)
	}
	return res, nil
}

// kernelLogName is the file the kernel log is saved as: one of
// host.KernelLogFiles, the one that holds records as /dev/kmsg gives them
// (a capture has no dmesg output to save).
const kernelLogName = "kmsg"

// prepare creates dir (0700) or checks it is empty; with force it removes
// only what a capture writes, never anything else the user keeps there.
func prepare(dir string, force bool) error {
	ents, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return os.MkdirAll(dir, 0o700)
	case err != nil:
		return err
	case len(ents) > 0 && !force:
		return fmt.Errorf("%s: %w", dir, ErrNotEmpty)
	}
	for _, n := range []string{"proc", "sys", "etc", "kmsg", "dmesg"} {
		if err := os.RemoveAll(filepath.Join(dir, n)); err != nil {
			return err
		}
	}
	return os.Chmod(dir, 0o700)
}

// copyDir copies the regular readable files of one directory (sys/vm).
func (w *writer) copyDir(src, rel string) error {
	ents, err := os.ReadDir(src)
	if err != nil {
		return nil // not there: nothing to copy
	}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		if err := w.copyFile(filepath.Join(src, e.Name()), filepath.Join(rel, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// cgroup copies <proc>/self/cgroup of the capturing process and the memory
// files of its cgroup, at every place the probes look for them (v2, v2
// under unified/, v1 memory/, each at the path and at the mount root).
func (w *writer) cgroup(proc, sys string) error {
	b, err := w.read(filepath.Join(proc, "self", "cgroup"))
	if err != nil {
		return nil
	}
	if err := w.put("proc/self/cgroup", b); err != nil {
		return err
	}
	root := filepath.Join(sys, "fs", "cgroup")
	for _, line := range strings.Split(string(b), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		var mounts, files []string
		switch {
		case parts[0] == "0" && parts[1] == "":
			mounts, files = []string{"", "unified"}, []string{"memory.max", "memory.current", "memory.swap.max"}
		case strings.Contains(","+parts[1]+",", ",memory,"):
			mounts, files = []string{"memory"}, []string{"memory.limit_in_bytes", "memory.usage_in_bytes"}
		default:
			continue
		}
		for _, m := range mounts {
			for _, d := range []string{"", parts[2]} {
				for _, f := range files {
					rel := filepath.Join("fs", "cgroup", m, d, f)
					if err := w.copyFile(filepath.Join(root, m, d, f), filepath.Join("sys", rel)); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// processes copies every process's files; one that exits meanwhile is
// dropped whole, so the replay never shows half a process.
func (w *writer) processes(ctx context.Context, proc string) error {
	ents, err := os.ReadDir(proc)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 {
			continue
		}
		files, ok := w.readProcess(filepath.Join(proc, e.Name()))
		if !ok {
			w.res.Vanished++
			continue
		}
		for i, b := range files {
			if b == nil {
				continue
			}
			if err := w.put(filepath.Join("proc", e.Name(), pidFiles[i]), b); err != nil {
				return err
			}
		}
		if b, err := w.read(filepath.Join(proc, e.Name(), "task", e.Name(), "children")); err == nil {
			if err := w.put(filepath.Join("proc", e.Name(), "task", e.Name(), "children"), b); err != nil {
				return err
			}
		}
		w.res.PIDs++
	}
	return nil
}

// readProcess reads one process's files (nil for one that cannot be
// read, such as another user's smaps_rollup); ok is false when the
// process is gone (its stat unreadable).
func (w *writer) readProcess(dir string) (files [][]byte, ok bool) {
	files = make([][]byte, len(pidFiles))
	for i, f := range pidFiles {
		b, err := w.read(filepath.Join(dir, f))
		if err != nil {
			if f == "stat" {
				return nil, false
			}
			continue
		}
		switch f {
		case "cmdline":
			b = maskCmdline(b)
		case "comm":
			b = []byte(redact.Redact(string(b)))
		}
		files[i] = b
	}
	return files, true
}

// maskCmdline masks secrets in a NUL-separated argv, keeping its form.
func maskCmdline(b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	trail := b[len(b)-1] == 0
	argv := strings.Split(string(bytes.TrimSuffix(b, []byte{0})), "\x00")
	out := []byte(strings.Join(redact.RedactArgv(argv), "\x00"))
	if trail {
		out = append(out, 0)
	}
	return out
}

// namesOnly keeps name and uid of each passwd line: "name:x:uid:gid:::".
// Hashes (old systems keep them there), GECOS, homes and shells stay home.
func namesOnly(b []byte) []byte {
	var out bytes.Buffer
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 4 || f[0] == "" || strings.HasPrefix(f[0], "#") {
			continue
		}
		fmt.Fprintf(&out, "%s:x:%s:%s:::\n", f[0], f[2], f[3])
	}
	return out.Bytes()
}

// kernelLog is the OOM-relevant part of the kernel ring buffer: each
// OOM report from "invoked oom-killer" to its "Killed process" or
// oom_reaper line (the parser needs the memory dump and task list between
// them), and any other line naming the OOM killer; every line masked.
func kernelLog(path string) ([]byte, error) {
	var out bytes.Buffer
	inReport := 0 // lines left in the current report's window
	err := procfs.DrainKernelLog(path, func(l []byte) {
		if len(l) > 0 && l[0] == ' ' {
			return // kmsg continuation lines (SUBSYSTEM=…, DEVICE=…)
		}
		text := l
		if i := bytes.IndexByte(l, ';'); i >= 0 {
			text = l[i+1:]
		}
		lower := bytes.ToLower(text)
		start := bytes.Contains(lower, []byte("invoked oom-killer"))
		oomLine := start || bytes.Contains(lower, []byte("oom")) || bytes.Contains(lower, []byte("out of memory")) ||
			bytes.Contains(text, []byte("Killed process"))
		if start {
			inReport = 2000
		}
		if !oomLine && inReport == 0 {
			return
		}
		if inReport > 0 {
			inReport--
		}
		if bytes.Contains(text, []byte("Killed process")) || bytes.Contains(lower, []byte("oom_reaper")) {
			inReport = 0
		}
		if out.Len()+len(l) < maxKernelLog {
			out.WriteString(redact.Redact(string(l)))
			out.WriteByte('\n')
		}
	})
	if err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
