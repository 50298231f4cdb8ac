package procfs

import (
	"bytes"
	"fmt"

	"github.com/memtui/memtui/probes"
)

// procStatus holds the lines of /proc/<pid>/status memtui reads. Sizes are in
// bytes. A field the kernel did not print (kernel threads have no Vm* lines,
// old kernels no RssAnon) keeps its ok flag false: absence is not zero.
type procStatus struct {
	UID      uint32 // Uid: real
	EUID     uint32 // Uid: effective
	UIDOK    bool
	Threads  int32 // Threads:
	VmRSS    uint64
	VmRSSOK  bool
	VmSwap   uint64
	VmSwapOK bool
	RssAnon  uint64
	RssFile  uint64
	RssShmem uint64
	RssOK    bool // RssAnon/RssFile/RssShmem were all present
}

// parseProcStatus parses /proc/<pid>/status without allocating.
func parseProcStatus(b []byte) (procStatus, error) {
	var s procStatus
	var rssSeen int
	for len(b) > 0 {
		var line []byte
		line, b = probes.NextLine(b)
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			continue
		}
		key, val := line[:colon], line[colon+1:]
		switch string(key) { // no allocation: the compiler compares in place
		case "Uid":
			f1, rest := procNextField(val)
			f2, _ := procNextField(rest)
			r, ok1 := probes.ParseUint(f1)
			e, ok2 := probes.ParseUint(f2)
			if !ok1 || !ok2 || r > 1<<32-1 || e > 1<<32-1 {
				return s, fmt.Errorf("status: bad Uid line: %w", probes.ErrParse)
			}
			s.UID, s.EUID, s.UIDOK = uint32(r), uint32(e), true
		case "Threads":
			f, _ := procNextField(val)
			v, ok := probes.ParseUint(f)
			if !ok || v > 1<<31-1 {
				return s, fmt.Errorf("status: bad Threads line: %w", probes.ErrParse)
			}
			s.Threads = int32(v)
		case "VmRSS", "VmSwap", "RssAnon", "RssFile", "RssShmem":
			v, err := procParseKB(val)
			if err != nil {
				return s, fmt.Errorf("status: %s: %w", key, err)
			}
			switch string(key) {
			case "VmRSS":
				s.VmRSS, s.VmRSSOK = v, true
			case "VmSwap":
				s.VmSwap, s.VmSwapOK = v, true
			case "RssAnon":
				s.RssAnon = v
				rssSeen++
			case "RssFile":
				s.RssFile = v
				rssSeen++
			case "RssShmem":
				s.RssShmem = v
				rssSeen++
			}
		}
	}
	s.RssOK = rssSeen == 3
	return s, nil
}

// procNextField returns the first whitespace-separated token of b and the rest.
func procNextField(b []byte) (field, rest []byte) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	j := i
	for j < len(b) && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' {
		j++
	}
	return b[i:j], b[j:]
}

// procParseKB reads "   1234 kB" as bytes.
func procParseKB(val []byte) (uint64, error) {
	f, rest := procNextField(val)
	v, ok := probes.ParseUint(f)
	if !ok {
		return 0, fmt.Errorf("bad number %q: %w", f, probes.ErrParse)
	}
	unit, _ := procNextField(rest)
	switch string(unit) {
	case "kB":
		if v > (1<<64-1)/1024 {
			return 0, fmt.Errorf("value overflows: %w", probes.ErrParse)
		}
		return v * 1024, nil
	case "":
		return v, nil
	default:
		return 0, fmt.Errorf("unit %q: %w", unit, probes.ErrParse)
	}
}
