// Package probes reads the machine: memory and swap, processes, PostgreSQL
// and OOM kills. It imports no UI code. Every file path goes through an FS
// root so tests can point it at a fixture tree.
package probes

import (
	"errors"
	"path/filepath"
)

// ErrUnavailable says a source does not exist on this machine (no PSI, no
// swap, no cgroup limit, an old kernel without a field).
var ErrUnavailable = errors.New("unavailable")

// ErrParse says a kernel file was there but did not read as expected.
var ErrParse = errors.New("parse error")

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
