// Package fsread opens files memtui is handed by a person (a timeline, a
// runbook, a saved kernel log, a token file) in a bounded, non-blocking
// way, and writes files atomically (WriteAtomic): one copy shared by the
// I/O packages (probes, incident/store, actions/run, incident/notify). The
// ui never imports it.
package fsread

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ErrNotRegular says a path names something other than a regular file.
var ErrNotRegular = errors.New("not a regular file")

// OpenRegular opens path for reading and refuses anything that is not a
// regular file (after symlinks) with an error that names the path and what
// it is. It opens with O_NONBLOCK so that a FIFO is refused at once instead
// of blocking in open(2) until a writer appears; for a regular file the
// flag changes nothing.
func OpenRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is %s: %w", path, FileKind(st.Mode()), ErrNotRegular)
	}
	return f, nil
}

// FileKind names what a file mode describes, for errors a person reads:
// "a character device", "a FIFO", "a directory".
func FileKind(m os.FileMode) string {
	switch {
	case m&os.ModeSymlink != 0:
		return "a symbolic link"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a directory"
	case m.IsRegular():
		return "a regular file"
	}
	return "not a regular file"
}
