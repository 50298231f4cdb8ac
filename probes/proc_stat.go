package probes

import (
	"bytes"
	"fmt"
)

// ProcStat is the part of /proc/<pid>/stat the process table needs. One read
// of stat gives the parent, the state, the start time and the resident set at
// once, which is why the scan reads stat rather than statm plus status.
type ProcStat struct {
	PID       int32  // field 1
	Comm      []byte // field 2, without the parentheses; aliases the input
	State     byte   // field 3 (R, S, D, Z, T, t, X, I, …)
	PPID      int32  // field 4
	Flags     uint64 // field 9 (PF_* bits)
	Threads   int32  // field 20
	StartTime uint64 // field 22, clock ticks since boot
	VSize     uint64 // field 23, bytes
	RSSPages  uint64 // field 24, pages: lags the per-CPU counters ("inaccurate", proc(5)); statm does not
}

// ParseProcStat parses /proc/<pid>/stat: the one stat parser of memtui (the
// process table, the PostgreSQL memory probe and the signal action all use
// it). It does not allocate: Comm aliases b. The comm sits between the first
// '(' and the last ')' because the name itself may hold spaces and
// parentheses ("(sd-pam)", "tmux: server").
func ParseProcStat(b []byte) (ProcStat, error) { return ParseProcStatTo(b, 24) }

// ParseProcStatTo parses fields 1 to last (at most 24) and fails when the
// line ends before last: a caller that needs only the parent stops at 4.
func ParseProcStatTo(b []byte, last int) (ProcStat, error) {
	var s ProcStat
	open := bytes.IndexByte(b, '(')
	closing := bytes.LastIndexByte(b, ')')
	if open < 1 || closing < open {
		return s, fmt.Errorf("stat: no (comm): %w", ErrParse)
	}
	pid, ok := ParseUint(bytes.TrimSpace(b[:open]))
	if !ok || pid > 1<<31-1 {
		return s, fmt.Errorf("stat: bad pid: %w", ErrParse)
	}
	s.PID = int32(pid)
	s.Comm = b[open+1 : closing]
	rest := b[closing+1:]
	// Fields after the comm, counted from 3 (state).
	field := 3
	i := 0
	for field <= last {
		for i < len(rest) && rest[i] == ' ' {
			i++
		}
		if i >= len(rest) || rest[i] == '\n' {
			break
		}
		j := i
		for j < len(rest) && rest[j] != ' ' && rest[j] != '\n' {
			j++
		}
		tok := rest[i:j]
		i = j
		switch field {
		case 3:
			if len(tok) != 1 {
				return s, fmt.Errorf("stat: bad state %q: %w", tok, ErrParse)
			}
			s.State = tok[0]
		case 4:
			v, ok := ParseUint(tok)
			if !ok || v > 1<<31-1 {
				return s, fmt.Errorf("stat: bad ppid: %w", ErrParse)
			}
			s.PPID = int32(v)
		case 9:
			v, ok := ParseUint(tok)
			if !ok {
				return s, fmt.Errorf("stat: bad flags: %w", ErrParse)
			}
			s.Flags = v
		case 20:
			v, ok := ParseUint(tok)
			if !ok || v > 1<<31-1 {
				return s, fmt.Errorf("stat: bad num_threads: %w", ErrParse)
			}
			s.Threads = int32(v)
		case 22:
			v, ok := ParseUint(tok)
			if !ok {
				return s, fmt.Errorf("stat: bad starttime: %w", ErrParse)
			}
			s.StartTime = v
		case 23:
			v, ok := ParseUint(tok)
			if !ok {
				return s, fmt.Errorf("stat: bad vsize: %w", ErrParse)
			}
			s.VSize = v
		case 24:
			// rss is signed in the kernel's format string (%ld); a negative
			// value has been seen on racy exits, read it as 0.
			if len(tok) > 0 && tok[0] == '-' {
				s.RSSPages = 0
			} else {
				v, ok := ParseUint(tok)
				if !ok {
					return s, fmt.Errorf("stat: bad rss: %w", ErrParse)
				}
				s.RSSPages = v
			}
		}
		field++
	}
	if field <= last {
		return s, fmt.Errorf("stat: %d fields, want at least %d: %w", field-1, last, ErrParse)
	}
	return s, nil
}
