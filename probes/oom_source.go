package probes

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
	"strconv"
	"strings"
	"sync"
	"time"
)

// OOMConfig says where to look for OOM kills. The zero value means the
// defaults: /dev/kmsg, then dmesg, then journalctl.
type OOMConfig struct {
	// KmsgPath is the kernel log device; tests point it at a FIFO or file.
	KmsgPath string
	// Dmesg is the dmesg command (argv); its follow form adds "-W"
	// (--follow-new, util-linux 2.35+). nil means {"dmesg"}.
	Dmesg []string
	// Journal is the journalctl command (argv) for the kernel messages of
	// this boot; its follow form adds "-f -n 0". nil means
	// {"journalctl", "-k", "-o", "short-iso", "--no-pager"}.
	Journal []string
	// Userspace is the journalctl command (argv) for the userspace killers'
	// lines of this boot (earlyoom, systemd-oomd), read once at start; nil
	// means the default, an empty slice turns it off.
	Userspace []string
	// Timeout bounds each run of dmesg or journalctl; 0 means 5 s.
	Timeout time.Duration
	// MaxKills bounds the kills kept in memory; 0 means 256.
	MaxKills int
	// Location is the zone of log stamps without one; nil means time.Local.
	Location *time.Location
}

func (c OOMConfig) withDefaults() OOMConfig {
	if c.KmsgPath == "" {
		c.KmsgPath = "/dev/kmsg"
	}
	if c.Dmesg == nil {
		c.Dmesg = []string{"dmesg"}
	}
	if c.Journal == nil {
		c.Journal = []string{"journalctl", "-k", "-o", "short-iso", "--no-pager"}
	}
	if c.Userspace == nil {
		c.Userspace = []string{"journalctl", "-b", "-o", "short-iso", "--no-pager", "-t", "earlyoom", "-t", "systemd-oomd"}
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
	}
	if c.MaxKills <= 0 {
		c.MaxKills = 256
	}
	if c.Location == nil {
		c.Location = time.Local
	}
	return c
}

// ErrKernelLogRestricted says the kernel log cannot be read by this user.
var ErrKernelLogRestricted = errors.New("kernel log: permission denied — kernel.dmesg_restrict=1; run as root or grant CAP_SYSLOG")

// OOM source names, as OOMSourceStatus.Source holds them.
const (
	OOMSourceKmsg    = "kmsg"
	OOMSourceDmesg   = "dmesg"
	OOMSourceJournal = "journal"
	OOMSourceFile    = "file"
)

// OOMAttempt is one source tried and what came of it.
type OOMAttempt struct {
	Source string // kmsg, dmesg, journal
	What   string // the path or command line
	Err    error  // nil: used; ErrNotNeeded: an earlier one worked
}

// ErrNotNeeded marks a source not tried because an earlier one worked.
var ErrNotNeeded = errors.New("not needed")

// OOMSourceStatus says which source the kills come from and why the others
// are not used; its String is the panel's status line.
type OOMSourceStatus struct {
	Source     string // "" when no source works
	What       string // path or command of the source used
	Following  bool   // new kills arrive as they happen
	FollowErr  error  // why following stopped or could not start
	Restricted bool   // a source said "permission denied"
	// DmesgRestrict is kernel.dmesg_restrict=1: only root or CAP_SYSLOG may
	// read the kernel log.
	DmesgRestrict bool
	Dropped       int          // kmsg records overwritten before they were read
	Attempts      []OOMAttempt // every source, in the order tried
	// Userspace counts the earlyoom kills and UnitKills the systemd-oomd
	// cgroup kills found in the journal (read once at start, not followed).
	Userspace, UnitKills int
}

// Err is the error a person should see when no source works, else nil.
func (s OOMSourceStatus) Err() error {
	if s.Source != "" {
		return nil
	}
	if s.Restricted && s.DmesgRestrict {
		return ErrKernelLogRestricted
	}
	if s.Restricted {
		return errors.New("kernel log: permission denied; run as root or grant CAP_SYSLOG")
	}
	var parts []string
	for _, a := range s.Attempts {
		if a.Err != nil {
			parts = append(parts, a.Err.Error())
		}
	}
	return fmt.Errorf("kernel log: no source readable (%s)", strings.Join(parts, "; "))
}

// String is one line for people: "kernel log: /dev/kmsg, following · dmesg,
// journalctl not needed".
func (s OOMSourceStatus) String() string {
	if err := s.Err(); err != nil {
		return err.Error()
	}
	var b strings.Builder
	b.WriteString("kernel log: ")
	b.WriteString(s.What)
	switch {
	case s.Source == OOMSourceFile:
	case s.Following:
		b.WriteString(", following")
	case s.FollowErr != nil:
		b.WriteString(", not following (" + s.FollowErr.Error() + ")")
	default:
		b.WriteString(", read once")
	}
	var notNeeded []string
	for _, a := range s.Attempts {
		switch {
		case a.Err == nil:
		case errors.Is(a.Err, ErrNotNeeded):
			notNeeded = append(notNeeded, a.What)
		default:
			b.WriteString(" · " + a.Err.Error())
		}
	}
	if len(notNeeded) > 0 {
		b.WriteString(" · " + strings.Join(notNeeded, ", ") + " not needed")
	}
	if s.Dropped > 0 {
		fmt.Fprintf(&b, " · %d records overwritten before read", s.Dropped)
	}
	if s.Userspace > 0 {
		fmt.Fprintf(&b, " · earlyoom: %s in the journal", plural(s.Userspace, "kill"))
	}
	if s.UnitKills > 0 {
		fmt.Fprintf(&b, " · systemd-oomd: %s killed", plural(s.UnitKills, "cgroup"))
	}
	return b.String()
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// OOMParseOptions returns parse options with this machine's boot time
// (btime of <proc>/stat) and loc; without btime, kernel stamps stay
// without a wall time and the error says why.
func (fs FS) OOMParseOptions(loc *time.Location) (OOMParseOptions, error) {
	o := OOMParseOptions{Location: loc}
	b, err := readInto(fs.path("stat"), make([]byte, 0, 8192))
	if err != nil {
		return o, err
	}
	bt, ok := parseBtime(b)
	if !ok {
		return o, fmt.Errorf("%s: no btime line: %w", fs.path("stat"), ErrParse)
	}
	o.BootTime = time.Unix(bt, 0)
	return o, nil
}

// parseBtime finds "btime N" (seconds since the epoch at boot) in
// /proc/stat.
func parseBtime(b []byte) (int64, bool) {
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		if v, ok := bytes.CutPrefix(line, []byte("btime ")); ok {
			n, ok := parseUint(bytes.TrimSpace(v))
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
func (fs FS) OOMCount() (Val, error) {
	v, err := fs.VMStat()
	if err != nil {
		return Val{}, err
	}
	if !v.OOMKill.OK {
		return Val{}, fmt.Errorf("%s: no oom_kill counter (kernel older than 4.13): %w", fs.path("vmstat"), ErrUnavailable)
	}
	return v.OOMKill, nil
}

// OOMFollower holds the kills found in the kernel log and follows new ones
// in one goroutine blocked in a read (no polling). Next hands new kills to
// one waiter; Kills gives all kept so far.
type OOMFollower struct {
	fs     FS
	cfg    OOMConfig
	notify chan struct{} // cap 1: "fresh has something", never blocks the reader
	done   chan struct{} // closed when following ends

	mu      sync.Mutex
	parser  *oomParser
	kills   []OOMKill // oldest first, at most cfg.MaxKills
	fresh   []OOMKill // arrived since the last Next, at most cfg.MaxKills
	status  OOMSourceStatus
	start   Val // oom_kill counter when following began
	stopped bool
	live    bool // the backlog is read: kills from now on are new
	closeFn func() error
}

// ErrFollowEnded is returned by Next once the source stopped (closed, end
// of file, command exited).
var ErrFollowEnded = errors.New("kernel log: following ended")

// FollowOOM reads the kills already in the kernel log and starts following
// new ones, from the first source that works: /dev/kmsg, then dmesg, then
// journalctl. It never fails: when nothing is readable the status says why
// (Status().Err()) and the oom_kill counter still works.
func (fs FS) FollowOOM(ctx context.Context, cfg OOMConfig) *OOMFollower {
	return fs.readOOM(ctx, cfg, true)
}

// ReadOOM reads the kills in the kernel log once, from the first source
// that works, without following: for `memtui oom` and snapshots.
func (fs FS) ReadOOM(ctx context.Context, cfg OOMConfig) ([]OOMKill, OOMSourceStatus) {
	f := fs.readOOM(ctx, cfg, false)
	return f.Kills(), f.Status()
}

func (fs FS) readOOM(ctx context.Context, cfg OOMConfig, follow bool) *OOMFollower {
	cfg = cfg.withDefaults()
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
	l := ParseOOMBytes(out, opts)
	var user []OOMKill
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
func mergeKillsByTime(a, b []OOMKill, max int) []OOMKill {
	out := append(append([]OOMKill(nil), a...), b...)
	for _, k := range out {
		if k.Time == nil {
			return appendKeep(nil, out, max)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(*out[j].Time) })
	return appendKeep(nil, out, max)
}

func (fs FS) readKernelOOM(ctx context.Context, cfg OOMConfig, follow bool) *OOMFollower {
	f := &OOMFollower{fs: fs, cfg: cfg, notify: make(chan struct{}, 1), done: make(chan struct{})}
	f.start, _ = fs.OOMCount()
	opts, _ := fs.OOMParseOptions(cfg.Location)
	opts.MaxKills = cfg.MaxKills
	f.parser = newOOMParser(opts)

	restricted := false
	// 1. /dev/kmsg: the ring buffer now, then a blocking read for new records.
	kmsgAttempt := OOMAttempt{Source: OOMSourceKmsg, What: cfg.KmsgPath}
	r, err := openKmsg(cfg.KmsgPath)
	if err == nil {
		err = r.drain(f.line)
		if err != nil {
			r.close()
		}
	}
	if err == nil {
		f.status = OOMSourceStatus{Source: OOMSourceKmsg, What: cfg.KmsgPath, Following: true, Dropped: r.dropped}
		f.status.Attempts = []OOMAttempt{kmsgAttempt,
			{Source: OOMSourceDmesg, What: "dmesg", Err: ErrNotNeeded},
			{Source: OOMSourceJournal, What: "journalctl", Err: ErrNotNeeded}}
		f.kills = append(f.kills, f.takeFresh()...)
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
	attempts := []OOMAttempt{kmsgAttempt}

	// 2. dmesg, 3. journalctl: read once, then follow with a child process
	// that blocks on its own read of the log.
	for _, src := range []struct {
		name   string
		what   string // the name people know it by, in the status line
		argv   []string
		follow []string
	}{
		{OOMSourceDmesg, "dmesg", cfg.Dmesg, append(append([]string(nil), cfg.Dmesg...), "-W")},
		{OOMSourceJournal, "journalctl", cfg.Journal, append(append([]string(nil), cfg.Journal...), "-f", "-n", "0")},
	} {
		what := src.what
		out, err := runLogCommand(ctx, cfg.Timeout, src.argv)
		if err == nil && src.name == OOMSourceJournal && !hasKernelLines(out) {
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
			attempts = append(attempts, OOMAttempt{Source: src.name, What: what, Err: describeSourceErr(what, err)})
			continue
		}
		f.mu.Lock()
		f.feedAll(out)
		f.kills = append(f.kills, f.takeFresh()...)
		f.mu.Unlock()
		attempts = append(attempts, OOMAttempt{Source: src.name, What: what})
		f.status = OOMSourceStatus{Source: src.name, What: what, Attempts: attempts}
		if src.name == OOMSourceDmesg {
			f.status.Attempts = append(f.status.Attempts, OOMAttempt{Source: OOMSourceJournal, What: "journalctl", Err: ErrNotNeeded})
		}
		if follow {
			f.startCommandFollow(src.follow)
		} else {
			f.stopped = true
			close(f.done)
		}
		return f
	}
	f.status = OOMSourceStatus{Restricted: restricted, DmesgRestrict: fs.dmesgRestricted(), Attempts: attempts}
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
		line, out = nextLine(out)
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
	cmd.Stdout = &cappedWriter{w: &stdout, left: MaxLogCommandOutput}
	cmd.Stderr = &cappedWriter{w: &stderr, left: 64 << 10}
	err := cmd.Run()
	out := stdout.Bytes()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("timed out after %v", timeout)
	}
	if stdout.Len() >= MaxLogCommandOutput {
		return nil, fmt.Errorf("%s: output larger than %d MiB: %w", argv[0], MaxLogCommandOutput>>20, ErrTooLarge)
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
		sc.Buffer(make([]byte, 0, 16<<10), MaxLogLine)
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
	f.parser.now = time.Now()
	f.parser.line(b)
	if f.parser.fresh == 0 || !f.live {
		// Nothing new, or still reading the backlog (FollowOOM takes it).
		return
	}
	n := f.takeFresh()
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
		l, out = nextLine(out)
		f.parser.now = time.Now()
		f.parser.line(l)
	}
}

// takeFresh returns the kills the parser appended since the last call.
func (f *OOMFollower) takeFresh() []OOMKill {
	ks := f.parser.log.Kills
	n := f.parser.fresh
	f.parser.fresh = 0
	if n > len(ks) {
		n = len(ks)
	}
	return append([]OOMKill(nil), ks[len(ks)-n:]...)
}

func appendKeep(dst, add []OOMKill, max int) []OOMKill {
	dst = append(dst, add...)
	if over := len(dst) - max; over > 0 {
		dst = append(dst[:0], dst[over:]...)
	}
	return dst
}

// Kills returns the kills kept so far, oldest first.
func (f *OOMFollower) Kills() []OOMKill {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]OOMKill(nil), f.kills...)
}

// Status says which source is used and why the others are not.
func (f *OOMFollower) Status() OOMSourceStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.status
	s.Attempts = append([]OOMAttempt(nil), s.Attempts...)
	return s
}

// StartCount is the oom_kill counter when following began (unknown when
// <proc>/vmstat had none), for "kills since memtui started".
func (f *OOMFollower) StartCount() Val { return f.start }

// Next waits for kills that arrived since the last call and returns them,
// oldest first. It returns ctx.Err() when ctx ends first and ErrFollowEnded
// once the source has stopped and nothing is left.
func (f *OOMFollower) Next(ctx context.Context) ([]OOMKill, error) {
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
			return nil, ErrFollowEnded
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

// OOMSection is the "oom" section of `memtui snapshot --json`.
type OOMSection struct {
	KillsSinceBoot *uint64   `json:"kills_since_boot"` // oom_kill of <proc>/vmstat; null when unknown
	Error          string    `json:"error"`            // why kills or the counter could not be read; "" when fine
	Source         string    `json:"source"`           // the status line: which source, why not the others
	Recent         []OOMKill `json:"recent"`           // the last kills found, oldest first
}

// OOMSnapshot reads the counter and the kernel log once and keeps the last
// n kills. It never fails as a whole: what it could not read is in Error.
func (fs FS) OOMSnapshot(ctx context.Context, cfg OOMConfig, n int) OOMSection {
	var s OOMSection
	var errs []string
	if v, err := fs.OOMCount(); err == nil {
		s.KillsSinceBoot = oomP(v.V)
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
	s.Recent = append(make([]OOMKill, 0, len(kills)), kills...)
	return s
}
