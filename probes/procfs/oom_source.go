package procfs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/memtui/memtui/probes"
)

// OOMParseOptions returns parse options with this machine's boot time
// (btime of <proc>/stat) and loc; without btime, kernel stamps stay
// without a wall time and the error says why.
func (fs FS) OOMParseOptions(loc *time.Location) (probes.OOMParseOptions, error) {
	o := probes.OOMParseOptions{Location: loc}
	b, err := readInto(fs.path("stat"), make([]byte, 0, 8192))
	if err != nil {
		return o, err
	}
	bt, ok := parseBtime(b)
	if !ok {
		return o, fmt.Errorf("%s: no btime line: %w", fs.path("stat"), probes.ErrParse)
	}
	o.BootTime = time.Unix(bt, 0)
	return o, nil
}

// parseBtime finds "btime N" (seconds since the epoch at boot) in
// /proc/stat.
func parseBtime(b []byte) (int64, bool) {
	for len(b) > 0 {
		var line []byte
		line, b = probes.NextLine(b)
		if v, ok := bytes.CutPrefix(line, []byte("btime ")); ok {
			n, ok := probes.ParseUint(bytes.TrimSpace(v))
			return int64(n), ok && n > 0
		}
	}
	return 0, false
}

// dmesgRestricted reads <proc>/sys/kernel/dmesg_restrict: true when it is 1.
func (fs FS) dmesgRestricted() bool {
	b, err := readInto(fs.path("sys", "kernel", "dmesg_restrict"), make([]byte, 0, 16))
	return err == nil && string(bytes.TrimSpace(b)) == "1"
}

// OOMCount reads the oom_kill counter of <proc>/vmstat: kills since boot,
// readable by anyone even when the kernel log is not (kernel 4.13+).
func (fs FS) OOMCount() (probes.Val, error) {
	v, err := fs.VMStat()
	if err != nil {
		return probes.Val{}, err
	}
	if !v.OOMKill.OK {
		return probes.Val{}, fmt.Errorf("%s: no oom_kill counter (kernel older than 4.13): %w", fs.path("vmstat"), probes.ErrUnavailable)
	}
	return v.OOMKill, nil
}

// OOMFollower holds the kills found in the kernel log and follows new ones
// in one goroutine blocked in a read (no polling). Next hands new kills to
// one waiter; Kills gives all kept so far.
type OOMFollower struct {
	fs     FS
	cfg    probes.OOMConfig
	notify chan struct{} // cap 1: "fresh has something", never blocks the reader
	done   chan struct{} // closed when following ends

	mu      sync.Mutex
	parser  *probes.OOMParser
	kills   []probes.OOMKill // oldest first, at most cfg.MaxKills
	fresh   []probes.OOMKill // arrived since the last Next, at most cfg.MaxKills
	status  probes.OOMSourceStatus
	start   probes.Val // oom_kill counter when following began
	stopped bool
	live    bool // the backlog is read: kills from now on are new
	closeFn func() error
}

// FollowOOM reads the kills already in the kernel log and starts following
// new ones, from the first source that works: /dev/kmsg, then dmesg, then
// journalctl. It never fails: when nothing is readable the status says why
// (Status().Err()) and the oom_kill counter still works.
func (fs FS) FollowOOM(ctx context.Context, cfg probes.OOMConfig) *OOMFollower {
	return fs.readOOM(ctx, cfg, true)
}

// ReadOOM reads the kills in the kernel log once, from the first source
// that works, without following: for `memtui oom` and snapshots.
func (fs FS) ReadOOM(ctx context.Context, cfg probes.OOMConfig) ([]probes.OOMKill, probes.OOMSourceStatus) {
	f := fs.readOOM(ctx, cfg, false)
	return f.Kills(), f.Status()
}

func (fs FS) readOOM(ctx context.Context, cfg probes.OOMConfig, follow bool) *OOMFollower {
	cfg = cfg.WithDefaults()
	f := fs.readKernelOOM(ctx, cfg, follow)
	if len(cfg.Userspace) == 0 {
		return f
	}
	// The userspace killers log to the journal, never to the kernel log:
	// read them once, quietly (most hosts run neither). The dashboard waits
	// for this before it starts, so there it gets a short leash: a journal
	// stalled by a thrashing host must not delay the screen.
	timeout := cfg.Timeout
	if follow {
		timeout = min(timeout, 1500*time.Millisecond)
	}
	out, err := runLogCommand(ctx, timeout, cfg.Userspace)
	if err != nil || !hasKernelLines(out) {
		return f
	}
	opts, _ := fs.OOMParseOptions(cfg.Location)
	l := probes.ParseOOMBytes(out, opts)
	var user []probes.OOMKill
	for _, k := range l.Kills {
		if k.Source != "kernel" { // the kernel's own lines came from the kernel source
			user = append(user, k)
		}
	}
	if len(user) == 0 && len(l.UnitKills) == 0 {
		return f
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.kills = mergeKillsByTime(f.kills, user, cfg.MaxKills)
	f.status.Userspace, f.status.UnitKills = len(user), len(l.UnitKills)
	return f
}

// mergeKillsByTime adds userspace kills to the kernel's, in time order when
// every kill has a wall time, else after them.
func mergeKillsByTime(a, b []probes.OOMKill, max int) []probes.OOMKill {
	out := append(append([]probes.OOMKill(nil), a...), b...)
	for _, k := range out {
		if k.Time == nil {
			return appendKeep(nil, out, max)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(*out[j].Time) })
	return appendKeep(nil, out, max)
}

func (fs FS) readKernelOOM(ctx context.Context, cfg probes.OOMConfig, follow bool) *OOMFollower {
	f := &OOMFollower{fs: fs, cfg: cfg, notify: make(chan struct{}, 1), done: make(chan struct{})}
	f.start, _ = fs.OOMCount()
	opts, _ := fs.OOMParseOptions(cfg.Location)
	opts.MaxKills = cfg.MaxKills
	f.parser = probes.NewOOMParser(opts)

	restricted := false
	// 1. /dev/kmsg: the ring buffer now, then a blocking read for new records.
	kmsgAttempt := probes.OOMAttempt{Source: probes.OOMSourceKmsg, What: cfg.KmsgPath}
	r, err := openKmsg(cfg.KmsgPath)
	if err == nil {
		err = r.drain(f.line)
		if err != nil {
			r.close()
		}
	}
	if err == nil {
		f.status = probes.OOMSourceStatus{Source: probes.OOMSourceKmsg, What: cfg.KmsgPath, Following: true, Dropped: r.dropped}
		f.status.Attempts = []probes.OOMAttempt{kmsgAttempt,
			{Source: probes.OOMSourceDmesg, What: "dmesg", Err: probes.ErrNotNeeded},
			{Source: probes.OOMSourceJournal, What: "journalctl", Err: probes.ErrNotNeeded}}
		f.kills = append(f.kills, f.parser.TakeFresh()...)
		if !follow {
			r.close()
			f.status.Following = false
			f.stopped = true
			close(f.done)
			return f
		}
		f.closeFn = r.close
		f.live = true
		go f.run(func() error {
			err := r.follow(f.line)
			f.mu.Lock()
			f.status.Dropped = r.dropped
			f.mu.Unlock()
			return err
		})
		return f
	}
	if isPermission(err) {
		restricted = true
	}
	kmsgAttempt.Err = describeSourceErr(cfg.KmsgPath, err)
	attempts := []probes.OOMAttempt{kmsgAttempt}

	// 2. dmesg, 3. journalctl: read once, then follow with a child process
	// that blocks on its own read of the log.
	for _, src := range []struct {
		name   string
		what   string // the name people know it by, in the status line
		argv   []string
		follow []string
	}{
		{probes.OOMSourceDmesg, "dmesg", cfg.Dmesg, append(append([]string(nil), cfg.Dmesg...), "-W")},
		{probes.OOMSourceJournal, "journalctl", cfg.Journal, append(append([]string(nil), cfg.Journal...), "-f", "-n", "0")},
	} {
		what := src.what
		out, err := runLogCommand(ctx, cfg.Timeout, src.argv)
		if err == nil && src.name == probes.OOMSourceJournal && !hasKernelLines(out) {
			// journalctl exits 0 with "-- No entries --" when there is no
			// journal or the user may not read the system one: either way
			// it is not a working source.
			if os.Geteuid() == 0 || bytes.Contains(out, []byte("No journal files")) {
				err = errors.New("no kernel messages in the journal")
			} else {
				err = errors.New("no kernel messages visible (not in the systemd-journal or adm group?)")
			}
		}
		if err != nil {
			if isPermission(err) {
				restricted = true
			}
			attempts = append(attempts, probes.OOMAttempt{Source: src.name, What: what, Err: describeSourceErr(what, err)})
			continue
		}
		f.mu.Lock()
		f.feedAll(out)
		f.kills = append(f.kills, f.parser.TakeFresh()...)
		f.mu.Unlock()
		attempts = append(attempts, probes.OOMAttempt{Source: src.name, What: what})
		f.status = probes.OOMSourceStatus{Source: src.name, What: what, Attempts: attempts}
		if src.name == probes.OOMSourceDmesg {
			f.status.Attempts = append(f.status.Attempts, probes.OOMAttempt{Source: probes.OOMSourceJournal, What: "journalctl", Err: probes.ErrNotNeeded})
		}
		if follow {
			f.startCommandFollow(src.follow)
		} else {
			f.stopped = true
			close(f.done)
		}
		return f
	}
	f.status = probes.OOMSourceStatus{Restricted: restricted, DmesgRestrict: fs.dmesgRestricted(), Attempts: attempts}
	f.stopped = true
	close(f.done)
	return f
}

func isPermission(err error) bool {
	return errors.Is(err, iofs.ErrPermission) || strings.Contains(err.Error(), "Operation not permitted")
}

// describeSourceErr words a source's failure for the status line.
func describeSourceErr(what string, err error) error {
	switch {
	case errors.Is(err, iofs.ErrNotExist), errors.Is(err, exec.ErrNotFound):
		return fmt.Errorf("%s: not found", what)
	case isPermission(err):
		return fmt.Errorf("%s: permission denied", what)
	}
	return fmt.Errorf("%s: %v", what, err)
}

// hasKernelLines says whether journalctl printed any entry (lines other
// than its "-- … --" notes and hints).
func hasKernelLines(out []byte) bool {
	for len(out) > 0 {
		var line []byte
		line, out = probes.NextLine(out)
		if len(line) > 0 && !bytes.HasPrefix(line, []byte("-- ")) && !bytes.HasPrefix(line, []byte("Hint:")) && !bytes.HasPrefix(line, []byte("No journal files")) {
			return true
		}
	}
	return false
}

// runLogCommand runs argv with a timeout and returns its standard output.
func runLogCommand(ctx context.Context, timeout time.Duration, argv []string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "LC_ALL=C") // English errors, plain stamps
	var stdout, stderr bytes.Buffer
	cmd.Stdout = probes.CapWriter(&stdout, probes.MaxLogCommandOutput)
	cmd.Stderr = probes.CapWriter(&stderr, 64<<10)
	err := cmd.Run()
	out := stdout.Bytes()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("timed out after %v", timeout)
	}
	if stdout.Len() >= probes.MaxLogCommandOutput {
		return nil, fmt.Errorf("%s: output larger than %d MiB: %w", argv[0], probes.MaxLogCommandOutput>>20, probes.ErrTooLarge)
	}
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			if strings.Contains(msg, "Operation not permitted") {
				return nil, iofs.ErrPermission
			}
			return nil, errors.New(firstLine(msg))
		}
		return nil, err
	}
	return out, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// startCommandFollow runs the follow form of dmesg or journalctl until
// Close; the child blocks on the kernel log, and so does our read of its
// output.
func (f *OOMFollower) startCommandFollow(argv []string) {
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		cancel()
		f.status.FollowErr = fmt.Errorf("%s: %v", strings.Join(argv, " "), err)
		f.stopped = true
		close(f.done)
		return
	}
	f.status.Following = true
	f.closeFn = func() error { cancel(); return nil }
	f.live = true
	go f.run(func() error {
		defer cancel()
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 0, 16<<10), probes.MaxLogLine)
		for sc.Scan() {
			f.line(sc.Bytes())
		}
		if err := cmd.Wait(); err != nil && ctx.Err() == nil {
			return fmt.Errorf("%s exited: %v", argv[0], err)
		}
		if ctx.Err() != nil {
			return nil
		}
		return io.EOF
	})
}

// run follows until the source ends, then records why and wakes Next.
func (f *OOMFollower) run(follow func() error) {
	err := follow()
	f.mu.Lock()
	f.status.Following = false
	if err != nil {
		f.status.FollowErr = err
	}
	f.stopped = true
	f.mu.Unlock()
	close(f.done)
}

// line feeds one log line to the parser and queues the kills it completes.
func (f *OOMFollower) line(b []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.parser.Feed(time.Now(), b)
	if !f.live {
		// Still reading the backlog (FollowOOM takes it).
		return
	}
	n := f.parser.TakeFresh()
	if len(n) == 0 {
		return
	}
	f.kills = appendKeep(f.kills, n, f.cfg.MaxKills)
	f.fresh = appendKeep(f.fresh, n, f.cfg.MaxKills)
	select {
	case f.notify <- struct{}{}:
	default:
	}
}

func (f *OOMFollower) feedAll(out []byte) {
	for len(out) > 0 {
		var l []byte
		l, out = probes.NextLine(out)
		f.parser.Feed(time.Now(), l)
	}
}

func appendKeep(dst, add []probes.OOMKill, max int) []probes.OOMKill {
	dst = append(dst, add...)
	if over := len(dst) - max; over > 0 {
		dst = append(dst[:0], dst[over:]...)
	}
	return dst
}

// Kills returns the kills kept so far, oldest first.
func (f *OOMFollower) Kills() []probes.OOMKill {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]probes.OOMKill(nil), f.kills...)
}

// Status says which source is used and why the others are not.
func (f *OOMFollower) Status() probes.OOMSourceStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.status
	s.Attempts = append([]probes.OOMAttempt(nil), s.Attempts...)
	return s
}

// StartCount is the oom_kill counter when following began (unknown when
// <proc>/vmstat had none), for "kills since memtui started".
func (f *OOMFollower) StartCount() probes.Val { return f.start }

// Next waits for kills that arrived since the last call and returns them,
// oldest first. It returns ctx.Err() when ctx ends first and ErrFollowEnded
// once the source has stopped and nothing is left.
func (f *OOMFollower) Next(ctx context.Context) ([]probes.OOMKill, error) {
	for {
		f.mu.Lock()
		if len(f.fresh) > 0 {
			out := f.fresh
			f.fresh = nil
			f.mu.Unlock()
			return out, nil
		}
		stopped := f.stopped
		f.mu.Unlock()
		if stopped {
			return nil, probes.ErrFollowEnded
		}
		select {
		case <-f.notify:
		case <-f.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Close stops following and waits for the reader to finish.
func (f *OOMFollower) Close() error {
	f.mu.Lock()
	c := f.closeFn
	f.closeFn = nil
	f.mu.Unlock()
	var err error
	if c != nil {
		err = c()
	}
	<-f.done
	return err
}

// OOMSnapshot reads the counter and the kernel log once and keeps the last
// n kills. It never fails as a whole: what it could not read is in Error.
func (fs FS) OOMSnapshot(ctx context.Context, cfg probes.OOMConfig, n int) probes.OOMSection {
	var s probes.OOMSection
	var errs []string
	if v, err := fs.OOMCount(); err == nil {
		n := v.V
		s.KillsSinceBoot = &n
	} else {
		errs = append(errs, "oom_kill counter: "+err.Error())
	}
	kills, st := fs.ReadOOM(ctx, cfg)
	if err := st.Err(); err != nil {
		errs = append([]string{err.Error()}, errs...)
	}
	s.Source = st.String()
	s.Error = strings.Join(errs, "; ")
	if n > 0 && len(kills) > n {
		kills = kills[len(kills)-n:]
	}
	s.Recent = append(make([]probes.OOMKill, 0, len(kills)), kills...)
	return s
}
