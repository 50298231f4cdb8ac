package ui

import (
	"strings"
	"unicode/utf8"
)

// asciiGlyphs maps every non-ASCII character the views draw to one ASCII
// character of the same width, for terminals that cannot draw more
// (TERM=dumb, a serial console, some screen-sharing tools). One table at the
// edge, applied to the finished frame, instead of a second glyph in every
// view: the views stay as they are, and the words beside each glyph
// ("HIGH", "CRITICAL") keep carrying the meaning.
var asciiGlyphs = map[rune]byte{
	// box drawing: borders and rules
	'─': '-', '━': '-', '┄': '-', '═': '=', '│': '|', '┃': '|', '┊': '|', '║': '|',
	'╭': '+', '╮': '+', '╰': '+', '╯': '+', '┏': '+', '┓': '+', '┗': '+', '┛': '+',
	'┌': '+', '┐': '+', '└': '+', '┘': '+', '┤': '+', '├': '+', '╔': '+', '╗': '+', '╚': '+', '╝': '+',
	// severity and state glyphs
	'●': '*', '○': 'o', '△': '!', '▲': '^', '▼': 'v', '✖': 'X', '✘': 'x', '✗': 'x', '✔': '+',
	'⏸': '=', '⚑': 'F', '■': '#', '✎': 'e', '⏱': 't', '↻': '@', '↺': '@', '✚': '+', '⊘': '0', '⇲': '>',
	'▶': '>', '▸': '>', '»': '>', '→': '>', '←': '<', '↑': '^', '↓': 'v', '↔': '-',
	// punctuation and signs
	'·': '.', '—': '-', '…': '.', '⋯': '.', '×': 'x', '≥': '>', '≈': '~', '≡': '=', 'Σ': 'S',
	'“': '"', '”': '"', '§': 'S',
	// bars and sparklines
	'█': '#', '▇': '#', '▆': '#', '▅': '=', '▄': '=', '▃': '-', '▂': '_', '▁': '_', '▏': '|',
	'░': '.', '▒': ':', '▓': '#',
}

// toASCII rewrites s for an ASCII-only terminal, leaving escape sequences
// (all ASCII) alone. A character not in the table becomes '?' or, for the
// braille dots charts draw with, '.' (blank braille: a space), so the frame
// keeps its width.
func toASCII(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r == '\u2800':
			b.WriteByte(' ')
		case r > '\u2800' && r <= '\u28ff':
			b.WriteByte('.')
		default:
			if c, ok := asciiGlyphs[r]; ok {
				b.WriteByte(c)
			} else {
				b.WriteByte('?')
			}
		}
	}
	return b.String()
}
