package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// fieldsDialog shows one item's fields (a PostgreSQL session, a timeline
// event), name and value a line each, and then, when there is one, a long
// text wrapped to the box (a query, an action's output). ↑/↓ scroll a text
// longer than the box; esc or enter closes.
type fieldsDialog struct {
	title     string
	rows      [][2]string
	textTitle string
	text      string
	keys      *KeyMap
	off       int
	done      bool
}

func (d *fieldsDialog) update(msg tea.Msg) (dialog, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return d, nil
	}
	switch {
	case key.Matches(k, d.keys.Back, d.keys.Enter, d.keys.Quit):
		d.done = true
	case key.Matches(k, d.keys.Up):
		d.off = max(d.off-1, 0)
	case key.Matches(k, d.keys.Down):
		d.off++
	}
	return d, nil
}

func (d *fieldsDialog) closed() bool { return d.done }

func (d *fieldsDialog) view(st Styles, w, h int) string {
	w = min(w, 100)
	return dialogBox(st, d.title, fieldsBody(st, d.rows, d.textTitle, d.text, w-4, h-3, &d.off), w, h)
}

// fieldsBody lays out rows and text in at most width×height; off scrolls
// the text and is clamped to what there is.
func fieldsBody(st Styles, rows [][2]string, textTitle, text string, width, height int, off *int) string {
	nameW := 0
	for _, r := range rows {
		nameW = max(nameW, len(r[0]))
	}
	var lines []string
	for _, r := range rows {
		lines = append(lines, st.Muted.Render(fmt.Sprintf("%-*s  ", nameW, r[0]))+st.Text.Render(r[1]))
	}
	footer := "esc or enter closes"
	if text != "" {
		lines = append(lines, "", st.Muted.Render(textTitle))
		var wrapped []string
		for _, l := range strings.Split(text, "\n") {
			wrapped = append(wrapped, wrapLine(l, width, "")...)
		}
		room := max(height-len(lines)-2, 1)
		if len(wrapped) > room {
			*off = min(*off, len(wrapped)-room)
			footer = fmt.Sprintf("lines %d–%d of %d · ↑/↓ scroll · ", *off+1, *off+room, len(wrapped)) + footer
			wrapped = wrapped[*off : *off+room]
		} else {
			*off = 0
		}
		for _, l := range wrapped {
			lines = append(lines, st.Text.Render(l))
		}
	}
	lines = append(lines, "", st.Muted.Render(footer))
	return strings.Join(lines, "\n")
}
