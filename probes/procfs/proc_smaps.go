package procfs

import (
	"bytes"
	"fmt"

	"github.com/memtui/memtui/probes"
)

// parseSmapsRollup parses smaps_rollup: a header line naming the range, then
// "Key:   N kB" lines. It does not allocate.
func parseSmapsRollup(b []byte) (probes.SmapsRollup, error) {
	var s probes.SmapsRollup
	var split int
	var seen int
	for len(b) > 0 {
		var line []byte
		line, b = probes.NextLine(b)
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
			return probes.SmapsRollup{}, fmt.Errorf("smaps_rollup: %s: %w", key, err)
		}
		*dst = v
		seen++
	}
	if seen == 0 {
		return probes.SmapsRollup{}, fmt.Errorf("smaps_rollup: no fields: %w", probes.ErrUnavailable)
	}
	s.PssSplitOK = split == 3
	return s, nil
}
