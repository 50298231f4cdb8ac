package probes

import "time"

// The states pg_stat_activity reports for client backends. They are always
// present in PGStats.ByState (as 0 when no session is in them), so "0 idle"
// is said rather than left out.
var PGStates = []string{"active", "idle", "idle in transaction", "idle in transaction (aborted)", "fastpath function call", "disabled"}

// PGReading is one attempt to read PostgreSQL. When Connected is false, Err
// says why in plain words and LastGood (if any) holds the last figures read,
// so a full server ("too many clients") still shows what was known.
type PGReading struct {
	Time      time.Time
	Target    string // PGTarget.Redacted(): never a password
	Connected bool
	Err       *PGError
	RetryAt   time.Time // when the next connection attempt may happen (zero when connected)
	Stats     *PGStats  // this reading's figures; nil unless Connected
	LastGood  *PGStats  // the last figures read, when this reading has none
	// RoundTrips counts the statements' network round trips this reading
	// took: 1 once the session is up; a new session adds its handshake
	// (counted as one, though authentication takes a few), the version
	// query and the statement's preparation.
	RoundTrips int
}

// PGStats are the figures of one successful reading.
type PGStats struct {
	Time          time.Time
	ServerVersion string // e.g. "15.18 (Debian 15.18-0+deb12u1)"
	VersionNum    int    // server_version_num, e.g. 150018
	Uptime        time.Duration

	MaxConnections    int
	SuperuserReserved int
	Reserved          int  // reserved_connections (PostgreSQL 16+)
	ReservedKnown     bool // false before 16, where the setting does not exist

	// Total counts client backends other than memtui's own session; memtui
	// holds one more slot (SlotsUsed).
	Total     int
	SlotsUsed int
	ByState   map[string]int

	// Role is the role memtui reads as. SeesAll: it is a superuser or has
	// pg_read_all_stats (pg_monitor grants it); without, pg_stat_activity
	// shows other roles' sessions with no state, query or wait, and Hidden
	// counts those sessions — the panel would look idle when it is not.
	Role    string
	SeesAll bool
	Hidden  int
	// CountsOnly is set by a source that has the counts but no session
	// (postgres_exporter through Prometheus): it says so in words, and the
	// session lists stay empty.
	CountsOnly string

	IdleThreshold time.Duration
	IdleOver      int // state 'idle' for longer than IdleThreshold

	OldestXacts    []PGBackend // by transaction age, oldest first
	LongestQueries []PGBackend // active queries by run time, longest first
	Backends       []PGBackendPID

	Settings PGSettings
	// RAM is this machine's MemTotal, known when the server runs here;
	// Guidance compares the settings with it.
	RAM      Val
	Guidance []PGAdvice
	Memory   PGMemory
}

// PGBackend is one client session in the top lists.
type PGBackend struct {
	PID         int           `json:"pid"`
	User        string        `json:"user"`
	Database    string        `json:"database"`
	Application string        `json:"application"`
	ClientAddr  string        `json:"client_addr"` // "local" for a unix socket
	State       string        `json:"state"`
	WaitEvent   string        `json:"wait_event"` // "Type:Event", "" when not waiting
	XactAge     time.Duration `json:"-"`
	QueryAge    time.Duration `json:"-"`
	StateAge    time.Duration `json:"-"`
	Query       string        `json:"query"` // cut to 1 KiB by the server
	RSS         Val           `json:"-"`     // resident bytes, unknown when remote
}

// PGBackendPID is a client backend's pid and state, for the RSS join.
type PGBackendPID struct {
	PID   int
	State string
	RSS   Val
}

// PGSettings are the memory settings, in bytes where they are sizes.
type PGSettings struct {
	SharedBuffers      Val
	WorkMem            Val
	MaintenanceWorkMem Val
	AutovacuumWorkMem  Val // -1 (unset, uses maintenance_work_mem) reads as unknown
	EffectiveCacheSize Val
	TempBuffers        Val
	MaxConnections     int
	AutovacuumWorkers  int
	HugePages          string // off | on | try
	HugePagesStatus    string // PostgreSQL 17+: on | off | unknown; "" before
	SharedMemorySize   Val    // PostgreSQL 15+: the main shared memory segment
}

// PGErrKind says what went wrong with PostgreSQL, so the panel and the
// snapshot can react (e.g. show the last figures when the server is full).
type PGErrKind int

// The kinds of PostgreSQL trouble memtui tells apart.
const (
	PGErrOther      PGErrKind = iota // anything else; Msg still says it plainly
	PGErrConfig                      // the connection settings themselves are wrong
	PGErrRefused                     // nothing listening: server down, wrong port or socket
	PGErrAuth                        // password or pg_hba.conf rejected us
	PGErrNoDatabase                  // the database does not exist
	PGErrTooMany                     // SQLSTATE 53300: no free connection slot
	PGErrTimeout                     // no answer in time
	PGErrShutdown                    // server shutting down / starting up / our session killed
)

// String names the kind in the snapshot JSON.
func (k PGErrKind) String() string {
	return [...]string{"other", "config", "refused", "auth", "no_database", "too_many_clients", "timeout", "shutdown"}[k]
}

// PGError is a PostgreSQL failure in plain words. Msg says what happened and
// where (socket path or host:port, user, database); Hint says what to do.
// Neither ever contains the password or the DSN: they are composed by
// memtui, and the rare server or network text they quote is scrubbed.
type PGError struct {
	Kind PGErrKind
	Code string // SQLSTATE when the server said it, e.g. "28P01"
	Msg  string
	Hint string
}

// Error is Msg and Hint, one line.
func (e *PGError) Error() string {
	if e.Hint == "" {
		return e.Msg
	}
	return e.Msg + " — " + e.Hint
}

// Full says every connection slot is taken: new clients, superusers
// included, get "too many clients already".
func (s *PGStats) Full() bool { return s.SlotsUsed >= s.MaxConnections }

// OrdinaryLimit is how many sessions roles without superuser (or, on 16+,
// pg_use_reserved_connections) may hold: max_connections minus the reserved
// slots.
func (s *PGStats) OrdinaryLimit() int {
	return s.MaxConnections - s.SuperuserReserved - s.Reserved
}
