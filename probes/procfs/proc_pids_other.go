//go:build !linux

package procfs

import (
	"fmt"
	"os"

	"github.com/memtui/memtui/probes"
)

// eachPID calls fn for every numeric entry of the proc root. Outside Linux
// there is no /proc of the running system, so this only serves a captured
// tree (--proc DIR); os.ReadDir is portable and its allocations do not matter
// there. getdents64 is Linux-only, which is why the fast path lives in
// proc_pids_linux.go.
func (s *ProcScanner) eachPID(fn func(pid int32, ino uint64)) error {
	entries, err := os.ReadDir(s.fs.ProcRoot())
	if err != nil {
		return fmt.Errorf("process table: list %s: %w", s.fs.ProcRoot(), err)
	}
	for _, e := range entries {
		name := []byte(e.Name())
		if len(name) == 0 || name[0] < '1' || name[0] > '9' {
			continue
		}
		pid, ok := probes.ParseUint(name)
		if !ok || pid > 1<<31-1 {
			continue
		}
		fn(int32(pid), 0) // no inode: pid reuse is not told apart here
	}
	return nil
}
