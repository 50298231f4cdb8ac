package probes

import (
	"errors"
	"time"
)

// ProcDetail is everything the detail view shows about one process: the
// `pmap -x` summary and the OOM killer's view. Each part read separately
// carries its own error (permission denied on smaps_rollup or fd/ for
// another user's process when not root) so the rest still shows.
type ProcDetail struct {
	Proc      Proc
	StartedAt time.Time // zero when the boot time is unknown

	Smaps    SmapsRollup
	SmapsErr error

	Statm    Statm
	StatmErr error

	RssAnon, RssFile, RssShmem uint64 // status, when RssOK
	RssOK                      bool

	OOMScore    int // /proc/<pid>/oom_score
	OOMScoreAdj int // /proc/<pid>/oom_score_adj
	OOMErr      error

	Cgroup    string // the unified (v2) path, or the v1 memory controller's
	CgroupErr error

	FDs    int // entries in /proc/<pid>/fd
	FDsErr error

	Parent   *Proc  // from the table the detail was built with; nil if not there
	Children []Proc // direct children in that table, largest RSS first
}

// ErrProcessGone says the process asked for has exited (or its pid now
// belongs to another process).
var ErrProcessGone = errors.New("process has exited")
