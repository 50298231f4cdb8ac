package probes

import (
	"sort"
	"time"
)

// DiffStatus says how a process or group compares with the baseline.
type DiffStatus uint8

const (
	// DiffSame: present in both, RSS within ChangeThreshold.
	DiffSame DiffStatus = iota
	// DiffChanged: present in both, RSS moved by ChangeThreshold or more.
	DiffChanged
	// DiffNew: not in the baseline.
	DiffNew
	// DiffGone: in the baseline, not any more.
	DiffGone
)

// String names the status for tables and reports.
func (d DiffStatus) String() string {
	switch d {
	case DiffChanged:
		return "changed"
	case DiffNew:
		return "new"
	case DiffGone:
		return "gone"
	}
	return "same"
}

// ChangeThreshold is the RSS move (either way) that makes a process or group
// "changed" rather than "same": below it is page-cache jitter.
const ChangeThreshold = 1 << 20

// baseProc is what a baseline keeps per process (no command line: a baseline
// may live for hours and needs nothing secret).
type baseProc struct {
	comm, user, program string
	rss                 uint64
}

// ProcBaseline is a marked copy of a whole process table — the runbook's
// "ps listing an hour ago" — to diff later tables against.
type ProcBaseline struct {
	At     time.Time
	procs  map[ProcKey]baseProc
	groups map[string]ProcGroup
}

// NewProcBaseline marks t as the baseline.
func NewProcBaseline(t ProcTable) ProcBaseline {
	b := ProcBaseline{At: t.At, procs: make(map[ProcKey]baseProc, len(t.Procs)), groups: map[string]ProcGroup{}}
	for _, p := range t.Procs {
		b.procs[p.Key()] = baseProc{comm: p.Comm, user: p.User, program: p.Program, rss: p.RSS}
	}
	for _, g := range GroupProcs(t.Procs) {
		b.groups[g.Program] = g
	}
	return b
}

// IsZero reports whether no baseline was marked.
func (b ProcBaseline) IsZero() bool { return b.procs == nil }

// ProcDiff is one process compared with the baseline.
type ProcDiff struct {
	Key       ProcKey
	Comm      string
	User      string
	Program   string
	Status    DiffStatus
	RSSBefore uint64 // 0 for a new process
	RSSAfter  uint64 // 0 for a gone process
}

// Delta is the RSS change in bytes (negative when it shrank or went away).
func (d ProcDiff) Delta() int64 { return int64(d.RSSAfter) - int64(d.RSSBefore) }

// GroupDiff is one program's group compared with the baseline.
type GroupDiff struct {
	Program                 string
	Status                  DiffStatus
	CountBefore, CountAfter int
	RSSBefore, RSSAfter     uint64
}

// Delta is the group's RSS change in bytes.
func (d GroupDiff) Delta() int64 { return int64(d.RSSAfter) - int64(d.RSSBefore) }

func procDiffStatusOf(inBefore, inAfter bool, before, after uint64) DiffStatus {
	switch {
	case !inBefore:
		return DiffNew
	case !inAfter:
		return DiffGone
	}
	d := int64(after) - int64(before)
	if d >= ChangeThreshold || d <= -ChangeThreshold {
		return DiffChanged
	}
	return DiffSame
}

// Diff compares t with the baseline: every process and group that is new,
// gone or changed (DiffSame ones are left out), largest absolute RSS change
// first.
func (b ProcBaseline) Diff(t ProcTable) ([]ProcDiff, []GroupDiff) {
	var procs []ProcDiff
	seen := make(map[ProcKey]bool, len(t.Procs))
	for _, p := range t.Procs {
		k := p.Key()
		seen[k] = true
		old, ok := b.procs[k]
		d := ProcDiff{Key: k, Comm: p.Comm, User: p.User, Program: p.Program, RSSAfter: p.RSS, Status: procDiffStatusOf(ok, true, old.rss, p.RSS)}
		if ok {
			d.RSSBefore = old.rss
		}
		if d.Status != DiffSame {
			procs = append(procs, d)
		}
	}
	for k, old := range b.procs {
		if !seen[k] {
			procs = append(procs, ProcDiff{Key: k, Comm: old.comm, User: old.user, Program: old.program, RSSBefore: old.rss, Status: DiffGone})
		}
	}
	sort.Slice(procs, func(i, j int) bool {
		return procLessDiff(procs[i].Delta(), procs[j].Delta(), procs[i].Key.PID, procs[j].Key.PID)
	})

	var groups []GroupDiff
	now := GroupProcs(t.Procs)
	seenG := make(map[string]bool, len(now))
	for _, g := range now {
		seenG[g.Program] = true
		old, ok := b.groups[g.Program]
		d := GroupDiff{Program: g.Program, CountAfter: g.Count, RSSAfter: g.RSS, CountBefore: old.Count, RSSBefore: old.RSS,
			Status: procDiffStatusOf(ok, true, old.RSS, g.RSS)}
		if d.Status == DiffSame && d.CountBefore != d.CountAfter {
			d.Status = DiffChanged
		}
		if d.Status != DiffSame {
			groups = append(groups, d)
		}
	}
	for name, old := range b.groups {
		if !seenG[name] {
			groups = append(groups, GroupDiff{Program: name, Status: DiffGone, CountBefore: old.Count, RSSBefore: old.RSS})
		}
	}
	sort.Slice(groups, func(i, j int) bool {
		a, c := groups[i].Delta(), groups[j].Delta()
		if procAbs64(a) != procAbs64(c) {
			return procAbs64(a) > procAbs64(c)
		}
		return groups[i].Program < groups[j].Program
	})
	return procs, groups
}

func procLessDiff(a, b int64, pa, pb int32) bool {
	if procAbs64(a) != procAbs64(b) {
		return procAbs64(a) > procAbs64(b)
	}
	return pa < pb
}

func procAbs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
