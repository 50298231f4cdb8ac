package probes

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math"
	"slices"
	"sort"
	"time"
)

// OOMKill is one process killed because memory ran out: by the kernel OOM
// killer (global, cpuset, mempolicy or memory-cgroup constraint) or by a
// userspace killer (earlyoom). The first twelve fields are the fixed "kill"
// of docs/DESIGN.md; a pointer is nil (JSON null) when the log does not say, which
// is common: older kernels print fewer fields and the kernel rate-limits the
// report around the kill line.
type OOMKill struct {
	PID         int      `json:"pid"`           // "Killed process PID (comm)"
	Comm        string   `json:"comm"`          // the victim's comm, may hold spaces and parens
	UID         *int     `json:"uid"`           // "UID:" of the kill line or "uid=" of oom-kill: (5.x+)
	TotalVMKB   *int64   `json:"total_vm_kb"`   // total-vm: (vsz: on 2.6)
	AnonRSSKB   *int64   `json:"anon_rss_kb"`   // anon-rss:
	FileRSSKB   *int64   `json:"file_rss_kb"`   // file-rss:
	ShmemRSSKB  *int64   `json:"shmem_rss_kb"`  // shmem-rss: (4.5+)
	OOMScoreAdj *int     `json:"oom_score_adj"` // oom_score_adj: of the victim (5.x+)
	Constraint  *string  `json:"constraint"`    // global, cpuset, mempolicy or memcg
	Memcg       *string  `json:"memcg"`         // the victim's memory cgroup (task_memcg= or "Task in")
	KernelTimeS *float64 `json:"kernel_time_s"` // seconds since boot, from the kernel's own stamp

	// Time is the wall-clock time: the log's own stamp when it has one, else
	// the boot time (btime of <proc>/stat) plus KernelTimeS.
	Time *time.Time `json:"time"`

	// Extras beyond docs/DESIGN.md's fixed kill.
	Source       string  `json:"source"`                   // "kernel" or "earlyoom"
	TriggerComm  *string `json:"trigger_comm"`             // "COMM invoked oom-killer:" — who asked for memory
	TriggerPID   *int    `json:"trigger_pid"`              // from the "CPU: … PID: N Comm:" line after it
	GFPMask      *string `json:"gfp_mask"`                 // gfp_mask= of the failed allocation
	Order        *int    `json:"order"`                    // order= of the failed allocation
	OOMMemcg     *string `json:"oom_memcg"`                // the cgroup whose limit was hit (oom_memcg=, "limit of")
	PgtablesKB   *int64  `json:"pgtables_kb"`              // pgtables: (5.x+)
	Score        *int    `json:"score"`                    // "score S or sacrifice child" (before 5.2)
	RSSKB        *int64  `json:"rss_kb,omitempty"`         // earlyoom's VmRSS
	Reaped       bool    `json:"reaped"`                   // an "oom_reaper: reaped process" line followed
	SharedMMWith *int    `json:"shared_mm_with,omitempty"` // "Kill process N sharing same memory" as the victim PID
}

// OOMUnitKill is a whole cgroup killed by systemd-oomd. The journal line names
// the cgroup and the reason but no pid, so it is not an OOMKill.
type OOMUnitKill struct {
	Time   *time.Time `json:"time"`
	Cgroup string     `json:"cgroup"`
	Reason string     `json:"reason"`
	Source string     `json:"source"` // "systemd-oomd"
}

// OOMLog is what the parser found in one kernel log.
type OOMLog struct {
	Kills      []OOMKill     `json:"kills"`      // one per killed process, oldest first
	UnitKills  []OOMUnitKill `json:"unit_kills"` // systemd-oomd cgroup kills, oldest first
	Invoked    int           `json:"invoked"`    // "invoked oom-killer" lines: OOM events (a kill may be rate-limited away)
	Suppressed int           `json:"suppressed"` // OOM report lines the kernel rate-limited ("N callbacks suppressed")
}

// OOMParseOptions tells the parser how to turn stamps into wall-clock time.
type OOMParseOptions struct {
	// BootTime is btime of <proc>/stat; zero leaves kernel-stamped lines
	// without a wall time unless the log carries its own.
	BootTime time.Time
	// Location is the zone of stamps that carry none (syslog, dmesg -T);
	// nil means UTC.
	Location *time.Location
	// Now dates syslog stamps, which have no year: the latest year that does
	// not put the stamp more than a day after Now. Zero means time.Now().
	Now time.Time
	// MaxKills bounds the kills kept (oldest dropped); 0 means no bound.
	MaxKills int
}

// ParseOOM reads a kernel log in any of the forms the kernel, dmesg,
// syslog and journald write (they may be mixed) and returns one record per
// killed process. It fails only when reading r fails.
func ParseOOM(r io.Reader, opts OOMParseOptions) (OOMLog, error) {
	p := NewOOMParser(opts)
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte // a line longer than the buffer, kept only up to MaxLogLine
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(long) < MaxLogLine {
				long = append(long, line...)
			}
			continue
		}
		if long != nil {
			if len(long) < MaxLogLine {
				long = append(long, line...)
			}
			line, long = long, nil
		}
		if len(line) > 0 {
			p.line(ClipLine(bytes.TrimSuffix(line, []byte("\n"))))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return p.result(), err
		}
	}
	return p.result(), nil
}

// ParseOOMBytes is ParseOOM over a byte slice.
func ParseOOMBytes(b []byte, opts OOMParseOptions) OOMLog {
	p := NewOOMParser(opts)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			p.line(ClipLine(b))
			break
		}
		p.line(ClipLine(b[:i]))
		b = b[i+1:]
	}
	return p.result()
}

func ClipLine(b []byte) []byte {
	if len(b) > MaxLogLine {
		return b[:MaxLogLine]
	}
	return b
}

// oomEvent is what the lines before a kill line said about the OOM event
// they belong to. The kernel serialises OOM kills under oom_lock, so one
// event's lines are contiguous apart from the asynchronous oom_reaper.
type oomEvent struct {
	active      bool
	stamp       oomStamp
	triggerComm *string
	triggerPID  *int
	gfpMask     *string
	order       *int
	constraint  *string
	oomMemcg    *string
	groupMemcg  *string // "Tasks in /x are going to be killed due to memory.oom.group set"
	taskMemcg   *string
	taskPID     int // pid= of oom-kill:, 0 when not seen
	taskUID     *int
	chosenPID   int // "Kill process N … score S or sacrifice child"
	score       *int
	killed      bool // a kill line used this event; later kills inherit only in oom.group
}

// oomStamp is when a line was logged, in whatever the prefix said.
type oomStamp struct {
	ktime   float64
	hasK    bool
	wall    time.Time
	hasWall bool
}

// near says whether two stamps can belong to one OOM event or one kill
// seen twice. Stamps that cannot be compared are assumed near.
func (a oomStamp) near(b oomStamp, window float64) bool {
	if a.hasK && b.hasK {
		return math.Abs(a.ktime-b.ktime) <= window
	}
	if a.hasWall && b.hasWall {
		// Wall stamps may come from different clocks (btime, syslog, dmesg -T
		// drift), so they get a minute of slack.
		d := a.wall.Sub(b.wall).Seconds()
		return math.Abs(d) <= window+60
	}
	return true
}

// OOMParser reads kernel log text line by line and assembles OOM kills:
// ParseOOMBytes runs it over a whole log, the follower in procfs feeds it
// as lines arrive.
type OOMParser struct {
	opts  OOMParseOptions
	loc   *time.Location
	now   time.Time
	ev    oomEvent
	log   OOMLog
	fresh int      // kills appended since the follower last took them
	table [][]byte // rows of a log viewer's table export, parsed by result
}

// NewOOMParser returns a parser with opts (a nil Location reads as UTC, a
// zero Now as the time of the call).
func NewOOMParser(opts OOMParseOptions) *OOMParser {
	p := &OOMParser{opts: opts, loc: opts.Location, now: opts.Now}
	if p.loc == nil {
		p.loc = time.UTC
	}
	if p.now.IsZero() {
		p.now = time.Now()
	}
	return p
}

// Feed parses one line of log text read at now (the reference for stamps
// without a year or a wall time).
func (p *OOMParser) Feed(now time.Time, raw []byte) {
	p.now = now
	p.line(raw)
}

// TakeFresh returns the kills completed since its last call, oldest first.
func (p *OOMParser) TakeFresh() []OOMKill {
	ks := p.log.Kills
	n := min(p.fresh, len(ks))
	p.fresh = 0
	return append([]OOMKill(nil), ks[len(ks)-n:]...)
}

// result returns the kills oldest first. Logs are mostly in order already;
// a log made of several captures (dmesg, then syslog) is sorted by wall time
// when every kill has one, else by kernel time when every kill has that.
func (p *OOMParser) result() OOMLog {
	p.flushTable()
	out := p.log
	// Empty, not nil: `memtui oom --json` prints [] for a log without kills.
	out.Kills = append(make([]OOMKill, 0, len(p.log.Kills)), p.log.Kills...)
	out.UnitKills = append(make([]OOMUnitKill, 0, len(p.log.UnitKills)), p.log.UnitKills...)
	allWall, allK := true, true
	for _, k := range out.Kills {
		allWall = allWall && k.Time != nil
		allK = allK && k.KernelTimeS != nil
	}
	switch {
	case allWall:
		sort.SliceStable(out.Kills, func(i, j int) bool { return out.Kills[i].Time.Before(*out.Kills[j].Time) })
	case allK:
		sort.SliceStable(out.Kills, func(i, j int) bool { return *out.Kills[i].KernelTimeS < *out.Kills[j].KernelTimeS })
	}
	return out
}

// line parses one line of log text.
func (p *OOMParser) line(raw []byte) {
	ll, ok := splitLogPrefix(raw)
	if !ok {
		return
	}
	if ll.wallKind == wallTable {
		// Log viewers export newest first; an event's lines must be read
		// in the kernel's order, so table rows wait for result().
		if len(p.table) < maxTableRows {
			p.table = append(p.table, append([]byte(nil), raw...))
		}
		return
	}
	p.handle(ll)
}

// maxTableRows bounds the table-export rows held for reordering.
const maxTableRows = 1 << 20

// flushTable parses the held table-export rows in the kernel's order:
// reversed when the export is newest first.
func (p *OOMParser) flushTable() {
	rows := p.table
	p.table = nil
	if len(rows) == 0 {
		return
	}
	first, _ := splitLogPrefix(rows[0])
	last, _ := splitLogPrefix(rows[len(rows)-1])
	t0, ok0 := first.wallTime(p.loc, p.now)
	t1, ok1 := last.wallTime(p.loc, p.now)
	if ok0 && ok1 && t0.After(t1) {
		slices.Reverse(rows)
	}
	for _, r := range rows {
		if ll, ok := splitLogPrefix(r); ok {
			p.handle(ll)
		}
	}
}

// handle parses one line whose prefix is taken apart.
func (p *OOMParser) handle(ll logLine) {
	msg := ll.msg
	if len(msg) < 8 {
		return
	}
	switch {
	case ll.ident == identEarlyOOM:
		p.earlyOOM(ll)
		return
	case ll.ident == identOOMD:
		p.systemdOOMD(ll)
		return
	case ll.ident != identKernel:
		return
	}
	switch msg[0] {
	case 'o':
		if bytes.HasPrefix(msg, []byte("oom-kill:")) {
			p.oomKillLine(ll)
			return
		}
		if bytes.HasPrefix(msg, []byte("oom_reaper: reaped process ")) {
			p.reaped(ll)
			return
		}
	case 'T':
		if bytes.HasPrefix(msg, []byte("Task in ")) {
			p.taskIn(ll)
			return
		}
		if bytes.HasPrefix(msg, []byte("Tasks in ")) {
			p.tasksIn(ll)
			return
		}
	case 'C':
		if p.ev.active && p.ev.triggerPID == nil && bytes.HasPrefix(msg, []byte("CPU: ")) {
			p.cpuLine(ll)
			return
		}
	}
	if bytes.Contains(msg, []byte("ill")) {
		if i := bytes.Index(msg, []byte(" invoked oom-killer: ")); i > 0 {
			p.invoked(ll, i)
			return
		}
		if i := bytes.Index(msg, []byte("Killed process ")); i >= 0 && (i == 0 || (i >= 2 && msg[i-2] == ':' && msg[i-1] == ' ')) {
			p.killed(ll, msg[:i], msg[i+len("Killed process "):])
			return
		}
		if i := bytes.Index(msg, []byte("Kill process ")); i >= 0 && (i == 0 || (i >= 2 && msg[i-2] == ':' && msg[i-1] == ' ')) {
			p.killProcess(ll, msg[:i], msg[i+len("Kill process "):])
			return
		}
	}
	if bytes.HasSuffix(msg, []byte(" callbacks suppressed")) {
		p.suppressed(msg)
	}
}

// stamp turns the prefix's stamps into times; called only for OOM lines so
// that noise costs no time parsing.
func (p *OOMParser) stamp(ll logLine) oomStamp {
	var s oomStamp
	if k, ok := ll.kernelTime(); ok {
		s.ktime, s.hasK = k, true
	}
	if w, ok := ll.wallTime(p.loc, p.now); ok {
		s.wall, s.hasWall = w, true
	} else if s.hasK && !p.opts.BootTime.IsZero() {
		w := p.opts.BootTime.Add(time.Duration(s.ktime * float64(time.Second))).In(p.loc)
		// A stamp later than now cannot be from this boot (a saved log of
		// another machine or boot): leave its wall time unknown rather
		// than invent one.
		if !w.After(p.now.Add(time.Minute)) {
			s.wall, s.hasWall = w, true
		}
	}
	return s
}

// invoked starts a new OOM event: "perl invoked oom-killer:
// gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0".
func (p *OOMParser) invoked(ll logLine, i int) {
	msg := ll.msg
	p.log.Invoked++
	ev := oomEvent{active: true, stamp: p.stamp(ll)}
	ev.triggerComm = oomP(string(msg[:i]))
	rest := msg[i+len(" invoked oom-killer: "):]
	for len(rest) > 0 {
		var f []byte
		if j := bytes.Index(rest, []byte(", ")); j >= 0 {
			f, rest = rest[:j], rest[j+2:]
		} else {
			f, rest = rest, nil
		}
		k, v, ok := bytes.Cut(f, []byte("="))
		if !ok {
			continue
		}
		switch string(k) {
		case "gfp_mask":
			ev.gfpMask = oomP(string(v))
		case "order":
			if n, ok := oomAtoi(v); ok {
				ev.order = oomP(n)
			}
		}
	}
	p.ev = ev
}

// cpuLine takes the trigger's pid from the stack dump header, "CPU: 1 UID: 0
// PID: 3290 Comm: perl Not tainted …" (5.x+ with UID, older without).
func (p *OOMParser) cpuLine(ll logLine) {
	msg := ll.msg
	i := bytes.Index(msg, []byte(" PID: "))
	if i < 0 {
		return
	}
	rest := msg[i+len(" PID: "):]
	j := bytes.Index(rest, []byte(" Comm: "))
	if j < 0 {
		return
	}
	pid, ok := oomAtoi(rest[:j])
	if !ok {
		return
	}
	comm := rest[j+len(" Comm: "):]
	// The comm is followed by " Not tainted"/" Tainted: …"; the trigger's
	// comm is known, so only accept the line when it matches.
	if tc := p.ev.triggerComm; tc != nil && (string(comm) == *tc || bytes.HasPrefix(comm, []byte(*tc+" "))) {
		p.ev.triggerPID = oomP(pid)
	}
}

// oomKillLine reads the 4.19+ summary:
// "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,
// mems_allowed=0,oom_memcg=/x,task_memcg=/x,task=perl,pid=3290,uid=0".
// The task's comm may contain commas, so pid and uid are taken from the end
// and task= from the last ",task=" before them.
func (p *OOMParser) oomKillLine(ll logLine) {
	msg := ll.msg[len("oom-kill:"):]
	st := p.stamp(ll)
	if !p.ev.active || !p.ev.stamp.near(st, 5) {
		// A summary whose header was rate-limited or cut off: it still
		// describes the next kill.
		p.ev = oomEvent{active: true, stamp: st}
	}
	ev := &p.ev
	ip := bytes.LastIndex(msg, []byte(",pid="))
	if ip < 0 {
		return
	}
	tail := msg[ip+len(",pid="):]
	pidB, uidB, _ := bytes.Cut(tail, []byte(",uid="))
	pid, ok := oomAtoi(pidB)
	if !ok {
		return
	}
	ev.taskPID = pid
	if uid, ok := oomAtoi(uidB); ok {
		ev.taskUID = oomP(uid)
	}
	head := msg[:ip]
	if it := bytes.LastIndex(head, []byte(",task=")); it >= 0 {
		head = head[:it]
	}
	for len(head) > 0 {
		var f []byte
		if j := bytes.IndexByte(head, ','); j >= 0 {
			f, head = head[:j], head[j+1:]
		} else {
			f, head = head, nil
		}
		k, v, _ := bytes.Cut(f, []byte("="))
		switch string(k) {
		case "constraint":
			ev.constraint = oomP(constraintName(v))
		case "oom_memcg":
			ev.oomMemcg = oomP(string(v))
		case "task_memcg":
			ev.taskMemcg = oomP(string(v))
		case "global_oom":
			if ev.constraint == nil {
				ev.constraint = oomP("global")
			}
		}
	}
}

// constraintName maps the kernel's enum oom_constraint to a short word.
func constraintName(v []byte) string {
	switch string(v) {
	case "CONSTRAINT_NONE":
		return "global"
	case "CONSTRAINT_CPUSET":
		return "cpuset"
	case "CONSTRAINT_MEMORY_POLICY":
		return "mempolicy"
	case "CONSTRAINT_MEMCG":
		return "memcg"
	}
	return string(v)
}

// taskIn reads the pre-4.19 memcg line "Task in /a killed as a result of
// limit of /b".
func (p *OOMParser) taskIn(ll logLine) {
	rest := ll.msg[len("Task in "):]
	i := bytes.Index(rest, []byte(" killed as a result of limit of "))
	if i < 0 {
		return
	}
	st := p.stamp(ll)
	if !p.ev.active || !p.ev.stamp.near(st, 5) {
		p.ev = oomEvent{active: true, stamp: st}
	}
	p.ev.taskMemcg = oomP(string(rest[:i]))
	p.ev.oomMemcg = oomP(string(rest[i+len(" killed as a result of limit of "):]))
	p.ev.constraint = oomP("memcg")
}

// tasksIn reads "Tasks in /x are going to be killed due to memory.oom.group
// set": every process of /x is killed, each with its own kill line.
func (p *OOMParser) tasksIn(ll logLine) {
	rest := ll.msg[len("Tasks in "):]
	i := bytes.Index(rest, []byte(" are going to be killed due to memory.oom.group set"))
	if i < 0 || !p.ev.active || !p.ev.stamp.near(p.stamp(ll), 10) {
		return
	}
	p.ev.groupMemcg = oomP(string(rest[:i]))
}

// killProcess reads the pre-5.2 "Out of memory: Kill process N (comm) score
// S or sacrifice child" (the chosen task; a child may be killed instead) and
// "Kill process N (comm) sharing same memory" (another process killed with
// the victim because it shares its mm).
func (p *OOMParser) killProcess(ll logLine, head, rest []byte) {
	pid, comm, tail, ok := pidComm(rest, []string{") score ", ") sharing same memory"})
	if !ok {
		return
	}
	st := p.stamp(ll)
	if bytes.HasPrefix(tail, []byte(") sharing same memory")) {
		// Killed with the victim just before it, because they share its
		// memory: same event, so same trigger and constraint.
		k := OOMKill{PID: pid, Comm: comm, Source: "kernel"}
		p.fill(&k, st, false)
		if n := len(p.log.Kills); n > 0 {
			v := p.log.Kills[n-1]
			k.SharedMMWith = oomP(v.PID)
			if v.SharedMMWith != nil {
				k.SharedMMWith = v.SharedMMWith // the victim, not its previous sharer
			}
			k.Constraint, k.OOMMemcg = v.Constraint, v.OOMMemcg
			k.TriggerComm, k.TriggerPID, k.GFPMask, k.Order = v.TriggerComm, v.TriggerPID, v.GFPMask, v.Order
		}
		p.add(k)
		return
	}
	if !p.ev.active || !p.ev.stamp.near(st, 5) {
		p.ev = oomEvent{active: true, stamp: st}
	}
	if p.ev.constraint == nil && bytes.Contains(head, []byte("Memory cgroup")) {
		p.ev.constraint = oomP("memcg")
	}
	p.ev.chosenPID = pid
	tail = tail[len(") score "):]
	if j := bytes.IndexByte(tail, ' '); j >= 0 {
		tail = tail[:j]
	}
	if s, ok := oomAtoi(tail); ok {
		p.ev.score = oomP(s)
	}
}

// killed reads the kill itself: "[Memory cgroup ]Out of memory: Killed
// process 3290 (perl) total-vm:73420kB, anon-rss:7936kB, file-rss:2104kB,
// shmem-rss:0kB, UID:0 pgtables:80kB oom_score_adj:0" and its older forms
// ("Killed process N (comm) total-vm:…" on its own line; vsz: on 2.6).
func (p *OOMParser) killed(ll logLine, head, rest []byte) {
	rest, rhelUID := rhel6Kill(rest)
	pid, comm, tail, ok := pidComm(rest, []string{") total-vm:", ") vsz:", "), UID:", ")"})
	if !ok {
		return
	}
	st := p.stamp(ll)
	k := OOMKill{PID: pid, Comm: comm, Source: "kernel", UID: rhelUID}
	fs := bytes.FieldsFunc(tail[1:], func(r rune) bool { return r == ' ' || r == ',' })
	for i, f := range fs {
		key, v, ok := bytes.Cut(f, []byte(":"))
		if !ok {
			// A short-lived form printed "UID 1000" without the colon.
			if string(f) != "UID" || i+1 >= len(fs) {
				continue
			}
			key, v = f, fs[i+1]
		}
		v = bytes.TrimSuffix(v, []byte("kB"))
		switch string(key) {
		case "total-vm", "vsz":
			k.TotalVMKB = oomAtoi64(v)
		case "anon-rss":
			k.AnonRSSKB = oomAtoi64(v)
		case "file-rss":
			k.FileRSSKB = oomAtoi64(v)
		case "shmem-rss":
			k.ShmemRSSKB = oomAtoi64(v)
		case "pgtables":
			k.PgtablesKB = oomAtoi64(v)
		case "UID":
			if n, ok := oomAtoi(v); ok {
				k.UID = oomP(n)
			}
		case "oom_score_adj":
			if n, ok := oomAtoi(v); ok {
				k.OOMScoreAdj = oomP(n)
			}
		}
	}
	if bytes.Contains(head, []byte("Memory cgroup")) {
		k.Constraint = oomP("memcg")
	}
	p.fill(&k, st, true)
	p.add(k)
}

// rhel6Kill rewrites RHEL 6's "215701, UID 679, (java) total-vm:…" to the
// usual "215701 (java) total-vm:…" and returns the uid; other forms pass
// through unchanged with a nil uid.
func rhel6Kill(rest []byte) ([]byte, *int) {
	c := bytes.Index(rest, []byte(", UID "))
	if c <= 0 || c > 10 || !allDigits(rest[:c]) {
		return rest, nil
	}
	after := rest[c+len(", UID "):]
	j := bytes.Index(after, []byte(", ("))
	if j <= 0 || j > 10 || !allDigits(after[:j]) {
		return rest, nil
	}
	uid, ok := oomAtoi(after[:j])
	if !ok {
		return rest, nil
	}
	out := make([]byte, 0, len(rest))
	out = append(out, rest[:c]...)
	out = append(out, ' ')
	out = append(out, after[j+2:]...)
	return out, &uid
}

// fill adds what the current event knows to a kill line's record.
func (p *OOMParser) fill(k *OOMKill, st oomStamp, consume bool) {
	if st.hasK {
		k.KernelTimeS = oomP(st.ktime)
	}
	if st.hasWall {
		k.Time = oomP(st.wall)
	}
	ev := &p.ev
	if !ev.active || !ev.stamp.near(st, 10) || (ev.killed && ev.groupMemcg == nil) {
		// A kill whose report was rate-limited away must not inherit the
		// previous event's trigger and cgroup.
		return
	}
	k.TriggerComm, k.TriggerPID, k.GFPMask, k.Order = ev.triggerComm, ev.triggerPID, ev.gfpMask, ev.order
	if ev.constraint != nil {
		k.Constraint = ev.constraint
	}
	k.OOMMemcg = ev.oomMemcg
	switch {
	case ev.taskPID == k.PID || (ev.taskPID == 0 && ev.taskMemcg != nil):
		// oom-kill: names this task, or the pre-4.19 "Task in" line (no
		// pid) came with this event.
		k.Memcg = ev.taskMemcg
		if k.UID == nil {
			k.UID = ev.taskUID
		}
	case ev.groupMemcg != nil:
		k.Memcg = ev.groupMemcg
	case ev.taskPID != 0 && ev.taskPID == ev.chosenPID && ev.taskMemcg != nil:
		// A child sacrificed for the chosen task: a child stays in its
		// parent's cgroup unless moved, so this is only a likely value; the
		// limit's cgroup is certain and given instead.
		k.Memcg = ev.oomMemcg
	}
	if ev.chosenPID == k.PID {
		k.Score = ev.score
	}
	if consume {
		ev.killed = true
	}
}

// add appends a kill or merges it into an earlier record of the same kill
// (the same line twice, or one kill in a log made of dmesg and syslog).
func (p *OOMParser) add(k OOMKill) {
	if i := p.find(k); i >= 0 {
		mergeKill(&p.log.Kills[i], k)
		return
	}
	if p.opts.MaxKills > 0 && len(p.log.Kills) >= p.opts.MaxKills {
		copy(p.log.Kills, p.log.Kills[1:])
		p.log.Kills = p.log.Kills[:len(p.log.Kills)-1]
	}
	p.log.Kills = append(p.log.Kills, k)
	p.fresh++
}

// find returns the index of a recent record describing the same kill, or -1.
func (p *OOMParser) find(k OOMKill) int {
	ks := p.log.Kills
	for i := len(ks) - 1; i >= 0 && i >= len(ks)-64; i-- {
		o := &ks[i]
		if o.PID != k.PID || o.Comm != k.Comm || o.Source != k.Source {
			continue
		}
		if sameKillTime(o, &k) {
			return i
		}
	}
	return -1
}

// sameKillTime says whether two records of one pid and comm can be one kill.
// A pid is not reused within seconds, so any pair of comparable stamps
// within a few seconds (or no comparable stamps at all) is one kill.
func sameKillTime(a, b *OOMKill) bool {
	var sa, sb oomStamp
	if a.KernelTimeS != nil {
		sa.ktime, sa.hasK = *a.KernelTimeS, true
	}
	if b.KernelTimeS != nil {
		sb.ktime, sb.hasK = *b.KernelTimeS, true
	}
	if a.Time != nil {
		sa.wall, sa.hasWall = *a.Time, true
	}
	if b.Time != nil {
		sb.wall, sb.hasWall = *b.Time, true
	}
	return sa.near(sb, 2)
}

// mergeKill fills the unknown fields of dst from src.
func mergeKill(dst *OOMKill, src OOMKill) {
	fillP(&dst.UID, src.UID)
	fillP(&dst.TotalVMKB, src.TotalVMKB)
	fillP(&dst.AnonRSSKB, src.AnonRSSKB)
	fillP(&dst.FileRSSKB, src.FileRSSKB)
	fillP(&dst.ShmemRSSKB, src.ShmemRSSKB)
	fillP(&dst.OOMScoreAdj, src.OOMScoreAdj)
	fillP(&dst.Constraint, src.Constraint)
	fillP(&dst.Memcg, src.Memcg)
	fillP(&dst.KernelTimeS, src.KernelTimeS)
	fillP(&dst.Time, src.Time)
	fillP(&dst.TriggerComm, src.TriggerComm)
	fillP(&dst.TriggerPID, src.TriggerPID)
	fillP(&dst.GFPMask, src.GFPMask)
	fillP(&dst.Order, src.Order)
	fillP(&dst.OOMMemcg, src.OOMMemcg)
	fillP(&dst.PgtablesKB, src.PgtablesKB)
	fillP(&dst.Score, src.Score)
	fillP(&dst.RSSKB, src.RSSKB)
	fillP(&dst.SharedMMWith, src.SharedMMWith)
	dst.Reaped = dst.Reaped || src.Reaped
}

func fillP[T any](dst **T, src *T) {
	if *dst == nil && src != nil {
		*dst = src
	}
}

// reaped marks a kill whose memory the oom_reaper took back: "oom_reaper:
// reaped process 3290 (perl), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB".
// The reaper runs asynchronously, so the line may come after the next
// event's header.
func (p *OOMParser) reaped(ll logLine) {
	rest := ll.msg[len("oom_reaper: reaped process "):]
	pid, comm, _, ok := pidComm(rest, []string{"), now "})
	if !ok {
		return
	}
	ks := p.log.Kills
	for i := len(ks) - 1; i >= 0 && i >= len(ks)-64; i-- {
		if ks[i].PID == pid && ks[i].Comm == comm && ks[i].Source == "kernel" {
			ks[i].Reaped = true
			return
		}
	}
	// The kill line was lost (log cut, ring buffer wrapped): the reaper
	// line alone still says the process was killed.
	k := OOMKill{PID: pid, Comm: comm, Source: "kernel", Reaped: true}
	st := p.stamp(ll)
	if st.hasK {
		k.KernelTimeS = oomP(st.ktime)
	}
	if st.hasWall {
		k.Time = oomP(st.wall)
	}
	p.add(k)
}

// suppressed counts rate-limited OOM report lines: "oom_kill_process: 3
// callbacks suppressed", "dump_header: 5 callbacks suppressed". The kill
// lines themselves are never rate-limited, only the report around them.
func (p *OOMParser) suppressed(msg []byte) {
	fn, rest, ok := bytes.Cut(msg, []byte(": "))
	if !ok || !(bytes.Contains(fn, []byte("oom")) || bytes.Equal(fn, []byte("dump_header"))) {
		return
	}
	n, _, _ := bytes.Cut(rest, []byte(" "))
	if v, ok := oomAtoi(n); ok && v > 0 {
		p.log.Suppressed += v
	}
}

// earlyOOM reads earlyoom's kill line, in its forms from 1.2 to 1.8:
// `sending SIGTERM to process 4242 uid 1000 "java": oom_score 900, VmRSS
// 1234 MiB, cmdline "…"` (1.2: no uid; before 1.7 "badness" for oom_score).
// SIGTERM then SIGKILL of one process is one kill.
func (p *OOMParser) earlyOOM(ll logLine) {
	msg := ll.msg
	if !bytes.HasPrefix(msg, []byte("sending SIG")) {
		return
	}
	_, rest, ok := bytes.Cut(msg, []byte(" to process "))
	if !ok {
		return
	}
	sp := bytes.IndexByte(rest, ' ')
	if sp < 0 {
		return
	}
	pid, ok := oomAtoi(rest[:sp])
	if !ok || pid <= 0 {
		return
	}
	rest = rest[sp+1:]
	k := OOMKill{PID: pid, Source: "earlyoom"}
	if bytes.HasPrefix(rest, []byte("uid ")) {
		rest = rest[len("uid "):]
		sp = bytes.IndexByte(rest, ' ')
		if sp < 0 {
			return
		}
		if uid, ok := oomAtoi(rest[:sp]); ok {
			k.UID = oomP(uid)
		}
		rest = rest[sp+1:]
	}
	if len(rest) == 0 || rest[0] != '"' {
		return
	}
	rest = rest[1:]
	end := -1
	for _, sep := range []string{`": oom_score `, `": badness `} {
		if i := bytes.LastIndex(rest, []byte(sep)); i >= 0 {
			end = i
			break
		}
	}
	if end < 0 {
		return
	}
	k.Comm = string(rest[:end])
	rest = rest[end+3:]
	for _, f := range bytes.Split(rest, []byte(", ")) {
		key, v, ok := bytes.Cut(f, []byte(" "))
		if !ok {
			continue
		}
		switch string(key) {
		case "oom_score", "badness":
			if n, ok := oomAtoi(v); ok {
				k.Score = oomP(n)
			}
		case "VmRSS":
			if n, ok := oomAtoi(bytes.TrimSuffix(v, []byte(" MiB"))); ok {
				k.RSSKB = oomP(int64(n) * 1024)
			}
		}
	}
	st := p.stamp(ll)
	if st.hasWall {
		k.Time = oomP(st.wall)
	}
	p.add(k)
}

// systemdOOMD reads "Killed /system.slice/x.service due to memory pressure
// for /system.slice being 81.23% > 50.00% for > 20s with reclaim activity"
// and the swap form "Killed /x due to swap used (…) / total (…) being more
// than 90.00%".
func (p *OOMParser) systemdOOMD(ll logLine) {
	msg := ll.msg
	if !bytes.HasPrefix(msg, []byte("Killed /")) {
		return
	}
	cg, reason, ok := bytes.Cut(msg[len("Killed "):], []byte(" due to "))
	if !ok {
		return
	}
	u := OOMUnitKill{Cgroup: string(cg), Reason: string(reason), Source: "systemd-oomd"}
	if st := p.stamp(ll); st.hasWall {
		u.Time = oomP(st.wall)
	}
	for _, o := range p.log.UnitKills {
		if o.Cgroup == u.Cgroup && o.Reason == u.Reason && (o.Time == nil || u.Time == nil || o.Time.Equal(*u.Time)) {
			return
		}
	}
	p.log.UnitKills = append(p.log.UnitKills, u)
}

// pidComm splits "N (comm)<tail>" where comm may hold spaces and
// parentheses: the comm ends at the last occurrence of the first terminator
// in ends that is found. tail starts at the closing parenthesis.
func pidComm(b []byte, ends []string) (pid int, comm string, tail []byte, ok bool) {
	sp := bytes.IndexByte(b, ' ')
	if sp <= 0 || sp+1 >= len(b) || b[sp+1] != '(' {
		return 0, "", nil, false
	}
	pid, ok = oomAtoi(b[:sp])
	if !ok || pid <= 0 {
		return 0, "", nil, false
	}
	rest := b[sp+2:]
	for _, e := range ends {
		if i := bytes.LastIndex(rest, []byte(e)); i >= 0 {
			return pid, string(rest[:i]), rest[i:], true
		}
	}
	return 0, "", nil, false
}

// oomAtoi parses a small signed decimal without allocating.
func oomAtoi(b []byte) (int, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

func oomAtoi64(b []byte) *int64 {
	n, ok := oomAtoi(b)
	if !ok {
		return nil
	}
	return oomP(int64(n))
}

func oomP[T any](v T) *T { return &v }
