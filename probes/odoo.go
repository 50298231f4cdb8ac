package probes

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/memtui/memtui/internal/units"
)

// OdooConfig is what memtui reads of odoo.conf: the keys that decide how
// much memory and how many database connections Odoo may take. A key the
// file does not set keeps Odoo's own default, and Set says which were set.
type OdooConfig struct {
	Path            string
	Workers         int    // 0: threaded mode, no worker processes and no memory limits
	MaxCronThreads  int    // cron workers in prefork mode
	LimitMemorySoft uint64 // bytes: a worker above it is recycled after its request
	LimitMemoryHard uint64 // bytes: a worker above it is killed at once
	LimitTimeCPU    int    // seconds
	LimitTimeReal   int    // seconds
	DBMaxconn       int    // connections per process
	Logfile         string
	Set             map[string]bool
}

// Odoo's defaults (odoo/tools/config.py) for the keys above.
const (
	OdooDefaultMaxCronThreads  = 2
	OdooDefaultLimitMemorySoft = 2048 << 20
	OdooDefaultLimitMemoryHard = 2560 << 20
	OdooDefaultLimitTimeCPU    = 60
	OdooDefaultLimitTimeReal   = 120
	OdooDefaultDBMaxconn       = 64
)

// OdooPrograms are the names a running Odoo goes by in the process table.
var OdooPrograms = []string{"odoo-bin", "odoo", "openerp-server", "odoo.py"}

// IsOdoo says whether a process's program is Odoo's.
func IsOdoo(program string) bool {
	for _, p := range OdooPrograms {
		if program == p {
			return true
		}
	}
	return false
}

// ParseOdooConf reads odoo.conf: an INI file whose settings sit under
// [options]. Comments (# and ;) and other sections are skipped; a value
// that does not read as the key's type is an error naming the line, so a
// limit is never guessed.
func ParseOdooConf(b []byte) (OdooConfig, error) {
	c := OdooConfig{
		MaxCronThreads: OdooDefaultMaxCronThreads, LimitMemorySoft: OdooDefaultLimitMemorySoft, LimitMemoryHard: OdooDefaultLimitMemoryHard,
		LimitTimeCPU: OdooDefaultLimitTimeCPU, LimitTimeReal: OdooDefaultLimitTimeReal, DBMaxconn: OdooDefaultDBMaxconn,
		Set: map[string]bool{},
	}
	section := ""
	for n := 1; len(b) > 0; n++ {
		var line []byte
		line, b = NextLine(b)
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			section = strings.TrimSpace(strings.Trim(string(line), "[]"))
			continue
		}
		if section != "options" {
			continue
		}
		k, v, ok := bytes.Cut(line, []byte("="))
		if !ok {
			k, v, ok = bytes.Cut(line, []byte(":"))
		}
		if !ok {
			continue
		}
		key, val := strings.TrimSpace(string(k)), strings.TrimSpace(string(v))
		// "workers = 4  # 2 * CPU cores + 1", as runbooks write it.
		if i := strings.Index(val, " #"); i >= 0 {
			val = strings.TrimSpace(val[:i])
		}
		var err error
		switch key {
		case "workers":
			c.Workers, err = odooInt(val)
		case "max_cron_threads":
			c.MaxCronThreads, err = odooInt(val)
		case "limit_memory_soft":
			c.LimitMemorySoft, err = odooBytes(val)
		case "limit_memory_hard":
			c.LimitMemoryHard, err = odooBytes(val)
		case "limit_time_cpu":
			c.LimitTimeCPU, err = odooInt(val)
		case "limit_time_real":
			c.LimitTimeReal, err = odooInt(val)
		case "db_maxconn":
			c.DBMaxconn, err = odooInt(val)
		case "logfile":
			if val != "False" && val != "None" {
				c.Logfile = val
			}
		default:
			continue
		}
		if err != nil {
			return c, fmt.Errorf("line %d: %s = %q: %w", n, key, val, err)
		}
		c.Set[key] = true
	}
	return c, nil
}

func odooInt(s string) (int, error) {
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("not a whole number ≥ 0")
	}
	return v, nil
}

// odooBytes reads a memory limit: Odoo reads it as a whole number of bytes
// (e.g. 2684354560), and so does memtui.
func odooBytes(s string) (uint64, error) {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("not a number of bytes")
	}
	return v, nil
}

// OdooProc is an Odoo process as the limits see it. On Linux Odoo measures
// a worker's virtual size (psutil's vms), not its RSS: limit_memory_soft
// is compared with VM after each request, and limit_memory_hard is the
// worker's RLIMIT_AS.
type OdooProc struct {
	PID, PPID int32
	RSS       uint64 // resident: what it holds of RAM
	VM        uint64 // virtual size (/proc/PID/statm size): what Odoo checks
}

// OdooWorker is one Odoo worker process and where it stands against the
// memory limits.
type OdooWorker struct {
	PID   int32
	RSS   uint64
	VM    uint64
	State OdooWorkerState
}

// OdooWorkerState is a worker's RSS against the limits, in words.
type OdooWorkerState string

// The worker states, worst last.
const (
	OdooWorkerOK       OdooWorkerState = "ok"
	OdooWorkerNearSoft OdooWorkerState = "near soft limit" // VM ≥ 90 % of limit_memory_soft
	OdooWorkerOverSoft OdooWorkerState = "over soft limit: recycled after its request"
	OdooWorkerAtHard   OdooWorkerState = "at hard limit: allocations fail (MemoryError)"
)

// WorkerState is where a worker of virtual size vm stands against c's
// limits (OK in threaded mode, where there are none).
func (c OdooConfig) WorkerState(vm uint64) OdooWorkerState {
	switch {
	case c.Workers == 0:
		return OdooWorkerOK
	case c.LimitMemoryHard > 0 && vm >= c.LimitMemoryHard/100*99:
		return OdooWorkerAtHard
	case c.LimitMemorySoft > 0 && vm >= c.LimitMemorySoft:
		return OdooWorkerOverSoft
	case c.LimitMemorySoft > 0 && vm >= c.LimitMemorySoft/10*9:
		return OdooWorkerNearSoft
	}
	return OdooWorkerOK
}

// OdooHost is what the arithmetic needs of the machine and PostgreSQL
// (zero: unknown, that check is skipped and said so).
type OdooHost struct {
	MemTotal         uint64
	CPUs             int
	PGSharedBuffers  uint64
	PGMaxConnections int
}

// OdooAssessment is Odoo on this host: its workers against their limits
// and the configuration's arithmetic against the machine.
type OdooAssessment struct {
	Config   OdooConfig
	Master   int32 // the master process (0: not running)
	Workers  []OdooWorker
	NearSoft int
	OverSoft int
	AtHard   int
	// Warnings are the limits that are wrong for this host, each with its
	// arithmetic; Notes what could not be checked and why.
	Warnings []string
	Notes    []string
}

// AssessOdoo puts Odoo's processes against c's limits and c against the
// host. In prefork mode (workers > 0) the master forks the workers: they
// are the Odoo processes whose parent is Odoo too.
func AssessOdoo(c OdooConfig, procs []OdooProc, h OdooHost) OdooAssessment {
	a := OdooAssessment{Config: c}
	odoo := map[int32]bool{}
	for _, p := range procs {
		odoo[p.PID] = true
	}
	for _, p := range procs {
		if !odoo[p.PPID] {
			if a.Master == 0 {
				a.Master = p.PID
			}
			continue
		}
		w := OdooWorker{PID: p.PID, RSS: p.RSS, VM: p.VM, State: c.WorkerState(p.VM)}
		switch w.State {
		case OdooWorkerAtHard:
			a.AtHard++
		case OdooWorkerOverSoft:
			a.OverSoft++
		case OdooWorkerNearSoft:
			a.NearSoft++
		}
		a.Workers = append(a.Workers, w)
	}
	if c.Workers == 0 {
		a.Notes = append(a.Notes, "workers = 0: threaded mode, one process and no memory limits; limit_memory_soft/hard apply only with workers > 0")
		return a
	}
	procsN := c.Workers + c.MaxCronThreads
	switch {
	case h.MemTotal == 0:
		a.Notes = append(a.Notes, "total memory unknown: the limits were not checked against RAM")
	default:
		room := h.MemTotal
		what := "RAM " + units.Bytes(h.MemTotal)
		if h.PGSharedBuffers > 0 && h.PGSharedBuffers < room {
			room -= h.PGSharedBuffers
			what += " − PostgreSQL shared_buffers " + units.Bytes(h.PGSharedBuffers) + " = " + units.Bytes(room)
		} else if h.PGSharedBuffers == 0 {
			a.Notes = append(a.Notes, "PostgreSQL's shared_buffers unknown: RAM taken whole")
		}
		if worst := uint64(procsN) * c.LimitMemoryHard; worst > room {
			a.Warnings = append(a.Warnings, fmt.Sprintf("(workers %d + cron %d) × limit_memory_hard %s = %s > %s: the workers may take more memory than the host has",
				c.Workers, c.MaxCronThreads, units.Bytes(c.LimitMemoryHard), units.Bytes(worst), what))
		}
	}
	if c.LimitMemorySoft > c.LimitMemoryHard {
		a.Warnings = append(a.Warnings, fmt.Sprintf("limit_memory_soft %s > limit_memory_hard %s: workers are killed before they can be recycled",
			units.Bytes(c.LimitMemorySoft), units.Bytes(c.LimitMemoryHard)))
	}
	if h.PGMaxConnections > 0 {
		if conns := (procsN + 1) * c.DBMaxconn; conns > h.PGMaxConnections {
			a.Warnings = append(a.Warnings, fmt.Sprintf("(workers %d + cron %d + 1) × db_maxconn %d = %d > PostgreSQL max_connections %d: Odoo may run out of connections",
				c.Workers, c.MaxCronThreads, c.DBMaxconn, conns, h.PGMaxConnections))
		}
	} else {
		a.Notes = append(a.Notes, "PostgreSQL's max_connections unknown: db_maxconn not checked")
	}
	if h.CPUs > 0 {
		if limit := 2*h.CPUs + 1; c.Workers > limit {
			a.Warnings = append(a.Warnings, fmt.Sprintf("workers %d > 2 × %d CPUs + 1 = %d: more workers than the CPUs can serve, each holding memory",
				c.Workers, h.CPUs, limit))
		}
	}
	return a
}

// OdooSnapshot is the "odoo" section of `memtui snapshot --json`. Figures
// are null when no configuration was read.
type OdooSnapshot struct {
	Running bool `json:"running"`
	// ConfigPath is the odoo.conf read (null: none), FoundBy how it was
	// found; Error why nothing, or not all, could be read.
	ConfigPath           *string          `json:"config_path"`
	FoundBy              string           `json:"found_by,omitempty"`
	Error                string           `json:"error,omitempty"`
	Workers              *int             `json:"workers"`
	MaxCronThreads       *int             `json:"max_cron_threads"`
	LimitMemorySoftBytes *uint64          `json:"limit_memory_soft_bytes"`
	LimitMemoryHardBytes *uint64          `json:"limit_memory_hard_bytes"`
	LimitTimeCPU         *int             `json:"limit_time_cpu_seconds"`
	LimitTimeReal        *int             `json:"limit_time_real_seconds"`
	DBMaxconn            *int             `json:"db_maxconn"`
	MasterPID            *int32           `json:"master_pid"`
	WorkerProcesses      []OdooWorkerJSON `json:"worker_processes"`
	NearSoft             int              `json:"workers_near_soft_limit"`
	OverSoft             int              `json:"workers_over_soft_limit"`
	AtHard               int              `json:"workers_at_hard_limit"`
	Warnings             []string         `json:"warnings"`
	Notes                []string         `json:"notes"`
	// Log is the last hour of Odoo's log, its memory lines (null when no
	// configuration was read).
	Log *OdooLogSummary `json:"log"`
	// Journal is the error lines of Odoo's unit over the last hour (null
	// when Odoo is not running).
	Journal *OdooJournal `json:"journal"`
}

// OdooWorkerJSON is one worker in the snapshot.
type OdooWorkerJSON struct {
	PID      int32  `json:"pid"`
	RSSBytes uint64 `json:"rss_bytes"`
	VMBytes  uint64 `json:"vm_bytes"` // what Odoo compares with its limits
	State    string `json:"state"`
}

// SnapshotOdoo is the snapshot section of an assessment; haveConf says
// whether a.Config was read from a file (else its figures are null).
func SnapshotOdoo(a OdooAssessment, running, haveConf bool, foundBy string, err error) OdooSnapshot {
	s := OdooSnapshot{Running: running, FoundBy: foundBy, WorkerProcesses: []OdooWorkerJSON{}, Warnings: []string{}, Notes: []string{},
		NearSoft: a.NearSoft, OverSoft: a.OverSoft, AtHard: a.AtHard}
	if err != nil {
		s.Error = err.Error()
	}
	if a.Master != 0 {
		s.MasterPID = &a.Master
	}
	for _, w := range a.Workers {
		s.WorkerProcesses = append(s.WorkerProcesses, OdooWorkerJSON{PID: w.PID, RSSBytes: w.RSS, VMBytes: w.VM, State: string(w.State)})
	}
	if !haveConf {
		return s
	}
	c := a.Config
	s.ConfigPath = &c.Path
	s.Workers, s.MaxCronThreads, s.DBMaxconn = &c.Workers, &c.MaxCronThreads, &c.DBMaxconn
	s.LimitMemorySoftBytes, s.LimitMemoryHardBytes = &c.LimitMemorySoft, &c.LimitMemoryHard
	s.LimitTimeCPU, s.LimitTimeReal = &c.LimitTimeCPU, &c.LimitTimeReal
	s.Warnings = append(s.Warnings, a.Warnings...)
	s.Notes = append(s.Notes, a.Notes...)
	return s
}
