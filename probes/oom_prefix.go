package probes

import (
	"bytes"
	"time"
)

// logIdent says who wrote a log line, as far as its prefix tells.
type logIdent uint8

const (
	identKernel   logIdent = iota // the kernel (no prefix naming anyone else)
	identEarlyOOM                 // earlyoom[PID]:
	identOOMD                     // systemd-oomd[PID]:
	identOther                    // any other program: never an OOM kill line
)

// wallKind is the form of a wall-clock stamp in a prefix.
type wallKind uint8

const (
	wallNone   wallKind = iota
	wallISO             // 2026-11-28T13:53:10,177400+00:00 (dmesg --time-format iso, journal short-iso, rsyslog)
	wallSyslog          // Nov 28 13:02:28[.123456] (syslog, journal short/short-precise)
	wallCtime           // Sat Nov 28 13:53:10 2026 (dmesg -T)
	wallTable           // Jun 25, 2021 @ 12:42:13.029 (a log viewer's table export: Kibana, OpenSearch)
)

// logLine is one line with its prefix taken apart. Stamps stay as text and
// are only parsed for OOM lines, so the noise around them costs little.
type logLine struct {
	msg      []byte
	ident    logIdent
	ktext    []byte // "  194.318808" of "[  194.318808]"
	kusec    []byte // the microseconds field of a /dev/kmsg record
	wall     []byte
	wallKind wallKind
}

// splitLogPrefix strips the prefixes dmesg, /dev/kmsg, syslog and journald
// put before a kernel message. It reports false for lines that cannot hold
// one (kmsg continuation lines, empty lines).
func splitLogPrefix(b []byte) (logLine, bool) {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	var ll logLine
	if len(b) == 0 || b[0] == ' ' || b[0] == '\t' {
		// /dev/kmsg continuation lines (" SUBSYSTEM=…") and stack dumps.
		return ll, false
	}
	// dmesg -r and RFC 3164 senders start with "<prio>".
	if b[0] == '<' {
		if j := bytes.IndexByte(b, '>'); j > 1 && j < 6 && allDigits(b[1:j]) {
			b = b[j+1:]
		}
	}
	if len(b) == 0 {
		return ll, false
	}
	switch c := b[0]; {
	case c >= '0' && c <= '9':
		if msg, usec, kernel, ok := splitKmsg(b); ok {
			ll.msg, ll.kusec = msg, usec
			if !kernel {
				ll.ident = identOther
			}
			return ll, true
		}
		if isISOStart(b) {
			sp := bytes.IndexByte(b, ' ')
			if sp < 0 {
				return ll, false
			}
			ll.wall, ll.wallKind = b[:sp], wallISO
			b = b[sp+1:]
			if id, msg, ok := splitHostIdent(b); ok {
				ll.ident = id
				b = msg
			}
		}
	case c >= 'A' && c <= 'Z':
		if wall, src, msg, ok := splitTableExport(b); ok {
			// "Jun 25, 2021 @ 12:42:13.029 | kernel | [113782.6] …": the
			// source column says who wrote the message.
			ll.wall, ll.wallKind = wall, wallTable
			if string(src) != "kernel" {
				ll.ident = identOther
			}
			b = msg
		} else if n := syslogStampLen(b); n > 0 {
			ll.wall, ll.wallKind = b[:n], wallSyslog
			id, msg, ok := splitHostIdent(b[n+1:])
			if !ok {
				return ll, false
			}
			ll.ident = id
			b = msg
		}
	case c >= 'a' && c <= 'z':
		// dmesg -x: "kern  :warn  : [  194.3] …"; any facility other than
		// kern is a program writing to the kernel log.
		if fac, rest, ok := splitDmesgX(b); ok {
			if string(fac) != "kern" {
				ll.ident = identOther
			}
			b = rest
		}
	}
	if len(b) > 0 && b[0] == '[' {
		if j := bytes.IndexByte(b, ']'); j > 0 {
			in := b[1:j]
			switch {
			case isKernelStamp(in):
				ll.ktext = in
			case ll.wallKind == wallNone && len(in) >= 24 && in[3] == ' ' && in[7] == ' ':
				ll.wall, ll.wallKind = in, wallCtime
			}
			b = b[j+1:]
			// CONFIG_PRINTK_CALLER: "[   37.123371][ T9185] oom-kill:…" —
			// the caller (thread or CPU) is not part of the message.
			if n := callerIDLen(b); n > 0 {
				b = b[n:]
			}
			if len(b) > 0 && b[0] == ' ' {
				b = b[1:]
			}
			// journalctl -o short-monotonic: "[  194.3] host kernel: …".
			// Only the known writers are taken, so that a dmesg message
			// that merely looks like "word tag: …" keeps its text.
			if ll.wallKind == wallNone && ll.ident == identKernel {
				if id, msg, ok := splitHostIdent(b); ok && id != identOther {
					ll.ident, b = id, msg
				}
			}
		}
	}
	ll.msg = b
	return ll, true
}

// splitKmsg takes apart a /dev/kmsg record "6,1234,5678901,-[,caller=T1];msg".
// kernel is false when the facility is not 0: a program wrote the record.
func splitKmsg(b []byte) (msg, usec []byte, kernel, ok bool) {
	semi := bytes.IndexByte(b, ';')
	if semi < 0 || semi > 64 {
		return nil, nil, false, false
	}
	head := b[:semi]
	lvl, head, ok1 := bytes.Cut(head, []byte(","))
	seq, head, ok2 := bytes.Cut(head, []byte(","))
	us, _, _ := bytes.Cut(head, []byte(","))
	if !ok1 || !ok2 || !allDigits(lvl) || !allDigits(seq) || !allDigits(us) {
		return nil, nil, false, false
	}
	level, _ := oomAtoi(lvl)
	return b[semi+1:], us, level < 8, true
}

// isISOStart matches "YYYY-MM-DDT".
func isISOStart(b []byte) bool {
	return len(b) > 19 && b[4] == '-' && b[7] == '-' && b[10] == 'T' && allDigits(b[:4])
}

// syslogStampLen returns the length of "Nov 28 13:02:28[.123456]" at the
// start of b, or 0.
func syslogStampLen(b []byte) int {
	if len(b) < 16 || b[3] != ' ' || b[6] != ' ' || b[9] != ':' || b[12] != ':' {
		return 0
	}
	if !isMonth(b[:3]) {
		return 0
	}
	n := 15
	if b[n] == '.' {
		n++
		for n < len(b) && b[n] >= '0' && b[n] <= '9' {
			n++
		}
	}
	if n >= len(b) || b[n] != ' ' {
		return 0
	}
	return n
}

func isMonth(b []byte) bool {
	switch string(b) {
	case "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec":
		return true
	}
	return false
}

// splitHostIdent takes "host ident[pid]: msg" apart and says who wrote msg.
func splitHostIdent(b []byte) (logIdent, []byte, bool) {
	sp := bytes.IndexByte(b, ' ')
	if sp <= 0 {
		return identOther, nil, false
	}
	rest := b[sp+1:]
	c := bytes.Index(rest, []byte(": "))
	if c <= 0 || c > 64 {
		return identOther, nil, false
	}
	tag := rest[:c]
	if i := bytes.IndexByte(tag, '['); i > 0 && tag[len(tag)-1] == ']' {
		tag = tag[:i]
	}
	if !isTag(tag) {
		return identOther, nil, false
	}
	msg := rest[c+2:]
	switch string(tag) {
	case "kernel":
		return identKernel, msg, true
	case "earlyoom":
		return identEarlyOOM, msg, true
	case "systemd-oomd":
		return identOOMD, msg, true
	}
	return identOther, msg, true
}

// isTag matches a syslog tag: letters first, then letters, digits, "._-/".
func isTag(b []byte) bool {
	if len(b) == 0 || !(b[0] >= 'a' && b[0] <= 'z' || b[0] >= 'A' && b[0] <= 'Z') {
		return false
	}
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '/' || c == '@') {
			return false
		}
	}
	return true
}

// callerIDLen is the length of a printk caller id "[ T9185]" or "[  C3]"
// (thread or CPU, padded) at the start of b, or 0.
func callerIDLen(b []byte) int {
	if len(b) < 4 || b[0] != '[' {
		return 0
	}
	j := bytes.IndexByte(b, ']')
	if j < 0 || j > 16 {
		return 0
	}
	in := bytes.TrimLeft(b[1:j], " ")
	if len(in) < 2 || (in[0] != 'T' && in[0] != 'C') || !allDigits(in[1:]) {
		return 0
	}
	return j + 1
}

// splitTableExport takes apart a row of a log viewer's table export,
// "Jun 25, 2021 @ 12:42:13.029 | kernel | message": stamp, source, message.
func splitTableExport(b []byte) (wall, src, msg []byte, ok bool) {
	if len(b) < 30 || !isMonth(b[:3]) || b[3] != ' ' {
		return nil, nil, nil, false
	}
	at := bytes.Index(b[:min(len(b), 40)], []byte(" @ "))
	bar := bytes.Index(b, []byte(" | "))
	if at < 0 || bar < at || bar > 40 {
		return nil, nil, nil, false
	}
	wall = b[:bar]
	rest := b[bar+3:]
	bar2 := bytes.Index(rest, []byte(" | "))
	if bar2 <= 0 || bar2 > 64 {
		return nil, nil, nil, false
	}
	return wall, bytes.TrimSpace(rest[:bar2]), rest[bar2+3:], true
}

// isKernelStamp matches "  194.318808" (spaces, digits, one dot, digits).
func isKernelStamp(b []byte) bool {
	b = bytes.TrimLeft(b, " ")
	dot := bytes.IndexByte(b, '.')
	return dot > 0 && dot < len(b)-1 && allDigits(b[:dot]) && allDigits(b[dot+1:])
}

func allDigits(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// splitDmesgX takes "fac  :level : " off a dmesg -x line.
func splitDmesgX(b []byte) (fac, rest []byte, ok bool) {
	i := lowerRun(b)
	if i == 0 {
		return nil, nil, false
	}
	fac = b[:i]
	j := i
	for j < len(b) && b[j] == ' ' {
		j++
	}
	if j >= len(b) || b[j] != ':' {
		return nil, nil, false
	}
	j++
	k := lowerRun(b[j:])
	if k == 0 {
		return nil, nil, false
	}
	j += k
	for j < len(b) && b[j] == ' ' {
		j++
	}
	if j+1 >= len(b) || b[j] != ':' || b[j+1] != ' ' {
		return nil, nil, false
	}
	return fac, b[j+2:], true
}

func lowerRun(b []byte) int {
	i := 0
	for i < len(b) && b[i] >= 'a' && b[i] <= 'z' {
		i++
	}
	return i
}

// kernelTime returns the seconds since boot the line was stamped with.
func (ll logLine) kernelTime() (float64, bool) {
	if ll.kusec != nil {
		n, ok := ParseUint(ll.kusec)
		return float64(n) / 1e6, ok
	}
	if ll.ktext == nil {
		return 0, false
	}
	b := bytes.TrimLeft(ll.ktext, " ")
	whole, frac, _ := bytes.Cut(b, []byte("."))
	w, ok := ParseUint(whole)
	if !ok {
		return 0, false
	}
	f, ok := ParseUint(frac)
	if !ok {
		return 0, false
	}
	div := 1.0
	for range frac {
		div *= 10
	}
	return float64(w) + float64(f)/div, true
}

// wallTime parses the line's wall-clock stamp. loc is the zone of stamps
// without one; syslog stamps have no year and get the latest one that does
// not put them more than a day after now.
func (ll logLine) wallTime(loc *time.Location, now time.Time) (time.Time, bool) {
	s := string(ll.wall)
	switch ll.wallKind {
	case wallISO:
		for _, layout := range []string{"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05"} {
			if t, err := time.ParseInLocation(layout, s, loc); err == nil {
				return t, true
			}
		}
	case wallSyslog:
		t, err := time.ParseInLocation("Jan _2 15:04:05", s, loc)
		if err != nil {
			return time.Time{}, false
		}
		nowIn := now.In(loc)
		y := nowIn.Year()
		d := time.Date(y, t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
		if d.After(nowIn.Add(24 * time.Hour)) {
			d = time.Date(y-1, t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
		}
		return d, true
	case wallCtime:
		if t, err := time.ParseInLocation("Mon Jan _2 15:04:05 2006", s, loc); err == nil {
			return t, true
		}
	case wallTable:
		if t, err := time.ParseInLocation("Jan 2, 2006 @ 15:04:05", s, loc); err == nil {
			return t, true // fractional seconds are accepted after the seconds
		}
	}
	return time.Time{}, false
}
