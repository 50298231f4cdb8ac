package run

import (
	"fmt"
	"io"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/internal/fsread"
)

// LoadRunbook reads the runbook file at path and returns the effective runbook for path ("" means built-in only).
func LoadRunbook(path string, o actions.Options) (actions.Runbook, error) {
	if path == "" {
		o = o.WithDefaults()
		return actions.Runbook{Actions: actions.Builtin(o), Options: o}, nil
	}
	// A FIFO would block the start in open(2), a device stream into the
	// size bound: only a regular file is a runbook.
	f, err := fsread.OpenRegular(path)
	if err != nil {
		return actions.Runbook{}, fmt.Errorf("runbook: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return actions.Runbook{}, fmt.Errorf("runbook %s: %w", path, err)
	}
	// memtui usually runs as root and runs what this file says: a file
	// anyone can write is a way to run commands as root. (Group-writable
	// is left alone: umask 002 makes it the norm for checkouts.)
	if st.Mode().Perm()&0o002 != 0 {
		return actions.Runbook{}, &actions.FileError{File: path, Msg: fmt.Sprintf("writable by anyone (mode %04o): memtui runs its commands, often as root; fix it with chmod o-w %s", st.Mode().Perm(), path)}
	}
	data, err := io.ReadAll(io.LimitReader(f, actions.MaxRunbookBytes+1))
	if err != nil {
		return actions.Runbook{}, fmt.Errorf("runbook %s: %w", path, err)
	}
	if len(data) > actions.MaxRunbookBytes {
		return actions.Runbook{}, &actions.FileError{File: path, Msg: fmt.Sprintf("larger than %d KiB: is this the right file?", actions.MaxRunbookBytes>>10)}
	}
	return actions.Parse(path, data, o)
}
