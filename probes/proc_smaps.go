package probes

import (
	"bytes"
	"fmt"
)

// SmapsRollup is /proc/<pid>/smaps_rollup, the kernel's sum over all mappings
// (what `pmap -x` totals), in bytes. OK is false for a field the kernel did
// not print (Pss_Anon/File/Shmem appeared in 5.8; kernel threads print none).
type SmapsRollup struct {
	Rss, Pss, PssAnon, PssFile, PssShmem        uint64
	SharedClean, SharedDirty                    uint64
	PrivateClean, PrivateDirty                  uint64
	Swap, SwapPss                               uint64
	RssOK, PssOK, PssSplitOK, SwapOK, SwapPssOK bool
}

// parseSmapsRollup parses smaps_rollup: a header line naming the range, then
// "Key:   N kB" lines. It does not allocate.
func parseSmapsRollup(b []byte) (SmapsRollup, error) {
	var s SmapsRollup
	var split int
	var seen int
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || bytes.IndexByte(line[:colon], ' ') >= 0 {
			continue // the header line "55ce…-7ffe… ---p 00000000 00:00 0 [rollup]"
		}
		key := line[:colon]
		var dst *uint64
		switch string(key) {
		case "Rss":
			dst, s.RssOK = &s.Rss, true
		case "Pss":
			dst, s.PssOK = &s.Pss, true
		case "Pss_Anon":
			dst = &s.PssAnon
			split++
		case "Pss_File":
			dst = &s.PssFile
			split++
		case "Pss_Shmem":
			dst = &s.PssShmem
			split++
		case "Shared_Clean":
			dst = &s.SharedClean
		case "Shared_Dirty":
			dst = &s.SharedDirty
		case "Private_Clean":
			dst = &s.PrivateClean
		case "Private_Dirty":
			dst = &s.PrivateDirty
		case "Swap":
			dst, s.SwapOK = &s.Swap, true
		case "SwapPss":
			dst, s.SwapPssOK = &s.SwapPss, true
		default:
			continue
		}
		v, err := procParseKB(line[colon+1:])
		if err != nil {
			return SmapsRollup{}, fmt.Errorf("smaps_rollup: %s: %w", key, err)
		}
		*dst = v
		seen++
	}
	if seen == 0 {
		return SmapsRollup{}, fmt.Errorf("smaps_rollup: no fields: %w", ErrUnavailable)
	}
	s.PssSplitOK = split == 3
	return s, nil
}
