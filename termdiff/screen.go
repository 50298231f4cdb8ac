package termdiff

import (
	"strconv"

	"github.com/charmbracelet/x/ansi"
)

// cell is one screen cell: a grapheme and its width, or (width 0) the
// trailing half of a wide grapheme to its left. The grapheme is a glyph
// id: an ASCII byte itself, any other grapheme glyphBase plus its index in
// the Writer's table. Eight bytes a cell, not the 24 of a string and its
// width: the two screens of a 200×50 terminal take 160 KB, not 480.
type cell struct {
	g     uint32
	pen   uint16
	width uint8
}

// glyphBase is the first glyph id that is not an ASCII byte.
const glyphBase = 0x80

// blankCell is an erased cell with the default pen.
var blankCell = cell{g: ' ', width: 1}

// screen is a picture of the terminal, row after row.
type screen struct {
	w, h  int
	cells []cell
}

func newScreen(w, h int) screen {
	s := screen{w: w, h: h, cells: make([]cell, w*h)}
	for i := range s.cells {
		s.cells[i] = blankCell
	}
	return s
}

func (s *screen) row(y int) []cell  { return s.cells[y*s.w : (y+1)*s.w] }
func (s *screen) at(x, y int) *cell { return &s.cells[y*s.w+x] }

// resized is the picture at another size, the overlap kept.
func (s screen) resized(w, h int) screen {
	n := newScreen(w, h)
	for y := 0; y < min(h, s.h); y++ {
		copy(n.row(y), s.row(y)[:min(w, s.w)])
		if w < s.w && w > 0 && n.row(y)[w-1].width > 1 {
			n.row(y)[w-1] = blankCell // a wide grapheme cut in half
		}
	}
	return n
}

// put writes a grapheme of the given width at (x, y), clearing the halves
// of any wide grapheme it overwrites, as a terminal does.
func (s *screen) put(x, y int, g uint32, width int, p uint16) {
	row := s.row(y)
	s.clearWide(row, x)
	for k := 1; k < width && x+k < s.w; k++ {
		s.clearWide(row, x+k)
	}
	row[x] = cell{g: g, width: uint8(width), pen: p}
	for k := 1; k < width && x+k < s.w; k++ {
		row[x+k] = cell{pen: p}
	}
}

// clearWide blanks the wide grapheme covering x before x is written over.
func (s *screen) clearWide(row []cell, x int) {
	c := row[x]
	switch {
	case c.width == 0:
		// the trailing half: blank the lead and the other halves
		lead := x - 1
		for lead > 0 && row[lead].width == 0 {
			lead--
		}
		for k := lead; k < s.w && (k == lead || row[k].width == 0); k++ {
			row[k] = cell{g: ' ', width: 1, pen: row[k].pen}
		}
	case c.width > 1:
		for k := x + 1; k < min(x+int(c.width), s.w); k++ {
			row[k] = cell{g: ' ', width: 1, pen: row[k].pen}
		}
	}
}

// fill sets the cells [from, to) of row y to b.
func (s *screen) fill(from, to, y int, b cell) {
	from, to = max(from, 0), min(to, s.w)
	if from >= to {
		return
	}
	row := s.row(y)
	if from > 0 && row[from].width == 0 {
		s.clearWide(row, from)
	}
	if to < s.w && row[to].width == 0 {
		s.clearWide(row, to)
	}
	for x := from; x < to; x++ {
		row[x] = b
	}
}

// scrollUp moves every row up one, the bottom one blank.
func (s *screen) scrollUp(b cell) {
	copy(s.cells, s.cells[s.w:])
	last := s.row(s.h - 1)
	for x := range last {
		last[x] = b
	}
}

// resetPens puts every cell back to the default pen (the pen table was
// started again).
func (s *screen) resetPens() {
	for i := range s.cells {
		s.cells[i].pen = 0
	}
}

// ascii holds one-byte strings so printing ASCII allocates nothing.
var ascii = func() (t [128]string) {
	for i := range t {
		t[i] = string(rune(i))
	}
	return t
}()

// color is a colour of a pen: the kind in the top byte, the value below.
type color uint32

const (
	colorNone    color = 0
	colorBasic   color = 1 << 24 // 0–15: SGR 30–37, 90–97 (and backgrounds)
	colorIndexed color = 2 << 24 // 0–255: SGR 38;5;n
	colorRGB     color = 3 << 24 // r<<16|g<<8|b: SGR 38;2;r;g;b
)

// The pen's attributes.
const (
	attrBold uint16 = 1 << iota
	attrFaint
	attrItalic
	attrBlink
	attrRapidBlink
	attrReverse
	attrConceal
	attrStrike
	attrOverline
)

// sgrAttrs are the SGR codes that set or clear attributes.
var sgrAttrs = map[int]struct{ set, clear uint16 }{
	1: {set: attrBold}, 2: {set: attrFaint}, 3: {set: attrItalic}, 5: {set: attrBlink}, 6: {set: attrRapidBlink},
	7: {set: attrReverse}, 8: {set: attrConceal}, 9: {set: attrStrike}, 53: {set: attrOverline},
	22: {clear: attrBold | attrFaint}, 23: {clear: attrItalic}, 25: {clear: attrBlink | attrRapidBlink},
	27: {clear: attrReverse}, 28: {clear: attrConceal}, 29: {clear: attrStrike}, 55: {clear: attrOverline},
}

// attrCodes are the codes sgr writes for each attribute, in order.
var attrCodes = []struct {
	bit  uint16
	code string
}{{attrBold, "1"}, {attrFaint, "2"}, {attrItalic, "3"}, {attrBlink, "5"}, {attrRapidBlink, "6"},
	{attrReverse, "7"}, {attrConceal, "8"}, {attrStrike, "9"}, {attrOverline, "53"}}

// pen is everything SGR sets.
type pen struct {
	attrs     uint16
	underline uint8 // 0 none, 1 single, 2 double, 3 curly, 4 dotted, 5 dashed
	fg, bg    color
	ulColor   color
}

// apply returns the pen after SGR params.
func (p pen) apply(params ansi.Params) pen {
	if len(params) == 0 {
		return pen{}
	}
	for i := 0; i < len(params); i++ {
		v := params[i].Param(0)
		if a, ok := sgrAttrs[v]; ok {
			p.attrs = p.attrs&^a.clear | a.set
			continue
		}
		switch {
		case v == 0:
			p = pen{}
		case v == 4:
			p.underline = 1
			if params[i].HasMore() && i+1 < len(params) {
				i++
				p.underline = uint8(min(params[i].Param(1), 5))
			}
		case v == 21:
			p.underline = 2
		case v == 24:
			p.underline = 0
		case v >= 30 && v <= 37:
			p.fg = colorBasic | color(v-30)
		case v == 38:
			p.fg, i = extColor(params, i)
		case v == 39:
			p.fg = colorNone
		case v >= 40 && v <= 47:
			p.bg = colorBasic | color(v-40)
		case v == 48:
			p.bg, i = extColor(params, i)
		case v == 49:
			p.bg = colorNone
		case v == 58:
			p.ulColor, i = extColor(params, i)
		case v == 59:
			p.ulColor = colorNone
		case v >= 90 && v <= 97:
			p.fg = colorBasic | color(v-90+8)
		case v >= 100 && v <= 107:
			p.bg = colorBasic | color(v-100+8)
		}
	}
	return p
}

// extColor reads the colour after 38, 48 or 58 at params[i] (5;n or
// 2;r;g;b, with ; or :) and returns the index of its last param.
func extColor(params ansi.Params, i int) (color, int) {
	if i+1 >= len(params) {
		return colorNone, i
	}
	switch params[i+1].Param(0) {
	case 5:
		if i+2 < len(params) {
			return colorIndexed | color(params[i+2].Param(0)&0xff), i + 2
		}
	case 2:
		// 38:2::r:g:b carries a colour space id before r; 38;2;r;g;b does not.
		j := i + 2
		if params[i+1].HasMore() && i+5 < len(params) && params[i+4].HasMore() {
			j++
		}
		if j+2 < len(params) {
			r, g, b := params[j].Param(0)&0xff, params[j+1].Param(0)&0xff, params[j+2].Param(0)&0xff
			return colorRGB | color(r<<16|g<<8|b), j + 2
		}
	}
	return colorNone, len(params) - 1
}

// sgr appends the sequence that sets the terminal to p from any pen: a
// reset and p's attributes.
func (p pen) sgr(b []byte) []byte {
	b = append(b, "\x1b[0"...)
	for _, a := range attrCodes {
		if p.attrs&a.bit != 0 {
			b = append(b, ';')
			b = append(b, a.code...)
		}
	}
	switch p.underline {
	case 0:
	case 1:
		b = append(b, ";4"...)
	default:
		b = append(b, ";4:"...)
		b = strconv.AppendInt(b, int64(p.underline), 10)
	}
	b = p.fg.sgr(b, 30, 90, "38")
	b = p.bg.sgr(b, 40, 100, "48")
	b = p.ulColor.sgr(b, -1, -1, "58")
	return append(b, 'm')
}

// sgr appends the colour's parameters: basic colours as base+n (or
// bright+n-8), the others after ext.
func (c color) sgr(b []byte, base, bright int, ext string) []byte {
	v := int(c & 0xffffff)
	switch c &^ 0xffffff {
	case colorBasic:
		if base < 0 {
			return sgrExt(b, ext, 5, v)
		}
		b = append(b, ';')
		if v < 8 {
			return strconv.AppendInt(b, int64(base+v), 10)
		}
		return strconv.AppendInt(b, int64(bright+v-8), 10)
	case colorIndexed:
		return sgrExt(b, ext, 5, v)
	case colorRGB:
		b = append(b, ';')
		b = append(b, ext...)
		b = append(b, ";2;"...)
		b = strconv.AppendInt(b, int64(v>>16), 10)
		b = append(b, ';')
		b = strconv.AppendInt(b, int64(v>>8&0xff), 10)
		b = append(b, ';')
		return strconv.AppendInt(b, int64(v&0xff), 10)
	}
	return b
}

func sgrExt(b []byte, ext string, kind, v int) []byte {
	b = append(b, ';')
	b = append(b, ext...)
	b = append(b, ';')
	b = strconv.AppendInt(b, int64(kind), 10)
	b = append(b, ';')
	return strconv.AppendInt(b, int64(v), 10)
}
