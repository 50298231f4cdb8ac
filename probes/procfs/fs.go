// Package procfs reads the kernel's files: memory and swap from /proc and
// /sys, the process table, memory cgroups, PostgreSQL's processes, and OOM
// kills from the kernel log (/dev/kmsg, or journalctl and dmesg when it is
// closed), plus host facts through gopsutil. Every path goes through an FS
// root, so a captured tree (--proc/--sys) and tests' fixtures read the same
// way as the live machine. What it reads it returns as probes' types.
package procfs

import (
	"path/filepath"
)

// FS owns the /proc and /sys roots every probe reads from.
type FS struct {
	proc string
	sys  string
}

// NewFS returns an FS rooted at procRoot and sysRoot ("" means /proc, /sys).
func NewFS(procRoot, sysRoot string) FS {
	if procRoot == "" {
		procRoot = "/proc"
	}
	if sysRoot == "" {
		sysRoot = "/sys"
	}
	return FS{proc: procRoot, sys: sysRoot}
}

// ProcRoot is the /proc root this FS reads.
func (fs FS) ProcRoot() string { return fs.proc }

// SysRoot is the /sys root this FS reads.
func (fs FS) SysRoot() string { return fs.sys }

// path joins elements under the proc root.
func (fs FS) path(elem ...string) string {
	return filepath.Join(append([]string{fs.proc}, elem...)...)
}

// sysPath joins elements under the sys root.
func (fs FS) sysPath(elem ...string) string {
	return filepath.Join(append([]string{fs.sys}, elem...)...)
}
