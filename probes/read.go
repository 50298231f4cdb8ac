package probes

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

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
			if n >= MaxProcFile {
				return buf[:0], fmt.Errorf("%s: larger than %d MiB, not a /proc or /sys file: %w", path, MaxProcFile>>20, ErrTooLarge)
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
	return io.ReadAll(LimitReader(f, MaxProcFile, path))
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
		return fmt.Errorf("%s: %w", path, ErrUnavailable)
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return &fs.PathError{Op: "read", Path: path, Err: fs.ErrPermission}
	}
	return &fs.PathError{Op: "read", Path: path, Err: err}
}

// fields splits line on spaces and tabs into at most len(out) fields without
// allocating; it returns how many it found.
func fields(line []byte, out [][]byte) int {
	n := 0
	i := 0
	for i < len(line) && n < len(out) {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i >= len(line) {
			break
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		out[n] = line[i:j]
		n++
		i = j
	}
	return n
}

// parseUint parses a decimal unsigned integer without allocating.
func parseUint(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// completeLines drops a last line that has no newline. The kernel ends
// every line of these files with one, so a line without it was cut short (a
// truncated copy, a short read): its number may have lost digits, and
// "pswpout 61" must not pass for a counter.
func completeLines(b []byte) []byte {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' {
			return b[:i+1]
		}
	}
	return b[:0]
}

// nextLine returns the first line of b and the rest after its newline.
// bytes.IndexByte is vectorised; a byte loop here was a third of the time
// spent parsing vmstat.
func nextLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}
