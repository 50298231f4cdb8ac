package incident

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Format is the first line's "format" value: it tells a reader this JSON-lines
// file is a memtui incident timeline.
const Format = "memtui-incident"

// Version is the file format version this package writes and reads.
const Version = 1

// Header is the first line of a timeline file.
type Header struct {
	Format  string    `json:"format"`
	Version int       `json:"version"`
	Host    string    `json:"host,omitempty"`
	Created time.Time `json:"created"`
}

// Problem is a line that could not be read; it was skipped.
type Problem struct {
	Line   int   // 1-based line number in the file
	Offset int64 // byte offset of the line
	Err    error
}

// String says where and why, for a person.
func (p Problem) String() string {
	return fmt.Sprintf("line %d (byte %d): torn or corrupt line skipped: %v", p.Line, p.Offset, p.Err)
}

// Log is a timeline read from disk (by incident/store) or from bytes.
type Log struct {
	Path     string
	Header   Header
	Events   []Event
	Problems []Problem
	// Offset is where a store.Follower should continue reading.
	Offset int64
	// lines counts lines read, so a follower numbers its problems right.
	lines int
	// each, when set, takes the events instead of Events.
	each func(Event)
}

// scanChunk is how much of the file is read at a time.
const scanChunk = 256 << 10 // ScanReaderSize takes another (tests: lines across chunks)

// ScanReader is store.Scan's core: the header line, then whole lines chunk by
// chunk, and at the end a last line without a newline. A line longer than
// MaxEventLine is dropped as it streams past (a Problem), so memory stays
// within a chunk and MaxEventLine whatever the file holds.
func ScanReader(path string, r io.Reader, each func(Event)) (*Log, error) {
	return ScanReaderSize(path, r, each, scanChunk)
}

// ScanReaderSize is ScanReader reading chunk bytes at a time; tests pass
// chunks far smaller than a line so lines cross chunk boundaries.
func ScanReaderSize(path string, r io.Reader, each func(Event), chunk int) (*Log, error) {
	l := &Log{Path: path, each: each}
	buf := make([]byte, 0, chunk)
	var base int64 // file offset of buf[0]
	header, eof := false, false
	skipping := false // inside a line over MaxEventLine, dropping it
	for {
		if !eof {
			if len(buf) == cap(buf) {
				if len(buf) >= MaxEventLine {
					// buf holds one unfinished line (scan consumed the
					// whole ones): it is over the bound.
					if !header {
						return nil, fmt.Errorf("incident timeline %s: first line longer than %d MiB: not a memtui incident timeline", path, MaxEventLine>>20)
					}
					l.Problems = append(l.Problems, Problem{Line: l.lines + 1, Offset: base, Err: ErrLongLine})
					skipping = true
					base += int64(len(buf))
					buf = buf[:0]
				} else {
					// A line longer than the buffer: grow it.
					nb := make([]byte, len(buf), 2*cap(buf))
					copy(nb, buf)
					buf = nb
				}
			}
			n, err := r.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			switch {
			case err == io.EOF:
				eof = true
			case err != nil:
				return nil, fmt.Errorf("incident timeline %s: %w", path, err)
			}
		}
		if skipping {
			nl := bytes.IndexByte(buf, '\n')
			if nl < 0 {
				base += int64(len(buf))
				buf = buf[:0]
				l.Offset = base
				if eof {
					return l, nil
				}
				continue
			}
			l.lines++
			base += int64(nl + 1)
			buf = buf[:copy(buf, buf[nl+1:])]
			skipping = false
		}
		if !header {
			nl := bytes.IndexByte(buf, '\n')
			if nl < 0 && !eof {
				continue
			}
			if nl < 0 {
				nl = len(buf)
			}
			if base == 0 && nl == 0 && eof {
				return nil, fmt.Errorf("incident timeline %s: %w", path, ErrEmptyTimeline)
			}
			h, err := ParseHeader(buf[:nl])
			if err != nil {
				return nil, fmt.Errorf("incident timeline %s: %w", path, err)
			}
			l.Header, l.lines, header = h, 1, true
			skip := min(nl+1, len(buf))
			buf = buf[:copy(buf, buf[skip:])]
			base += int64(skip)
		}
		consumed := l.Feed(buf, base, eof)
		base += int64(consumed)
		l.Offset = base
		if eof {
			return l, nil
		}
		buf = buf[:copy(buf, buf[consumed:])]
	}
}

// Feed parses the lines of buf (which starts at file offset base) into l. It
// consumes whole lines; with final it also parses a trailing line without a
// newline, consuming it only if it is a whole event (a torn one stays
// unconsumed, so a follower re-reads it once completed). It returns the
// number of bytes consumed.
func (l *Log) Feed(buf []byte, base int64, final bool) int {
	pos := 0
	for pos < len(buf) {
		nl := bytes.IndexByte(buf[pos:], '\n')
		end := pos + nl
		whole := nl >= 0
		if !whole {
			if !final {
				break
			}
			end = len(buf)
		}
		lineNo := l.lines + 1
		text := buf[pos:end]
		if len(text) > MaxEventLine {
			// Not parsed: a 10 MB note costs a scan for '\n', not a
			// JSON decode and a 10 MB string on the screen.
			l.Problems = append(l.Problems, Problem{Line: lineNo, Offset: base + int64(pos), Err: ErrLongLine})
		} else if len(bytes.TrimSpace(text)) > 0 {
			var ev Event
			// Straight to UnmarshalJSON: json.Unmarshal would first
			// validate and skip the whole line only to hand it over.
			if err := ev.UnmarshalJSON(text); err != nil {
				if !whole {
					l.Problems = append(l.Problems, Problem{Line: lineNo, Offset: base + int64(pos), Err: fmt.Errorf("unterminated last line: %w", err)})
					break
				}
				l.Problems = append(l.Problems, Problem{Line: lineNo, Offset: base + int64(pos), Err: err})
			} else if l.each != nil {
				l.each(ev)
			} else {
				l.Events = append(l.Events, ev)
			}
		}
		if whole {
			l.lines++
			pos = end + 1
		} else {
			pos = end
		}
	}
	return pos
}

// ParseHeader checks the first line.
func ParseHeader(b []byte) (Header, error) {
	var h Header
	if err := json.Unmarshal(b, &h); err != nil || h.Format != Format {
		return h, fmt.Errorf("not a memtui incident timeline (first line must name format %q)", Format)
	}
	if h.Version < 1 || h.Version > Version {
		return h, fmt.Errorf("timeline format version %d, this memtui reads up to version %d: use a newer memtui", h.Version, Version)
	}
	return h, nil
}

// ReadHeader reads and checks the first line of r.
func ReadHeader(r io.Reader) (Header, error) {
	br := bufio.NewReaderSize(r, 4096)
	b, err := br.ReadSlice('\n')
	if err != nil && err != io.EOF {
		return Header{}, fmt.Errorf("read header: %w", err)
	}
	return ParseHeader(bytes.TrimRight(b, "\n"))
}

// SetHeader records the header line a follower read itself: the next line
// is line 2.
func (l *Log) SetHeader(h Header) { l.Header, l.lines = h, 1 }

// SkipLine counts a line a follower dropped without parsing (one over
// MaxEventLine), so the problems after it keep their line numbers.
func (l *Log) SkipLine() { l.lines++ }

// Lines is how many lines were read so far, the header included.
func (l *Log) Lines() int { return l.lines }
