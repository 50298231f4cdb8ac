package ui

import "github.com/charmbracelet/bubbles/key"

// KeyMap is every binding of the dashboard. Views and help read it; Update
// matches with key.Matches only. Read-only mode disables the bindings that
// change the machine, so they also leave the help.
type KeyMap struct {
	// Global.
	Quit      key.Binding
	Help      key.Binding
	FocusNext key.Binding
	FocusPrev key.Binding
	Pause     key.Binding
	WarRoom   key.Binding // the presentation view for a shared screen
	Zoom      key.Binding // the focused panel on the whole screen
	Privacy   key.Binding // hide query text, arguments, users and clients

	// Navigation inside the focused panel.
	Up     key.Binding
	Down   key.Binding
	Enter  key.Binding
	Back   key.Binding
	Filter key.Binding
	// Mouse is help text only: no key types it (mouse.go handles clicks).
	Mouse key.Binding

	// The process panel (panel_procs.go).
	ProcSort     key.Binding
	ProcGroups   key.Binding
	ProcMark     key.Binding
	ProcDiff     key.Binding
	ProcPageUp   key.Binding
	ProcPageDown key.Binding
	ProcSignal   key.Binding // signal the selected process (TERM, then KILL)

	// The PostgreSQL panel (panel_pg.go).

	PGList key.Binding // oldest transactions ↔ longest queries

	// The OOM panel (panel_oom.go).

	// The timeline panel (panel_timeline.go).
	Note         key.Binding // global: add a note to the timeline
	Export       key.Binding // global: write the markdown report
	ReportFields key.Binding // timeline focused: root cause, resolution, …
	EndIncident  key.Binding // timeline focused: end the open incident

	// The action palette (palette.go).
	Palette       key.Binding // open the action palette (stays on in read-only: it lists)
	ActionPick    key.Binding // pick the selected action in the palette
	ActionConfirm key.Binding // confirm a low or medium risk action
	ActionCancel  key.Binding // cancel the running action
	ActionUp      key.Binding // move in the palette; letters type the filter
	ActionDown    key.Binding
	QuitCancel    key.Binding // in the quit confirmation: quit and cancel the running action
	// ActingOff holds, under read-only only, the acting keys outside the
	// dialogs (K), so pressing one says why nothing runs instead of
	// doing nothing; it has no help of its own.
	ActingOff key.Binding
}

// DefaultKeyMap returns the bindings; readOnly disables the ones that act.
// The model and its panels keep the map by pointer and never change it
// after this: Bubble Tea copies the model on every message, and a copied
// map is 2 KB.
func DefaultKeyMap(readOnly bool) *KeyMap {
	k := &KeyMap{
		Quit:      key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		FocusNext: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next panel")),
		FocusPrev: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous panel")),
		Pause:     key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause refresh")),
		WarRoom:   key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "war-room view")),
		Zoom:      key.NewBinding(key.WithKeys("z"), key.WithHelp("z", "zoom panel")),
		Up:        key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:      key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Enter:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "details")),
		Mouse:     key.NewBinding(key.WithKeys("\x00mouse"), key.WithHelp("click/wheel", "focus, select, scroll (--no-mouse)")),
		Back:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back / close")),
		Filter:    key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
	}
	// H was the PostgreSQL panel's own "hide query text"; it now flips the
	// one privacy state, so a shared screen has a single switch.
	k.Privacy = key.NewBinding(key.WithKeys("P", "H"), key.WithHelp("P", "privacy: hide queries, args, users"))
	k.ProcSort = key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "procs: sort"))
	k.ProcGroups = key.NewBinding(key.WithKeys("g"), key.WithHelp("g", "procs: group"))
	k.ProcMark = key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "procs: baseline"))
	k.ProcDiff = key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "procs: diff"))
	k.ProcPageUp = key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up"))
	k.ProcPageDown = key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down"))
	k.ProcSignal = key.NewBinding(key.WithKeys("K"), key.WithHelp("K", "signal selected process"))

	k.PGList = key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "pg: oldest xacts / longest queries"))

	// Notes and the report change no machine state: read-only keeps them.
	k.Note = key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "add a note"))
	k.Export = key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "export the report"))
	k.ReportFields = key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "report fields (timeline)"))
	k.EndIncident = key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "end the incident (timeline)"))

	k.Palette = key.NewBinding(key.WithKeys(":", "ctrl+p"), key.WithHelp(":/ctrl+p", "actions"))
	k.ActionPick = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "pick action"))
	k.ActionConfirm = key.NewBinding(key.WithKeys("y", "enter"), key.WithHelp("y", "confirm action"))
	k.ActionCancel = key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "cancel action"))
	k.ActionUp = key.NewBinding(key.WithKeys("up", "ctrl+k"), key.WithHelp("↑", "previous action"))
	k.ActionDown = key.NewBinding(key.WithKeys("down", "ctrl+j"), key.WithHelp("↓", "next action"))
	k.QuitCancel = key.NewBinding(key.WithKeys("q", "y"), key.WithHelp("q/y", "quit and cancel the running action"))
	k.ActingOff = key.NewBinding(key.WithKeys("K"), key.WithDisabled())

	if readOnly {
		k.disableActing()
	}
	return k
}

// disableActing turns off every binding that changes the machine.
func (k *KeyMap) disableActing() {
	// The palette still opens (it lists the runbook and says why nothing
	// runs); picking, confirming and cancelling are off.
	k.ActionPick.SetEnabled(false)
	k.ActionConfirm.SetEnabled(false)
	k.ActionCancel.SetEnabled(false)
	k.ProcSignal.SetEnabled(false)
	k.ActingOff.SetEnabled(true)
}

// ShortHelp is the one-line hint of the bottom bar.
func (k *KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Help, k.FocusNext, k.Pause, k.Quit}
}

// warRoomHelp is the bottom bar's hint in the war-room view: the way back
// and the privacy switch, nothing that needs a panel.
func (k *KeyMap) warRoomHelp() []key.Binding {
	return []key.Binding{k.WarRoom, k.Privacy, k.Help, k.Quit}
}

// helpGroup is one titled column of the help screen.
type helpGroup struct {
	title string
	keys  []key.Binding
}

// helpGroups is the help screen's content, one titled group per concern.
func (k *KeyMap) helpGroups() []helpGroup {
	return []helpGroup{
		{"General", []key.Binding{k.Help, k.Quit, k.FocusNext, k.FocusPrev, k.Pause, k.WarRoom, k.Zoom, k.Privacy}},
		{"Move", []key.Binding{k.Up, k.Down, k.Enter, k.Back, k.Filter, k.Mouse}},
		{"Processes", []key.Binding{k.ProcSort, k.ProcGroups, k.ProcMark, k.ProcDiff}},
		{"PostgreSQL", []key.Binding{k.PGList}},
		{"Incident", []key.Binding{k.Note, k.ReportFields, k.Export, k.EndIncident}},
		// x cancels a run only inside its dialog, which says so; listed
		// here it read as a second meaning of the timeline's x.
		{"Actions", []key.Binding{k.Palette, k.ProcSignal, k.ActionConfirm}},
	}
}

// FullHelp is the help screen, one column per group (bubbles/help's
// interface; the help dialog lays the same groups out in a grid).
func (k *KeyMap) FullHelp() [][]key.Binding {
	var out [][]key.Binding
	for _, g := range k.helpGroups() {
		out = append(out, g.keys)
	}
	return out
}
