package probes

import (
	"bytes"
)

// Fields splits line on spaces and tabs into at most len(out) fields without
// allocating; it returns how many it found.
func Fields(line []byte, out [][]byte) int {
	n := 0
	i := 0
	for i < len(line) && n < len(out) {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i >= len(line) {
			break
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		out[n] = line[i:j]
		n++
		i = j
	}
	return n
}

// ParseUint parses a decimal unsigned integer without allocating.
func ParseUint(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// CompleteLines drops a last line that has no newline. The kernel ends
// every line of these files with one, so a line without it was cut short (a
// truncated copy, a short read): its number may have lost digits, and
// "pswpout 61" must not pass for a counter.
func CompleteLines(b []byte) []byte {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' {
			return b[:i+1]
		}
	}
	return b[:0]
}

// NextLine returns the first line of b and the rest after its newline.
// bytes.IndexByte is vectorised; a byte loop here was a third of the time
// spent parsing vmstat.
func NextLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}
