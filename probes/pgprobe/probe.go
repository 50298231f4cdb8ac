// Package pgprobe reads a PostgreSQL server for memtui over one long-lived
// session. It lives apart from package probes so that the ui, which
// imports probes for its data types, does not link the database driver.
//
// It speaks through pgx's low-level pgconn, not a pgx.Conn: the reading is
// one prepared statement whose columns come back as text (the lists as
// JSON or an int4[]), which needs none of pgx's type system. Linking
// pgx.Conn brought in pgtype, its codecs for every PostgreSQL type and
// encoding/xml: 2.9 MB of a 15.9 MB release binary, of which about 0.5 MiB
// was resident in the dashboard (README, Performance).
package pgprobe

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/memtui/memtui/probes/procfs"

	"github.com/memtui/memtui/internal/pgtext"
	"github.com/memtui/memtui/internal/redact"
	"github.com/memtui/memtui/probes"
)

// Options tune the PostgreSQL probe. Zero values take the defaults.
type Options struct {
	ConnectTimeout   time.Duration // default 3s
	QueryTimeout     time.Duration // client-side limit per reading, default 2s
	StatementTimeout time.Duration // server-side statement_timeout of memtui's session, default 2s
	IdleThreshold    time.Duration // "idle for over …", default 30m
	TopN             int           // rows in the oldest-transaction and longest-query lists, default 10
	BackoffMin       time.Duration // first wait before reconnecting, default 1s
	BackoffMax       time.Duration // longest wait between reconnects, default 15s
	Now              func() time.Time
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.ConnectTimeout, 3*time.Second)
	def(&o.QueryTimeout, 2*time.Second)
	def(&o.StatementTimeout, 2*time.Second)
	def(&o.IdleThreshold, 30*time.Minute)
	def(&o.BackoffMin, time.Second)
	def(&o.BackoffMax, 15*time.Second)
	if o.TopN <= 0 {
		o.TopN = 10
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Probe reads one PostgreSQL server over one long-lived connection, so a
// server that is out of connection slots still gets read. Reconnects back off
// exponentially. Safe for concurrent use; readings are serialised.
type Probe struct {
	target PGTarget
	fs     procfs.FS
	opts   Options

	mu       sync.Mutex
	conn     *pgconn.PgConn
	version  int
	ownPID   int
	local    localness
	failures int
	retryAt  time.Time
	lastErr  *probes.PGError
	lastGood *probes.PGStats
	prepared bool
	sql      string // the reading's statement for this server version
	statm    []byte
}

// New returns a probe for target; fs is used for the backends' RSS.
// It does not connect: the first Read does.
func New(target PGTarget, fs procfs.FS, opts Options) *Probe {
	return &Probe{target: target, fs: fs, opts: opts.withDefaults(), statm: make([]byte, 0, 128)}
}

// Target is the probe's target (describe it with Redacted).
func (p *Probe) Target() PGTarget { return p.target }

// Options are the probe's effective options.
func (p *Probe) Options() Options { return p.opts }

// Close ends memtui's session.
func (p *Probe) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dropConn()
	return nil
}

func (p *Probe) dropConn() {
	if p.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		_ = p.conn.Close(ctx)
		cancel()
		p.conn = nil
		p.prepared = false
	}
}

// Read takes one reading. It connects (or reconnects, after the back-off) as
// needed, runs one query under QueryTimeout and ctx, and adds the backends'
// RSS when the server runs on this machine. It never returns a Go error: a
// failure is a reading with Connected false and Err in plain words.
func (p *Probe) Read(ctx context.Context) probes.PGReading {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.opts.Now()
	r := probes.PGReading{Time: now, Target: p.target.Redacted()}
	if p.target.Disabled {
		r.Err = &probes.PGError{Kind: probes.PGErrConfig, Msg: "PostgreSQL is off (--pg none)"}
		return r
	}
	if p.conn == nil {
		if now.Before(p.retryAt) && p.lastErr != nil {
			r.Err, r.RetryAt, r.LastGood = p.lastErr, p.retryAt, p.lastGood
			return r
		}
		rt, err := p.connect(ctx)
		r.RoundTrips += rt
		if err != nil {
			return p.fail(r, err, p.opts.ConnectTimeout)
		}
	}
	qctx, cancel := context.WithTimeout(ctx, p.opts.QueryTimeout)
	defer cancel()
	memc := make(chan probes.PGProcMem, 1)
	go func() { memc <- p.readProcMem() }()
	st, rt, err := p.query(qctx)
	mem := <-memc
	r.RoundTrips += rt
	if err != nil {
		// The connection may be unusable after a timeout or a server error
		// mid-protocol; start afresh next time.
		p.dropConn()
		return p.fail(r, err, p.opts.QueryTimeout)
	}
	st.Time = now
	st.JoinMemory(mem)
	if p.local.sameHost {
		if mi, err := p.fs.Meminfo(); err == nil {
			st.RAM = mi.MemTotal
		}
	}
	st.Guidance = probes.PGGuide(st.Settings, st.RAM.Or(0), st.ByState["active"])
	p.failures, p.lastErr, p.retryAt = 0, nil, time.Time{}
	p.lastGood = st
	r.Connected, r.Stats = true, st
	return r
}

// fail records a failure and schedules the next attempt with back-off.
func (p *Probe) fail(r probes.PGReading, err error, timeout time.Duration) probes.PGReading {
	pe := classify(err, p.target, timeout)
	p.failures++
	// The first failure retries on the next refresh (a dropped connection
	// to a healthy server should not wait); then BackoffMin, doubling up
	// to BackoffMax, so a server that is down is not hammered.
	wait := time.Duration(0)
	if p.failures > 1 {
		wait = p.opts.BackoffMin << min(p.failures-2, 16)
		if wait > p.opts.BackoffMax || wait <= 0 {
			wait = p.opts.BackoffMax
		}
	}
	p.retryAt = r.Time.Add(wait)
	p.lastErr = pe
	r.Err, r.RetryAt, r.LastGood = pe, p.retryAt, p.lastGood
	return r
}

// connect opens memtui's session and learns the server version and the
// backend pid. Two round trips after the handshake: none per reading.
func (p *Probe) connect(ctx context.Context) (int, error) {
	cfg, err := ConnConfig(p.target, p.opts.ConnectTimeout, p.opts.StatementTimeout)
	if err != nil {
		return 0, &probes.PGError{Kind: probes.PGErrConfig, Msg: err.Error()}
	}
	cctx, cancel := context.WithTimeout(ctx, p.opts.ConnectTimeout)
	defer cancel()
	conn, err := pgconn.ConnectConfig(cctx, cfg)
	if err != nil {
		return 1, err
	}
	res := conn.ExecParams(cctx, "SELECT current_setting('server_version_num')::int", nil, nil, nil, nil).Read()
	vnum, err := oneInt(res)
	if err != nil {
		_ = conn.Close(context.Background())
		return 2, err
	}
	p.conn, p.version, p.ownPID, p.prepared, p.sql = conn, vnum, int(conn.PID()), false, ""
	p.local = p.judgeLocal(conn)
	return 2, nil
}

// localness says whether the server's processes are visible in our /proc.
type localness struct {
	sameHost bool   // the connection goes to this machine
	ok       bool   // and its processes are in our /proc
	reason   string // why not, in plain words
	pmPID    int    // the postmaster: parent of our own backend
}

// judgeLocal decides whether RSS can be read: the connection must go to
// this machine (unix socket or a local address) and our own backend's pid
// must be a "postgres" process in our /proc (not so for a server in a
// container with its own pid namespace).
func (p *Probe) judgeLocal(conn *pgconn.PgConn) localness {
	if !p.target.IsSocket() {
		ra := conn.Conn().RemoteAddr()
		tcp, _ := ra.(*net.TCPAddr)
		if tcp == nil || !isLocalIP(tcp.IP) {
			return localness{reason: "server is remote (" + p.target.Address() + "): backend memory is not visible from here"}
		}
	}
	comm, ppid, buf, err := p.fs.PGProcStat(p.ownPID, p.statm)
	p.statm = buf
	if err != nil || !(strings.HasPrefix(comm, "postgres") || comm == "postmaster") {
		return localness{sameHost: true, reason: "server processes are not visible in " + p.fs.ProcRoot() + " (another pid namespace or container): backend memory left out"}
	}
	return localness{sameHost: true, ok: true, pmPID: ppid}
}

// readProcMem reads the server processes' memory when they are visible.
func (p *Probe) readProcMem() probes.PGProcMem {
	if !p.local.ok {
		return probes.PGProcMem{Memory: probes.PGMemory{Reason: p.local.reason}}
	}
	pm, buf := p.fs.PGProcMemory(p.local.pmPID, p.statm)
	p.statm = buf
	return pm
}

// ConnConfig builds the connection's configuration for target t: its
// settings with application_name=memtui and connect_timeout unless the user set them, and
// the server-side statement_timeout (0: none). Every keyword is written out, so nothing
// comes from the process environment; the runtime parameters are replaced
// outright because pgconn adds PGOPTIONS, PGTZ and PGAPPNAME from the
// environment to them. Other sessions of memtui (the runbook's SQL actions)
// should connect with it too, so that they reach the server the panel shows.
func ConnConfig(t PGTarget, connectTimeout, statementTimeout time.Duration) (*pgconn.Config, error) {
	conn, runtime := t.DriverSettings(connectTimeout, statementTimeout)
	cfg, err := pgconn.ParseConfig(conn)
	if err != nil {
		// pgconn's message may quote parts of the string (a password among
		// them); say only where the settings came from.
		return nil, fmt.Errorf("invalid PostgreSQL connection settings from %s (%s); %s", t.Source, t.Redacted(), probes.PGConfigHelp)
	}
	// ConnectTimeout came from connect_timeout in conn: the user's, else
	// connectTimeout rounded up to whole seconds.
	cfg.RuntimeParams = runtime
	return cfg, nil
}

func isLocalIP(ip net.IP) bool {
	if ip.IsLoopback() {
		return true
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
			return true
		}
	}
	return false
}

// pgRow is the JSON shape of one backend row from the query.
type pgRow struct {
	probes.PGBackend
	XactAgeS  *float64 `json:"xact_age"`
	QueryAgeS *float64 `json:"query_age"`
	StateAgeS *float64 `json:"state_age"`
}

func (r pgRow) backend() probes.PGBackend {
	b := r.PGBackend
	b.XactAge = secs(r.XactAgeS)
	b.QueryAge = secs(r.QueryAgeS)
	b.StateAge = secs(r.StateAgeS)
	// Query text is what a client sent: ALTER ROLE … PASSWORD '…', dblink
	// connection strings and DSNs among it.
	b.Query = redact.Redact(probes.PGText(b.Query))
	for _, f := range []*string{&b.User, &b.Database, &b.Application, &b.ClientAddr, &b.State, &b.WaitEvent} {
		*f = probes.PGText(*f)
	}
	return b
}

func secs(f *float64) time.Duration {
	if f == nil {
		return 0
	}
	return time.Duration(*f * float64(time.Second))
}

// pgQuery builds the one statement of a reading for server_version_num v.
// Version-dependent parts are chosen here, never by trying and failing:
// reserved_connections exists from 16, shared_memory_size from 15,
// huge_pages_status from 17. The idle threshold and the list length are
// written in as constants: the statement has no parameters, so the
// prepared statement is planned once per connection, not per reading.
// Settings come from current_setting (cheap) rather than pg_settings,
// whose function builds all ~350 rows on every call.
func pgQuery(v int, idle time.Duration, topN int) string {
	reserved := "NULL::int"
	if v >= 160000 {
		reserved = "current_setting('reserved_connections')::int"
	}
	sizes := []string{"shared_buffers", "work_mem", "maintenance_work_mem", "autovacuum_work_mem",
		"effective_cache_size", "temp_buffers"}
	if v >= 150000 {
		sizes = append(sizes, "shared_memory_size")
	}
	var set strings.Builder
	for _, n := range sizes {
		fmt.Fprintf(&set, "'%s', pg_size_bytes(current_setting('%s')), ", n, n)
	}
	set.WriteString("'max_connections', current_setting('max_connections')::bigint, ")
	set.WriteString("'autovacuum_max_workers', current_setting('autovacuum_max_workers')::bigint, ")
	set.WriteString("'huge_pages', current_setting('huge_pages')")
	if v >= 170000 {
		set.WriteString(", 'huge_pages_status', current_setting('huge_pages_status')")
	}
	n := strconv.Itoa(topN)
	const row = `json_build_object('pid', pid, 'user', coalesce(usename, ''), 'database', coalesce(datname, ''),
		'application', application_name, 'client_addr', coalesce(host(client_addr), 'local'),
		'state', coalesce(state, ''), 'wait_event', coalesce(wait_event_type || ':' || wait_event, ''),
		'xact_age', extract(epoch FROM now() - xact_start), 'query_age', extract(epoch FROM now() - query_start),
		'state_age', extract(epoch FROM now() - state_change), 'query', left(query, 1024))`
	return `WITH a AS MATERIALIZED (
	SELECT pid, usename, datname, application_name, client_addr, state, wait_event_type, wait_event,
	       xact_start, query_start, state_change, query
	FROM pg_stat_activity
	WHERE (backend_type = 'client backend'
	       -- Another role's session, to a role without pg_read_all_stats:
	       -- every column but pid, user and database is NULL, the type too.
	       OR (backend_type IS NULL AND usesysid IS NOT NULL AND datid IS NOT NULL))
	  AND pid <> pg_backend_pid()
)
SELECT current_setting('server_version'),
	extract(epoch FROM now() - pg_postmaster_start_time())::float8,
	current_setting('max_connections')::int,
	current_setting('superuser_reserved_connections')::int,
	` + reserved + `,
	(SELECT count(*) FROM a)::int,
	(SELECT coalesce(json_object_agg(s, n), '{}') FROM (SELECT coalesce(state, 'unknown') AS s, count(*) AS n FROM a GROUP BY 1) g),
	(SELECT count(*) FROM a WHERE state = 'idle' AND state_change < now() - make_interval(secs => ` + strconv.FormatFloat(idle.Seconds(), 'f', 3, 64) + `))::int,
	(SELECT coalesce(json_agg(` + row + ` ORDER BY xact_start, pid), '[]')
	   FROM (SELECT * FROM a WHERE xact_start IS NOT NULL ORDER BY xact_start, pid LIMIT ` + n + `) x),
	(SELECT coalesce(json_agg(` + row + ` ORDER BY query_start, pid), '[]')
	   FROM (SELECT * FROM a WHERE state IN ('active', 'fastpath function call') ORDER BY query_start, pid LIMIT ` + n + `) q),
	(SELECT coalesce(array_agg(pid ORDER BY pid), '{}') FROM a),
	(SELECT coalesce(json_agg(coalesce(state, '') ORDER BY pid), '[]') FROM a),
	json_build_object(` + set.String() + `),
	current_user::text,
	pg_has_role('pg_read_all_stats', 'USAGE'),
	(SELECT count(*) FROM a WHERE state IS NULL)::int`
}

// readingStmt names the reading's prepared statement on memtui's session.
const readingStmt = "memtui_reading"

// query runs the reading's statement: one round trip once the statement is
// prepared on the connection (the first reading costs one more).
func (p *Probe) query(ctx context.Context) (*probes.PGStats, int, error) {
	st := &probes.PGStats{VersionNum: p.version, IdleThreshold: p.opts.IdleThreshold}
	rt := 1
	if p.sql == "" {
		p.sql = pgQuery(p.version, p.opts.IdleThreshold, p.opts.TopN)
	}
	if !p.prepared {
		rt = 2
		if _, err := p.conn.Prepare(ctx, readingStmt, p.sql, nil); err != nil {
			return nil, rt, err
		}
		p.prepared = true
	}
	// The row is decoded in place, not copied out first: its JSON lists
	// are most of its bytes.
	rr := p.conn.ExecPrepared(ctx, readingStmt, nil, nil, nil)
	rows := 0
	var decErr error
	for rr.NextRow() {
		if rows++; rows == 1 {
			if v := rr.Values(); len(v) != 16 {
				decErr = fmt.Errorf("%d columns, want 16", len(v))
			} else {
				decErr = decodeReading(st, v)
			}
		}
	}
	if _, err := rr.Close(); err != nil {
		return nil, rt, err
	}
	if decErr == nil && rows != 1 {
		decErr = fmt.Errorf("%d rows, want one", rows)
	}
	if decErr != nil {
		return nil, rt, fmt.Errorf("reading the server's answer: %w", decErr)
	}
	return st, rt, nil
}

// decodeReading fills st from the reading's row, its columns in text. It
// keeps none of row's bytes.
func decodeReading(st *probes.PGStats, row [][]byte) error {
	c := pgtext.NewRow(row, 16)
	st.ServerVersion = c.Text(0)
	st.Uptime = c.Seconds(1)
	st.MaxConnections = c.Int(2)
	st.SuperuserReserved = c.Int(3)
	if !c.Null(4) {
		st.Reserved, st.ReservedKnown = c.Int(4), true
	}
	st.Total = c.Int(5)
	st.IdleOver = c.Int(7)
	st.Role = c.Text(13)
	st.SeesAll = c.Bool(14)
	st.Hidden = c.Int(15)
	if err := c.Err(); err != nil {
		return err
	}
	st.SlotsUsed = st.Total + 1
	// The pids as an int4[] ("{12,34}"; no element needs quoting), the
	// states as JSON (they may hold spaces or be empty).
	var states []string
	if err := json.Unmarshal(row[11], &states); err != nil {
		return err
	}
	pids := strings.TrimSuffix(strings.TrimPrefix(string(row[10]), "{"), "}")
	st.Backends = make([]probes.PGBackendPID, 0, len(states))
	for pids != "" {
		var one string
		one, pids, _ = strings.Cut(pids, ",")
		pid, err := strconv.Atoi(one)
		if err != nil {
			return fmt.Errorf("backend pid %q: %w", one, err)
		}
		st.Backends = append(st.Backends, probes.PGBackendPID{PID: pid})
	}
	if len(st.Backends) != len(states) {
		return fmt.Errorf("%d pids but %d states", len(st.Backends), len(states))
	}
	for i := range states {
		st.Backends[i].State = states[i]
	}
	return decodePGStats(st, row[6], row[8], row[9], row[12])
}

// oneInt is the integer of a one-row, one-column result.
func oneInt(res *pgconn.Result) (int, error) {
	if res.Err != nil {
		return 0, res.Err
	}
	if len(res.Rows) != 1 {
		return 0, fmt.Errorf("reading the server's answer: %d rows, want one", len(res.Rows))
	}
	c := pgtext.NewRow(res.Rows[0], 1)
	n := c.Int(0)
	return n, c.Err()
}

// decodePGStats fills st from the JSON columns of the reading's row.
func decodePGStats(st *probes.PGStats, byState, xacts, queries, settings []byte) error {
	st.ByState = make(map[string]int, len(probes.PGStates)+1)
	for _, s := range probes.PGStates {
		st.ByState[s] = 0
	}
	var counts map[string]int
	if err := json.Unmarshal(byState, &counts); err != nil {
		return err
	}
	for s, n := range counts {
		st.ByState[s] += n
	}
	for _, dst := range []struct {
		raw []byte
		out *[]probes.PGBackend
	}{{xacts, &st.OldestXacts}, {queries, &st.LongestQueries}} {
		var rows []pgRow
		if err := json.Unmarshal(dst.raw, &rows); err != nil {
			return err
		}
		*dst.out = make([]probes.PGBackend, len(rows))
		for i, r := range rows {
			(*dst.out)[i] = r.backend()
		}
	}
	var set map[string]json.RawMessage
	if err := json.Unmarshal(settings, &set); err != nil {
		return err
	}
	st.Settings = settingsFrom(set)
	return nil
}

// settingsFrom converts the settings object of the reading (sizes in bytes
// from pg_size_bytes, counts as numbers, enums as strings) to probes.PGSettings.
// A size of -1 ("use another setting") is unknown, not a size.
func settingsFrom(set map[string]json.RawMessage) probes.PGSettings {
	size := func(name string) probes.Val {
		var n *int64
		if err := json.Unmarshal(set[name], &n); err != nil || n == nil || *n < 0 {
			return probes.Val{}
		}
		return probes.Some(uint64(*n))
	}
	num := func(name string) int {
		var n int
		_ = json.Unmarshal(set[name], &n)
		return n
	}
	str := func(name string) string {
		var v string
		_ = json.Unmarshal(set[name], &v)
		return v
	}
	return probes.PGSettings{
		SharedBuffers:      size("shared_buffers"),
		WorkMem:            size("work_mem"),
		MaintenanceWorkMem: size("maintenance_work_mem"),
		AutovacuumWorkMem:  size("autovacuum_work_mem"),
		EffectiveCacheSize: size("effective_cache_size"),
		TempBuffers:        size("temp_buffers"),
		SharedMemorySize:   size("shared_memory_size"),
		MaxConnections:     num("max_connections"),
		AutovacuumWorkers:  num("autovacuum_max_workers"),
		HugePages:          str("huge_pages"),
		HugePagesStatus:    str("huge_pages_status"),
	}
}
