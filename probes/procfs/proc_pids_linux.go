package procfs

import (
	"fmt"
	"unsafe"

	"github.com/memtui/memtui/probes"
	"golang.org/x/sys/unix"
)

// eachPID calls fn for every numeric entry of the proc root, in directory
// order. It reads the directory with getdents64 into a reused buffer because
// os.ReadDir allocates a string and a DirEntry per process on every scan.
func (s *ProcScanner) eachPID(fn func(pid int32, ino uint64)) error {
	for {
		n, err := unix.Getdents(s.dirfd, s.dents)
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			return fmt.Errorf("process table: list %s: %w", s.fs.ProcRoot(), err)
		}
		if n <= 0 {
			return nil
		}
		for off := 0; off < n; {
			// struct linux_dirent64: ino u64, off s64, reclen u16, type u8, name.
			// The inode changes with every new process, so a reused pid is
			// told apart from the process that had it before.
			ino := *(*uint64)(unsafe.Pointer(&s.dents[off]))
			reclen := int(*(*uint16)(unsafe.Pointer(&s.dents[off+16])))
			name := s.dents[off+19 : off+reclen]
			off += reclen
			if len(name) == 0 || name[0] < '1' || name[0] > '9' {
				continue
			}
			end := 0
			for end < len(name) && name[end] != 0 {
				end++
			}
			pid, ok := probes.ParseUint(name[:end])
			if !ok || pid > 1<<31-1 {
				continue
			}
			fn(int32(pid), ino)
		}
	}
}
