package ui

import "github.com/charmbracelet/lipgloss"

// ColorblindTheme is the dark theme with the Okabe–Ito palette for the
// severities and accents: its hues stay apart for deuteranopia, protanopia
// and tritanopia, where the dark theme's green, yellow, orange and red run
// together. The glyphs and words still carry the level; this keeps the
// colour from contradicting them.
func ColorblindTheme() Theme {
	return Theme{
		Name:       "colorblind",
		Background: lipgloss.Color("#121212"), // assumed: a dark terminal's default
		Text:       lipgloss.Color("252"),
		Muted:      lipgloss.Color("245"),
		Accent:     lipgloss.Color("#56B4E9"), // sky blue
		Accent2:    lipgloss.Color("#CC79A7"), // reddish purple
		Border:     lipgloss.Color("240"),
		OK:         lipgloss.Color("#009E73"), // bluish green
		Warn:       lipgloss.Color("#F0E442"), // yellow
		High:       lipgloss.Color("#E69F00"), // orange
		Crit:       lipgloss.Color("#D55E00"), // vermillion
		SelectedB:  lipgloss.Color("237"),
		BarBg:      lipgloss.Color("236"),
	}
}

// LightTheme is for a terminal with a light background, which is what a
// projector in a lit room shows best. memtui does not paint the background
// (every cell would be redrawn with it); the terminal's profile must be
// light, and the theme is checked against white.
func LightTheme() Theme {
	return Theme{
		Name:       "light",
		Background: lipgloss.Color("#ffffff"), // assumed: the terminal's light default
		Text:       lipgloss.Color("235"),
		Muted:      lipgloss.Color("240"),
		Accent:     lipgloss.Color("25"),
		Accent2:    lipgloss.Color("90"),
		Border:     lipgloss.Color("245"),
		OK:         lipgloss.Color("28"),
		Warn:       lipgloss.Color("94"),
		High:       lipgloss.Color("130"),
		Crit:       lipgloss.Color("124"),
		SelectedB:  lipgloss.Color("254"),
		BarBg:      lipgloss.Color("253"),
	}
}
