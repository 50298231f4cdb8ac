package probes

import (
	"sort"
	"strings"
)

// ProcGroup folds the processes of one program (every odoo-bin worker, every
// postgres backend, every php-fpm child). Summed RSS counts shared pages once
// per process and overstates what the group holds; PSS, when read, splits
// them fairly.
type ProcGroup struct {
	Program string
	Count   int
	RSS     uint64
	// Swap and PSS are sums over the members whose value was read; the OK
	// flags say every member's was (otherwise the sum is a lower bound).
	Swap      uint64
	SwapOK    bool
	PSS       uint64
	PSSOK     bool
	Growth    float64 // bytes per second, summed over members with a rate
	GrowthOK  bool    // at least one member has a rate
	Leaks     int     // members flagged leak suspects
	Restarted int     // members flagged restarted
	Users     string  // the members' users, comma-separated, sorted
}

// GroupProcs folds procs by Program, largest RSS first (ties by name).
func GroupProcs(procs []Proc) []ProcGroup {
	idx := make(map[string]int)
	var out []ProcGroup
	users := make(map[string]map[string]bool)
	for i := range procs {
		p := &procs[i]
		name := p.Program
		if name == "" {
			name = p.Comm
		}
		j, ok := idx[name]
		if !ok {
			j = len(out)
			idx[name] = j
			out = append(out, ProcGroup{Program: name, SwapOK: true, PSSOK: true})
			users[name] = map[string]bool{}
		}
		g := &out[j]
		g.Count++
		g.RSS += p.RSS
		if p.SwapOK {
			g.Swap += p.Swap
		} else {
			g.SwapOK = false
		}
		if p.PSSOK {
			g.PSS += p.PSS
		} else {
			g.PSSOK = false
		}
		if p.GrowthOK {
			g.Growth += p.Growth
			g.GrowthOK = true
		}
		if p.Mark&MarkLeak != 0 {
			g.Leaks++
		}
		if p.Mark&MarkRestarted != 0 {
			g.Restarted++
		}
		users[name][p.User] = true
	}
	for i := range out {
		var u []string
		for name := range users[out[i].Program] {
			u = append(u, name)
		}
		sort.Strings(u)
		out[i].Users = strings.Join(u, ",")
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].RSS != out[j].RSS {
			return out[i].RSS > out[j].RSS
		}
		return out[i].Program < out[j].Program
	})
	return out
}
