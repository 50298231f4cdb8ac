package ui

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textarea"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/memtui/memtui/incident"
)

// reportField is one field of the report form.
type reportField struct {
	name    string // incident.Field*
	label   string
	hint    string
	initial string
	area    textarea.Model
}

// reportDialog edits the report's hand-written fields: root cause,
// resolution, prevention and action items (one per line). Saving records
// one ReportField event per changed field, so the timeline shows who wrote
// what and when, and the report always takes the latest.
type reportDialog struct {
	fields []reportField
	focus  int
	author string
	now    func() time.Time
	done   bool
}

func newReportDialog(current map[string]string, author string, now func() time.Time) *reportDialog {
	specs := []struct{ name, label, hint string }{
		// "e.g." keeps a placeholder from reading as a value without colour.
		{incident.FieldRootCause, "Root cause", "e.g. memory leak in module X / insufficient resources"},
		{incident.FieldResolution, "Resolution", "e.g. cleared caches / restarted services / scaled resources"},
		{incident.FieldPrevention, "Prevention", "e.g. code fix / config change / resource upgrade"},
		{incident.FieldActionItems, "Action items, one per line", "e.g. fix the leak in module X"},
	}
	d := &reportDialog{author: author, now: now}
	for _, s := range specs {
		a := textarea.New()
		a.ShowLineNumbers = false
		a.Placeholder = s.hint
		a.CharLimit = incident.MaxText
		a.Prompt = "│ "
		a.Cursor.SetMode(cursor.CursorStatic)
		a.SetValue(current[s.name])
		a.Blur()
		d.fields = append(d.fields, reportField{name: s.name, label: s.label, hint: s.hint, initial: current[s.name], area: a})
	}
	d.fields[0].area.Focus()
	return d
}

func (d *reportDialog) update(msg tea.Msg) (dialog, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return d, nil
	}
	switch k.String() {
	case "esc":
		d.done = true
		return d, nil
	case "ctrl+s", "alt+enter":
		d.done = true
		return d, d.saveCmd()
	case "tab":
		d.move(1)
		return d, nil
	case "shift+tab":
		d.move(-1)
		return d, nil
	}
	var cmd tea.Cmd
	d.fields[d.focus].area, cmd = d.fields[d.focus].area.Update(msg)
	return d, cmd
}

// move focuses the next (or previous) field, wrapping around.
func (d *reportDialog) move(by int) {
	d.fields[d.focus].area.Blur()
	d.focus = (d.focus + by + len(d.fields)) % len(d.fields)
	d.fields[d.focus].area.Focus()
}

// saveCmd records the fields that changed.
func (d *reportDialog) saveCmd() tea.Cmd {
	var evs []incident.Event
	at := d.now()
	for _, f := range d.fields {
		v := strings.TrimSpace(f.area.Value())
		if v == strings.TrimSpace(f.initial) {
			continue
		}
		evs = append(evs, incident.Event{At: at, Data: incident.ReportField{Field: f.name, Value: v, Author: d.author}})
	}
	if len(evs) == 0 {
		return flashCmd(flashInfo, "report fields unchanged")
	}
	return func() tea.Msg { return recordEventsMsg{events: evs} }
}

// view sizes the text areas to the space it is given: a dialog learns the
// terminal size only from its view call (it may open after the last
// resize), and textarea keeps its size as state.
func (d *reportDialog) view(st Styles, w, h int) string {
	bw := min(w, 100)
	inner := max(bw-4, 10)
	// Share the height: the action items get the most, every field at
	// least one line, the rest is labels, hints and the dialog's frame.
	avail := max(h-3-len(d.fields)-2, len(d.fields))
	small := max(min(3, avail/5), 1)
	big := max(avail-3*small, 1)
	var b strings.Builder
	for i := range d.fields {
		f := &d.fields[i]
		f.area.SetWidth(inner)
		if f.name == incident.FieldActionItems {
			f.area.SetHeight(min(big, 8))
		} else {
			f.area.SetHeight(small)
		}
		label := st.Muted.Render("  " + f.label)
		if i == d.focus {
			label = st.Accent.Render("▸ " + f.label)
		}
		b.WriteString(label + "\n" + f.area.View() + "\n")
	}
	b.WriteString(st.Key.Render("tab") + st.Muted.Render(" next field · ") + st.Key.Render("ctrl+s") + st.Muted.Render(" save · ") + st.Key.Render("esc") + st.Muted.Render(" cancel"))
	return dialogBox(st, "Report fields (the post-incident report's template)", b.String(), bw, h)
}

func (d *reportDialog) closed() bool { return d.done }
