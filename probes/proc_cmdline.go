package probes

import (
	"bytes"
)

// JoinCmdline renders argv the way ps does: arguments joined by one space,
// control characters (newlines, escape sequences a process put in its own
// argv) replaced by '?' so they cannot corrupt a terminal.
func JoinCmdline(b []byte) string {
	b = bytes.TrimRight(b, "\x00")
	out := make([]byte, len(b))
	for i, c := range b {
		switch {
		case c == 0:
			out[i] = ' '
		case c < 0x20 || c == 0x7f:
			out[i] = '?'
		default:
			out[i] = c
		}
	}
	return string(out)
}
