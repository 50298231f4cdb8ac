// Package store keeps an incident timeline on disk: the append-only JSON
// lines file (one write and one fdatasync per event, a fact written once),
// the writer lock that makes one process per host the writer, the follower
// that reads what others append, and the report file. *Journal is the
// incident.Timeline the Session records through; main.go builds it.
package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/internal/fsread"
	"golang.org/x/sys/unix"
)

// maxPollRead bounds what one Follower.Poll reads of what another
// process appended; the rest comes with the next poll.
const maxPollRead = 4 << 20

// lockTimeout bounds how long Append waits for another process holding the
// file lock, so a stuck peer turns into a visible error, not a frozen screen.
const lockTimeout = 5 * time.Second

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("incident timeline closed")

// ErrNoIncident says a directory holds no incident timeline.
var ErrNoIncident = errors.New("no incident timeline found")

// Store appends events to one timeline file. Each Append is one write(2) on
// an O_APPEND descriptor under an exclusive flock, followed by fdatasync, so
// an event Append returned nil for survives memtui being SIGKILLed, and two
// processes sharing the file never interleave inside a line.
type Store struct {
	mu     sync.Mutex
	f      *os.File
	path   string
	writer string
	seq    uint64
	buf    []byte
	// ids are the event identities in the file up to idsAt (its size when
	// last read), kept current under the lock before each Append of an
	// event with an ID.
	ids   map[string]bool
	idsAt int64
}

// ErrDuplicate says an event with the same ID is already in the file: the
// fact is recorded (by this or another process) and was not written again.
var ErrDuplicate = errors.New("incident timeline: event already recorded")

// Open opens the timeline at path for appending, creating it (mode 0600, and
// its directory 0700) with a header naming host and created when it does not
// exist. In a directory an administrator set up for a team — setgid and
// group-readable, e.g. /var/lib/memtui/incidents 2750 root:adm — the file
// is created 0640, so the group (the directory's, through setgid) can read
// last night's incident. Both bits are asked for because an ordinary
// directory is group-readable under the usual umask 022, and that alone
// must not widen who reads a timeline.
// An existing file must be a timeline of a version this package reads.
func Open(path, host string, created time.Time) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("incident timeline: create directory: %w", hint(err))
	}
	mode := os.FileMode(0o600)
	if st, err := os.Stat(filepath.Dir(path)); err == nil && st.Mode()&os.ModeSetgid != 0 && st.Mode().Perm()&0o040 != 0 {
		mode = 0o640
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, mode)
	if err != nil {
		return nil, fmt.Errorf("incident timeline: %w", hint(err))
	}
	// Events "recorded" into /dev/null or a FIFO would be lost while the
	// screen says they are safe.
	if fi, err := f.Stat(); err == nil && !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("incident timeline: %s is %s; memtui keeps timelines only in regular files: %w", path, fsread.FileKind(fi.Mode()), fsread.ErrNotRegular)
	}
	s := &Store{f: f, path: path, writer: writerID()}
	if err := s.ensureHeader(host, created); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

// ensureHeader writes the header to an empty file, or checks the one there.
// It runs under the lock so two processes creating the same file race safely.
func (s *Store) ensureHeader(host string, created time.Time) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	fi, err := s.f.Stat()
	if err != nil {
		return s.errf("stat", err)
	}
	if fi.Mode().IsRegular() && fi.Size() > 0 {
		_, err := incident.ReadHeader(io.NewSectionReader(s.f, 0, fi.Size()))
		if err != nil {
			return fmt.Errorf("incident timeline %s: %w", s.path, err)
		}
		return nil
	}
	b, err := json.Marshal(incident.Header{Format: incident.Format, Version: incident.Version, Host: host, Created: created.UTC()})
	if err != nil {
		return err
	}
	if err := s.writeSynced(append(b, '\n'), 0); err != nil {
		return err
	}
	// The new directory entry must be durable too, or a crash could lose
	// the whole file even though its data was synced.
	if d, err := os.Open(filepath.Dir(s.path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Path is the file the store appends to.
func (s *Store) Path() string { return s.path }

// Writer identifies this store's events in a shared file.
func (s *Store) Writer() string { return s.writer }

// Append redacts ev, stamps it with this writer and the next sequence number,
// writes it as one line and syncs it to disk. It returns the event as
// recorded. On error nothing was recorded (a partial line is cut off again)
// and the caller may retry the same event.
func (s *Store) Append(ev incident.Event) (incident.Event, error) {
	if ev.Data == nil {
		return ev, fmt.Errorf("incident timeline: event without payload")
	}
	if ev.At.IsZero() {
		return ev, fmt.Errorf("incident timeline: %s event without a time", ev.Data.Kind())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return ev, ErrClosed
	}
	ev.Data = incident.Redacted(ev.Data)
	ev.At = ev.At.UTC()
	ev.Writer = s.writer
	ev.Seq = s.seq + 1
	b, err := json.Marshal(ev)
	if err != nil {
		return ev, fmt.Errorf("incident timeline: encode %s event: %w", ev.Kind(), err)
	}
	if err := s.lock(); err != nil {
		return ev, err
	}
	defer s.unlock()
	fi, err := s.f.Stat()
	if err != nil {
		return ev, s.errf("stat", err)
	}
	size := fi.Size()
	if ev.ID != "" {
		// Checked under the lock, so two processes appending the same fact
		// at once write it once.
		if err := s.refreshIDs(size); err != nil {
			return ev, err
		}
		if s.ids[ev.ID] {
			return ev, ErrDuplicate
		}
	}
	s.buf = s.buf[:0]
	if size > 0 && fi.Mode().IsRegular() {
		// A crashed writer may have left a torn last line. Start ours on a
		// fresh line so the torn one stays the only casualty.
		var last [1]byte
		if _, err := s.f.ReadAt(last[:], size-1); err == nil && last[0] != '\n' {
			s.buf = append(s.buf, '\n')
		}
	}
	s.buf = append(s.buf, b...)
	s.buf = append(s.buf, '\n')
	if err := s.writeSynced(s.buf, size); err != nil {
		return ev, err
	}
	s.seq++
	if ev.ID != "" {
		s.ids[ev.ID] = true
	}
	return ev, nil
}

// refreshIDs reads the identities of the lines appended since the last
// call, up to size. Only whole lines count; a torn last line has no fact.
// The caller holds the lock.
func (s *Store) refreshIDs(size int64) error {
	if s.ids == nil {
		s.ids = map[string]bool{}
	}
	if size < s.idsAt {
		// The file was cut back (a failed write truncated it): read again.
		clear(s.ids)
		s.idsAt = 0
	}
	if size == s.idsAt {
		return nil
	}
	b := make([]byte, size-s.idsAt)
	if _, err := s.f.ReadAt(b, s.idsAt); err != nil && err != io.EOF {
		return s.errf("read", err)
	}
	whole := bytes.LastIndexByte(b, '\n') + 1
	for _, ln := range bytes.Split(b[:whole], []byte{'\n'}) {
		if id := lineID(ln); id != "" {
			s.ids[id] = true
		}
	}
	s.idsAt += int64(whole)
	return nil
}

// lineID is the "id" of an event line, looked for in the envelope only
// (before "data"), where MarshalJSON puts it; free text in the payload
// cannot fake it because its quotes are escaped there.
func lineID(ln []byte) string {
	env := ln
	if i := bytes.Index(ln, []byte(`,"data":`)); i >= 0 {
		env = ln[:i]
	}
	_, rest, ok := bytes.Cut(env, []byte(`,"id":"`))
	if !ok {
		return ""
	}
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return ""
	}
	return string(rest[:end])
}

// writeSynced writes b in a single write(2) and syncs it. On failure it cuts
// the file back to size, so a retry does not leave half a line or a copy.
// The caller holds the lock.
func (s *Store) writeSynced(b []byte, size int64) error {
	n, err := s.f.Write(b)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	if err == nil {
		err = syncData(s.f)
	}
	if err != nil {
		if n > 0 {
			s.f.Truncate(size)
		}
		return fmt.Errorf("incident timeline %s: write failed, nothing recorded: %w", s.path, hint(err))
	}
	return nil
}

// lock takes the exclusive flock, polling so that a stuck peer costs at most
// lockTimeout instead of a hang.
func (s *Store) lock() error {
	fd := int(s.f.Fd())
	deadline := time.Now().Add(lockTimeout)
	wait := 100 * time.Microsecond
	for {
		err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return nil
		}
		if err == unix.EINTR {
			continue
		}
		if err != unix.EWOULDBLOCK {
			return s.errf("lock", err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("incident timeline %s: locked by another process for %s; event not recorded", s.path, lockTimeout)
		}
		time.Sleep(wait)
		wait = min(2*wait, 10*time.Millisecond)
	}
}

func (s *Store) unlock() { unix.Flock(int(s.f.Fd()), unix.LOCK_UN) }

// errf wraps a system error with the operation and path.
func (s *Store) errf(op string, err error) error {
	return fmt.Errorf("incident timeline %s: %s: %w", s.path, op, hint(err))
}

// Close closes the file; later Appends return ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// hint adds what a person can do about common write errors.
func hint(err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return fmt.Errorf("%w (disk full: free space on the filesystem or choose another file with --incident)", err)
	case errors.Is(err, syscall.EROFS):
		return fmt.Errorf("%w (read-only filesystem: choose a writable file with --incident)", err)
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("%w (choose a writable file with --incident)", err)
	}
	return err
}

// writerID is unique enough to tell processes sharing a file apart.
func writerID() string {
	var r [4]byte
	if f, err := os.Open("/dev/urandom"); err == nil {
		io.ReadFull(f, r[:])
		f.Close()
	}
	return fmt.Sprintf("%d-%x", os.Getpid(), r)
}

// Load reads a whole timeline. Torn or corrupt lines become Problems and are
// skipped; only an unreadable file or a missing header is an error.
func Load(path string) (*incident.Log, error) {
	return Scan(path, nil)
}

// Scan reads the timeline at path in bounded memory (a chunk and the
// longest line), calling each for every event in file order instead of
// keeping them; with a nil each the events are kept in the Log, as Load
// does. The dashboard resumes long incidents this way on a host short of
// memory.
func Scan(path string, each func(incident.Event)) (*incident.Log, error) {
	// A device or FIFO would stream forever or block: refused up front.
	f, err := fsread.OpenRegular(path)
	if err != nil {
		return nil, fmt.Errorf("incident timeline: %w", err)
	}
	defer f.Close()
	return incident.ScanReader(path, f, each)
}

// Follower reads the events other processes append to a timeline after a
// known offset. Poll is cheap when nothing changed: one lseek, which
// allocates nothing (an fstat's FileInfo would, at every poll).
type Follower struct {
	path string
	f    *os.File
	log  incident.Log
	buf  []byte
	// skipping: the offset is inside a line over MaxEventLine, already
	// counted as a Problem; the next poll drops up to its newline.
	skipping bool
}

// NewFollower follows path from offset (a Log's Offset, or 0 to read all).
func NewFollower(path string, offset int64) *Follower {
	return &Follower{path: path, log: incident.Log{Offset: offset}}
}

// Poll returns the whole events appended since the last call and the lines
// it had to skip. A shrunken file (replaced or truncated) is an error; the
// caller should Load it again.
func (fw *Follower) Poll() ([]incident.Event, []incident.Problem, error) {
	if fw.f == nil {
		f, err := fsread.OpenRegular(fw.path)
		if err != nil {
			return nil, nil, fmt.Errorf("follow incident timeline: %w", err)
		}
		fw.f = f
	}
	// The end's offset is the size; reads are ReadAt, so the file's own
	// offset is nobody's.
	size, err := fw.f.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, nil, fmt.Errorf("follow incident timeline %s: %w", fw.path, err)
	}
	if size < fw.log.Offset {
		return nil, nil, fmt.Errorf("follow incident timeline %s: file shrank from %d to %d bytes; reload it", fw.path, fw.log.Offset, size)
	}
	if fw.skipping {
		nl, err := findNewline(fw.f, fw.log.Offset, size)
		if err != nil {
			return nil, nil, fmt.Errorf("follow incident timeline %s: %w", fw.path, err)
		}
		if nl < 0 {
			fw.log.Offset = size
			return nil, nil, nil
		}
		fw.log.Offset, fw.skipping = nl+1, false
		fw.log.SkipLine()
	}
	if size == fw.log.Offset {
		return nil, nil, nil
	}
	// At most maxPollRead at a time: the rest comes with the next poll.
	n := int(min(size-fw.log.Offset, maxPollRead))
	if cap(fw.buf) < n {
		fw.buf = make([]byte, n)
	}
	buf := fw.buf[:n]
	if _, err := fw.f.ReadAt(buf, fw.log.Offset); err != nil && err != io.EOF {
		return nil, nil, fmt.Errorf("follow incident timeline %s: %w", fw.path, err)
	}
	base := fw.log.Offset
	if base == 0 {
		// Starting from the top: the first line is the header.
		nl := bytes.IndexByte(buf, '\n')
		if nl < 0 {
			return nil, nil, nil
		}
		h, err := incident.ParseHeader(buf[:nl])
		if err != nil {
			return nil, nil, fmt.Errorf("follow incident timeline %s: %w", fw.path, err)
		}
		fw.log.SetHeader(h)
		buf = buf[nl+1:]
		base = int64(nl + 1)
	}
	fw.log.Events, fw.log.Problems = fw.log.Events[:0], fw.log.Problems[:0]
	consumed := fw.log.Feed(buf, base, false)
	fw.log.Offset = base + int64(consumed)
	if len(buf)-consumed > incident.MaxEventLine {
		// An unfinished line already over the bound: drop it rather
		// than re-read it on every poll until its newline comes.
		fw.log.Problems = append(fw.log.Problems, incident.Problem{Line: fw.log.Lines() + 1, Offset: fw.log.Offset, Err: incident.ErrLongLine})
		fw.log.Offset = base + int64(len(buf))
		fw.skipping = true
	}
	evs := append([]incident.Event(nil), fw.log.Events...)
	probs := append([]incident.Problem(nil), fw.log.Problems...)
	return evs, probs, nil
}

// findNewline returns the offset of the first '\n' in f between from and
// to, or -1; it reads 64 KiB at a time so a long line costs no memory.
func findNewline(f *os.File, from, to int64) (int64, error) {
	var chunk [64 << 10]byte
	for from < to {
		n, err := f.ReadAt(chunk[:min(int64(len(chunk)), to-from)], from)
		if i := bytes.IndexByte(chunk[:n], '\n'); i >= 0 {
			return from + int64(i), nil
		}
		from += int64(n)
		if err == io.EOF || n == 0 {
			break
		}
		if err != nil {
			return -1, err
		}
	}
	return -1, nil
}

// Offset is where the next Poll starts reading.
func (fw *Follower) Offset() int64 { return fw.log.Offset }

// Close releases the file.
func (fw *Follower) Close() error {
	if fw.f == nil {
		return nil
	}
	err := fw.f.Close()
	fw.f = nil
	return err
}

// DefaultDir is where timelines live: $XDG_STATE_HOME/memtui/incidents, or
// ~/.local/state/memtui/incidents when XDG_STATE_HOME is unset or relative
// (as the XDG spec says to ignore relative paths). The caller passes the
// environment's values; this package reads no environment.
func DefaultDir(xdgStateHome, home string) (string, error) {
	if xdgStateHome != "" && filepath.IsAbs(xdgStateHome) {
		return filepath.Join(xdgStateHome, "memtui", "incidents"), nil
	}
	if home == "" {
		return "", errors.New("incident directory: neither XDG_STATE_HOME nor HOME is set; pass --incident PATH")
	}
	return filepath.Join(home, ".local", "state", "memtui", "incidents"), nil
}

// FileName is "<host>-<start>.jsonl", start in UTC, safe as one path element.
func FileName(host string, start time.Time) string {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
			return r
		}
		return '_'
	}, host)
	if safe == "" || strings.Trim(safe, ".") == "" {
		safe = "host"
	}
	return safe + "-" + start.UTC().Format("20060102T150405Z") + ".jsonl"
}

// Newest returns the timeline in dir whose header says it was created last
// (files that are not timelines are ignored).
func Newest(dir string) (string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("%w in %s", ErrNoIncident, dir)
		}
		return "", fmt.Errorf("incident directory: %w", err)
	}
	type cand struct {
		path    string
		created time.Time
	}
	var cs []cand
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".jsonl") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		// A FIFO named *.jsonl would block os.Open forever.
		f, err := fsread.OpenRegular(p)
		if err != nil {
			continue
		}
		h, err := incident.ReadHeader(f)
		f.Close()
		if err != nil {
			continue
		}
		cs = append(cs, cand{p, h.Created})
	}
	if len(cs) == 0 {
		return "", fmt.Errorf("%w in %s", ErrNoIncident, dir)
	}
	sort.Slice(cs, func(i, j int) bool {
		if !cs[i].created.Equal(cs[j].created) {
			return cs[i].created.After(cs[j].created)
		}
		return cs[i].path > cs[j].path
	})
	return cs[0].path, nil
}
