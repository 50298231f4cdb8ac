package probes

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
