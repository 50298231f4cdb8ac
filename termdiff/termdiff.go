// Package termdiff sits between a full-screen program and its terminal and
// sends only the cells that changed.
//
// Bubble Tea v1 repaints every changed line whole: a 200-column dashboard
// line with its colours is about 300 bytes, and a process panel beside the
// memory panel changes most lines every refresh although only a few cells
// differ. Writer keeps two pictures of the alternate screen: what the
// program has drawn (by interpreting the sequences a renderer writes) and
// what the terminal shows (what Writer sent). At the end of every Write it
// sends the difference: cursor moves, pen changes and the changed cells.
//
// Only drawing is interpreted: printable text with its cell width, CR, LF,
// BS, TAB, cursor moves (CUU CUD CUF CUB CNL CPL CHA VPA CUP HVP), erase in
// line and display (EL, ED) and SGR. Everything else (modes, titles,
// queries) passes through in order. Anything that leaves the terminal's
// picture uncertain (a sequence that might draw, a reset, a resize) makes
// the next difference a full repaint. Outside the alternate screen nothing
// is interpreted: bytes pass through unchanged.
package termdiff

import (
	"io"
	"os"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Writer is the program's output. It passes Fd and Read through to the
// terminal so the program still sees a TTY (window size, raw mode, resize).
type Writer struct {
	mu   sync.Mutex
	tty  *os.File                   // Fd and Read; nil in tests
	out  io.Writer                  // where the bytes go
	size func() (w, h int, ok bool) // the terminal's size

	p       *ansi.Parser
	pending []byte // an incomplete sequence at the end of the last Write

	alt           bool   // inside the alternate screen: interpreting
	want, have    screen // the program's picture, the terminal's
	haveOK        bool   // have is what the terminal shows
	pen           uint16 // the program's pen (an index into pens)
	cx, cy        int    // the program's cursor
	wrapPending   bool   // the program's cursor is past the last column
	cursorVisible bool

	// The terminal as Writer left it.
	tx, ty int    // cursor; tx < 0: unknown
	tpen   uint16 // pen
	tpenOK bool

	pens   []pen
	penIdx map[pen]uint16
	// glyphs are the graphemes drawn other than ASCII, by glyph id less
	// glyphBase, so a cell holds a number and a repaint of the same
	// box-drawing and braille characters allocates nothing.
	glyphs   []string
	glyphIdx map[string]uint32
	glyphCap int // compact the table when it reaches this

	buf []byte // output of this Write
}

// New wraps the terminal f: bytes go to f, and f's size is the screen's.
func New(f *os.File) *Writer {
	w := newWriter(f, func() (int, int, bool) { return termSize(f) })
	w.tty = f
	return w
}

// NewForTest writes to out with a fixed-size screen.
func NewForTest(out io.Writer, width, height int) *Writer {
	return newWriter(out, func() (int, int, bool) { return width, height, true })
}

func newWriter(out io.Writer, size func() (int, int, bool)) *Writer {
	p := ansi.NewParser()
	p.SetDataSize(4096)
	w := &Writer{out: out, size: size, p: p, penIdx: map[pen]uint16{}, glyphIdx: map[string]uint32{}, glyphCap: minGlyphCap, cursorVisible: true, tx: -1}
	w.intern(pen{}) // index 0 is the default pen
	return w
}

// Fd is the terminal's descriptor (Bubble Tea sizes the window by it).
func (w *Writer) Fd() uintptr {
	if w.tty == nil {
		return ^uintptr(0)
	}
	return w.tty.Fd()
}

// Read reads the terminal.
func (w *Writer) Read(b []byte) (int, error) {
	if w.tty == nil {
		return 0, io.EOF
	}
	return w.tty.Read(b)
}

// Close leaves the terminal open: it is the process's standard output.
func (w *Writer) Close() error { return nil }

// Write interprets b and sends the terminal what changed.
func (w *Writer) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(b)
	data := b
	if len(w.pending) > 0 {
		data = append(w.pending, b...)
		w.pending = nil
	}
	w.buf = w.buf[:0]
	if w.alt {
		w.checkSize()
	}
	// A character cut between two writes waits for the rest.
	if k := incompleteTail(data); k > 0 {
		w.pending = append([]byte(nil), data[len(data)-k:]...)
		data = data[:len(data)-k]
	}
	var state byte
	for len(data) > 0 {
		seq, width, k, ns := ansi.DecodeSequence(data, state, w.p)
		if ns != ansi.NormalState {
			// The write ended inside a sequence: keep it for the next.
			w.pending = append(append([]byte(nil), data...), w.pending...)
			break
		}
		data = data[k:]
		if !w.alt {
			w.buf = append(w.buf, seq...)
			if ansi.HasCsiPrefix(seq) && w.isAltSwitch() {
				w.enterAlt()
			}
			continue
		}
		w.interpret(seq, width)
	}
	if w.alt {
		w.flush()
	}
	if len(w.buf) == 0 {
		return n, nil
	}
	if _, err := w.out.Write(w.buf); err != nil {
		return 0, err
	}
	return n, nil
}

// incompleteTail is the length of a UTF-8 character begun but not ended
// at the end of b (0 when b ends whole).
func incompleteTail(b []byte) int {
	for k := 1; k <= min(3, len(b)); k++ {
		c := b[len(b)-k]
		if c < 0x80 {
			return 0
		}
		if utf8.RuneStart(c) {
			if utf8.FullRune(b[len(b)-k:]) {
				return 0
			}
			return k
		}
	}
	return 0
}

// checkSize follows the terminal's size; a change makes the next
// difference a full repaint (terminals keep, clip or reflow the old picture
// as they please).
func (w *Writer) checkSize() {
	cols, rows, ok := w.size()
	if !ok || cols <= 0 || rows <= 0 || (cols == w.want.w && rows == w.want.h) {
		return
	}
	w.want = w.want.resized(cols, rows)
	w.have = newScreen(cols, rows)
	w.haveOK = false
	w.cx, w.cy = min(w.cx, cols-1), min(w.cy, rows-1)
}

// isAltSwitch says whether the DECSET/DECRST just parsed switches the alternate
// screen (1049, 1047, 47).
func (w *Writer) isAltSwitch() bool {
	c := ansi.Cmd(w.p.Command())
	if c.Prefix() != '?' || (c.Final() != 'h' && c.Final() != 'l') {
		return false
	}
	for _, prm := range w.p.Params() {
		switch prm.Param(0) {
		case 1049, 1047, 47:
			return true
		}
	}
	return false
}

// enterAlt starts interpreting after a switch to the alternate screen.
// 1049 and 1047 clear it; 47 shows whatever it held.
func (w *Writer) enterAlt() {
	if ansi.Cmd(w.p.Command()).Final() != 'h' {
		return
	}
	w.alt = true
	cols, rows, ok := w.size()
	if !ok {
		cols, rows = 80, 24
	}
	w.want, w.have = newScreen(cols, rows), newScreen(cols, rows)
	w.haveOK = true
	for _, prm := range w.p.Params() {
		if prm.Param(0) == 47 {
			w.haveOK = false
		}
	}
	w.cx, w.cy, w.wrapPending = 0, 0, false
	w.tx, w.tpenOK = -1, false
	w.pen = 0
}

// interpret applies one sequence (or grapheme, or control byte) to the
// program's picture, or passes it through.
func (w *Writer) interpret(seq []byte, width int) {
	switch {
	case len(seq) == 0:
	case seq[0] == ansi.ESC || len(seq) > 1 && seq[0] >= 0x80 && seq[0] < 0xA0:
		w.sequence(seq) // 7-bit, or an 8-bit CSI/OSC/DCS introducer
	case len(seq) == 1 && (seq[0] < 0x20 || seq[0] == 0x7f):
		w.control(seq[0])
	case len(seq) == 1 && seq[0] >= 0x80 && seq[0] < 0xC0:
		// a stray byte that is no character: a terminal shows nothing
	default:
		w.print(seq, width)
	}
}

func (w *Writer) control(c byte) {
	switch c {
	case '\r':
		w.cx, w.wrapPending = 0, false
	case '\n', '\v', '\f':
		w.lineFeed()
	case '\b':
		if w.wrapPending {
			w.wrapPending = false
		} else if w.cx > 0 {
			w.cx--
		}
	case '\t':
		w.cx = min((w.cx/8+1)*8, w.want.w-1)
		w.wrapPending = false
	case ansi.BEL:
		w.buf = append(w.buf, c)
	}
}

// lineFeed moves down a line, scrolling the picture at the bottom as a
// terminal does.
func (w *Writer) lineFeed() {
	w.wrapPending = false
	if w.cy < w.want.h-1 {
		w.cy++
		return
	}
	w.want.scrollUp(w.blank())
}

// print puts one grapheme of the given width at the cursor.
func (w *Writer) print(g []byte, width int) {
	s := &w.want
	if width == 0 {
		// A zero-width cluster on its own joins the cell before it.
		x := w.cx - 1
		if w.wrapPending {
			x = s.w - 1
		}
		if x >= 0 {
			c := s.at(x, w.cy)
			if c.width == 0 && x > 0 {
				c = s.at(x-1, w.cy)
			}
			c.g = w.glyph(append([]byte(w.glyphText(c.g)), g...))
		}
		return
	}
	if w.wrapPending || w.cx+width > s.w {
		// Autowrap, as the terminal would.
		w.cx = 0
		w.lineFeed()
	}
	if width > s.w {
		return
	}
	s.put(w.cx, w.cy, w.glyph(g), width, w.pen)
	w.cx += width
	if w.cx >= s.w {
		w.cx, w.wrapPending = s.w-1, true
	}
}

// blank is the cell an erase leaves: a space with the pen's background
// (terminals erase with the current background colour).
func (w *Writer) blank() cell {
	p := w.pens[w.pen]
	if p.bg == 0 {
		return blankCell
	}
	return cell{g: ' ', width: 1, pen: w.intern(pen{bg: p.bg})}
}

// sequence handles an escape sequence.
func (w *Writer) sequence(seq []byte) {
	if !ansi.HasCsiPrefix(seq) {
		if ansi.HasEscPrefix(seq) && len(seq) == 2 && seq[1] == 'c' {
			w.invalidate() // RIS: the terminal resets itself
		}
		// OSC (titles, clipboard), DCS, APC and charset designations
		// draw nothing.
		w.passThrough(seq)
		return
	}
	c := ansi.Cmd(w.p.Command())
	prm := func(i, def int) int {
		v, _ := w.p.Param(i, def)
		if v == 0 && def == 1 {
			return 1 // CSI 0 A moves one, as CSI A does
		}
		return v
	}
	if c.Prefix() != 0 || c.Intermediate() != 0 {
		if c.Prefix() == '?' && (c.Final() == 'h' || c.Final() == 'l') {
			w.privateMode(seq, c.Final() == 'h')
			return
		}
		w.passThrough(seq) // queries and keyboard modes draw nothing
		return
	}
	s := &w.want
	switch c.Final() {
	case 'm':
		w.pen = w.intern(w.pens[w.pen].apply(w.p.Params()))
		return
	case 'A':
		w.cy = max(w.cy-prm(0, 1), 0)
	case 'B':
		w.cy = min(w.cy+prm(0, 1), s.h-1)
	case 'C':
		w.cx = min(w.cx+prm(0, 1), s.w-1)
	case 'D':
		w.cx = max(w.cx-prm(0, 1), 0)
	case 'E':
		w.cx, w.cy = 0, min(w.cy+prm(0, 1), s.h-1)
	case 'F':
		w.cx, w.cy = 0, max(w.cy-prm(0, 1), 0)
	case 'G', '`':
		w.cx = min(max(prm(0, 1), 1), s.w) - 1
	case 'd':
		w.cy = min(max(prm(0, 1), 1), s.h) - 1
	case 'H', 'f':
		w.cy = min(max(prm(0, 1), 1), s.h) - 1
		w.cx = min(max(prm(1, 1), 1), s.w) - 1
	case 'K':
		from, to := w.cx, s.w // 0: to the end of the line
		switch prm(0, 0) {
		case 1:
			from, to = 0, w.cx+1
		case 2:
			from = 0
		}
		s.fill(from, to, w.cy, w.blank())
	case 'J':
		b := w.blank()
		switch prm(0, 0) {
		case 0:
			s.fill(w.cx, s.w, w.cy, b)
			for y := w.cy + 1; y < s.h; y++ {
				s.fill(0, s.w, y, b)
			}
		case 1:
			for y := 0; y < w.cy; y++ {
				s.fill(0, s.w, y, b)
			}
			s.fill(0, w.cx+1, w.cy, b)
		default: // 2, 3: the whole screen (3 also the scrollback)
			for y := 0; y < s.h; y++ {
				s.fill(0, s.w, y, b)
			}
		}
	default:
		// Something that may draw or scroll (insert, delete, repeat,
		// scroll regions): send it as it is after what came before, and
		// repaint in full next time.
		w.passThrough(seq)
		w.invalidate()
		return
	}
	w.wrapPending = false
}

// privateMode passes DECSET/DECRST through, following the cursor's
// visibility and leaving the alternate screen.
func (w *Writer) privateMode(seq []byte, set bool) {
	leave := false
	for _, p := range w.p.Params() {
		switch p.Param(0) {
		case 25:
			w.cursorVisible = set
		case 1049, 1047, 47:
			leave = !set
		}
	}
	if !leave {
		w.passThrough(seq)
		return
	}
	w.flush()
	w.buf = append(w.buf, "\x1b[0m"...)
	w.buf = append(w.buf, seq...)
	w.alt = false
	w.want, w.have = screen{}, screen{}
}

// passThrough sends seq after the differences so far, keeping the order of
// drawing and modes.
func (w *Writer) passThrough(seq []byte) {
	w.flush()
	w.buf = append(w.buf, seq...)
}

// invalidate makes the next difference a full repaint.
func (w *Writer) invalidate() {
	w.haveOK = false
	w.tx, w.tpenOK = -1, false
}

// flush appends to buf what turns the terminal's picture into the
// program's.
func (w *Writer) flush() {
	want, have := &w.want, &w.have
	if want.w == 0 {
		return
	}
	if !w.haveOK {
		w.buf = append(w.buf, "\x1b[0m\x1b[H\x1b[2J"...)
		*have = newScreen(want.w, want.h)
		w.tx, w.ty, w.tpen, w.tpenOK = 0, 0, 0, true
		w.haveOK = true
	}
	for y := 0; y < want.h; y++ {
		row, old := want.row(y), have.row(y)
		x := 0
		for x < want.w {
			if row[x] == old[x] {
				x++
				continue
			}
			start := x
			for start > 0 && row[start].width == 0 {
				start-- // the lead cell of a wide grapheme
			}
			// The run goes on over gaps of a few equal cells: rewriting
			// them costs less than moving the cursor past them.
			end := x + 1
			for gap := 0; end < want.w && gap <= 3; end++ {
				if row[end] == old[end] {
					gap++
				} else {
					gap = 0
				}
			}
			for end > x+1 && row[end-1] == old[end-1] {
				end--
			}
			w.emitRun(y, start, end)
			x = end
		}
	}
	if w.cursorVisible && (w.tx != w.cx || w.ty != w.cy) {
		w.moveTo(w.cx, w.cy)
	}
}

// emitRun sends the cells [from, to) of row y and records them as shown.
func (w *Writer) emitRun(y, from, to int) {
	row, old := w.want.row(y), w.have.row(y)
	w.moveTo(from, y)
	for x := from; x < to; x++ {
		c := row[x]
		old[x] = c
		if c.width == 0 {
			continue // the trailing half of a wide grapheme: drawn with it
		}
		if !w.tpenOK || w.tpen != c.pen {
			w.buf = w.pens[c.pen].sgr(w.buf)
			w.tpen, w.tpenOK = c.pen, true
		}
		if c.g < glyphBase {
			w.buf = append(w.buf, byte(c.g))
		} else {
			w.buf = append(w.buf, w.glyphs[c.g-glyphBase]...)
		}
		w.tx += int(c.width)
		for k := 1; k < int(c.width) && x+k < len(row); k++ {
			old[x+k] = row[x+k]
		}
		x += int(c.width) - 1
	}
	if w.tx >= w.want.w {
		w.tx = -1 // past the last column: the next print would wrap
	}
}

// moveTo puts the terminal's cursor at (x, y), by the shortest sequence.
func (w *Writer) moveTo(x, y int) {
	switch {
	case w.tx == x && w.ty == y:
		return
	case w.tx >= 0 && w.ty == y && x > w.tx:
		w.buf = append(w.buf, "\x1b["...)
		w.buf = strconv.AppendInt(w.buf, int64(x-w.tx), 10)
		w.buf = append(w.buf, 'C')
	case w.tx >= 0 && w.ty == y && x == 0:
		w.buf = append(w.buf, '\r')
	case w.tx >= 0 && w.ty == y:
		w.buf = append(w.buf, "\x1b["...)
		w.buf = strconv.AppendInt(w.buf, int64(x+1), 10)
		w.buf = append(w.buf, 'G')
	default:
		w.buf = append(w.buf, "\x1b["...)
		w.buf = strconv.AppendInt(w.buf, int64(y+1), 10)
		if x > 0 {
			w.buf = append(w.buf, ';')
			w.buf = strconv.AppendInt(w.buf, int64(x+1), 10)
		}
		w.buf = append(w.buf, 'H')
	}
	w.tx, w.ty = x, y
}

// minGlyphCap is the size at which the glyph table is first compacted.
const minGlyphCap = 4096

// glyph is grapheme g's glyph id, g interned.
func (w *Writer) glyph(g []byte) uint32 {
	if len(g) == 1 && g[0] < glyphBase {
		return uint32(g[0])
	}
	if id, ok := w.glyphIdx[string(g)]; ok {
		return id
	}
	return w.addGlyph(string(g))
}

// glyphText is the grapheme of glyph id.
func (w *Writer) glyphText(id uint32) string {
	if id < glyphBase {
		return ascii[id]
	}
	return w.glyphs[id-glyphBase]
}

// addGlyph adds t, compacting the table first when it is full.
func (w *Writer) addGlyph(t string) uint32 {
	if len(w.glyphs) >= w.glyphCap {
		w.compactGlyphs()
	}
	return w.push(t)
}

// push gives t the next id.
func (w *Writer) push(t string) uint32 {
	id := glyphBase + uint32(len(w.glyphs))
	w.glyphs = append(w.glyphs, t)
	w.glyphIdx[t] = id
	return id
}

// compactGlyphs keeps only the glyphs on the program's picture, so a
// program drawing ever new characters stays bounded, and repaints: the
// terminal's picture holds ids of the old table.
func (w *Writer) compactGlyphs() {
	old := w.glyphs
	w.glyphs = make([]string, 0, len(old)/2)
	clear(w.glyphIdx)
	for i := range w.want.cells {
		if c := &w.want.cells[i]; c.g >= glyphBase {
			t := old[c.g-glyphBase]
			id, ok := w.glyphIdx[t]
			if !ok {
				id = w.push(t)
			}
			c.g = id
		}
	}
	// A picture of more distinct glyphs than the cap: room for as many
	// again before the next compaction, not one at every new glyph.
	w.glyphCap = max(minGlyphCap, 2*len(w.glyphs))
	w.invalidate()
}

// intern returns the index of p, adding it.
func (w *Writer) intern(p pen) uint16 {
	if i, ok := w.penIdx[p]; ok {
		return i
	}
	if len(w.pens) >= 1<<16-1 {
		// A program that used 65,535 pens: start the table again and
		// repaint, rather than mix pens up.
		clear(w.penIdx)
		w.pens = w.pens[:1]
		w.penIdx[pen{}] = 0
		w.want.resetPens()
		w.invalidate()
	}
	i := uint16(len(w.pens))
	w.pens = append(w.pens, p)
	w.penIdx[p] = i
	return i
}
