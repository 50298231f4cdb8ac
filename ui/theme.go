package ui

import (
	"github.com/charmbracelet/lipgloss"

	"github.com/memtui/memtui/internal/themename"
)

// Theme names colours by role, never by hue, so a high-contrast or
// colourless theme changes one value and every view follows.
type Theme struct {
	Name      string
	Text      lipgloss.TerminalColor
	Muted     lipgloss.TerminalColor
	Accent    lipgloss.TerminalColor // focus, titles, the memory line
	Accent2   lipgloss.TerminalColor // the swap line, secondary series
	Border    lipgloss.TerminalColor
	OK        lipgloss.TerminalColor
	Warn      lipgloss.TerminalColor
	High      lipgloss.TerminalColor
	Crit      lipgloss.TerminalColor
	SelectedB lipgloss.TerminalColor // background of the selected row
	BarBg     lipgloss.TerminalColor // background of the status bars

	// Background is the colour the text is read against: memtui does not
	// paint it, so for the dark themes it is the assumed terminal default.
	// The contrast test holds every text colour to WCAG AA against it.
	Background lipgloss.TerminalColor
}

// DarkTheme is the default, for dark terminals.
func DarkTheme() Theme {
	return Theme{
		Name:      "dark",
		Text:      lipgloss.Color("252"),
		Muted:     lipgloss.Color("245"),
		Accent:    lipgloss.Color("39"),
		Accent2:   lipgloss.Color("213"),
		Border:    lipgloss.Color("240"),
		OK:        lipgloss.Color("42"),
		Warn:      lipgloss.Color("220"),
		High:      lipgloss.Color("208"),
		Crit:      lipgloss.Color("196"),
		SelectedB: lipgloss.Color("237"),
		BarBg:     lipgloss.Color("236"),

		// Assumed, not painted: near-black, as xterm and iTerm2 draw
		// #000000 and most dark schemes sit between it and #1e1e1e.
		Background: lipgloss.Color("#121212"),
	}
}

// HighContrastTheme uses the 16 basic colours at full strength, for
// projectors and screen shares that wash out subtle shades.
func HighContrastTheme() Theme {
	return Theme{
		Name:      "high-contrast",
		Text:      lipgloss.Color("15"),
		Muted:     lipgloss.Color("7"),
		Accent:    lipgloss.Color("14"),
		Accent2:   lipgloss.Color("13"),
		Border:    lipgloss.Color("15"),
		OK:        lipgloss.Color("10"),
		Warn:      lipgloss.Color("11"),
		High:      lipgloss.Color("11"),
		Crit:      lipgloss.Color("9"),
		SelectedB: lipgloss.Color("4"),
		BarBg:     lipgloss.Color("0"),

		// Assumed, not painted: the terminal's black, like the rest at
		// full strength.
		Background: lipgloss.Color("0"),
	}
}

// ThemeByName returns the theme called name: "dark", "high-contrast",
// "colorblind" (Okabe–Ito) or "light".
func ThemeByName(name string) (Theme, bool) {
	c, _ := themename.Canonical(name)
	switch c {
	case "dark":
		return DarkTheme(), true
	case "high-contrast":
		return HighContrastTheme(), true
	case "colorblind":
		return ColorblindTheme(), true
	case "light":
		return LightTheme(), true
	}
	return Theme{}, false
}
