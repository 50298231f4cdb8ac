package run

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/memtui/memtui/internal/redact"
)

// Output bounds: the tail keeps the last DefaultTailBytes bytes and at most
// DefaultTailLines lines; a line longer than maxLineBytes is cut into pieces
// so one endless line cannot hold the whole buffer hostage.
const (
	DefaultTailBytes = 64 << 10
	DefaultTailLines = 1000
	maxLineBytes     = 4 << 10
)

// tail is an io.Writer that keeps the last lines written to it, cleaned of
// terminal escapes and redacted line by line as they arrive. Redacting on the
// way in (not at read time) means the bytes dropped off the front can never
// leave a secret cut in half and therefore unrecognised. Safe for concurrent
// use: the process writes while the UI reads snapshots.
type tail struct {
	mu       sync.Mutex
	maxBytes int
	maxLines int
	lines    []string // committed, redacted; lines[0] is the oldest
	bytes    int      // sum of len(lines[i])+1
	partial  []byte   // current line, not yet ended by '\n'
	total    int64    // bytes written in all
	dropped  int      // lines dropped off the front
	// mirror, when set, gets each line as it is committed (the keeper's
	// stream back to memtui); its errors are ignored.
	mirror io.Writer
}

func newTail(maxBytes, maxLines int) *tail {
	if maxBytes <= 0 {
		maxBytes = DefaultTailBytes
	}
	if maxLines <= 0 {
		maxLines = DefaultTailLines
	}
	return &tail{maxBytes: maxBytes, maxLines: maxLines}
}

// Write never fails, so a chatty program is never blocked or killed by it.
func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	t.total += int64(n)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			t.partial = append(t.partial, p...)
			for len(t.partial) >= maxLineBytes {
				t.commit(t.partial[:maxLineBytes])
				t.partial = append(t.partial[:0], t.partial[maxLineBytes:]...)
			}
			break
		}
		t.partial = append(t.partial, p[:i]...)
		for len(t.partial) > maxLineBytes {
			t.commit(t.partial[:maxLineBytes])
			t.partial = append(t.partial[:0], t.partial[maxLineBytes:]...)
		}
		t.commit(t.partial)
		t.partial = t.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

// Line writes one whole line of memtui's own (a step header, a result).
func (t *tail) Line(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.partial) > 0 { // keep program output and our lines apart
		t.commit(t.partial)
		t.partial = t.partial[:0]
	}
	t.commit([]byte(s))
}

func (t *tail) commit(b []byte) {
	s := cleanLine(string(b))
	if t.mirror != nil {
		_, _ = io.WriteString(t.mirror, s+"\n")
	}
	t.lines = append(t.lines, s)
	t.bytes += len(s) + 1
	for len(t.lines) > 1 && (t.bytes > t.maxBytes || len(t.lines) > t.maxLines) {
		t.bytes -= len(t.lines[0]) + 1
		t.lines[0] = ""
		t.lines = t.lines[1:]
		t.dropped++
	}
	// Re-slicing from the front leaks the backing array's head; copy now
	// and then so memory stays bounded over a long run.
	if cap(t.lines) > 4*t.maxLines {
		t.lines = append([]string(nil), t.lines...)
	}
}

// flush commits the unfinished current line, if any.
func (t *tail) flush() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.partial) > 0 {
		t.commit(t.partial)
		t.partial = t.partial[:0]
	}
}

// String is the tail as shown and recorded: a marker line if anything was
// dropped, then the kept lines, then the unfinished current line.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var b strings.Builder
	if t.dropped > 0 {
		b.WriteString("[… " + strconv.Itoa(t.dropped) + " earlier lines dropped]\n")
	}
	for _, l := range t.lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	if len(t.partial) > 0 {
		b.WriteString(cleanLine(string(t.partial)))
		b.WriteByte('\n')
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// stats says how many lines were dropped off the front and how many bytes
// were written in all.
func (t *tail) stats() (dropped int, total int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.dropped, t.total
}

// cleanLine makes program output safe to draw in the TUI and to write to the
// timeline: terminal escape sequences removed, a carriage-return progress
// line reduced to what a terminal would show last, other control characters
// dropped, invalid UTF-8 replaced, and secrets redacted.
func cleanLine(s string) string {
	if plainASCII(s) {
		return redact.Redact(s) // the usual line: nothing to strip
	}
	if i := strings.LastIndexByte(strings.TrimRight(s, "\r"), '\r'); i >= 0 {
		s = s[i+1:]
	}
	s = stripEscapes(s)
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r == '\t' {
			return r
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
	return redact.Redact(s)
}

// stripEscapes removes terminal escape sequences: CSI (ESC [ … final byte,
// colours and cursor moves), OSC (ESC ] … BEL or ESC \, titles and links),
// other ESC-introduced strings (DCS, PM, APC, SOS, up to ESC \) and
// two-byte ESC sequences. Package actions may not import the charmbracelet
// libraries, so this is its own small state machine.
func stripEscapes(s string) string {
	if !strings.ContainsRune(s, 0x1b) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != 0x1b {
			b.WriteByte(s[i])
			continue
		}
		if i+1 >= len(s) {
			break
		}
		switch s[i+1] {
		case '[': // CSI: parameters and intermediates, then a final byte 0x40–0x7e
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j
		case ']', 'P', '^', '_', 'X': // string sequences, ended by BEL or ESC \
			j := i + 2
			for j < len(s) && s[j] != 0x07 && !(s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\') {
				j++
			}
			if j < len(s) && s[j] == 0x1b {
				j++
			}
			i = j
		default: // ESC and one byte (ESC 7, ESC =, …)
			i++
		}
	}
	return b.String()
}

// plainASCII reports whether s is printable ASCII and tabs only.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t') || c >= 0x7f {
			return false
		}
	}
	return true
}
