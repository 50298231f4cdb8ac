package procfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/memtui/memtui/probes"
	"golang.org/x/sys/unix"
)

// readInto reads the whole small file at path into buf (grown as needed, up
// to MaxProcFile: a fixture root pointed at /dev/zero must not grow it) and
// returns the filled slice. It uses raw syscalls so that a steady-state read
// of a /proc file allocates nothing: the memory panel reads four to six of
// them every second on a machine that is short of memory.
func readInto(path string, buf []byte) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return buf[:0], pathErr(path, err)
	}
	defer unix.Close(fd)
	n := 0
	for {
		if n == len(buf) {
			if n >= probes.MaxProcFile {
				return buf[:0], fmt.Errorf("%s: larger than %d MiB, not a /proc or /sys file: %w", path, probes.MaxProcFile>>20, probes.ErrTooLarge)
			}
			if cap(buf) > n {
				buf = buf[:cap(buf)]
			} else {
				nb := make([]byte, 2*len(buf)+4096)
				copy(nb, buf[:n])
				buf = nb
			}
		}
		m, err := unix.Read(fd, buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return buf[:0], pathErr(path, err)
		}
		if m == 0 {
			return buf[:n], nil
		}
		n += m
	}
}

// readSmall is os.ReadFile bounded by MaxProcFile, for the files read once
// per request (a process's detail) rather than every second. Its errors
// are os's, so callers can keep testing for os.ErrNotExist.
func readSmall(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(probes.LimitReader(f, probes.MaxProcFile, path))
}

// pathErr turns a syscall error into one that names the path and wraps
// ErrUnavailable when the file does not exist, so callers can tell "this
// kernel has no such file" from "the file is broken".
func pathErr(path string, err error) error {
	// os functions wrap the errno in a PathError of their own; keep one.
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENOTDIR):
		return fmt.Errorf("%s: %w", path, probes.ErrUnavailable)
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return &fs.PathError{Op: "read", Path: path, Err: fs.ErrPermission}
	}
	return &fs.PathError{Op: "read", Path: path, Err: err}
}
