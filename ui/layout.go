package ui

// panelID names the panels of the dashboard, in focus order.
type panelID int

const (
	pMem panelID = iota
	pProcs
	pPG
	pOOM
	pTimeline
	numPanels
)

// panelNames are the titles of the tabs in the stacked layout.
var panelNames = [numPanels]string{"Memory", "Processes", "PostgreSQL", "OOM kills", "Timeline"}

// rect is a panel's place on the screen.
type rect struct{ x, y, w, h int }

// Minimum terminal: below this no layout is readable, and memtui says so.
const (
	minWidth  = 80
	minHeight = 24
	gridWidth = 160 // at this width and above every panel has its own place
)

// screenLayout is where everything goes for one terminal size.
type screenLayout struct {
	tooSmall bool
	grid     bool            // every panel visible at once
	rects    [numPanels]rect // zero w/h: not shown
	tabs     rect            // the tab strip of the stacked layout
	body     rect            // the area between the two bars
}

// layout decides the places for a w×h terminal. One line at the top (host,
// clock, severity) and one at the bottom (keys or the flash line) frame the
// body. At ≥160 columns a grid shows all five panels: memory and processes
// side by side on top, PostgreSQL, OOM kills and the timeline below (the
// last two stacked beside PostgreSQL when there are lines to spare). Narrower,
// memory stays on top and the other four share the space below as tabs, so
// at 80×24 each still gets enough lines to be read.
func layout(w, h int, lower panelID) screenLayout {
	var l screenLayout
	if w < minWidth || h < minHeight {
		l.tooSmall = true
		return l
	}
	body := rect{0, 1, w, h - 2}
	l.body = body
	if w >= gridWidth {
		l.grid = true
		topH := max(body.h*11/20, 18)
		if body.h-topH < 10 {
			topH = body.h - 10
		}
		memW := max(w*2/5, 72)
		l.rects[pMem] = rect{0, body.y, memW, topH}
		l.rects[pProcs] = rect{memW, body.y, w - memW, topH}
		botY, botH := body.y+topH, body.h-topH
		if botH >= 20 {
			// Tall enough to stack: PostgreSQL gets half the width (its
			// RSS, database, wait and time columns), the kills and the
			// timeline share the other half one above the other, so no
			// panel is narrower than in the stacked layout at 120 columns.
			half := w / 2
			oomH := botH / 2
			l.rects[pPG] = rect{0, botY, half, botH}
			l.rects[pOOM] = rect{half, botY, w - half, oomH}
			l.rects[pTimeline] = rect{half, botY + oomH, w - half, botH - oomH}
			return l
		}
		pgW := w * 2 / 5
		third := (w - pgW) / 2
		l.rects[pPG] = rect{0, botY, pgW, botH}
		l.rects[pOOM] = rect{pgW, botY, third, botH}
		l.rects[pTimeline] = rect{pgW + third, botY, w - pgW - third, botH}
		return l
	}
	memH := 11
	switch {
	case body.h >= 50:
		memH = 18
	case body.h >= 36:
		memH = 15
	}
	l.rects[pMem] = rect{0, body.y, w, memH}
	l.tabs = rect{0, body.y + memH, w, 1}
	if lower == pMem {
		lower = pProcs
	}
	l.rects[lower] = rect{0, body.y + memH + 1, w, body.h - memH - 1}
	return l
}
