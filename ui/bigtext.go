package ui

import "strings"

// bigGlyphs is a block font, 5 pixels high, for the war-room figures:
// '#' is ink. Glyphs differ in width ('.' is one pixel) so "93.4%" stays
// compact enough for 80 columns.
func bigGlyphs() map[rune][5]string {
	return map[rune][5]string{
		'0': {"###", "# #", "# #", "# #", "###"},
		'1': {" # ", "## ", " # ", " # ", "###"},
		'2': {"###", "  #", "###", "#  ", "###"},
		'3': {"###", "  #", "###", "  #", "###"},
		'4': {"# #", "# #", "###", "  #", "  #"},
		'5': {"###", "#  ", "###", "  #", "###"},
		'6': {"###", "#  ", "###", "# #", "###"},
		'7': {"###", "  #", "  #", "  #", "  #"},
		'8': {"###", "# #", "###", "# #", "###"},
		'9': {"###", "# #", "###", "  #", "###"},
		'.': {" ", " ", " ", " ", "#"},
		'%': {"# #", "  #", " # ", "#  ", "# #"},
		' ': {" ", " ", " ", " ", " "},
	}
}

// bigText draws s in the block font, rows high (5: one cell per pixel row,
// each pixel scale cells wide; 3: two pixel rows per cell with half blocks,
// for short screens) . Runes the font lacks are skipped. The lines are
// plain text of equal width.
func bigText(s string, rows, scale int) []string {
	font := bigGlyphs()
	scale = max(scale, 1)
	var px [5]strings.Builder
	first := true
	for _, r := range s {
		g, ok := font[r]
		if !ok {
			continue
		}
		for y := range 5 {
			if !first {
				px[y].WriteByte(' ') // one pixel between glyphs
			}
			px[y].WriteString(g[y])
		}
		first = false
	}
	bits := make([]string, 5)
	for y := range 5 {
		bits[y] = px[y].String()
	}
	if rows >= 5 {
		out := make([]string, 5)
		for y, l := range bits {
			var b strings.Builder
			for _, c := range l {
				cell := " "
				if c == '#' {
					cell = "█"
				}
				b.WriteString(strings.Repeat(cell, scale))
			}
			out[y] = b.String()
		}
		return out
	}
	// Three rows: pixel rows 0+1, 2+3 and 4 share a cell each, drawn with
	// the upper and lower half blocks. A cell is about twice as tall as it
	// is wide, so a half-block pixel is square and the glyphs keep shape.
	out := make([]string, 3)
	for row := range 3 {
		top := bits[2*row]
		bot := strings.Repeat(" ", len(top))
		if 2*row+1 < 5 {
			bot = bits[2*row+1]
		}
		var b strings.Builder
		for i := range len(top) {
			var cell string
			switch {
			case top[i] == '#' && bot[i] == '#':
				cell = "█"
			case top[i] == '#':
				cell = "▀"
			case bot[i] == '#':
				cell = "▄"
			default:
				cell = " "
			}
			b.WriteString(strings.Repeat(cell, scale))
		}
		out[row] = b.String()
	}
	return out
}

// bigTextWidth is the width in cells of bigText(s, rows, scale).
func bigTextWidth(s string, scale int) int {
	font := bigGlyphs()
	w, n := 0, 0
	for _, r := range s {
		if g, ok := font[r]; ok {
			w += len(g[0])
			n++
		}
	}
	if n > 1 {
		w += n - 1
	}
	return w * max(scale, 1)
}
