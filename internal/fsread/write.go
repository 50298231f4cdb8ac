package fsread

import (
	"errors"
	"os"
	"path/filepath"
)

// Owner is the uid and gid a written file keeps (WriteAtomic).
type Owner struct{ UID, GID int }

// WriteAtomic writes data to path through a temporary file in the same
// directory (mode perm, and owner when given), synced, then renamed over
// path, and syncs the directory: a reader sees the old file or the new
// one, never half of it, and a crash leaves the old one whole. A chown
// refused for want of privilege is not an error (the file stays the
// writer's). The rename replaces whatever path names: callers that must
// not replace a device or a link check that first.
func WriteAtomic(path string, data []byte, perm os.FileMode, owner *Owner) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if owner != nil {
		if err := f.Chown(owner.UID, owner.GID); err != nil && !errors.Is(err, os.ErrPermission) {
			f.Close()
			return err
		}
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
