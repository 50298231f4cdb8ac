package procfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/memtui/memtui/internal/fsread"
	"github.com/memtui/memtui/internal/redact"
	"github.com/memtui/memtui/internal/termtext"
	"github.com/memtui/memtui/probes"
)

// OdooConfPaths are where Odoo's packages put the configuration, looked at
// in order when the running Odoo names none.
var OdooConfPaths = []string{"/etc/odoo/odoo.conf", "/etc/odoo.conf", "/etc/odoo/odoo-server.conf", "/etc/openerp-server.conf"}

// maxOdooConf bounds odoo.conf (a real one is a few KiB).
const maxOdooConf = 1 << 20

// OdooReading is a host's Odoo: its processes, the configuration they run
// with and how it was found.
type OdooReading struct {
	Procs []probes.OdooProc // Odoo's processes (master and workers)
	// Unit is the systemd service the master runs in ("" when none).
	Unit    string
	Config  probes.OdooConfig
	FoundBy string // "-c of pid 812", "--odoo-conf", "/etc/odoo/odoo.conf"
	// ConfErr says why no configuration was read (nil: read).
	ConfErr error
}

// Running says whether an Odoo process was seen.
func (r OdooReading) Running() bool { return len(r.Procs) > 0 }

// ReadOdoo finds Odoo's processes and reads its configuration: confPath
// when given, else the -c/--config argument of the running master, else
// the packages' paths.
func ReadOdoo(fs FS, confPath string) (OdooReading, error) {
	s := NewProcScanner(fs, probes.ProcScannerConfig{})
	defer s.Close()
	procs, err := s.Matching(probes.IsOdoo)
	if err != nil {
		return OdooReading{}, err
	}
	var r OdooReading
	odoo := map[int32]bool{}
	for _, p := range procs {
		if p.State == 'Z' {
			continue
		}
		r.Procs = append(r.Procs, probes.OdooProc{PID: p.PID, PPID: p.PPID, RSS: p.RSS, VM: p.VM})
		odoo[p.PID] = true
	}
	path, how := confPath, "--odoo-conf"
	if path == "" {
		for _, p := range r.Procs {
			if odoo[p.PPID] {
				continue // a worker: the master's arguments are the same
			}
			if r.Unit == "" {
				if b, err := readSmall(fs.path(strconv.Itoa(int(p.PID)), "cgroup")); err == nil {
					r.Unit = probes.ServiceUnit(b)
				}
			}
			if c := fs.odooConfArg(p.PID); c != "" {
				path, how = c, fmt.Sprintf("-c of pid %d", p.PID)
				break
			}
		}
	}
	if path == "" {
		for _, c := range OdooConfPaths {
			if _, err := os.Stat(c); err == nil {
				path, how = c, c
				break
			}
		}
	}
	if path == "" {
		r.ConfErr = fmt.Errorf("no odoo.conf: the running Odoo names none (-c) and none of %s exists; give --odoo-conf PATH", strings.Join(OdooConfPaths, ", "))
		return r, nil
	}
	r.FoundBy = how
	r.Config, r.ConfErr = readOdooConf(path)
	r.Config.Path = path
	return r, nil
}

// readOdooConf reads and parses the file at path, bounded.
func readOdooConf(path string) (probes.OdooConfig, error) {
	f, err := fsread.OpenRegular(path)
	if err != nil {
		return probes.OdooConfig{}, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxOdooConf+1))
	if err != nil {
		return probes.OdooConfig{}, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > maxOdooConf {
		return probes.OdooConfig{}, fmt.Errorf("%s: larger than %d KiB: %w", path, maxOdooConf>>10, probes.ErrTooLarge)
	}
	c, err := probes.ParseOdooConf(b)
	if err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// odooConfArg is the configuration a process was started with: -c PATH,
// -cPATH, --config PATH or --config=PATH, relative paths taken from its
// working directory. "" when it names none or cannot be read.
func (fs FS) odooConfArg(pid int32) string {
	b, err := readSmall(fs.path(strconv.Itoa(int(pid)), "cmdline"))
	if err != nil {
		return ""
	}
	args := parseCmdline(b)
	conf := ""
	for i, a := range args {
		switch {
		case (a == "-c" || a == "--config") && i+1 < len(args):
			conf = args[i+1]
		case strings.HasPrefix(a, "--config="):
			conf = strings.TrimPrefix(a, "--config=")
		case strings.HasPrefix(a, "-c") && len(a) > 2 && !strings.HasPrefix(a, "--"):
			conf = a[2:]
		}
	}
	if conf == "" || filepath.IsAbs(conf) {
		return conf
	}
	cwd, err := os.Readlink(fs.path(strconv.Itoa(int(pid)), "cwd"))
	if err != nil {
		return ""
	}
	return filepath.Join(cwd, conf)
}

// ErrOdooReplay says Odoo is not read on a replayed host: its
// configuration file would be the live machine's.
var ErrOdooReplay = errors.New("Odoo is read only on a live host: a replay's odoo.conf is not in the capture")

// maxOdooLogTail is how much of the end of Odoo's log memtui reads: the
// last hour of a busy server's memory lines fits easily, and a log of any
// size costs the same.
const maxOdooLogTail = 4 << 20

// ReadOdooLog counts the memory-related lines of Odoo's log file at path
// since since (the runbook's step 4: MemoryError, "virtual memory limit",
// workers killed at their time limit), reading at most its last 4 MiB.
// Odoo writes its clock in the server's zone, loc. A missing or unreadable
// log is said in the summary's Error.
func ReadOdooLog(path string, since time.Time, loc *time.Location) probes.OdooLogSummary {
	s := probes.OdooLogSummary{Source: path, Since: since, Recent: []probes.OdooLogEvent{}}
	if path == "" {
		s.Error = "odoo.conf sets no logfile: Odoo logs to its stdout (the journal of its unit)"
		return s
	}
	f, err := fsread.OpenRegular(path)
	if err != nil {
		s.Error = err.Error()
		return s
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		s.Error = err.Error()
		return s
	}
	off := max(st.Size()-maxOdooLogTail, 0)
	b := make([]byte, st.Size()-off)
	n, err := f.ReadAt(b, off)
	if err != nil && !errors.Is(err, io.EOF) {
		s.Error = fmt.Sprintf("%s: %v", path, err)
		return s
	}
	b = b[:n]
	if off > 0 {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:] // the first line read is cut
		}
	}
	var last time.Time
	for _, ev := range odooLogLines(b, loc, &last) {
		s.Add(ev)
	}
	return s
}

// odooLogLines are the memory lines of the log text b (whole lines), their
// text masked; last carries the stamp of the last prefixed line from one
// call to the next (a traceback's MemoryError is dated by it).
func odooLogLines(b []byte, loc *time.Location, last *time.Time) []probes.OdooLogEvent {
	var out []probes.OdooLogEvent
	for len(b) > 0 {
		var line []byte
		line, b = probes.NextLine(b)
		if len(line) > probes.MaxLogLine {
			line = line[:probes.MaxLogLine]
		}
		l := string(line)
		if ev, ok := probes.ParseOdooLogLine(l, loc, *last); ok {
			ev.Text = redact.Redact(termtext.Printable(ev.Text))
			out = append(out, ev)
		}
		*last = probes.LastPrefixedTime(l, loc, *last)
	}
	return out
}

// ReadOdooJournal runs the runbook's step-4 check, `journalctl -u UNIT -p
// err --since "1 hour ago"`, bounded in time and output, and keeps the
// newest lines masked. journalctl missing or refused is said in Error.
func ReadOdooJournal(ctx context.Context, unit string) probes.OdooJournal {
	j := probes.OdooJournal{Unit: unit, Recent: []string{}}
	out, err := runLogCommand(ctx, 5*time.Second, []string{"journalctl", "-u", unit, "-p", "err", "--since", "1 hour ago", "-o", "short-iso", "--no-pager", "-q"})
	if err != nil {
		j.Error = describeSourceErr("journalctl", err).Error()
		return j
	}
	for len(out) > 0 {
		var line []byte
		line, out = probes.NextLine(out)
		if len(line) == 0 {
			continue
		}
		j.Lines++
		if len(line) > 1024 {
			line = line[:1024]
		}
		j.Recent = append(j.Recent, redact.Redact(termtext.Printable(string(line))))
		if len(j.Recent) > 10 {
			j.Recent = j.Recent[1:]
		}
	}
	return j
}

// OdooLogFollower reads the memory lines Odoo appends to its log, from
// one Poll to the next: the first Poll takes the file's last 4 MiB, later
// ones what was written since; a file replaced or truncated (rotation)
// is read again from its start.
type OdooLogFollower struct {
	path   string
	loc    *time.Location
	offset int64
	ino    uint64
	last   time.Time // the stamp the last prefixed line carried
	begun  bool
	// cut: the next read starts inside a line (the first Poll of a long
	// file), whose rest is skipped.
	cut bool
}

// NewOdooLogFollower follows the log at path, whose clock is loc's.
func NewOdooLogFollower(path string, loc *time.Location) *OdooLogFollower {
	return &OdooLogFollower{path: path, loc: loc}
}

// Poll returns the memory lines written since the last Poll, oldest
// first, their text masked; at most 4 MiB is read per Poll.
func (f *OdooLogFollower) Poll() ([]probes.OdooLogEvent, error) {
	fh, err := fsread.OpenRegular(f.path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	var ino uint64
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		ino = uint64(sys.Ino)
	}
	switch {
	case !f.begun:
		f.offset = max(st.Size()-maxOdooLogTail, 0)
		f.cut = f.offset > 0
		f.begun = true
	case ino != f.ino || st.Size() < f.offset:
		f.offset = 0 // rotated or truncated
	}
	f.ino = ino
	end := min(st.Size(), f.offset+maxOdooLogTail)
	if end <= f.offset {
		return nil, nil
	}
	b := make([]byte, end-f.offset)
	n, err := fh.ReadAt(b, f.offset)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", f.path, err)
	}
	b = b[:n]
	// Only whole lines: an unfinished last line waits for the next Poll.
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[:i+1]
	} else {
		return nil, nil
	}
	f.offset += int64(len(b))
	if f.cut {
		f.cut = false
		b = b[bytes.IndexByte(b, '\n')+1:] // b holds a newline: see above
	}
	return odooLogLines(b, f.loc, &f.last), nil
}
