package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/internal/fsread"
	"golang.org/x/sys/unix"
)

// ErrNoIncidentOpen says an event other than Started came with no incident
// open; the caller should open one first (Detector.Start).
var ErrNoIncidentOpen = errors.New("no incident open: start one first")

// Journal is the timeline as the dashboard uses it: it opens the incident's
// file when the first Started event is recorded (or joins the one another
// memtui process on this host is writing), appends events durably, follows
// what other processes append, and exports the report. It is safe for use
// from concurrent tea.Cmds.
type Journal struct {
	// Related are the runbooks its exported report lists.
	Related []incident.Link
	mu      sync.Mutex
	dir     string // where new incidents go (DefaultDir)
	fixed   string // --incident PATH: always this file
	host    string

	path    string // the incident file in use ("" before the first)
	active  bool   // the incident in path has not ended
	store   *Store
	fw      *Follower
	writers map[string]bool // our own writer ids, filtered out of Poll
	// listed is the directory's modification time when discover last
	// listed it, newest what it found then (open, to read its size).
	listed  time.Time
	newest  string
	newestF *os.File
	// newestSize is newest's size when discover last read it and found
	// it not joinable (-1: not read).
	newestSize int64
	dirSt      unix.Stat_t
	lock       *os.File // the writer lock, held while this process is the writer
}

// NewJournal returns a journal that keeps incidents in dir, or always in
// path when one was given (--incident). host names new files.
func NewJournal(dir, path, host string) *Journal {
	return &Journal{dir: dir, fixed: path, host: host, writers: map[string]bool{}}
}

// Path is the incident file in use, "" before there is one.
func (j *Journal) Path() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.path
}

// Resume loads the incident to continue at start: the --incident file, or
// the newest incident of this host in the directory if it has not ended
// (memtui restarted, or another memtui is driving it). It returns nil when
// there is none. Later events from other processes come through Poll.
//
// Memory samples are thinned to what a Summary needs (the peak and the last
// ten minutes): a day-long incident has ~17,000 of them, and the dashboard
// runs on a host short of memory. The report reads the file in full.
func (j *Journal) Resume() (*incident.Log, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	p := j.fixed
	if p == "" {
		if p = newestOfHost(j.dir, j.host); p == "" {
			return nil, nil
		}
	} else if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
		return nil, nil // created with the first Started
	}
	l, err := scanCompact(p)
	if errors.Is(err, incident.ErrEmptyTimeline) {
		return nil, nil // touched but never written: as if absent
	}
	if err != nil {
		return nil, err
	}
	active := isActive(l.Events)
	if j.fixed == "" && (!active || l.Header.Host != j.host) {
		// An ended incident, or another host's file: start fresh.
		return nil, nil
	}
	j.attach(p, l.Offset, active)
	return l, nil
}

// scanCompact reads the last incident of p keeping every event but memory
// samples, of which it keeps the peak and those of the last incident.RecentWindow.
func scanCompact(p string) (*incident.Log, error) {
	var keep, recent []incident.Event
	var peak *incident.Event
	l, err := Scan(p, func(ev incident.Event) {
		switch v := ev.Data.(type) {
		case incident.MemSample:
			if peak == nil || v.UsedPct > peak.Data.(incident.MemSample).UsedPct {
				e := ev
				peak = &e
			}
			recent = append(recent, ev)
			cut := 0
			for cut < len(recent) && ev.At.Sub(recent[cut].At) > incident.RecentWindow {
				cut++
			}
			recent = recent[cut:]
			return
		case incident.Started:
			// A file given with --incident may hold earlier incidents.
			keep, recent, peak = keep[:0], nil, nil
		}
		keep = append(keep, ev)
	})
	if err != nil {
		return nil, err
	}
	if peak != nil && (len(recent) == 0 || peak.At.Before(recent[0].At)) {
		keep = append(keep, *peak)
	}
	keep = append(keep, recent...)
	sort.SliceStable(keep, func(i, j int) bool { return keep[i].At.Before(keep[j].At) })
	l.Events = keep
	return l, nil
}

// isActive says whether the last incident in evs has started and not ended.
func isActive(evs []incident.Event) bool {
	active := false
	for _, ev := range evs {
		switch ev.Kind() {
		case incident.KindStarted:
			active = true
		case incident.KindEnded:
			active = false
		}
	}
	return active
}

// attach follows p from offset; the caller holds mu.
func (j *Journal) attach(p string, offset int64, active bool) {
	if j.fw != nil {
		j.fw.Close()
	}
	if j.store != nil && j.store.Path() != p {
		j.store.Close()
		j.store = nil
	}
	j.path, j.active = p, active
	j.fw = NewFollower(p, offset)
}

// Record appends evs in order, each synced before the next, and returns the
// events as recorded and how many of evs it dealt with. It stops at the
// first error (or when ctx is done) so the caller can retry evs[n:] in
// order; nothing after a failure is written. A Started with an incident of
// this host begun moments ago by another process joins that incident and is
// not written again (it counts as dealt with).
func (j *Journal) Record(ctx context.Context, evs []incident.Event) (recorded []incident.Event, n int, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]incident.Event, 0, len(evs))
	for i, ev := range evs {
		if err := ctx.Err(); err != nil {
			return out, i, fmt.Errorf("incident timeline: %w; %d event(s) not recorded yet", err, len(evs)-i)
		}
		if _, ok := ev.Data.(incident.Started); ok && j.joinRecent(ev.At) {
			continue
		}
		if err := j.ensureStore(ev); err != nil {
			return out, i, err
		}
		rec, err := j.store.Append(ev)
		if errors.Is(err, ErrDuplicate) {
			// Another process recorded this fact: dealt with, not ours.
			continue
		}
		if err != nil {
			return out, i, err
		}
		out = append(out, rec)
		switch ev.Kind() {
		case incident.KindStarted:
			j.active = true
		case incident.KindEnded:
			j.active = false
			if j.fixed == "" {
				// The next incident gets its own file.
				j.store.Close()
				j.store = nil
			}
		}
	}
	return out, len(evs), nil
}

// joinRecent attaches to another process's incident of this host started
// within incident.JoinWindow of at, when no incident is open here; it reports
// whether it did. The caller holds mu.
func (j *Journal) joinRecent(at time.Time) bool {
	if j.fixed != "" || j.active {
		return false
	}
	p := newestOfHost(j.dir, j.host)
	if p == "" || p == j.path {
		return false
	}
	f, err := fsread.OpenRegular(p)
	if err != nil {
		return false
	}
	h, err := incident.ReadHeader(f)
	f.Close()
	if err != nil || h.Host != j.host || at.Sub(h.Created).Abs() > incident.JoinWindow {
		return false
	}
	l, err := Load(p)
	if err != nil || !isActive(l.Events) {
		return false
	}
	// Follow from the top: the caller gets the other process's Started and
	// everything since through Poll.
	j.attach(p, 0, true)
	return true
}

// ensureStore opens the file ev goes to. The caller holds mu.
func (j *Journal) ensureStore(ev incident.Event) error {
	if j.store != nil {
		return nil
	}
	p := j.path
	switch {
	case j.active && p != "":
		// Join the incident being followed.
	case ev.Kind() == incident.KindStarted:
		p = j.fixed
		if p == "" {
			if j.dir == "" {
				return errors.New("incident timeline: no directory for incidents; pass --incident PATH")
			}
			p = filepath.Join(j.dir, FileName(j.host, ev.At))
		}
	default:
		return ErrNoIncidentOpen
	}
	s, err := Open(p, j.host, ev.At)
	if err != nil {
		return err
	}
	j.writers[s.Writer()] = true
	if p != j.path || j.fw == nil {
		j.attach(p, 0, j.active)
	}
	j.store = s
	return nil
}

// Poll returns the events other processes appended since the last call,
// and lines it had to skip. With no incident open it looks for one another
// process on this host has started.
func (j *Journal) Poll() ([]incident.Event, []incident.Problem, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.active && j.fixed == "" && j.store == nil {
		j.discover()
	}
	if j.fw == nil {
		return nil, nil, nil
	}
	evs, probs, err := j.fw.Poll()
	if err != nil {
		return nil, nil, err
	}
	out := evs[:0]
	for _, ev := range evs {
		if j.writers[ev.Writer] {
			continue
		}
		switch ev.Kind() {
		case incident.KindStarted:
			j.active = true
		case incident.KindEnded:
			j.active = false
		}
		out = append(out, ev)
	}
	return out, probs, nil
}

// discover attaches to an incident of this host that another process
// opened, if one is open. It runs every poll while none is, so it lists the
// directory again only when that changed (a new file changes its
// modification time; one still within racyWindow may change again unseen),
// looks only at this host's newest file by name (names sort by start time)
// and reads it again only when it grew: its header is written before its
// first event. A directory of a year's incidents costs a stat and an lseek
// a poll, and allocates only the stat's path. The caller holds mu.
func (j *Journal) discover() {
	if err := unix.Stat(j.dir, &j.dirSt); err != nil {
		j.listed = time.Time{}
		j.setNewest("")
		return
	}
	if mod := time.Unix(j.dirSt.Mtim.Unix()); !mod.Equal(j.listed) || time.Since(mod) < racyWindow {
		j.listed = mod
		j.setNewest(newestOfHost(j.dir, j.host))
	}
	p := j.newest
	if j.newestF == nil || p == j.path {
		return
	}
	size, err := j.newestF.Seek(0, io.SeekEnd)
	if err != nil || size == j.newestSize {
		return
	}
	j.newestSize = size
	l, err := scanCompact(p)
	if err == nil && l.Header.Host == j.host && isActive(l.Events) {
		j.attach(p, 0, true)
	}
}

// setNewest makes p ("": none) the file discover watches, opened afresh
// (a listing may find the same name for a new file). The caller holds mu.
func (j *Journal) setNewest(p string) {
	if j.newestF != nil {
		j.newestF.Close()
		j.newestF = nil
	}
	if p != j.newest {
		j.newestSize = -1
	}
	j.newest = p
	if p != "" {
		if f, err := fsread.OpenRegular(p); err == nil {
			j.newestF = f
		}
	}
}

// racyWindow is how long after a directory's modification time a new
// file may still arrive without changing it: the file system's timestamp
// granularity (a jiffy on Linux's local file systems, up to 2 s on FAT
// and some network file systems).
const racyWindow = 2 * time.Second

// newestOfHost is host's newest timeline in dir by file name
// ("<host>-<start>.jsonl" sorts by start), "" when there is none.
func newestOfHost(dir, host string) string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	prefix := strings.TrimSuffix(FileName(host, time.Time{}), "00010101T000000Z.jsonl")
	newest := ""
	for _, e := range ents {
		n := e.Name()
		rest, ok := strings.CutPrefix(n, prefix)
		if !ok || e.IsDir() || n <= newest {
			continue
		}
		// Only "<host>-<start>.jsonl": "db1-old-…" is another host's.
		if _, err := time.Parse("20060102T150405Z.jsonl", rest); err == nil {
			newest = n
		}
	}
	if newest == "" {
		return ""
	}
	return filepath.Join(dir, newest)
}

// Export writes the report of the incident in use next to its timeline
// (same name, .md) and returns where.
func (j *Journal) Export(ctx context.Context, now time.Time) (string, error) {
	p := j.Path()
	if p == "" {
		return "", errors.New("no incident recorded yet: nothing to export")
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	written, _, err := ReportFile(ReportRequest{Incident: p, Out: ReportPath(p), Now: now, Related: j.Related})
	return written, err
}

// LockPath is the writer lock of this journal's host: beside the
// --incident file, or one per host in the incident directory, so the lock
// exists before any incident file does and outlives each one.
func (j *Journal) LockPath() string {
	if j.fixed != "" {
		return j.fixed + ".lock"
	}
	if j.dir == "" {
		return ""
	}
	name := strings.TrimSuffix(FileName(j.host, time.Time{}), "-00010101T000000Z.jsonl")
	return filepath.Join(j.dir, name+".writer.lock")
}

// TryWriter makes this process the host's one writer of detector events
// if no other process holds the writer lock, and reports whether it is.
// The lock is an exclusive flock on LockPath held until Close (or until
// the process dies: the kernel releases it, and the next TryWriter of an
// observer succeeds — that is the takeover). It never blocks.
func (j *Journal) TryWriter() (bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.lock != nil {
		return true, nil
	}
	p := j.LockPath()
	if p == "" {
		return true, nil // nowhere to share a file: nobody to share it with
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return false, fmt.Errorf("incident writer lock: %w", hint(err))
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return false, fmt.Errorf("incident writer lock: %w", hint(err))
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err != unix.EINTR {
			break
		}
	}
	if err == unix.EWOULDBLOCK {
		f.Close()
		return false, nil
	}
	if err != nil {
		f.Close()
		return false, fmt.Errorf("incident writer lock %s: %w", p, err)
	}
	j.lock = f
	return true, nil
}

// Close releases the files and the writer lock.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	var err error
	if j.lock != nil {
		j.lock.Close() // closing the last descriptor drops the flock
		j.lock = nil
	}
	if j.store != nil {
		err = j.store.Close()
		j.store = nil
	}
	if j.fw != nil {
		j.fw.Close()
		j.fw = nil
	}
	j.setNewest("")
	return err
}
