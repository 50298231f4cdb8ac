package probes

import (
	"testing"
	"time"
)

// procNow is the fixed clock of these tests.
var procNow = time.Date(2026, 11, 28, 14, 0, 0, 0, time.UTC)

// procTableAt builds a scan result at t0+sec with the given processes.
func procTableAt(sec int, procs ...Proc) ProcTable {
	return ProcTable{At: procNow.Add(time.Duration(sec) * time.Second), Procs: append([]Proc(nil), procs...)}
}

func TestIsLeak(t *testing.T) {
	cfg := GrowthConfig{}.WithDefaults()
	series := func(step time.Duration, rss ...uint64) ([]growthPoint, time.Time) {
		var out []growthPoint
		for i, r := range rss {
			out = append(out, growthPoint{at: procNow.Add(time.Duration(i) * step).UnixNano(), rss: r << 20})
		}
		return out, time.Unix(0, out[len(out)-1].at)
	}
	tests := []struct {
		name string
		rss  []uint64 // MiB, one a minute
		want bool
	}{
		{"steady growth over six minutes", []uint64{100, 102, 104, 106, 108, 110, 112}, true},
		{"growth with a drop", []uint64{100, 102, 104, 98, 106, 108, 110}, false},
		{"jitter below tolerance is not a drop", []uint64{100, 102, 104, 104, 106, 108, 110}, true},
		{"too short a history", []uint64{100, 104, 108}, false},
		{"flat", []uint64{100, 100, 100, 100, 100, 100, 100}, false},
		{"growth below the minimum", []uint64{100, 100, 101, 101, 102, 102, 103}, false},
		{"an old drop outside the window does not count", []uint64{300, 100, 102, 104, 106, 108, 110, 112}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, now := series(time.Minute, tc.rss...)
			if got := isLeak(s, now, cfg); got != tc.want {
				t.Errorf("isLeak = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestGrowthTrackerLeakAndRate(t *testing.T) {
	g := NewGrowthTracker(GrowthConfig{})
	leaky := Proc{PID: 10, Start: 100, Program: "odoo-bin", PPID: 5, RSS: 500 << 20}
	flat := Proc{PID: 11, Start: 100, Program: "postgres", PPID: 5, RSS: 300 << 20}
	var last ProcTable
	// An unpinned grower is followed once its growth over a whole window is
	// known (1 min), then flagged after a leak window (5 min) of history.
	for sec := 0; sec <= 390; sec += 2 {
		leaky.RSS = (500 << 20) + uint64(sec)*(64<<10) // 64 KiB/s = 3.75 MiB/min
		tab := procTableAt(sec, leaky, flat)
		g.Observe(&tab, nil)
		last = tab
		if sec == 58 && last.Procs[0].GrowthOK {
			t.Error("growth before a whole window was measured")
		}
		if sec == 60 {
			// Within a minute the grower has the top rate.
			if last.Procs[0].Growth <= last.Procs[1].Growth || !last.Procs[0].GrowthOK {
				t.Errorf("after 60 s: growth %v vs %v", last.Procs[0].Growth, last.Procs[1].Growth)
			}
			if got := last.Procs[0].Growth * 60 / (1 << 20); got < 3.7 || got > 3.8 {
				t.Errorf("growth %.3f MiB/min, want 3.75", got)
			}
			if last.Procs[0].Mark&MarkLeak != 0 {
				t.Error("flagged a leak before the window")
			}
		}
	}
	if last.Procs[0].Mark&MarkLeak == 0 {
		t.Error("steady grower not flagged after 6.5 min")
	}
	if last.Procs[1].Mark&MarkLeak != 0 || last.Procs[1].Growth != 0 {
		t.Errorf("flat process: mark %v growth %v", last.Procs[1].Mark, last.Procs[1].Growth)
	}
	if h := g.History(leaky.Key(), nil); len(h) < 100 || h[len(h)-1].RSS != leaky.RSS {
		t.Errorf("history of the grower: %d samples", len(h))
	}
	if h := g.History(flat.Key(), nil); len(h) != 0 {
		t.Errorf("a flat, unpinned process got %d samples of history", len(h))
	}
}

func TestGrowthTrackerPinnedAndBounded(t *testing.T) {
	g := NewGrowthTracker(GrowthConfig{HistoryLen: 16, TrackTop: 2})
	pinned := Proc{PID: 7, Start: 1, Program: "x", RSS: 1 << 20}
	for sec := 0; sec < 600; sec++ {
		var procs []Proc
		procs = append(procs, pinned)
		// A churn of short-lived growers, each seen for 3 s.
		for j := 0; j < 3; j++ {
			procs = append(procs, Proc{PID: int32(1000 + sec + j), Start: uint64(sec), Program: "job", RSS: uint64(sec+j) << 20})
		}
		tab := procTableAt(sec, procs...)
		g.Observe(&tab, []ProcKey{pinned.Key()})
		if g.Tracked() > 1+3*2 {
			t.Fatalf("at %d s: %d histories, bound is %d", sec, g.Tracked(), 1+3*2)
		}
		if len(g.anchors) > len(procs) {
			t.Fatalf("at %d s: %d anchors for %d live processes", sec, len(g.anchors), len(procs))
		}
	}
	h := g.History(pinned.Key(), nil)
	if len(h) == 0 || len(h) > 16 {
		t.Fatalf("pinned history: %d samples, want 1..16", len(h))
	}
	// The decimated buffer still reaches back to the start.
	if h[0].At.After(procNow.Add(time.Minute)) {
		t.Errorf("oldest sample %v: history lost its start", h[0].At)
	}
}

// TestHistoryBufferFixed: a followed process's history is allocated whole
// when it is first followed and never grows or moves after, however long
// the session: the heap of an hour-long session stays where it was at its
// start (the dashboard's soak).
func TestHistoryBufferFixed(t *testing.T) {
	g := NewGrowthTracker(GrowthConfig{HistoryLen: 64})
	p := Proc{PID: 7, Start: 1, Program: "x", RSS: 1 << 20}
	var first *growthPoint
	for sec := 0; sec < 3600; sec++ {
		p.RSS += 4096
		tab := procTableAt(sec, p)
		g.Observe(&tab, []ProcKey{p.Key()})
		s := g.series[p.Key()]
		if cap(s.pts) != 64 {
			t.Fatalf("at %d s: history capacity %d, want 64", sec, cap(s.pts))
		}
		if first == nil {
			first = &s.pts[:1][0]
		} else if &s.pts[:1][0] != first {
			t.Fatalf("at %d s: the history buffer moved (reallocated)", sec)
		}
	}
	h := g.History(p.Key(), nil)
	if len(h) < 32 || !h[len(h)-1].At.Equal(procNow.Add(3599*time.Second)) || h[len(h)-1].RSS != p.RSS {
		t.Errorf("history after an hour: %d samples, last %+v; want the newest reading last", len(h), h[len(h)-1])
	}
}

// TestGrowthNotFromStartup: a process that allocates 1.48 GiB in its first
// second and then stays flat has no growth ("new") until it has been
// followed for a whole window, and then none: its start-up is not growth.
// Before, 20 s later it read about +3.7 GiB a minute.
func TestGrowthNotFromStartup(t *testing.T) {
	g := NewGrowthTracker(GrowthConfig{})
	old := Proc{PID: 10, Start: 100, Program: "postgres", PPID: 1, RSS: 300 << 20}
	tab := procTableAt(0, old)
	g.Observe(&tab, nil)
	starter := Proc{PID: 20, Start: 500, Program: "java", PPID: 1, RSS: 40 << 20}
	for sec := 1; sec <= 120; sec++ {
		if sec > 1 {
			starter.RSS = 1516 << 20 // 1.48 GiB after its first second
		}
		tab := procTableAt(sec, old, starter)
		g.Observe(&tab, nil)
		p := tab.Procs[1]
		switch {
		case sec <= 61:
			if p.GrowthOK || p.Mark&MarkNew == 0 {
				t.Fatalf("at %d s: growth %v (ok %v), mark %v; want new, no growth yet", sec, p.Growth*60/(1<<20), p.GrowthOK, p.Mark)
			}
		default:
			if !p.GrowthOK || p.Growth != 0 || p.Mark&MarkNew != 0 {
				t.Fatalf("at %d s: growth %.1f MiB/min (ok %v), mark %v; want 0 measured over a window", sec, p.Growth*60/(1<<20), p.GrowthOK, p.Mark)
			}
			if p.GrowthSpan < time.Minute || p.GrowthSpan > 75*time.Second {
				t.Fatalf("at %d s: measured over %s, want one to 1¼ windows", sec, p.GrowthSpan)
			}
		}
	}
}
