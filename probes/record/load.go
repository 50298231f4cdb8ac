package record

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/memtui/memtui/probes"
)

// ErrNotRecording is returned for a file that is not a memtui recording.
var ErrNotRecording = errors.New("not a memtui recording")

// Recording is a loaded recording, each kind of sample oldest first.
type Recording struct {
	Header Header
	Mem    []MemSample
	Procs  []ProcSample
	PG     []probes.PGReading
	Kills  []probes.OOMKill
	// KillAt is when each kill was recorded (the log's time when it gave
	// one), for kills whose Time the log left unknown.
	KillAt []time.Time
	// Events are the recorded events and one per kill, oldest first.
	Events []Event
	// Skipped counts whole lines that did not decode.
	Skipped int
	strs    map[string]string // interned process strings, while loading

	// Truncated says the file ended inside a block or a line (memtui was
	// killed while recording): everything before that was loaded.
	Truncated bool
}

// Load reads the recording at path up to its last whole sample.
func Load(path string) (*Recording, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rec, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rec, nil
}

// Read reads a recording from r up to its last whole sample.
func Read(r io.Reader) (*Recording, error) {
	zr, err := gzip.NewReader(bufio.NewReader(r))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotRecording, err)
	}
	br := bufio.NewReaderSize(zr, 64<<10)
	rec := &Recording{}
	seenHeader := false
	for {
		b, err := br.ReadBytes('\n')
		if len(b) > 0 && b[len(b)-1] == '\n' {
			var l line
			if jerr := json.Unmarshal(bytes.TrimSpace(b), &l); jerr != nil {
				// A whole line that does not decode (a newer memtui's
				// shape) costs that sample, never the rest.
				rec.Skipped++
				continue
			}
			if !seenHeader {
				if l.T != kindHeader || l.Header == nil {
					return nil, ErrNotRecording
				}
				seenHeader = true
			}
			rec.add(&l)
		} else if len(b) > 0 {
			rec.Truncated = true // a line cut short
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			// A block cut short (io.ErrUnexpectedEOF) or a torn gzip
			// header/checksum: the lines read before it stand.
			rec.Truncated = true
			break
		}
	}
	if !seenHeader {
		return nil, ErrNotRecording
	}
	rec.strs = nil
	rec.finish()
	return rec, nil
}

func (rec *Recording) add(l *line) {
	at := time.UnixMilli(l.TS)
	switch l.T {
	case kindHeader:
		rec.Header = *l.Header
	case kindMem:
		rec.Mem = append(rec.Mem, MemSample{At: at, Memory: l.memory()})
	case kindProcs:
		t := l.table()
		// The same processes come back every reading: one copy of each
		// name and command line, or a day's replay would hold a
		// million copies.
		if rec.strs == nil {
			rec.strs = map[string]string{}
		}
		for i := range t.Procs {
			p := &t.Procs[i]
			p.Comm, p.User, p.Program, p.Cmdline = rec.intern(p.Comm), rec.intern(p.User), rec.intern(p.Program), rec.intern(p.Cmdline)
		}
		rec.Procs = append(rec.Procs, ProcSample{At: at, Table: t})
	case kindPG:
		if l.PG != nil {
			rec.PG = append(rec.PG, l.PG.decode())
		}
	case kindKill:
		if l.Kill != nil {
			rec.Kills = append(rec.Kills, *l.Kill)
			rec.KillAt = append(rec.KillAt, at)
			rec.Events = append(rec.Events, Event{At: at, Kind: EventKill, Text: killText(*l.Kill)})
		}
	case kindEvent:
		if l.Event != nil {
			e := *l.Event
			e.At = at
			rec.Events = append(rec.Events, e)
		}
	}
	// Unknown kinds come from a newer memtui: skipped, not fatal.
}

func killText(k probes.OOMKill) string {
	return fmt.Sprintf("OOM kill: %s (pid %d)", k.Comm, k.PID)
}

// finish orders what arrived out of order (kills are stamped with the
// log's time, which can precede the sample written before them).
func (rec *Recording) finish() {
	sort.SliceStable(rec.Events, func(i, j int) bool { return rec.Events[i].At.Before(rec.Events[j].At) })
}

// Start and End are the first and last recorded moments (zero when the
// recording holds no sample).
func (rec *Recording) Start() time.Time {
	if len(rec.Mem) > 0 {
		return rec.Mem[0].At
	}
	return rec.Header.Started
}

// End is the last memory sample's time.
func (rec *Recording) End() time.Time {
	if len(rec.Mem) > 0 {
		return rec.Mem[len(rec.Mem)-1].At
	}
	return rec.Header.Started
}

// MemAt is the index of the last memory sample at or before t (-1: none).
func (rec *Recording) MemAt(t time.Time) int {
	return sort.Search(len(rec.Mem), func(i int) bool { return rec.Mem[i].At.After(t) }) - 1
}

// ProcsAt is the index of the last process reading at or before t (-1: none).
func (rec *Recording) ProcsAt(t time.Time) int {
	return sort.Search(len(rec.Procs), func(i int) bool { return rec.Procs[i].At.After(t) }) - 1
}

// PGAt is the index of the last PostgreSQL reading at or before t (-1: none).
func (rec *Recording) PGAt(t time.Time) int {
	return sort.Search(len(rec.PG), func(i int) bool { return rec.PG[i].Time.After(t) }) - 1
}

// AddEvents merges events kept elsewhere (an incident timeline's actions
// and notes) so the cursor can jump to them too.
func (rec *Recording) AddEvents(evs ...Event) {
	rec.Events = append(rec.Events, evs...)
	rec.finish()
}

// intern returns the one copy of s kept for this recording.
func (rec *Recording) intern(s string) string {
	if v, ok := rec.strs[s]; ok {
		return v
	}
	rec.strs[s] = s
	return s
}
