package run

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/internal/fsread"
	"golang.org/x/sys/unix"
)

// Keeper runs command actions under a keeper: a process of memtui's own
// (its binary's hidden keep command) in a session of its own, which starts
// the commands, enforces the run's timeout and leaves the result in a file.
// If memtui goes away while a run is going (SIGKILL, the OOM killer, a
// crash), the run is neither orphaned nor cut short: the keeper still
// kills it at its timeout and keeps its outcome, and the next memtui to
// start records that end (Orphans). A dropped terminal never reaches it.
type Keeper struct {
	// Argv starts a keeper: memtui's own binary and its keep command.
	Argv []string
	// Dir holds the runs going on: a lock file per run, held by the
	// memtui that started it, and the result the keeper leaves beside it.
	Dir string
	// Timeline names the incident timeline runs are recorded in ("" or
	// nil: unknown), kept with a result nobody collected.
	Timeline func() string
}

// keepRequest is what memtui hands its keeper on stdin.
type keepRequest struct {
	Action           actions.Action
	Deadline         time.Time
	ChildOOMScoreAdj *int
	TailBytes        int
	TailLines        int
	KillWait         time.Duration
	// Result is the run so far (its identity, who, the memory before).
	Result actions.Result
	// Record is where the keeper writes the result (a Kept, as JSON).
	Record   string
	Timeline string
}

// Kept is the file a keeper leaves: the run's result and the timeline it
// belongs to.
type Kept struct {
	Timeline string         `json:"timeline"`
	Result   actions.Result `json:"result"`
}

// maxKeptBytes bounds a result file read back (the output tail is at most
// DefaultTailBytes; the rest is small).
const maxKeptBytes = 4 << 20

// keepName is a run id as a file name.
func keepName(runID string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		}
		return '_'
	}, runID)
}

// runKept runs a command action through the keeper: its output streams
// back to out, ctx's end (timeout or cancel) reaches it as SIGTERM, and its
// result file fills res.
func (r *Runner) runKept(ctx context.Context, a actions.Action, out *tail, res *actions.Result) error {
	k := r.Keeper
	fail := func(msg string) error {
		res.Status, res.Message = actions.StatusError, msg
		out.Line(msg)
		return nil
	}
	if err := os.MkdirAll(k.Dir, 0o700); err != nil {
		return fail(fmt.Sprintf("memtui's keeper: %v", err))
	}
	name := filepath.Join(k.Dir, keepName(res.RunID))
	lock, err := os.OpenFile(name+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fail(fmt.Sprintf("memtui's keeper: %v", err))
	}
	// Held while this memtui lives: a result beside a free lock is an
	// orphan for the next memtui to record.
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		lock.Close()
		return fail(fmt.Sprintf("memtui's keeper: lock %s: %v", name+".lock", err))
	}
	defer func() {
		os.Remove(name + ".lock")
		lock.Close()
	}()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = r.now().Add(a.EffectiveTimeout())
	}
	req := keepRequest{Action: a, Deadline: deadline, ChildOOMScoreAdj: r.ChildOOMScoreAdj,
		TailBytes: r.TailBytes, TailLines: r.TailLines, KillWait: r.KillWait,
		Result: *res, Record: name + ".json"}
	if k.Timeline != nil {
		req.Timeline = k.Timeline()
	}
	in, err := json.Marshal(req)
	if err != nil {
		return fail(fmt.Sprintf("memtui's keeper: %v", err))
	}
	cmd := exec.Command(k.Argv[0], k.Argv[1:]...)
	// A session of its own: no terminal hangup, no ctrl+c, and memtui's
	// death does not reach it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return fail(fmt.Sprintf("memtui's keeper could not start: %v", err))
	}
	exited, wait := watchExit(cmd)
	select {
	case <-exited:
	case <-ctx.Done():
		// The keeper kills the process group and records why.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-exited
	}
	werr := wait()
	b, err := readKept(name + ".json")
	os.Remove(name + ".json")
	if err != nil {
		return fail(fmt.Sprintf("memtui's keeper ended (%v) without a result: %v", werr, err))
	}
	kr := b.Result
	res.Argv, res.Steps, res.ExitCode = kr.Argv, kr.Steps, kr.ExitCode
	res.Status, res.Message = kr.Status, kr.Message
	return nil
}

// readKept reads a keeper's result file.
func readKept(path string) (Kept, error) {
	f, err := os.Open(path)
	if err != nil {
		return Kept{}, err
	}
	defer f.Close()
	var k Kept
	if err := json.NewDecoder(io.LimitReader(f, maxKeptBytes)).Decode(&k); err != nil {
		return Kept{}, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// Keep is the keeper's side (memtui's hidden keep command): it reads a
// request on in, runs the commands with the request's deadline, streams
// their redacted output to stdout, and writes the result file. SIGTERM
// (memtui's cancel) kills the commands' process group; SIGHUP and a
// closed stdout change nothing. The exit status is 0 once the result is
// written.
func Keep(in io.Reader, stdout io.Writer) int {
	signal.Ignore(syscall.SIGPIPE, syscall.SIGHUP, syscall.SIGINT)
	var req keepRequest
	if err := json.NewDecoder(io.LimitReader(in, maxKeptBytes)).Decode(&req); err != nil {
		fmt.Fprintf(os.Stderr, "memtui keep: reading the request: %v\n", err)
		return 2
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	go func() {
		<-term
		cancel(errCancelled)
	}()
	tctx, tcancel := context.WithDeadlineCause(ctx, req.Deadline, errTimedOut)
	defer tcancel()
	r := &Runner{ChildOOMScoreAdj: req.ChildOOMScoreAdj, TailBytes: req.TailBytes, TailLines: req.TailLines, KillWait: req.KillWait}
	out := newTail(req.TailBytes, req.TailLines)
	out.mirror = stdout
	res := req.Result
	err := r.runCommands(tctx, req.Action, out, &res)
	settle(tctx, req.Action, &res, err)
	out.flush()
	res.Outcome = actions.Outcome(&res)
	res.Finished = time.Now()
	res.Duration = res.Finished.Sub(res.Started)
	res.Output = out.String()
	res.OutputDroppedLines, res.OutputBytes = out.stats()
	b, err := json.Marshal(Kept{Timeline: req.Timeline, Result: res})
	if err == nil {
		err = fsread.WriteAtomic(req.Record, b, 0o600, nil)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "memtui keep: writing the result: %v\n", err)
		return 1
	}
	return 0
}

// Orphan is the result of a run whose memtui went away before the run
// ended: its keeper saw it through and left the result for the next
// memtui to record.
type Orphan struct {
	Kept
	path string
	lock *os.File
}

// Orphans lists the results in dir that no running memtui is waiting for
// (their lock is free), oldest end first. Each is held until Done or Close,
// so two memtuis starting at once do not record one twice.
func Orphans(dir string) ([]*Orphan, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	var out []*Orphan
	for _, p := range names {
		base := strings.TrimSuffix(p, ".json")
		lock, err := os.OpenFile(base+".lock", os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			continue
		}
		if unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil {
			lock.Close() // its memtui is alive and will read it
			continue
		}
		k, err := readKept(p)
		if err != nil {
			if _, serr := os.Stat(p); errors.Is(serr, os.ErrNotExist) {
				lock.Close() // collected meanwhile
				continue
			}
			lock.Close()
			return out, err
		}
		out = append(out, &Orphan{Kept: k, path: p, lock: lock})
	}
	slices.SortStableFunc(out, func(a, b *Orphan) int { return a.Result.Finished.Compare(b.Result.Finished) })
	return out, nil
}

// Done removes the recorded orphan's files.
func (o *Orphan) Done() error {
	err := os.Remove(o.path)
	os.Remove(strings.TrimSuffix(o.path, ".json") + ".lock")
	o.lock.Close()
	return err
}

// Close lets the orphan go unrecorded, for a later memtui.
func (o *Orphan) Close() { o.lock.Close() }
