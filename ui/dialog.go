package ui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// dialog is a modal drawn over the dashboard: the palette, a confirmation,
// the note input, a process's detail. While one is open the root sends it
// every key message (and every other message too, so it can follow live
// data); it is dropped once closed() reports true.
type dialog interface {
	update(msg tea.Msg) (dialog, tea.Cmd)
	view(st Styles, w, h int) string
	closed() bool
}

// openDialogCmd returns a Cmd that asks the root to open d.
func openDialogCmd(d dialog) tea.Cmd {
	return func() tea.Msg { return openDialogMsg{d: d} }
}

// overlay draws fg centred over bg (both blocks of lines), cell-accurately,
// so the dashboard stays visible around a dialog.
func overlay(bg, fg string, w, h int) string {
	bgLines := strings.Split(bg, "\n")
	fgLines := strings.Split(fg, "\n")
	fw := 0
	for _, l := range fgLines {
		fw = max(fw, ansi.StringWidth(l))
	}
	top := max((h-len(fgLines))/2, 0)
	left := max((w-fw)/2, 0)
	for i, fl := range fgLines {
		y := top + i
		if y >= len(bgLines) {
			break
		}
		bl := bgLines[y]
		right := ansi.TruncateLeft(bl, left+ansi.StringWidth(fl), "")
		bgLines[y] = ansi.Truncate(bl, left, "") + fl + right
	}
	return strings.Join(bgLines, "\n")
}

// dialogBox frames a dialog's body with its title, at most w×h.
func dialogBox(st Styles, title, body string, w, h int) string {
	inner := max(w-4, 10)
	lines := strings.Split(body, "\n")
	if len(lines) > h-3 {
		lines = lines[:max(h-3, 1)]
	}
	for i, l := range lines {
		lines[i] = fit(l, inner)
	}
	content := st.Title.Render(fit(title, inner)) + "\n" + strings.Join(lines, "\n")
	return st.Dialog.Width(inner + 2).Render(content)
}
