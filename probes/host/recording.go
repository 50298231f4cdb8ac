package host

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/record"
)

// WhyRecording is why a recording refuses actions.
const WhyRecording = "replaying a recording: actions run only on a live host"

// errNotRecorded fills what a recording does not keep (a process's maps,
// its open files): the detail pane says so instead of reading the live
// process of the same pid.
var errNotRecorded = fmt.Errorf("not kept in a recording: %w", probes.ErrUnavailable)

// Recording is a recorded host (`memtui replay FILE`): every source
// answers with the sample at or before the cursor's moment, so the whole
// dashboard shows the machine as it was then. Nothing is read from the
// live host, and actions are refused.
type Recording struct {
	rec  *record.Recording
	cur  *record.Cursor
	path string
}

// NewRecording returns the host of a loaded recording, seen at cur.
func NewRecording(path string, rec *record.Recording, cur *record.Cursor) *Recording {
	return &Recording{rec: rec, cur: cur, path: path}
}

// Name is the recorded machine's hostname, else the file's name.
func (h *Recording) Name() string {
	if h.rec.Header.Host != "" {
		return h.rec.Header.Host
	}
	if b := filepath.Base(h.path); b != "." && b != string(filepath.Separator) && b != "" {
		return b
	}
	return "recording"
}

// BootID is the recorded boot's id.
func (h *Recording) BootID() string { return h.rec.Header.BootID }

// Kind is KindReplay: a recording is a replay of the past.
func (h *Recording) Kind() Kind { return KindReplay }

// CanAct always refuses: the commands would run on the live machine.
func (h *Recording) CanAct() error { return &ReadOnlyError{Why: WhyRecording} }

// Facts are the header's.
func (h *Recording) Facts(context.Context) Facts {
	hd := h.rec.Header
	return Facts{Name: h.Name(), BootID: h.BootID(), Kernel: hd.Kernel, Platform: hd.Platform, CPUs: hd.CPUs, BootTime: hd.BootTime}
}

// Memory reads the memory sample at the cursor.
func (h *Recording) Memory() MemorySource { return recMemory{h} }

type recMemory struct{ h *Recording }

func (s recMemory) Read() probes.Memory {
	now := s.h.cur.Now()
	i := s.h.rec.MemAt(now)
	if i < 0 {
		return probes.Memory{Time: now, MeminfoErr: fmt.Errorf("%s: no memory sample before %s: %w", s.h.path, now.Format(time.RFC3339), probes.ErrUnavailable)}
	}
	return s.h.rec.Mem[i].Memory
}

// Processes reads the recorded top processes at the cursor (growth as
// recorded: the tracker's config does not apply).
func (h *Recording) Processes(probes.GrowthConfig) ProcSource { return recProcs{h} }

type recProcs struct{ h *Recording }

// table is a copy of the process reading at the cursor.
func (s recProcs) table() (probes.ProcTable, error) {
	now := s.h.cur.Now()
	i := s.h.rec.ProcsAt(now)
	if i < 0 {
		return probes.ProcTable{At: now}, fmt.Errorf("%s: no process reading before %s: %w", s.h.path, now.Format(time.RFC3339), probes.ErrUnavailable)
	}
	t := s.h.rec.Procs[i].Table
	t.Procs = append([]probes.Proc(nil), t.Procs...) // the caller may reuse it
	return t, nil
}

func (s recProcs) Scan(req probes.ProcScanRequest) (probes.ProcScanResult, error) {
	t, err := s.table()
	if err != nil {
		return probes.ProcScanResult{}, err
	}
	res := probes.ProcScanResult{Table: t}
	if len(req.HistoryFor) > 0 {
		// The sparklines: each process's recorded RSS up to the moment.
		res.Histories = make(map[probes.ProcKey][]probes.RSSSample, len(req.HistoryFor))
		for _, k := range req.HistoryFor {
			if h := s.history(k, req.HistoryPoints); len(h) > 0 {
				res.Histories[k] = h
			}
		}
	}
	return res, nil
}

// history is k's recorded RSS up to the cursor, the last n samples (n 0:
// all of them).
func (s recProcs) history(k probes.ProcKey, n int) []probes.RSSSample {
	var hist []probes.RSSSample
	for _, ps := range s.h.rec.Procs[:s.h.rec.ProcsAt(s.h.cur.Now())+1] {
		for _, p := range ps.Table.Procs {
			if p.Key() == k {
				hist = append(hist, probes.RSSSample{At: ps.At, RSS: p.RSS})
				break
			}
		}
	}
	if n > 0 && len(hist) > n {
		hist = hist[len(hist)-n:]
	}
	return hist
}

func (s recProcs) Detail(k probes.ProcKey, table *probes.ProcTable) (probes.ProcDetail, []probes.RSSSample, error) {
	t, err := s.table()
	if err != nil {
		return probes.ProcDetail{}, nil, err
	}
	hist := s.history(k, 0)
	for _, p := range t.Procs {
		if p.Key() != k {
			continue
		}
		d := probes.ProcDetail{Proc: p, SmapsErr: errNotRecorded, StatmErr: errNotRecorded, OOMErr: errNotRecorded,
			CgroupErr: errNotRecorded, FDsErr: errNotRecorded}
		if bt := s.h.rec.Header.BootTime; !bt.IsZero() {
			d.StartedAt = bt.Add(time.Duration(p.Start) * time.Second / 100) // USER_HZ is 100 on Linux
		}
		return d, hist, nil
	}
	return probes.ProcDetail{}, hist, fmt.Errorf("pid %d at this moment of the recording: %w", k.PID, probes.ErrProcessGone)
}

// TopProcesses is the recorded top n at the cursor (interval ignored:
// the recorded growth is the growth).
func (h *Recording) TopProcesses(_ context.Context, n int, _ time.Duration, memTotal uint64) ([]probes.SnapshotProc, error) {
	t, err := recProcs{h}.table()
	if err != nil {
		return nil, err
	}
	procs := t.Procs
	sort.SliceStable(procs, func(i, j int) bool {
		if procs[i].RSS != procs[j].RSS {
			return procs[i].RSS > procs[j].RSS
		}
		return procs[i].PID < procs[j].PID
	})
	if n >= 0 && len(procs) > n {
		procs = procs[:n]
	}
	out := make([]probes.SnapshotProc, 0, len(procs))
	for _, p := range procs {
		r := probes.SnapshotProc{PID: p.PID, User: p.User, Comm: p.Comm, RSSBytes: p.RSS, MemPercent: p.MemPercent(memTotal),
			Cmdline: p.Cmdline, Program: p.Program, Restarted: p.Mark&probes.MarkRestarted != 0}
		if p.SwapOK {
			v := p.Swap
			r.SwapBytes = &v
		}
		if p.GrowthOK {
			v := p.Growth * 60
			r.Growth = &v
		}
		out = append(out, r)
	}
	return out, nil
}

// OOM is the recorded kills up to the cursor; following, Next hands out
// each kill as play or a step passes it.
func (h *Recording) OOM(context.Context, bool) OOMSource { return &recOOM{h: h, seen: h.killsUpTo()} }

// killsUpTo counts the kills recorded at or before the cursor.
func (h *Recording) killsUpTo() int {
	now := h.cur.Now()
	n := 0
	for _, at := range h.rec.KillAt {
		if !at.After(now) {
			n++
		}
	}
	return n
}

type recOOM struct {
	h    *Recording
	seen int
}

func (s *recOOM) Kills() []probes.OOMKill {
	return append([]probes.OOMKill(nil), s.h.rec.Kills[:s.h.killsUpTo()]...)
}

func (s *recOOM) Status() probes.OOMSourceStatus {
	return probes.OOMSourceStatus{Source: probes.OOMSourceFile, What: "recorded in " + s.h.path,
		Attempts: []probes.OOMAttempt{{Source: probes.OOMSourceFile, What: s.h.path}}}
}

// StartCount is the oom_kill counter of the first sample.
func (s *recOOM) StartCount() probes.Val {
	if len(s.h.rec.Mem) == 0 {
		return probes.Val{}
	}
	return s.h.rec.Mem[0].Memory.VMStat.OOMKill
}

// pollEvery is how often Next looks whether the cursor passed a kill: the
// cursor has no channel, and a fifth of a second is below what people see.
const pollEvery = 200 * time.Millisecond

func (s *recOOM) Next(ctx context.Context) ([]probes.OOMKill, error) {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		n := s.h.killsUpTo()
		if n > s.seen {
			ks := append([]probes.OOMKill(nil), s.h.rec.Kills[s.seen:n]...)
			s.seen = n
			return ks, nil
		}
		// Stepping back hides kills again; Kills() answers for the moment.
		s.seen = n
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// WhyPGNotRecorded is why a recording without PostgreSQL readings shows none.
const WhyPGNotRecorded = "PostgreSQL was not recorded (record with --pg DSN to keep it)"

// Postgres is the recorded PostgreSQL reading at the cursor.
func (h *Recording) Postgres() (PGSource, string) {
	if len(h.rec.PG) == 0 {
		return nil, WhyPGNotRecorded
	}
	return recPG{h}, ""
}

type recPG struct{ h *Recording }

func (s recPG) Read(context.Context) probes.PGReading {
	now := s.h.cur.Now()
	i := s.h.rec.PGAt(now)
	if i < 0 {
		return probes.PGReading{Time: now, Err: &probes.PGError{Kind: probes.PGErrConfig, Msg: "no PostgreSQL reading recorded before this moment"}}
	}
	return s.h.rec.PG[i]
}

// Close releases nothing: the recording is in memory.
func (h *Recording) Close() error { return nil }
