package probes

// Statm is /proc/<pid>/statm converted to bytes.
type Statm struct {
	Size     uint64 // field 1: total program size (VmSize)
	Resident uint64 // field 2: resident set (VmRSS)
	Shared   uint64 // field 3: resident file-backed + shmem pages (RssFile+RssShmem)
	Text     uint64 // field 4: code
	Data     uint64 // field 6: data + stack
}
