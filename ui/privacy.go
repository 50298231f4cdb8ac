package ui

import (
	"path/filepath"
	"strings"
)

// privacyMask stands in for a hidden value: one neutral glyph, so a column
// keeps its shape and nobody mistakes it for a real (empty) value.
const privacyMask = "·"

// hideIf returns privacyMask for a non-empty v when hide is set. Empty
// values stay empty: hiding nothing would only suggest there was something.
func hideIf(hide bool, v string) string {
	if hide && v != "" {
		return privacyMask
	}
	return v
}

// programOnly cuts a command line to its program's base name: on a shared
// screen the arguments are where passwords, tokens and customer names sit
// (`psql postgres://u:secret@…`), the program alone is what the room needs.
func programOnly(cmdline string) string {
	f := strings.Fields(cmdline)
	if len(f) == 0 {
		return ""
	}
	return filepath.Base(f[0])
}

// private hides a user or client address while privacy is on.
func (p pgPanel) private(v string) string { return hideIf(p.hideQueries, v) }
