package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/internal/units"
)

// previewTimeout bounds the read-only queries of a confirmation.
const previewTimeout = 10 * time.Second

// confirmDialog shows exactly what an action will run and asks for a
// confirmation in proportion to its risk: low — y or enter; medium — y or
// enter once every line of the plan has been on screen; high — the action's
// id typed out, then enter (y is just a letter there).
type confirmDialog struct {
	d      Deps
	keys   *KeyMap
	a      actions.Action
	target *actions.Target
	w, h   int

	needPreview bool
	seq         int // of the preview request in flight
	preview     *actions.Preview
	previewErr  error

	scroll  int  // first content line shown
	seenEnd bool // the last content line has been on screen
	input   textinput.Model
	note    string // why the last key did nothing
	done    bool
	// warning says what the action will really do when that is worse than
	// its description (a signal to PostgreSQL), drawn before the plan.
	warning string
}

// pgSignalWarning is what signalling a PostgreSQL process does, and what
// to do instead.
func pgSignalWarning(t *actions.Target) string {
	return fmt.Sprintf("pid %d is a PostgreSQL process (the postmaster or a backend). "+
		"If a backend dies by SIGKILL the postmaster ends every session and restarts the whole cluster "+
		"(crash recovery: every client is cut off); a signalled postmaster stops the database. "+
		"To end one session use SELECT pg_terminate_backend(%d); (the terminate-idle-postgres action does it for idle ones).",
		t.PID, t.PID)
}

// isPostgresTarget: the process is the PostgreSQL server or one of its
// backends (their comm is the server program's name; the title in the
// command line is not).
func isPostgresTarget(t *actions.Target) bool {
	return t != nil && (t.Comm == "postgres" || t.Comm == "postmaster")
}

// newConfirmDialog opens the confirmation of a, starting its preview if its
// kind has one.
func newConfirmDialog(d Deps, keys *KeyMap, a actions.Action, target *actions.Target, w, h int) (dialog, tea.Cmd) {
	if a.Kind == actions.KindSignal && isPostgresTarget(target) {
		// One y must not restart a database: typed id, and the reason.
		a.Risk = actions.RiskHigh
	}
	c := &confirmDialog{d: d, keys: keys, a: a, target: target, w: w, h: h}
	if a.Kind == actions.KindSignal && isPostgresTarget(target) {
		c.warning = pgSignalWarning(target)
	}
	c.needPreview = a.HasPreview()
	if a.Risk == actions.RiskHigh || a.Kind == actions.KindNote {
		c.input = textinput.New()
		c.input.Prompt = "> "
		c.input.CharLimit = 500
		if a.Kind == actions.KindNote {
			c.input.Placeholder = "what happened, what was decided"
		}
		// No placeholder for a high-risk id: on a shared or colourless
		// screen a greyed-out id reads as already typed, and the line above
		// already says what to type.
		c.input.Focus()
	}
	c.markSeen()
	if !c.needPreview {
		return c, nil
	}
	c.seq = 1
	return c, previewActionCmd(d.Actions, a, target, c.seq)
}

// previewActionCmd runs the action's read-only preview under a timeout.
func previewActionCmd(svc ActionService, a actions.Action, t *actions.Target, seq int) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), previewTimeout)
		defer cancel()
		p, err := svc.Preview(ctx, a, t)
		return actionPreviewedMsg{seq: seq, preview: p, err: err}
	}
}

func (c *confirmDialog) closed() bool { return c.done }

// content is every line the confirmation must show before a medium-risk
// action may be confirmed: the plan, then the preview, wrapped (never cut)
// to the dialog's inner width, so what will run is always there in full.
func (c *confirmDialog) content() []string {
	w := dialogInner(c.screenW())
	var out []string
	if c.warning != "" {
		out = append(out, wrapLine("▲ "+c.warning, w, "  ")...)
		out = append(out, "")
	}
	for i, l := range c.a.Plan(c.targetShown()) {
		if c.a.Kind == actions.KindChecklist {
			out = append(out, wrapLine("  "+l, w, "    ")...)
			continue
		}
		out = append(out, wrapLine(fmt.Sprintf("%3d. %s", i+1, l), w, "       ")...)
	}
	switch {
	case !c.needPreview:
	case c.previewErr != nil:
		out = append(out, "")
		out = append(out, wrapLine("preview failed: "+c.previewErr.Error(), w, "  ")...)
	case c.preview == nil:
		out = append(out, "", "reading what it will act on…")
	default:
		out = append(out, "")
		out = append(out, wrapLine(c.preview.Message, w, "  ")...)
		out = append(out, previewTable(*c.preview, w)...)
	}
	return out
}

// dialogInner is the text width inside an action dialog on a screen
// screenW wide (the root gives dialogs screenW-4; the box takes 4 more).
func dialogInner(screenW int) int { return max(min(screenW-4, 110)-4, 10) }

// screenW is the screen width the dialog knows, else the smallest one.
func (c *confirmDialog) screenW() int {
	if c.w > 0 {
		return c.w
	}
	return minWidth
}

// wrapLine breaks s into lines of at most w cells at spaces (long words
// are split), continuation lines starting with indent.
func wrapLine(s string, w int, indent string) []string {
	if ansi.StringWidth(s) <= w {
		return []string{s}
	}
	lines := strings.Split(ansi.Wrap(s, max(w-ansi.StringWidth(indent), 4), ""), "\n")
	for i := 1; i < len(lines); i++ {
		lines[i] = indent + strings.TrimLeft(lines[i], " ")
	}
	return lines
}

// targetShown is the process as verified by the preview, else as selected.
func (c *confirmDialog) targetShown() *actions.Target {
	if c.preview != nil && c.preview.Target != nil {
		return c.preview.Target
	}
	return c.target
}

// previewTable lays out preview rows as aligned text columns.
func previewTable(p actions.Preview, w int) []string {
	if len(p.Columns) == 0 || len(p.Rows) == 0 {
		return nil
	}
	if len(p.Columns) == 1 {
		// One column (a file's diff, its arithmetic): every line whole,
		// wrapped to the dialog rather than cut.
		out := wrapLine("     "+p.Columns[0], w, "       ")
		for _, r := range p.Rows {
			if len(r) > 0 {
				out = append(out, wrapLine("     "+r[0], w, "       ")...)
			}
		}
		return out
	}
	widths := make([]int, len(p.Columns))
	for i, c := range p.Columns {
		widths[i] = len([]rune(c))
	}
	for _, r := range p.Rows {
		for i := range min(len(r), len(widths)) {
			widths[i] = min(max(widths[i], len([]rune(r[i]))), 40)
		}
	}
	row := func(cells []string) string {
		var b strings.Builder
		b.WriteString("     ")
		for i := range widths {
			v := ""
			if i < len(cells) {
				v = cells[i]
			}
			b.WriteString(fit(v, widths[i]) + "  ")
		}
		return strings.TrimRight(b.String(), " ")
	}
	out := []string{row(p.Columns)}
	for _, r := range p.Rows {
		out = append(out, row(r))
	}
	if p.Truncated {
		out = append(out, fmt.Sprintf("     … more rows than the %d shown", actions.MaxPreviewRows))
	}
	return out
}

// contentRows is how many content lines fit in a dialog of height h: the
// box and title take 3, the heading up to 3 (description on two lines),
// the "more" line, the settings line and the rule 3, the prompt and its
// hints up to 4.
func contentRows(h int) int { return max(h-13, 3) }

// screenH is the screen height the dialog was opened at; a dialog opened
// by a panel that does not know it assumes the smallest supported screen,
// so "all commands were on screen" is never claimed too early.
func (c *confirmDialog) screenH() int {
	if c.h > 0 {
		return c.h
	}
	return minHeight
}

// markSeen notes whether the last content line is on screen now.
func (c *confirmDialog) markSeen() {
	n := len(c.content())
	rows := contentRows(c.screenH() - 2)
	if c.scroll+rows >= n {
		c.seenEnd = true
	}
}

// ready says whether a confirmation would run the action now, and if not,
// why not.
func (c *confirmDialog) ready() (bool, string) {
	switch {
	case c.needPreview && c.preview == nil && c.previewErr == nil:
		return false, "wait: reading what it will act on"
	case c.previewErr != nil:
		return false, "cannot run: the preview failed (see above)"
	case c.a.Kind == actions.KindTerminateIdle && len(c.preview.Backends) == 0:
		return false, "nothing to terminate"
	case (c.a.Kind == actions.KindOdooLimits || c.a.Kind == actions.KindOdooRestore) && c.preview.Edit == nil:
		return false, "nothing to change"
	case c.a.Risk == actions.RiskMedium && !c.seenEnd:
		return false, "scroll down (↓) to the end of the list first"
	}
	return true, ""
}

func (c *confirmDialog) update(msg tea.Msg) (dialog, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		c.w, c.h = msg.Width, msg.Height
		c.markSeen()
	case actionPreviewedMsg:
		if msg.seq != c.seq {
			return c, nil
		}
		if msg.err != nil {
			c.previewErr = msg.err
		} else {
			p := msg.preview
			c.preview = &p
		}
		c.seenEnd = false
		c.markSeen()
	case tea.KeyMsg:
		return c.key(msg)
	}
	return c, nil
}

func (c *confirmDialog) key(k tea.KeyMsg) (dialog, tea.Cmd) {
	c.note = ""
	switch {
	case key.Matches(k, c.keys.Back):
		c.done = true
		return c, nil
	case key.Matches(k, c.keys.ActionUp):
		c.scroll = max(c.scroll-1, 0)
		return c, nil
	case key.Matches(k, c.keys.ActionDown), k.Type == tea.KeyPgDown:
		step := 1
		if k.Type == tea.KeyPgDown {
			step = contentRows(c.screenH() - 2)
		}
		c.scroll = max(min(c.scroll+step, len(c.content())-contentRows(c.screenH()-2)), 0)
		c.markSeen()
		return c, nil
	}
	if c.d.ReadOnly { // the palette does not get here; this is the backstop
		c.note = c.d.readOnlyReason()
		return c, nil
	}
	// A text answer: the typed id of a high-risk action, or a note.
	if c.a.Risk == actions.RiskHigh || c.a.Kind == actions.KindNote {
		if k.Type != tea.KeyEnter {
			var cmd tea.Cmd
			c.input, cmd = c.input.Update(k)
			return c, cmd
		}
		return c.submitText()
	}
	if key.Matches(k, c.keys.ActionConfirm) {
		if ok, why := c.ready(); !ok {
			c.note = why
			return c, nil
		}
		return c.confirm("pressed " + k.String())
	}
	return c, nil
}

// submitText handles enter in the text answer.
func (c *confirmDialog) submitText() (dialog, tea.Cmd) {
	v := strings.TrimSpace(c.input.Value())
	if c.a.Kind == actions.KindNote {
		if v == "" {
			c.note = "the note is empty"
			return c, nil
		}
		return c.confirm("wrote a note")
	}
	if v != c.a.ID {
		c.note = fmt.Sprintf("type %s exactly, then enter (this is a high-risk action)", c.a.ID)
		return c, nil
	}
	if ok, why := c.ready(); !ok {
		c.note = why
		return c, nil
	}
	return c.confirm("typed " + c.a.ID)
}

// confirm hands over to the run dialog and starts the run.
func (c *confirmDialog) confirm(how string) (dialog, tea.Cmd) {
	req := actions.Request{Action: c.a, Confirmation: how, Target: c.target, Preview: c.preview}
	if c.a.Kind == actions.KindNote {
		req.Note = strings.TrimSpace(c.input.Value())
	}
	r := newRunDialog(c.d, c.keys, req)
	// The root counts the run from here, before its memory reading, so a
	// quit meanwhile waits for it and cancels it.
	return r, tea.Sequence(msgCmd(actionStartingMsg{token: r.token, action: c.a.ID}), startActionCmd(c.d.Actions, c.d.Incident, req, r.token))
}

func (c *confirmDialog) view(st Styles, w, h int) string {
	w = min(w, 110)
	inner := max(w-4, 10)
	a := c.a
	var lines []string
	verb := "This will run, in order:"
	switch a.Kind {
	case actions.KindChecklist:
		verb = "Steps to do by hand (memtui runs nothing; confirming records it on the timeline):"
	case actions.KindNote:
		verb = "Adds a note to the incident timeline:"
	}
	desc := wrapLine(riskLabel(a.Risk)+"  "+a.Description, inner, "  ")
	if len(desc) > 2 { // the description is context; the plan below is what counts
		desc = []string{desc[0], fit(desc[1], inner)}
	}
	lines = append(lines, riskStyle(st, a.Risk).Render(riskLabel(a.Risk))+st.Text.Render(strings.TrimPrefix(desc[0], riskLabel(a.Risk))))
	for _, l := range desc[1:] {
		lines = append(lines, st.Text.Render(l))
	}
	lines = append(lines, st.Bold.Render(verb))
	content := c.content()
	rows := contentRows(h)
	start := min(c.scroll, max(len(content)-rows, 0))
	for i := start; i < len(content) && i < start+rows; i++ {
		lines = append(lines, st.Text.Render(content[i]))
	}
	if more := len(content) - (start + rows); more > 0 {
		lines = append(lines, st.Warn.Render(fmt.Sprintf("  ↓ %d more line(s): scroll to see all before confirming", more)))
	}
	settings := fmt.Sprintf("timeout %s", units.Duration(a.EffectiveTimeout()))
	if a.RecheckAfter > 0 {
		settings += fmt.Sprintf(" · re-checks memory %s after", units.Duration(a.RecheckAfter))
	}
	if !a.Kind.RunsNothing() {
		lines = append(lines, st.Muted.Render(settings))
	}
	lines = append(lines, st.Border.Render(strings.Repeat("─", inner)))
	switch {
	case a.Kind == actions.KindNote:
		lines = append(lines, c.input.View(), st.Muted.Render("enter adds the note · esc cancels"))
	case a.Risk == actions.RiskHigh:
		lines = append(lines, st.Crit.Render("▲ HIGH RISK — type "+a.ID+" and press enter to run it"), c.input.View())
		lines = append(lines, st.Muted.Render("esc cancels"))
	default:
		ok, why := c.ready()
		if ok {
			lines = append(lines, st.Bold.Render("Run it? y/enter runs · esc cancels"))
		} else {
			lines = append(lines, st.Muted.Render(why+" · esc cancels"))
		}
	}
	if c.note != "" {
		lines = append(lines, st.Warn.Render("△ "+c.note))
	}
	return dialogBox(st, "Confirm: "+a.Name, strings.Join(lines, "\n"), w, h)
}
