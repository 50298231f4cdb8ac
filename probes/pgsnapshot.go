package probes

import "time"

// PGSnapshot is the "postgres" section of `memtui snapshot --json`. The
// names connected, error, max_connections, by_state and idle_over_30m are
// fixed by docs/DESIGN.md; the rest are additions. Unknown figures are null, not 0.
type PGSnapshot struct {
	Connected         bool           `json:"connected"`
	Error             string         `json:"error"`
	ErrorKind         string         `json:"error_kind,omitempty"`
	Hint              string         `json:"hint,omitempty"`
	Target            string         `json:"target"`
	ServerVersion     string         `json:"server_version,omitempty"`
	ServerVersionNum  int            `json:"server_version_num,omitempty"`
	UptimeSeconds     *float64       `json:"uptime_seconds"`
	MaxConnections    *int           `json:"max_connections"`
	SuperuserReserved *int           `json:"superuser_reserved_connections"`
	Reserved          *int           `json:"reserved_connections"` // PostgreSQL 16+
	Total             *int           `json:"client_connections"`   // excluding memtui's own
	ByState           map[string]int `json:"by_state"`
	// IdleOver30m counts sessions idle for longer than IdleThresholdSeconds
	// (30 minutes unless configured otherwise).
	IdleOver30m          *int            `json:"idle_over_30m"`
	IdleThresholdSeconds float64         `json:"idle_threshold_seconds"`
	OldestTransactions   []PGBackendJSON `json:"oldest_transactions"`
	LongestQueries       []PGBackendJSON `json:"longest_queries"`
	Settings             *PGSettingsJSON `json:"settings"`
	Guidance             []PGAdvice      `json:"guidance"`
	Memory               *PGMemoryJSON   `json:"memory"`
	MemoryNote           string          `json:"memory_note,omitempty"`
	RoundTrips           int             `json:"round_trips"`
	ReadAt               *time.Time      `json:"read_at,omitempty"`
}

// PGBackendJSON is a session in the snapshot's top lists.
type PGBackendJSON struct {
	PGBackend
	XactAgeSeconds  float64 `json:"xact_age_seconds"`
	QueryAgeSeconds float64 `json:"query_age_seconds"`
	StateAgeSeconds float64 `json:"state_age_seconds"`
	RSSBytes        *uint64 `json:"rss_bytes"`
}

// PGSettingsJSON are the memory settings in bytes (null when unknown).
type PGSettingsJSON struct {
	SharedBuffers      *uint64 `json:"shared_buffers_bytes"`
	WorkMem            *uint64 `json:"work_mem_bytes"`
	MaintenanceWorkMem *uint64 `json:"maintenance_work_mem_bytes"`
	EffectiveCacheSize *uint64 `json:"effective_cache_size_bytes"`
	SharedMemorySize   *uint64 `json:"shared_memory_size_bytes"` // PostgreSQL 15+
	MaxConnections     int     `json:"max_connections"`
	HugePages          string  `json:"huge_pages"`
	HugePagesStatus    string  `json:"huge_pages_status,omitempty"` // PostgreSQL 17+
}

// PGMemoryJSON is PGMemory for the snapshot.
type PGMemoryJSON struct {
	PostmasterPID   int    `json:"postmaster_pid"`
	Processes       int    `json:"processes"`
	RSSSumBytes     uint64 `json:"rss_sum_bytes"`
	PrivateBytes    uint64 `json:"private_bytes"`
	SharedBytes     uint64 `json:"shared_bytes"`
	EstimateBytes   uint64 `json:"estimate_bytes"`
	BackendRSSBytes uint64 `json:"backend_rss_bytes"`
}

func valPtr(v Val) *uint64 {
	if !v.OK {
		return nil
	}
	x := v.V
	return &x
}

func intPtr(v int) *int { return &v }

// Snapshot converts a reading to the snapshot's postgres section.
func (r PGReading) Snapshot() PGSnapshot {
	s := PGSnapshot{Connected: r.Connected, Target: r.Target, RoundTrips: r.RoundTrips, ByState: map[string]int{}}
	if r.Err != nil {
		s.Error, s.ErrorKind, s.Hint = r.Err.Msg, r.Err.Kind.String(), r.Err.Hint
	}
	st := r.Stats
	if st == nil {
		return s
	}
	t := st.Time
	s.ReadAt = &t
	s.ServerVersion, s.ServerVersionNum = st.ServerVersion, st.VersionNum
	up := st.Uptime.Seconds()
	s.UptimeSeconds = &up
	s.MaxConnections = intPtr(st.MaxConnections)
	s.SuperuserReserved = intPtr(st.SuperuserReserved)
	if st.ReservedKnown {
		s.Reserved = intPtr(st.Reserved)
	}
	s.Total = intPtr(st.Total)
	for k, v := range st.ByState {
		s.ByState[k] = v
	}
	s.IdleOver30m = intPtr(st.IdleOver)
	s.IdleThresholdSeconds = st.IdleThreshold.Seconds()
	conv := func(list []PGBackend) []PGBackendJSON {
		out := make([]PGBackendJSON, len(list))
		for i, b := range list {
			out[i] = PGBackendJSON{PGBackend: b, XactAgeSeconds: b.XactAge.Seconds(),
				QueryAgeSeconds: b.QueryAge.Seconds(), StateAgeSeconds: b.StateAge.Seconds(), RSSBytes: valPtr(b.RSS)}
		}
		return out
	}
	s.OldestTransactions = conv(st.OldestXacts)
	s.LongestQueries = conv(st.LongestQueries)
	se := st.Settings
	s.Settings = &PGSettingsJSON{SharedBuffers: valPtr(se.SharedBuffers), WorkMem: valPtr(se.WorkMem),
		MaintenanceWorkMem: valPtr(se.MaintenanceWorkMem), EffectiveCacheSize: valPtr(se.EffectiveCacheSize),
		SharedMemorySize: valPtr(se.SharedMemorySize), MaxConnections: se.MaxConnections,
		HugePages: se.HugePages, HugePagesStatus: se.HugePagesStatus}
	s.Guidance = st.Guidance
	if m := st.Memory; m.Known {
		s.Memory = &PGMemoryJSON{PostmasterPID: m.PostmasterPID, Processes: m.Processes, RSSSumBytes: m.RSSSum,
			PrivateBytes: m.Private, SharedBytes: m.SharedMax, EstimateBytes: m.Estimate(), BackendRSSBytes: m.BackendRSS}
	} else {
		s.MemoryNote = m.Reason
	}
	return s
}
