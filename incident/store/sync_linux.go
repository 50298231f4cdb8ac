package store

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncData makes f's written data durable. fdatasync skips the metadata an
// append does not need (mtime), which makes it the cheaper of the two on
// the per-event path; the file size it does need is included.
func syncData(f *os.File) error {
	if err := unix.Fdatasync(int(f.Fd())); err != nil {
		return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: err}
	}
	return nil
}
