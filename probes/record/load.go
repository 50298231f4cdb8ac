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
	"unsafe"

	"github.com/memtui/memtui/probes"
)

// ErrNotRecording is returned for a file that is not a memtui recording.
var ErrNotRecording = errors.New("not a memtui recording")

// ErrTooLarge is returned when the samples to keep exceed Window.MaxBytes.
var ErrTooLarge = errors.New("too large to replay whole")

// Window bounds what a load keeps of a recording: a replay holds what it
// keeps, about 8 MB for each recorded hour of a dashboard on a host of
// 2,000 processes, so a recording of days is replayed a part at a time.
type Window struct {
	// From and To bound the samples kept (zero: the recording's start or
	// end); Lead more before From, for the history the charts show.
	From, To time.Time
	Lead     time.Duration
	// MaxBytes stops the load with ErrTooLarge once the samples kept
	// would take more (0: no limit). The count is the samples' own size,
	// not the spare room of the slices holding them: an hour of 2,000
	// processes counts 7.5 MB and takes 8.8 MB of heap (BenchmarkLoadHour).
	MaxBytes int64
}

// pastTo: a load with Window.To stops at the first memory sample this
// far past it. Nothing later is kept, and the lines around To may come
// a little out of order (a kill is stamped with the log's time).
const pastTo = time.Minute

// errPastWindow ends a load at pastTo past its window, as its file's end would.
var errPastWindow = errors.New("past the window")

// sampleBytes is what the load counts against MaxBytes for each kind.
const (
	memSampleBytes  = int64(unsafe.Sizeof(MemSample{}))
	procSampleBytes = int64(unsafe.Sizeof(ProcSample{}))
	procRowBytes    = int64(unsafe.Sizeof(probes.Proc{}))
)

// pgBytes is what a PostgreSQL reading is counted as: 4/3 of its JSON line.
// Its statistics vary (the longest transactions, their queries); a reading
// listing five took 2.9 KB of heap for a line of 2.2 KB.
func pgBytes(lineLen int) int64 { return int64(lineLen) * 4 / 3 }

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

	// First and Last are the earliest and latest times of the samples
	// read, kept or not (zero: none): the file's unless Stopped.
	First, Last time.Time
	// Stopped says the load ended past Window.To, before the file did.
	Stopped bool
	kept    int64 // bytes of samples kept, counted against Window.MaxBytes
}

// Load reads the recording at path up to its last whole sample.
func Load(path string) (*Recording, error) { return LoadWindow(path, Window{}) }

// LoadWindow reads what w keeps of the recording at path.
func LoadWindow(path string, w Window) (*Recording, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rec, err := ReadWindow(f, w)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rec, nil
}

// ReadHeader reads only the header of the recording at path.
func ReadHeader(path string) (Header, error) {
	f, err := os.Open(path)
	if err != nil {
		return Header{}, err
	}
	defer f.Close()
	br, err := lines(f)
	if err != nil {
		return Header{}, fmt.Errorf("%s: %w", path, err)
	}
	b, err := br.ReadBytes('\n')
	var l line
	if err != nil || json.Unmarshal(b, &l) != nil || l.T != kindHeader || l.Header == nil {
		return Header{}, fmt.Errorf("%s: %w", path, ErrNotRecording)
	}
	return *l.Header, nil
}

// lines reads a recording's JSON lines from its gzip members in r.
func lines(r io.Reader) (*bufio.Reader, error) {
	zr, err := gzip.NewReader(bufio.NewReader(r))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotRecording, err)
	}
	return bufio.NewReaderSize(zr, 64<<10), nil
}

// Read reads a recording from r up to its last whole sample.
func Read(r io.Reader) (*Recording, error) { return ReadWindow(r, Window{}) }

// ReadWindow reads what w keeps of a recording from r.
func ReadWindow(r io.Reader, w Window) (*Recording, error) {
	br, err := lines(r)
	if err != nil {
		return nil, err
	}
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
			if err := rec.add(&l, len(b), w); errors.Is(err, errPastWindow) {
				rec.Stopped = true
				break
			} else if err != nil {
				return nil, err
			}
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

// add keeps line l, n bytes long, if the window does; an error once the
// window's MaxBytes is passed.
func (rec *Recording) add(l *line, n int, w Window) error {
	at := time.UnixMilli(l.TS)
	if l.T != kindHeader {
		if rec.First.IsZero() || at.Before(rec.First) {
			rec.First = at
		}
		if at.After(rec.Last) {
			rec.Last = at
		}
	}
	if !w.To.IsZero() && at.After(w.To) {
		if l.T == kindMem && at.After(w.To.Add(pastTo)) {
			return errPastWindow
		}
		return nil
	}
	inside := w.From.IsZero() || !at.Before(w.From.Add(-w.Lead))
	switch l.T {
	case kindHeader:
		rec.Header = *l.Header
	case kindMem:
		if inside {
			rec.Mem = append(rec.Mem, MemSample{At: at, Memory: l.memory()})
			rec.kept += memSampleBytes
		}
	case kindProcs:
		if !inside {
			break
		}
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
		rec.kept += procSampleBytes + int64(len(t.Procs))*procRowBytes
	case kindPG:
		if l.PG != nil && inside {
			rec.PG = append(rec.PG, l.PG.decode())
			rec.kept += pgBytes(n)
		}
	case kindKill:
		// Every kill up to the window's end, however early: they are few,
		// and the OOM panel counts the last hour's.
		if l.Kill != nil {
			rec.Kills = append(rec.Kills, *l.Kill)
			rec.KillAt = append(rec.KillAt, at)
			if inside {
				rec.Events = append(rec.Events, Event{At: at, Kind: EventKill, Text: killText(*l.Kill)})
			}
		}
	case kindEvent:
		if l.Event != nil && inside {
			e := *l.Event
			e.At = at
			rec.Events = append(rec.Events, e)
		}
	}
	// Unknown kinds come from a newer memtui: skipped, not fatal.
	if w.MaxBytes > 0 && rec.kept > w.MaxBytes {
		from := rec.First
		if len(rec.Mem) > 0 {
			from = rec.Mem[0].At
		}
		return fmt.Errorf("%w: the samples from %s to %s alone take more than %d MiB", ErrTooLarge,
			from.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339), w.MaxBytes>>20)
	}
	return nil
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
