package ui

import (
	"github.com/charmbracelet/lipgloss"

	"github.com/memtui/memtui/probes"
)

// Styles is every style the views use, built once from a renderer and a
// theme and carried by the model; there are no package-level styles.
//
// The styles themselves sit behind one pointer: a lipgloss.Style is 552
// bytes, and Bubble Tea copies the model on every message, so a value of
// 12 KB carried three times made each message cost 57 KB of garbage.
// Nothing changes a Styles once NewStyles has built it (main sets ASCII
// before the model is made).
type Styles struct {
	*styleSet
}

type styleSet struct {
	Theme    Theme
	Renderer *lipgloss.Renderer

	Text     lipgloss.Style
	Muted    lipgloss.Style
	Bold     lipgloss.Style
	Accent   lipgloss.Style
	Accent2  lipgloss.Style
	Title    lipgloss.Style // a panel's title
	Header   lipgloss.Style // table headers
	Selected lipgloss.Style // the selected table row
	Border   lipgloss.Style // border runes of an unfocused panel
	Focus    lipgloss.Style // border runes of the focused panel
	Bar      lipgloss.Style // top and bottom bars
	Key      lipgloss.Style // a key in the hints
	Badge    lipgloss.Style // small inverse label
	Dialog   lipgloss.Style // a dialog's box

	OK   lipgloss.Style
	Warn lipgloss.Style
	High lipgloss.Style
	Crit lipgloss.Style

	// SevBadge is the inverse badge of each level, indexed by probes.Severity.
	SevBadge [4]lipgloss.Style

	// ASCII draws every frame with ASCII characters only (borders, glyphs,
	// charts), for terminals that cannot show more; main sets it for TERM=dumb.
	ASCII bool
}

// NewStyles builds the styles of theme t for renderer r (whose colour
// profile decides whether colour is drawn at all: NO_COLOR gives Ascii).
func NewStyles(r *lipgloss.Renderer, t Theme) Styles {
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	n := r.NewStyle
	s := Styles{&styleSet{Theme: t, Renderer: r}}
	s.Text = n().Foreground(t.Text)
	s.Muted = n().Foreground(t.Muted)
	s.Bold = n().Foreground(t.Text).Bold(true)
	s.Accent = n().Foreground(t.Accent)
	s.Accent2 = n().Foreground(t.Accent2)
	s.Title = n().Foreground(t.Accent).Bold(true)
	s.Header = n().Foreground(t.Muted).Bold(true)
	s.Selected = n().Background(t.SelectedB).Foreground(t.Text).Bold(true)
	s.Border = n().Foreground(t.Border)
	s.Focus = n().Foreground(t.Accent).Bold(true)
	s.Bar = n().Background(t.BarBg).Foreground(t.Text)
	s.Key = n().Foreground(t.Accent).Bold(true)
	s.Badge = n().Reverse(true).Bold(true).Padding(0, 1)
	s.Dialog = n().Border(lipgloss.DoubleBorder()).BorderForeground(t.Accent).Padding(0, 1)
	s.OK = n().Foreground(t.OK)
	s.Warn = n().Foreground(t.Warn).Bold(true)
	s.High = n().Foreground(t.High).Bold(true)
	s.Crit = n().Foreground(t.Crit).Bold(true)
	s.SevBadge = [4]lipgloss.Style{
		n().Foreground(readableOn(t.OK)).Background(t.OK).Bold(true).Padding(0, 1),
		n().Foreground(readableOn(t.Warn)).Background(t.Warn).Bold(true).Padding(0, 1),
		n().Foreground(readableOn(t.High)).Background(t.High).Bold(true).Padding(0, 1),
		n().Foreground(readableOn(t.Crit)).Background(t.Crit).Bold(true).Blink(false).Padding(0, 1),
	}
	return s
}

// For returns the text style of a severity level.
func (s Styles) For(level probes.Severity) lipgloss.Style {
	switch level {
	case probes.Warning:
		return s.Warn
	case probes.High:
		return s.High
	case probes.Critical:
		return s.Crit
	}
	return s.OK
}

// SevBadgeFor returns level's label drawn as an inverse badge, e.g. " ▲ HIGH ".
// The word and glyph carry the meaning; the colour only repeats it.
func (s Styles) SevBadgeFor(level probes.Severity) string {
	if level < probes.Normal || level > probes.Critical {
		level = probes.Normal
	}
	return s.SevBadge[level].Render(sevLabel(level))
}

// sevGlyph is the glyph of a level: distinct shapes, readable without colour.
func sevGlyph(level probes.Severity) string {
	switch level {
	case probes.Warning:
		return "△"
	case probes.High:
		return "▲"
	case probes.Critical:
		return "✖"
	}
	return "●"
}

// sevLabel is glyph and word, e.g. "▲ HIGH".
func sevLabel(level probes.Severity) string {
	switch level {
	case probes.Warning:
		return sevGlyph(level) + " WARNING"
	case probes.High:
		return sevGlyph(level) + " HIGH"
	case probes.Critical:
		return sevGlyph(level) + " CRITICAL"
	}
	return sevGlyph(level) + " NORMAL"
}
