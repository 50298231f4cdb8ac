// Package record keeps what memtui saw over time in a compact, bounded,
// crash-safe file, so an incident can be replayed after the fact: memory,
// swap, paging counters and pressure every interval; the top processes
// every few seconds; each PostgreSQL reading; OOM kills and events
// (severity changes, actions).
//
// The file is a sequence of gzip members, one per block of lines; each
// line is one JSON object (a "sample"). A block is written whole, then
// fsynced, so a recording cut by a crash — mid-block or mid-line — loads
// up to its last whole sample (Load). gzip, not a delta encoding: the
// process table repeats itself from one reading to the next and deflate
// finds that on its own, at a fraction of the code (see the benchmarks
// for the size and the CPU).
//
// It imports only the standard library and probes, so the headless
// recorder, the Recording host and the tests share it without a screen.
package record

import (
	"errors"
	"sort"
	"time"

	"github.com/memtui/memtui/probes"
)

// Version is the format's version, in the header line.
const Version = 1

// Line kinds: the "t" field of every line.
const (
	kindHeader = "h"
	kindMem    = "m"
	kindProcs  = "p"
	kindPG     = "pg"
	kindKill   = "k"
	kindEvent  = "e"
)

// Header is the first line: which machine and how it was sampled.
type Header struct {
	Version   int       `json:"v"`
	Host      string    `json:"host"`
	BootID    string    `json:"boot_id,omitempty"`
	Kernel    string    `json:"kernel,omitempty"`
	Platform  string    `json:"platform,omitempty"`
	CPUs      int       `json:"cpus,omitempty"`
	BootTime  time.Time `json:"boot_time,omitzero"`
	Started   time.Time `json:"started"`
	Interval  Duration  `json:"interval"`   // memory sampling
	ProcEvery Duration  `json:"proc_every"` // process table sampling
	TopN      int       `json:"top_n"`      // processes kept per reading
}

// Duration is a time.Duration as milliseconds in JSON.
type Duration = int64

// Event kinds recorded besides samples.
const (
	EventSeverity = "severity" // memory crossed a threshold
	EventKill     = "kill"     // the OOM killer took a process
	EventAction   = "action"   // an action ran
	EventNote     = "note"
)

// Event is something worth jumping to.
type Event struct {
	At   time.Time `json:"-"`
	Kind string    `json:"kind"`
	Text string    `json:"text"`
}

// MemSample is one memory reading as recorded.
type MemSample struct {
	At     time.Time
	Memory probes.Memory
}

// ProcSample is one reading of the top processes (Table.Procs holds at
// most Header.TopN, largest RSS first).
type ProcSample struct {
	At    time.Time
	Table probes.ProcTable
}

// line is every sample's JSON shape; each kind fills its own fields.
// Values are -1 when unknown (probes.Val with OK false), so the figures
// stay plain numbers that deflate compresses well.
type line struct {
	T  string `json:"t"`
	TS int64  `json:"ts,omitempty"` // unix milliseconds

	Header *Header `json:"h,omitempty"`

	// memory
	MI     []int64   `json:"mi,omitempty"` // meminfoFields order
	MIErr  *errLine  `json:"mie,omitempty"`
	VM     []int64   `json:"vm,omitempty"` // pswpin, pswpout, pgmajfault, oom_kill
	VMErr  *errLine  `json:"vme,omitempty"`
	PSI    []float64 `json:"psi,omitempty"` // some avg10/60/300/total, full (when known) the same
	PSIErr *errLine  `json:"psie,omitempty"`
	CG     *cgLine   `json:"cg,omitempty"`
	CGErr  *errLine  `json:"cge,omitempty"`

	// processes
	Procs    []procLine `json:"p,omitempty"`
	NProcs   int        `json:"n,omitempty"`  // processes in the whole table
	KThreads int        `json:"kt,omitempty"` // kernel threads left out
	Denied   int        `json:"dn,omitempty"`

	PG    *pgLine         `json:"pg,omitempty"`
	Kill  *probes.OOMKill `json:"k,omitempty"`
	Event *Event          `json:"e,omitempty"`
}

// cgLine is probes.Cgroup.
type cgLine struct {
	Version int    `json:"v"`
	Path    string `json:"p"`
	Limit   int64  `json:"l"`
	Usage   int64  `json:"u"`
	SwapMax int64  `json:"s"`
}

// procLine is one process of a reading.
type procLine struct {
	PID     int32    `json:"p"`
	PPID    int32    `json:"pp,omitempty"`
	UID     uint32   `json:"u"`
	Start   uint64   `json:"s"`
	RSS     uint64   `json:"r"`
	Swap    *uint64  `json:"w,omitempty"`
	PSS     *uint64  `json:"ps,omitempty"`
	Growth  *float64 `json:"g,omitempty"` // bytes per second
	State   string   `json:"st,omitempty"`
	Threads int32    `json:"th,omitempty"`
	Mark    uint8    `json:"mk,omitempty"`
	Comm    string   `json:"c"`
	User    string   `json:"us,omitempty"`
	Program string   `json:"pr,omitempty"` // omitted when it is the comm
	Cmdline *string  `json:"cmd,omitempty"`
}

// errLine keeps a source's error: its words and whether it was one of the
// sentinels screens tell apart (no PSI is not a failure).
type errLine struct {
	Msg  string `json:"m"`
	Kind string `json:"k,omitempty"` // "unavailable", "parse"
}

func encodeErr(err error) *errLine {
	if err == nil {
		return nil
	}
	e := &errLine{Msg: err.Error()}
	switch {
	case errors.Is(err, probes.ErrUnavailable):
		e.Kind = "unavailable"
	case errors.Is(err, probes.ErrParse):
		e.Kind = "parse"
	}
	return e
}

// recordedError is an error read back from a recording: the same words,
// and errors.Is still finds the sentinel it wrapped.
type recordedError struct {
	msg      string
	sentinel error
}

func (e *recordedError) Error() string { return e.msg }
func (e *recordedError) Unwrap() error { return e.sentinel }

func (e *errLine) decode() error {
	if e == nil {
		return nil
	}
	r := &recordedError{msg: e.Msg}
	switch e.Kind {
	case "unavailable":
		r.sentinel = probes.ErrUnavailable
	case "parse":
		r.sentinel = probes.ErrParse
	}
	return r
}

func val(v probes.Val) int64 {
	if !v.OK {
		return -1
	}
	return int64(v.V)
}

func unval(v int64) probes.Val {
	if v < 0 {
		return probes.Val{}
	}
	return probes.Val{V: uint64(v), OK: true}
}

// meminfoFields are the recorded meminfo fields, in file order. A new
// field goes at the end: old recordings then read it as unknown.
func meminfoFields(m *probes.Meminfo) []*probes.Val {
	return []*probes.Val{&m.MemTotal, &m.MemFree, &m.MemAvailable, &m.Buffers, &m.Cached, &m.SwapCached,
		&m.SwapTotal, &m.SwapFree, &m.Dirty, &m.Writeback, &m.AnonPages, &m.Shmem, &m.SReclaimable,
		&m.SUnreclaim, &m.CommitLimit, &m.CommittedAS, &m.HugeTotal}
}

func vmstatFields(v *probes.VMStat) []*probes.Val {
	return []*probes.Val{&v.PswpIn, &v.PswpOut, &v.PgMajFault, &v.OOMKill}
}

// memLine encodes a memory reading.
func memLine(m probes.Memory) line {
	l := line{T: kindMem, TS: m.Time.UnixMilli(), MIErr: encodeErr(m.MeminfoErr), VMErr: encodeErr(m.VMStatErr),
		PSIErr: encodeErr(m.PSIErr), CGErr: encodeErr(m.CgroupErr)}
	if m.MeminfoErr == nil {
		for _, v := range meminfoFields(&m.Meminfo) {
			l.MI = append(l.MI, val(*v))
		}
	}
	if m.VMStatErr == nil {
		for _, v := range vmstatFields(&m.VMStat) {
			l.VM = append(l.VM, val(*v))
		}
	}
	if m.PSIErr == nil && m.PSI.Some.OK {
		s := m.PSI.Some
		l.PSI = []float64{s.Avg10, s.Avg60, s.Avg300, float64(s.TotalMicros)}
		if f := m.PSI.Full; f.OK {
			l.PSI = append(l.PSI, f.Avg10, f.Avg60, f.Avg300, float64(f.TotalMicros))
		}
	}
	if m.CgroupErr == nil && (m.Cgroup.Version != 0) {
		c := m.Cgroup
		l.CG = &cgLine{Version: c.Version, Path: c.Path, Limit: val(c.Limit), Usage: val(c.Usage), SwapMax: val(c.SwapMax)}
	}
	return l
}

// memory decodes a memory line.
func (l *line) memory() probes.Memory {
	m := probes.Memory{Time: time.UnixMilli(l.TS), MeminfoErr: l.MIErr.decode(), VMStatErr: l.VMErr.decode(),
		PSIErr: l.PSIErr.decode(), CgroupErr: l.CGErr.decode()}
	for i, v := range meminfoFields(&m.Meminfo) {
		if i < len(l.MI) {
			*v = unval(l.MI[i])
		}
	}
	for i, v := range vmstatFields(&m.VMStat) {
		if i < len(l.VM) {
			*v = unval(l.VM[i])
		}
	}
	if len(l.PSI) >= 4 {
		m.PSI.Some = probes.PSILine{Avg10: l.PSI[0], Avg60: l.PSI[1], Avg300: l.PSI[2], TotalMicros: uint64(l.PSI[3]), OK: true}
	}
	if len(l.PSI) >= 8 {
		m.PSI.Full = probes.PSILine{Avg10: l.PSI[4], Avg60: l.PSI[5], Avg300: l.PSI[6], TotalMicros: uint64(l.PSI[7]), OK: true}
	}
	if m.MeminfoErr == nil && len(l.MI) == 0 {
		m.MeminfoErr = &recordedError{msg: "meminfo: not recorded", sentinel: probes.ErrUnavailable}
	}
	if c := l.CG; c != nil {
		m.Cgroup = probes.Cgroup{Version: c.Version, Path: c.Path, Limit: unval(c.Limit), Usage: unval(c.Usage), SwapMax: unval(c.SwapMax)}
	} else if m.CgroupErr == nil {
		m.CgroupErr = &recordedError{msg: "no memory cgroup recorded", sentinel: probes.ErrUnavailable}
	}
	return m
}

// procsLine encodes the top n processes of a table by RSS.
func procsLine(t probes.ProcTable, n int) line {
	return topLine(t, topByRSS(t.Procs, n), len(t.Procs))
}

// handedLine encodes the top n processes of a handed table: Hand already
// put its rows largest first, so they are taken as they are.
func handedLine(h Handed, n int) line {
	top := h.Table.Procs
	if n > 0 && len(top) > n {
		top = top[:n]
	}
	return topLine(h.Table, top, h.Count)
}

// topLine encodes top, the largest processes of t by RSS (largest first),
// from a table of count processes.
func topLine(t probes.ProcTable, top []probes.Proc, count int) line {
	l := line{T: kindProcs, TS: t.At.UnixMilli(), NProcs: count, KThreads: t.KernelThreads, Denied: t.Denied}
	l.Procs = make([]procLine, 0, len(top))
	for _, p := range top {
		pl := procLine{PID: p.PID, PPID: p.PPID, UID: p.UID, Start: p.Start, RSS: p.RSS, Threads: p.Threads,
			Mark: uint8(p.Mark), Comm: p.Comm, User: p.User}
		if p.State != 0 {
			pl.State = string(p.State)
		}
		if p.Program != p.Comm {
			pl.Program = p.Program
		}
		if p.SwapOK {
			pl.Swap = &p.Swap
		}
		if p.PSSOK {
			pl.PSS = &p.PSS
		}
		if p.GrowthOK {
			g := float64(int64(p.Growth)) // whole bytes per second: the rest is noise that costs bytes
			pl.Growth = &g
		}
		if p.CmdlineOK {
			pl.Cmdline = &p.Cmdline
		}
		l.Procs = append(l.Procs, pl)
	}
	return l
}

// table decodes a processes line.
func (l *line) table() probes.ProcTable {
	t := probes.ProcTable{At: time.UnixMilli(l.TS), KernelThreads: l.KThreads, Denied: l.Denied, Procs: make([]probes.Proc, 0, len(l.Procs))}
	for _, pl := range l.Procs {
		p := probes.Proc{PID: pl.PID, PPID: pl.PPID, UID: pl.UID, Start: pl.Start, RSS: pl.RSS, Threads: pl.Threads,
			Mark: probes.ProcMark(pl.Mark), Comm: pl.Comm, User: pl.User, Program: pl.Program}
		if pl.State != "" {
			p.State = pl.State[0]
		}
		if p.Program == "" {
			p.Program = p.Comm
		}
		if pl.Swap != nil {
			p.Swap, p.SwapOK = *pl.Swap, true
		}
		if pl.PSS != nil {
			p.PSS, p.PSSOK = *pl.PSS, true
		}
		if pl.Growth != nil {
			p.Growth, p.GrowthOK = *pl.Growth, true
		}
		if pl.Cmdline != nil {
			p.Cmdline, p.CmdlineOK = *pl.Cmdline, true
		}
		t.Procs = append(t.Procs, p)
	}
	return t
}

// topByRSS is the n largest processes by RSS, largest first (pid breaks
// ties), all of them when n <= 0. It keeps only the n it returns: a
// recording takes the top 50 of a table of 10,000 every few seconds, and
// copying and sorting the whole table for them was most of its cost.
func topByRSS(procs []probes.Proc, n int) []probes.Proc {
	before := func(a, b *probes.Proc) bool {
		if a.RSS != b.RSS {
			return a.RSS > b.RSS
		}
		return a.PID < b.PID
	}
	if n <= 0 || n >= len(procs) {
		out := append([]probes.Proc(nil), procs...)
		sort.Slice(out, func(i, j int) bool { return before(&out[i], &out[j]) })
		return out
	}
	out := make([]probes.Proc, 0, n)
	for i := range procs {
		p := &procs[i]
		if len(out) == n && !before(p, &out[n-1]) {
			continue
		}
		j := sort.Search(len(out), func(k int) bool { return before(p, &out[k]) })
		if len(out) < n {
			out = append(out, probes.Proc{})
		}
		copy(out[j+1:], out[j:len(out)-1])
		out[j] = *p
	}
	return out
}
