package ui

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/actions/timeline"
	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/internal/units"
	"github.com/memtui/memtui/probes"
)

// outputPoll is how often the live output is fetched while an action runs.
const outputPoll = 250 * time.Millisecond

// recheckTimeout bounds the memory reading of a re-check.
const recheckTimeout = 10 * time.Second

// runTokens numbers run dialogs so a message from an earlier run never
// lands in a later one.
var runTokens atomic.Int64

// runDialog follows one run: a spinner, the live output tail and a cancel
// key while it runs; then the result, memory before → after, and a
// countdown to the re-check whose result it shows. The run, its timeline
// records and its re-check live in Cmds, not here: closing the dialog
// early (esc) loses nothing; the results then arrive as flash lines.
type runDialog struct {
	d     Deps
	keys  *KeyMap
	req   actions.Request
	token int

	run        actions.RunHandle // nil until started
	info       actions.Started
	out        string
	res        *actions.Result
	rc         *actions.Recheck
	spin       spinner.Model
	cancelling bool
	note       string
	done       bool
}

func newRunDialog(d Deps, keys *KeyMap, req actions.Request) *runDialog {
	return &runDialog{
		d: d, keys: keys, req: req, token: int(runTokens.Add(1)),
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot)),
	}
}

func (r *runDialog) closed() bool { return r.done }

// startActionCmd starts the run and has its start recorded on the
// timeline. Start takes the "before" memory reading, so it runs here, not
// in Update. The run gets context.Background: it outlives this Cmd and is
// bounded by its own timeout (Action.Timeout, enforced by the runner), and
// a context cancelled when the Cmd returns would kill it at once.
//
// The start is handed to the incident session here, before the dialog
// learns of the run and can wait for its end, so the session has them in
// order whatever the screen does.
func startActionCmd(svc ActionService, obs incident.ActionObserver, req actions.Request, token int) tea.Cmd {
	return func() tea.Msg {
		h := svc.Start(context.Background(), req)
		info := h.Info()
		started := msgCmd(actionStartedMsg{token: token, run: h, info: info})
		if req.Action.Kind == actions.KindNote {
			return started() // a note is recorded as a note when it ends
		}
		ev := timeline.Started(info)
		obs.ActionStarted(ev.At, ev.Data.(incident.ActionStarted))
		return tea.Sequence(msgCmd(incidentChangedMsg{}), started)()
	}
}

// pollActionOutputCmd fetches the live output after outputPoll (or at
// once when the run ends).
func pollActionOutputCmd(h actions.RunHandle, token int) tea.Cmd {
	return func() tea.Msg {
		t := time.NewTimer(outputPoll)
		defer t.Stop()
		select {
		case <-h.Done():
		case <-t.C:
		}
		return actionOutputMsg{token: token, out: h.Output()}
	}
}

// cancelActionCmd cancels the run (its process group is killed).
func cancelActionCmd(h actions.RunHandle) tea.Cmd {
	return func() tea.Msg { h.Cancel(); return nil }
}

// msgCmd wraps a message as a Cmd.
func msgCmd(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

// waitActionCmd waits for the run to end, hands the result to the incident
// session (obs), flashes
// it and schedules the re-check — whether or not the dialog is still open,
// so hiding it loses nothing. author names a note's writer.
func waitActionCmd(svc ActionService, obs incident.ActionObserver, h actions.RunHandle, token int, th probes.Thresholds, author string) tea.Cmd {
	return func() tea.Msg {
		res := h.Wait()
		// A note typed in the palette is the person's, recorded like one
		// from the note dialog; an action's end goes to the observer.
		recorded := msgCmd(incidentChangedMsg{})
		if res.Kind == actions.KindNote {
			if author == "" {
				author = res.Who.String()
			}
			recorded = msgCmd(recordEventsMsg{events: []incident.Event{{At: res.Finished, Data: incident.Note{Author: author, Text: res.Note}}}})
		} else {
			ev := timeline.Finished(res)
			obs.ActionFinished(ev.At, ev.Data.(incident.ActionFinished))
		}
		level, text := flashInfo, res.ActionID+": "+statusLabel(res.Status)+" — "+res.Message
		if res.Status != actions.StatusOK {
			level = flashErr
		}
		after := []tea.Cmd{msgCmd(flashMsg{level: level, text: text})}
		if wantsRecheck(res) {
			after = append(after, recheckActionCmd(svc, obs, res, token, th))
		}
		return tea.Sequence(
			recorded,
			msgCmd(actionFinishedMsg{token: token, res: res}),
			tea.Batch(after...),
		)()
	}
}

// wantsRecheck: a re-check only makes sense when something ran.
func wantsRecheck(res actions.Result) bool {
	return res.RecheckAfter > 0 && res.Status != actions.StatusRefused && res.Status != actions.StatusError &&
		!res.Kind.RunsNothing()
}

// recheckActionCmd waits RecheckAfter, reads memory again, hands the
// result to the incident session (obs) and flashes it.
func recheckActionCmd(svc ActionService, obs incident.ActionObserver, res actions.Result, token int, th probes.Thresholds) tea.Cmd {
	return func() tea.Msg {
		time.Sleep(res.RecheckAfter)
		ctx, cancel := context.WithTimeout(context.Background(), recheckTimeout)
		defer cancel()
		rc := svc.Recheck(ctx, res)
		level, text := flashInfo, res.ActionID+": "+recheckText(rc, th, res.RecheckAfter)
		if rc.Memory != nil && probes.SeverityOf(rc.Memory.UsedPercent, th) >= probes.High {
			level = flashWarn
		}
		ev := timeline.Rechecked(res, rc)
		obs.ActionRechecked(ev.At, ev.Data.(incident.ActionRechecked))
		return tea.Sequence(
			msgCmd(incidentChangedMsg{}),
			msgCmd(actionRecheckedMsg{token: token, rc: rc}),
			msgCmd(flashMsg{level: level, text: text}),
		)()
	}
}

// statusLabel is a run status as glyph and word.
func statusLabel(s actions.Status) string {
	switch s {
	case actions.StatusOK:
		return "✔ OK"
	case actions.StatusFailed:
		return "✖ FAILED"
	case actions.StatusTimedOut:
		return "⏱ TIMED OUT"
	case actions.StatusCancelled:
		return "■ CANCELLED"
	case actions.StatusRefused:
		return "⊘ REFUSED"
	}
	return "✖ ERROR"
}

// recheckText says what the re-check found: memory now, which threshold it
// is under, and what was freed.
func recheckText(rc actions.Recheck, th probes.Thresholds, waited time.Duration) string {
	if rc.Memory == nil {
		return fmt.Sprintf("re-check after %s: %s", units.Duration(waited), rc.Message)
	}
	pct := rc.Memory.UsedPercent
	level := probes.SeverityOf(pct, th)
	var where string
	switch level {
	case probes.Normal:
		where = fmt.Sprintf("below warning %.0f %%", th.Warning)
	case probes.Warning:
		where = fmt.Sprintf("below high %.0f %%", th.High)
	case probes.High:
		where = fmt.Sprintf("below critical %.0f %%", th.Critical)
	default:
		where = fmt.Sprintf("above critical %.0f %%", th.Critical)
	}
	s := fmt.Sprintf("re-check after %s: memory %.1f %% used — %s, %s", units.Duration(waited), pct, sevLabel(level), where)
	switch {
	case !rc.Known:
		s += " — nothing to compare with"
	case rc.FreedBytes > 0:
		s += fmt.Sprintf(" — freed %s (was %.1f %%)", units.Bytes(uint64(rc.FreedBytes)), rc.Before.UsedPercent)
	case rc.FreedBytes < 0:
		s += fmt.Sprintf(" — NOT freed: grew by %s (was %.1f %%)", units.Bytes(uint64(-rc.FreedBytes)), rc.Before.UsedPercent)
	default:
		s += " — nothing freed"
	}
	return s
}

// recheckPending says the re-check is still to come.
func (r *runDialog) recheckPending() bool {
	return r.res != nil && r.rc == nil && wantsRecheck(*r.res)
}

// active says the dialog still has something to wait for (spinner on).
func (r *runDialog) active() bool { return r.res == nil || r.recheckPending() }

func (r *runDialog) update(msg tea.Msg) (dialog, tea.Cmd) {
	switch msg := msg.(type) {
	case actionStartedMsg:
		if msg.token != r.token {
			return r, nil
		}
		r.run, r.info = msg.run, msg.info
		return r, tea.Batch(pollActionOutputCmd(msg.run, r.token),
			waitActionCmd(r.d.Actions, r.d.Incident, msg.run, r.token, r.d.Thresholds, r.d.Author), r.spin.Tick)
	case actionOutputMsg:
		if msg.token != r.token || r.res != nil {
			return r, nil
		}
		r.out = msg.out
		return r, pollActionOutputCmd(r.run, r.token)
	case actionFinishedMsg:
		if msg.token != r.token {
			return r, nil
		}
		res := msg.res
		r.res, r.out, r.cancelling = &res, res.Output, false
	case actionRecheckedMsg:
		if msg.token != r.token {
			return r, nil
		}
		rc := msg.rc
		r.rc = &rc
	case spinner.TickMsg:
		if !r.active() {
			return r, nil
		}
		var cmd tea.Cmd
		r.spin, cmd = r.spin.Update(msg)
		return r, cmd
	case tea.KeyMsg:
		return r.key(msg)
	}
	return r, nil
}

func (r *runDialog) key(k tea.KeyMsg) (dialog, tea.Cmd) {
	switch {
	case key.Matches(k, r.keys.ActionCancel):
		if r.run == nil || r.res != nil || r.cancelling {
			return r, nil
		}
		r.cancelling = true
		return r, cancelActionCmd(r.run)
	case key.Matches(k, r.keys.Back), k.Type == tea.KeyEnter:
		if r.res != nil && !r.recheckPending() {
			r.done = true
			return r, nil
		}
		if k.Type == tea.KeyEnter {
			return r, nil
		}
		r.done = true
		what := "keeps running"
		if r.res != nil {
			what = "re-check is still to come"
		}
		return r, msgCmd(flashMsg{level: flashInfo, text: r.req.Action.ID + " " + what + " in the background; its result will show here and on the timeline"})
	}
	return r, nil
}

func (r *runDialog) view(st Styles, w, h int) string {
	w = min(w, 110)
	inner := max(w-4, 10)
	a := r.req.Action
	var top []string
	top = append(top, riskStyle(st, a.Risk).Render(riskLabel(a.Risk))+"  "+st.Bold.Render(a.ID)+st.Muted.Render(" · confirmed: "+r.req.Confirmation))
	cmds := r.info.Commands
	if r.run == nil {
		cmds = nil
		for _, l := range a.Plan(r.req.Target) {
			cmds = append(cmds, []string{l})
		}
	}
	for i, argv := range cmds {
		if i == 3 && len(cmds) > 4 {
			top = append(top, st.Muted.Render(fmt.Sprintf("  … and %d more", len(cmds)-3)))
			break
		}
		for _, l := range wrapLine("$ "+actions.QuoteArgv(argv), inner, "    ") {
			top = append(top, st.Text.Render(l))
		}
	}
	now := r.d.Now()
	switch {
	case r.run == nil:
		top = append(top, r.spin.View()+st.Text.Render(" starting (reading memory before)…"))
	case r.res == nil && r.cancelling:
		top = append(top, r.spin.View()+st.Warn.Render(" cancelling: killing its process group…"))
	case r.res == nil:
		el := now.Sub(r.info.At)
		top = append(top, r.spin.View()+st.Text.Render(fmt.Sprintf(" running for %s · timeout %s", units.Duration(el), units.Duration(a.EffectiveTimeout()))))
	default:
		res := r.res
		style := st.OK
		if res.Status != actions.StatusOK {
			style = st.Crit
		}
		line := style.Render(statusLabel(res.Status)) + st.Text.Render(" "+res.Message+" · took "+units.Duration(res.Duration))
		top = append(top, line)
		if res.MemBefore != nil && res.MemAfter != nil {
			top = append(top, st.Text.Render(fmt.Sprintf("memory %.1f %% → %.1f %% used (swap %s → %s)",
				res.MemBefore.UsedPercent, res.MemAfter.UsedPercent, units.Bytes(res.MemBefore.SwapUsedBytes), units.Bytes(res.MemAfter.SwapUsedBytes))))
		}
	}

	var bottom []string
	switch {
	case r.rc != nil:
		rc := *r.rc
		style := st.OK
		if rc.Memory == nil || probes.SeverityOf(rc.Memory.UsedPercent, r.d.Thresholds) >= probes.High || rc.FreedBytes < 0 {
			style = st.Warn
		}
		bottom = append(bottom, style.Render(recheckText(rc, r.d.Thresholds, r.res.RecheckAfter)))
	case r.recheckPending():
		left := r.res.Finished.Add(r.res.RecheckAfter).Sub(now)
		bottom = append(bottom, r.spin.View()+st.Text.Render(fmt.Sprintf(" re-checking memory in %s…", units.Duration(max(left, 0)))))
	}
	if r.note != "" {
		bottom = append(bottom, st.Warn.Render("△ "+r.note))
	}
	hint := "esc/enter closes"
	switch {
	case r.res == nil:
		hint = "x cancels · esc hides (it keeps running; the dashboard keeps refreshing)"
		if !r.keys.ActionCancel.Enabled() {
			hint = "esc hides (it keeps running)"
		}
	case r.recheckPending():
		hint = "esc hides (the re-check still happens and is recorded)"
	}
	bottom = append(bottom, st.Border.Render(strings.Repeat("─", inner)), st.Muted.Render(hint))

	// The output tail gets whatever room is left: the box takes 3 lines,
	// the two rules 2.
	room := max(h-3-len(top)-len(bottom)-1, 1)
	outLines := []string{}
	if r.out != "" {
		outLines = strings.Split(r.out, "\n")
	}
	if len(outLines) > room {
		outLines = outLines[len(outLines)-room:]
	}
	lines := append([]string{}, top...)
	lines = append(lines, st.Border.Render("── output "+strings.Repeat("─", max(inner-10, 0))))
	if len(outLines) == 0 {
		lines = append(lines, st.Muted.Render("(no output yet)"))
	}
	for _, l := range outLines {
		lines = append(lines, st.Text.Render(l))
	}
	lines = append(lines, bottom...)
	title := "Running: " + a.Name
	if r.res != nil {
		title = "Finished: " + a.Name
	}
	return dialogBox(st, title, strings.Join(lines, "\n"), w, h)
}
