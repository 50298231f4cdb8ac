// Package termtext makes text from outside memtui safe to print on a
// terminal. It is pure (the standard library only): the ui and the pure
// runbook code share it with the probes.
package termtext

import (
	"strings"
	"unicode/utf8"
)

// Printable makes text from outside memtui (a process name from the kernel
// log, a runbook's name or command, a saved log) safe to print on a
// terminal in one line: control characters (C0, DEL, C1: escape sequences,
// newlines, carriage returns) become '?', so they show instead of moving
// the cursor or clearing the screen, and invalid UTF-8 becomes U+FFFD, so
// a 0xFF byte takes one column as the table's layout expects. It is the
// one sanitiser for text drawn outside the TUI (which has its own renderer);
// text that needs no change is returned as is, without allocating.
func Printable(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, s)
}
