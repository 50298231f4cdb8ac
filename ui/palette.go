package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/internal/units"
)

// ActionService is the runbook and its runner as the palette uses them.
// Satisfied by run.Service (actions/run), built by main.go; tests hand in fakes.
type ActionService interface {
	Actions() []actions.Action
	Preview(ctx context.Context, a actions.Action, t *actions.Target) (actions.Preview, error)
	Start(ctx context.Context, req actions.Request) actions.RunHandle
	Recheck(ctx context.Context, res actions.Result) actions.Recheck
}

// readOnlyWhy is said wherever read-only mode stops an action.
const readOnlyWhy = "read-only: started with --read-only, so no action runs"

// riskLabel is a risk as glyph and word ("▲ HIGH"), never colour alone.
func riskLabel(r actions.Risk) string {
	return r.Glyph() + " " + strings.ToUpper(string(r))
}

// riskStyle is the colour that repeats what the label says.
func riskStyle(st Styles, r actions.Risk) lipgloss.Style {
	switch r {
	case actions.RiskMedium:
		return st.Warn
	case actions.RiskHigh:
		return st.Crit
	}
	return st.OK
}

// paletteDialog lists the runbook, filtered as the user types; enter picks
// the selected action and hands over to its confirmation.
type paletteDialog struct {
	d       Deps
	keys    *KeyMap
	all     []actions.Action
	filter  []rune
	matches []int // indexes into all, best first
	sel     int
	target  *actions.Target // process for signal-process, nil when none selected
	w, h    int
	note    string // why the last key did nothing (read-only, no target)
	done    bool
}

// newPalette opens the palette at the screen size w×h. target is the
// process selected in the process panel, if any (signal-process needs it).
func newPalette(d Deps, keys *KeyMap, target *actions.Target, w, h int) *paletteDialog {
	p := &paletteDialog{d: d, keys: keys, target: target, w: w, h: h}
	if d.Actions != nil {
		p.all = d.Actions.Actions()
	}
	p.refilter()
	return p
}

func (p *paletteDialog) closed() bool { return p.done }

// refilter ranks the actions against the filter by id and name.
func (p *paletteDialog) refilter() {
	type hit struct{ i, score int }
	var hits []hit
	pat := string(p.filter)
	for i, a := range p.all {
		s1, ok1 := fuzzyScore(pat, a.ID)
		s2, ok2 := fuzzyScore(pat, a.Name)
		if ok1 || ok2 {
			hits = append(hits, hit{i, max(s1, s2)})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return b.score - a.score })
	p.matches = p.matches[:0]
	for _, h := range hits {
		p.matches = append(p.matches, h.i)
	}
	p.sel = 0
}

// selected is the highlighted action.
func (p *paletteDialog) selected() (actions.Action, bool) {
	if p.sel < 0 || p.sel >= len(p.matches) {
		return actions.Action{}, false
	}
	return p.all[p.matches[p.sel]], true
}

func (p *paletteDialog) update(msg tea.Msg) (dialog, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		p.w, p.h = msg.Width, msg.Height
	case tea.KeyMsg:
		return p.key(msg)
	}
	return p, nil
}

func (p *paletteDialog) key(k tea.KeyMsg) (dialog, tea.Cmd) {
	p.note = ""
	switch {
	case key.Matches(k, p.keys.Back):
		p.done = true
		return p, nil
	case key.Matches(k, p.keys.ActionUp):
		if p.sel > 0 {
			p.sel--
		}
		return p, nil
	case key.Matches(k, p.keys.ActionDown):
		if p.sel < len(p.matches)-1 {
			p.sel++
		}
		return p, nil
	case key.Matches(k, p.keys.ActionPick):
		return p.pick()
	case k.Type == tea.KeyEnter:
		// Only reached when picking is disabled: read-only mode.
		p.note = p.d.readOnlyReason()
		return p, nil
	case k.Type == tea.KeyBackspace:
		if n := len(p.filter); n > 0 {
			p.filter = p.filter[:n-1]
			p.refilter()
		}
		return p, nil
	case k.Type == tea.KeyCtrlU:
		p.filter = p.filter[:0]
		p.refilter()
		return p, nil
	case k.Type == tea.KeySpace:
		p.filter = append(p.filter, ' ')
		p.refilter()
		return p, nil
	case k.Type == tea.KeyRunes && !k.Alt:
		p.filter = append(p.filter, k.Runes...)
		p.refilter()
		return p, nil
	}
	return p, nil
}

// pick hands the selected action to its confirmation.
func (p *paletteDialog) pick() (dialog, tea.Cmd) {
	a, ok := p.selected()
	if !ok {
		p.note = "no action matches the filter"
		return p, nil
	}
	if p.d.ReadOnly {
		p.note = p.d.readOnlyReason()
		return p, nil
	}
	if a.Kind == actions.KindSignal && p.target == nil {
		p.note = "signal-process needs a process: select one in the process panel and open the palette from there"
		return p, nil
	}
	return newConfirmDialog(p.d, p.keys, a, p.target, p.w, p.h)
}

// signalActionCmd opens the confirmation of the runbook's signal-process
// action for target: how the process panel offers "signal this process"
// without going through the palette. w×h is the screen size, 0×0 when not
// known yet (the dialog then assumes the smallest screen until a resize).
func signalActionCmd(d Deps, keys *KeyMap, target actions.Target, w, h int) tea.Cmd {
	switch {
	case d.Actions == nil:
		return msgCmd(flashMsg{level: flashWarn, text: "no runbook loaded"})
	case d.ReadOnly:
		return msgCmd(flashMsg{level: flashWarn, text: d.readOnlyReason()})
	}
	for _, a := range d.Actions.Actions() {
		if a.Kind == actions.KindSignal {
			dlg, cmd := newConfirmDialog(d, keys, a, &target, w, h)
			// In order: the preview's answer must find the dialog open.
			return tea.Sequence(openDialogCmd(dlg), cmd)
		}
	}
	return msgCmd(flashMsg{level: flashWarn, text: "the runbook has no signal-process action"})
}

// fuzzyScore ranks how well pat matches s (case-insensitive): a substring
// beats a scattered subsequence, a match at a word start beats one inside
// a word, and an earlier match beats a later one. A subsequence may only
// skip ahead to the start of a word or by at most maxSkip letters inside
// one, so "rpg" finds restart-postgresql but "redis" does not find
// terminate-idle-postgres. ok is false when pat does not match.
func fuzzyScore(pat, s string) (score int, ok bool) {
	p := []rune(strings.ToLower(strings.TrimSpace(pat)))
	r := []rune(strings.ToLower(s))
	if len(p) == 0 {
		return 0, true
	}
	sep := func(c rune) bool { return c == '-' || c == ' ' || c == '_' || c == '.' || c == '/' }
	wordStart := func(i int) bool { return i == 0 || sep(r[i-1]) }
	if i := strings.Index(string(r), string(p)); i >= 0 {
		at := len([]rune(string(r)[:i]))
		score = 1000 - at
		if wordStart(at) {
			score += 200
		}
		return score, true
	}
	const maxSkip = 3
	best, found := 0, false
	for start := range r {
		if r[start] != p[0] {
			continue
		}
		sc, last, j := 0, start, 1
		if wordStart(start) {
			sc += 6
		}
		for k := start + 1; k < len(r) && j < len(p); k++ {
			if r[k] != p[j] && !(sep(p[j]) && sep(r[k])) {
				continue
			}
			gap := r[last+1 : k]
			inWord := !strings.ContainsFunc(string(gap), sep)
			switch {
			case k == last+1:
				sc += 8
			case wordStart(k):
				sc += 6
			case inWord && len(gap) <= maxSkip:
				sc -= len(gap)
			default:
				continue
			}
			last = k
			j++
		}
		if j == len(p) && (!found || sc > best) {
			best, found = sc, true
		}
	}
	return best, found
}

func (p *paletteDialog) view(st Styles, w, h int) string {
	w = min(w, 110)
	inner := max(w-4, 10)
	var lines []string
	cursor := st.Accent.Render("▏")
	lines = append(lines, st.Accent.Render("> ")+st.Text.Render(string(p.filter))+cursor)
	if p.d.Actions == nil {
		lines = append(lines, st.Warn.Render("△ no runbook loaded: memtui was built without one"))
		return dialogBox(st, "Actions", strings.Join(lines, "\n"), w, h)
	}
	switch {
	case p.d.ReadOnly && (p.d.ReadOnlyWhy == "" || p.d.ReadOnlyWhy == readOnlyWhy):
		lines = append(lines, st.Warn.Render("△ READ-ONLY — actions are listed, none can run (--read-only)"))
	case p.d.ReadOnly:
		// The host's own reason (a replay): wrapped, since it is what the
		// palette is there to say.
		for _, l := range wrapText("△ ACTIONS OFF — "+p.d.ReadOnlyWhy, inner) {
			lines = append(lines, st.Warn.Render(l))
		}
	}
	if t := p.target; t != nil {
		// Which process signal-process would hit, before anyone picks it.
		lines = append(lines, fit(st.Muted.Render("target: ")+st.Bold.Render(fmt.Sprintf("pid %d %s", t.PID, t.Comm))+
			st.Text.Render(" · RSS "+units.Bytes(t.RSSBytes))+st.Muted.Render(" (selected in the process panel)"), inner))
	}

	// Room: box borders and title take 3 lines; input, separators, the
	// "runs" block and the footer share the rest with the list.
	a, ok := p.selected()
	var plan []string // wrapped, never cut: it is what will run
	if ok {
		for _, l := range a.Plan(p.target) {
			plan = append(plan, wrapLine("  "+l, inner, "      ")...)
		}
	}
	body := max(h-3, 6)
	planRows := min(len(plan), 8)
	fixed := len(lines) + 1 /*sep*/ + 1 /*name*/ + planRows + 1 /*sep*/ + 2 /*footer*/
	if len(plan) > planRows {
		fixed++
	}
	listRows := max(body-fixed, 3)

	idW := 0
	for _, i := range p.matches {
		idW = max(idW, len(p.all[i].ID))
	}
	idW = min(idW, 26)
	first := 0
	if p.sel >= listRows {
		first = p.sel - listRows + 1
	}
	if len(p.matches) == 0 {
		lines = append(lines, st.Muted.Render("  no action matches “"+string(p.filter)+"”"))
	}
	for row := first; row < len(p.matches) && row < first+listRows; row++ {
		act := p.all[p.matches[row]]
		mark := "  "
		if row == p.sel {
			mark = "▸ "
		}
		badge := riskStyle(st, act.Risk).Render(fit(riskLabel(act.Risk), 9))
		text := fit(act.ID, idW) + "  " + act.Description
		line := mark + badge + " " + text
		if row == p.sel {
			line = st.Selected.Render(fit(mark+riskLabel(act.Risk), 11) + " " + fit(text, inner-12))
		}
		lines = append(lines, line)
	}
	if len(p.matches) > listRows {
		lines = append(lines, st.Muted.Render(fmt.Sprintf("  … %d of %d shown (↑/↓)", listRows, len(p.matches))))
	}
	lines = append(lines, st.Border.Render(strings.Repeat("─", inner)))
	if ok {
		lines = append(lines, st.Bold.Render(a.Name)+st.Muted.Render(" — runs:"))
		for _, l := range plan[:planRows] {
			lines = append(lines, st.Text.Render(l))
		}
		if len(plan) > planRows {
			lines = append(lines, st.Muted.Render(fmt.Sprintf("  … %d more lines, all shown before you confirm", len(plan)-planRows)))
		}
	}
	lines = append(lines, st.Border.Render(strings.Repeat("─", inner)))
	if p.note != "" {
		lines = append(lines, st.Warn.Render("△ "+p.note))
	}
	hint := "type to filter · ↑/↓ select · enter pick · esc close"
	if p.d.ReadOnly {
		hint = "type to filter · ↑/↓ select · esc close"
	}
	lines = append(lines, st.Muted.Render(hint))
	title := fmt.Sprintf("Actions — %d of %d", len(p.matches), len(p.all))
	return dialogBox(st, title, strings.Join(lines, "\n"), w, h)
}
