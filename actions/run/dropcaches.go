package run

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"github.com/memtui/memtui/actions"
	"golang.org/x/sys/unix"
)

// runDropCaches is the seed's `sync; echo 3 | sudo tee /proc/sys/vm/drop_caches`
// done in-process: sync(2), then one write of "3". No shell and no tee, so
// there is nothing to quote wrong and the error is the kernel's own.
func (r *Runner) runDropCaches(ctx context.Context, a actions.Action, out *tail, res *actions.Result) error {
	if a.File == "" {
		res.Status, res.Message = actions.StatusError, "drop-caches: no file to write (the action has no file set)"
		return nil
	}
	level := strconv.Itoa(a.EffectiveDropLevel())
	res.Argv = [][]string{{"sync"}, {"write", level, a.File}}
	out.Line("$ sync")
	// sync(2) can take long on a busy disk and cannot be interrupted; run it
	// aside so the timeout and cancel still answer.
	synced := make(chan struct{})
	go func() { unix.Sync(); close(synced) }()
	t0 := r.now()
	select {
	case <-synced:
		res.Steps = append(res.Steps, actions.Step{Argv: []string{"sync"}, Status: actions.StatusOK, Duration: r.now().Sub(t0), Outcome: "synced"})
	case <-ctx.Done():
		res.Steps = append(res.Steps, actions.Step{Argv: []string{"sync"}, Status: actions.StatusFailed, Outcome: "sync still running"})
		return ctx.Err()
	}
	out.Line("$ write " + level + " > " + a.File)
	write := actions.Step{Argv: []string{"write", level, a.File}}
	// O_WRONLY without O_CREATE: a missing file means no such kernel knob,
	// never a new regular file.
	f, err := os.OpenFile(a.File, os.O_WRONLY, 0)
	if err == nil {
		_, err = f.Write([]byte(level))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		res.Status, res.Message = actions.StatusError, dropCachesError(a.File, err)
		write.Status, write.Message, write.Outcome = actions.StatusError, res.Message, "failed: "+res.Message
		res.Steps = append(res.Steps, write)
		out.Line(res.Message)
		return nil
	}
	res.Status, res.Message = actions.StatusOK, map[string]string{"1": "page cache dropped", "2": "dentries and inodes dropped", "3": "page cache, dentries and inodes dropped"}[level]
	write.Status, write.Outcome = actions.StatusOK, "written"
	res.Steps = append(res.Steps, write)
	out.Line(res.Message)
	return nil
}

func dropCachesError(file string, err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Sprintf("%s does not exist: not a Linux /proc, or --proc points elsewhere", file)
	case errors.Is(err, syscall.EROFS):
		return fmt.Sprintf("%s is read-only: inside a container the host's page cache cannot be dropped from here", file)
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		if os.Geteuid() == 0 {
			return fmt.Sprintf("%s: permission denied even as root (a container without CAP_SYS_ADMIN?)", file)
		}
		return "needs root: run memtui with sudo"
	}
	return fmt.Sprintf("%s: %v", file, err)
}
