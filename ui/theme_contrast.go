package ui

import (
	"math"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// wcagAA is the contrast body text needs (WCAG 2 AA, normal size): a
// projector at the end of a room washes out anything less.
const wcagAA = 4.5

// colourRGB is a theme colour as sRGB in 0..1. A 256-colour or basic index
// maps through xterm's palette (termenv's table): the terminal may differ
// for the 16 basic colours, which is why themes prefer the 256-colour cube
// or hex.
func colourRGB(c lipgloss.TerminalColor) (r, g, b float64, ok bool) {
	col, isColor := c.(lipgloss.Color)
	if !isColor || col == "" {
		return 0, 0, 0, false
	}
	tc := termenv.TrueColor.Color(string(col))
	if tc == nil {
		return 0, 0, 0, false
	}
	rgb := termenv.ConvertToRGB(tc)
	return rgb.R, rgb.G, rgb.B, true
}

// relativeLuminance is WCAG 2's relative luminance of an sRGB colour.
func relativeLuminance(r, g, b float64) float64 {
	lin := func(c float64) float64 {
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// contrastRatio is WCAG 2's contrast ratio of two colours, 1 to 21; 0 when
// either is not a concrete colour.
func contrastRatio(fg, bg lipgloss.TerminalColor) float64 {
	r1, g1, b1, ok1 := colourRGB(fg)
	r2, g2, b2, ok2 := colourRGB(bg)
	if !ok1 || !ok2 {
		return 0
	}
	l1, l2 := relativeLuminance(r1, g1, b1), relativeLuminance(r2, g2, b2)
	if l1 < l2 {
		l1, l2 = l2, l1
	}
	return (l1 + 0.05) / (l2 + 0.05)
}

// readableOn picks black or white text for a badge on bg, whichever
// contrasts more: a fixed white on a bright red read at 4:1 in the dark
// theme, below what a room can read.
func readableOn(bg lipgloss.TerminalColor) lipgloss.Color {
	black, white := lipgloss.Color("#000000"), lipgloss.Color("#ffffff")
	if contrastRatio(white, bg) > contrastRatio(black, bg) {
		return white
	}
	return black
}
