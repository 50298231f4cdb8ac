package probes

import (
	"bytes"
	"fmt"
)

// PSILine is one line of a pressure file: the share of wall time in which
// some (or all) tasks were stalled waiting for memory, over 10 s, 60 s and
// 300 s, in percent, and the total stall time in microseconds.
type PSILine struct {
	Avg10, Avg60, Avg300 float64
	TotalMicros          uint64
	OK                   bool
}

// PSI is <proc>/pressure/memory (kernel 4.20+, CONFIG_PSI, psi=1).
type PSI struct {
	Some PSILine
	Full PSILine // absent on some kernels and in some containers
}

// ParsePSI parses "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" lines.
func ParsePSI(b []byte) (PSI, error) {
	var p PSI
	var f [5][]byte
	b = CompleteLines(b)
	for len(b) > 0 {
		var line []byte
		line, b = NextLine(b)
		n := Fields(line, f[:])
		if n < 5 {
			continue
		}
		var l PSILine
		okAll := true
		seen := 0 // one bit per key: a line must carry all four
		for _, kv := range f[1:5] {
			eq := bytes.IndexByte(kv, '=')
			if eq < 0 {
				okAll = false
				break
			}
			val := kv[eq+1:]
			switch string(kv[:eq]) {
			case "avg10":
				l.Avg10, okAll = parsePct(val)
				seen |= 1
			case "avg60":
				l.Avg60, okAll = parsePct(val)
				seen |= 2
			case "avg300":
				l.Avg300, okAll = parsePct(val)
				seen |= 4
			case "total":
				l.TotalMicros, okAll = ParseUint(val)
				seen |= 8
			}
			if !okAll {
				break
			}
		}
		if !okAll || seen != 15 {
			continue
		}
		l.OK = true
		switch string(f[0]) {
		case "some":
			p.Some = l
		case "full":
			p.Full = l
		}
	}
	if !p.Some.OK {
		return p, fmt.Errorf("no \"some\" line: %w", ErrParse)
	}
	return p, nil
}

// parsePct parses a PSI average such as "12.34" (0–100).
func parsePct(b []byte) (float64, bool) {
	// The kernel prints %lu.%02lu; parse by hand to avoid the string
	// allocation strconv.ParseFloat would need.
	dot := bytes.IndexByte(b, '.')
	if dot < 0 {
		v, ok := ParseUint(b)
		return float64(v), ok && v <= 100
	}
	ip, ok1 := ParseUint(b[:dot])
	fp, ok2 := ParseUint(b[dot+1:])
	if !ok1 || !ok2 || ip > 100 {
		return 0, false
	}
	frac := float64(fp)
	for range len(b) - dot - 1 {
		frac /= 10
	}
	// A share of wall time: "100.50" is as impossible as "101".
	if v := float64(ip) + frac; v <= 100 {
		return v, true
	}
	return 0, false
}
