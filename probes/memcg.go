package probes

import (
	"github.com/memtui/memtui/internal/units"
)

// MemcgReading is one reading of a Memcg. Cgroup carries usage and limit
// as the host's own cgroup probe does, so UsedPercent and Limited mean the
// same thing everywhere; its Path is the directory read. The limit is the
// cgroup's own: a lower limit on a parent is not taken into account.
type MemcgReading struct {
	Cgroup
	Anon Val // memory.stat anon (v2) / total_rss (v1)
	File Val // memory.stat file (v2) / total_cache (v1): page cache a cache drop frees
	// OOMKills counts processes the OOM killer took in this cgroup:
	// memory.events oom_kill (v2, 4.13+) / memory.oom_control oom_kill (v1, 4.13+).
	OOMKills Val
	// Problems are the optional files that could not be read; usage and
	// limit still count.
	Problems []error
}

// LimitText says the limit in words for a log line or an issue: the byte
// count, or "no limit" (then there is no percentage to watch).
func (r MemcgReading) LimitText() string {
	if !r.Limited() {
		return "no limit"
	}
	return units.Bytes(r.Limit.V)
}

// MemcgEvents are the counters of a v2 memory.events file.
type MemcgEvents struct {
	High    Val // times usage went over memory.high (throttled)
	Max     Val // times usage hit memory.max
	OOM     Val // times the OOM killer was invoked
	OOMKill Val // processes killed by it (4.13+)
}

// OOMControl is v1 memory.oom_control.
type OOMControl struct {
	UnderOOM bool // under_oom 1: the cgroup is in an OOM right now
	OOMKill  Val  // oom_kill (4.13+)
}
