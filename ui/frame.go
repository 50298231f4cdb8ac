package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// frame draws a w×h box with title (and an optional right-hand note, e.g. a
// count or a source) in the top border around body. The focused panel gets
// a heavy accent border and a "▸" before its title, so focus is visible
// without colour. body is fitted to the inner (w-2)×(h-2) area.
func frame(st Styles, title, note, body string, w, h int, focused bool) string {
	if w < 4 || h < 2 {
		return block("", w, h)
	}
	bs := st.Border
	tl, tr, bl, br, hz, vt := "╭", "╮", "╰", "╯", "─", "│"
	if focused {
		bs = st.Focus
		tl, tr, bl, br, hz, vt = "┏", "┓", "┗", "┛", "━", "┃"
		title = "▸ " + title
	}
	inner := w - 2
	t := " " + title + " "
	if ansi.StringWidth(t) > inner-2 {
		t = ansi.Truncate(t, max(inner-2, 0), "…")
	}
	n := ""
	if note != "" {
		n = " " + note + " "
		room := inner - 2 - ansi.StringWidth(t) - 1
		if room < 4 {
			n = ""
		} else if ansi.StringWidth(n) > room {
			n = ansi.Truncate(n, room, "…")
		}
	}
	fill := inner - 1 - ansi.StringWidth(t) - ansi.StringWidth(n)
	if n != "" {
		fill--
	}
	var b strings.Builder
	b.WriteString(bs.Render(tl + hz))
	b.WriteString(st.Title.Render(t))
	b.WriteString(bs.Render(strings.Repeat(hz, max(fill, 0))))
	if n != "" {
		b.WriteString(st.Muted.Render(n))
		b.WriteString(bs.Render(hz))
	}
	b.WriteString(bs.Render(tr))
	side := bs.Render(vt) // rendered once: styling dominates the cost of a frame
	lines := strings.Split(block(body, inner, h-2), "\n")
	for _, l := range lines {
		b.WriteByte('\n')
		b.WriteString(side)
		b.WriteString(l)
		b.WriteString(side)
	}
	b.WriteByte('\n')
	b.WriteString(bs.Render(bl + strings.Repeat(hz, inner) + br))
	return b.String()
}
