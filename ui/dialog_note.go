package ui

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/memtui/memtui/incident"
)

// noteDialog asks for one line of free text and records it on the timeline.
type noteDialog struct {
	in     textinput.Model
	author string
	now    func() time.Time
	done   bool
}

func newNoteDialog(author string, now func() time.Time) *noteDialog {
	in := textinput.New()
	in.Prompt = "✎ "
	in.Placeholder = "what you saw, decided or did"
	in.CharLimit = 2000
	// A steady cursor: no blink timer to run, and goldens stay stable.
	in.Cursor.SetMode(cursor.CursorStatic)
	in.Focus()
	return &noteDialog{in: in, author: author, now: now}
}

func (d *noteDialog) update(msg tea.Msg) (dialog, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return d, nil
	}
	switch k.Type {
	case tea.KeyEsc:
		d.done = true
		return d, nil
	case tea.KeyEnter:
		d.done = true
		text := strings.TrimSpace(d.in.Value())
		if text == "" {
			return d, nil
		}
		ev := incident.Event{At: d.now(), Data: incident.Note{Author: d.author, Text: text}}
		return d, func() tea.Msg { return recordEventsMsg{events: []incident.Event{ev}} }
	}
	var cmd tea.Cmd
	d.in, cmd = d.in.Update(msg)
	return d, cmd
}

func (d *noteDialog) view(st Styles, w, h int) string {
	bw := min(w, 90)
	d.in.Width = max(bw-10, 10)
	who := "by " + d.author
	if d.author == "" {
		who = "author unknown"
	}
	body := d.in.View() + "\n\n" +
		st.Key.Render("enter") + st.Muted.Render(" records it · ") + st.Key.Render("esc") + st.Muted.Render(" cancels · "+who) + "\n" +
		st.Muted.Render("shown once it is on disk · passwords and tokens are masked")
	return dialogBox(st, "Add a note to the timeline", body, bw, h)
}

func (d *noteDialog) closed() bool { return d.done }

// endDialog confirms ending the incident by hand: y ends it, anything else
// keeps it open. Ending is a statement on the record, so it is asked.
type endDialog struct {
	author string
	now    func() time.Time
	done   bool
}

func newEndDialog(author string, now func() time.Time) *endDialog {
	return &endDialog{author: author, now: now}
}

func (d *endDialog) update(msg tea.Msg) (dialog, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return d, nil
	}
	d.done = true
	if k.String() != "y" {
		return d, nil
	}
	reason := "ended by hand"
	if d.author != "" {
		reason = "ended by " + d.author
	}
	at := d.now()
	return d, func() tea.Msg { return endIncidentMsg{at: at, reason: reason} }
}

func (d *endDialog) view(st Styles, w, h int) string {
	body := st.Text.Render("Records the end on the timeline now; the report shows it as over.") + "\n" +
		st.Text.Render("(memtui ends it by itself after 15 min of success criteria met.)") + "\n\n" +
		st.Key.Render("y") + st.Muted.Render(" end it · any other key keeps it open")
	return dialogBox(st, "End the incident?", body, min(w, 90), h)
}

func (d *endDialog) closed() bool { return d.done }
