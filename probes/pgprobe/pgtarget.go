package pgprobe

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/memtui/memtui/probes"
)

// defaultSocketDirs are where psql looks for the local server's socket:
// Debian/Ubuntu builds use /var/run/postgresql, upstream builds /tmp.
var defaultSocketDirs = []string{"/var/run/postgresql", "/tmp"}

// PGTarget is where memtui connects to PostgreSQL: the --pg DSN, else
// DATABASE_URL, else the PG* environment, else the local unix socket, as psql
// does. It holds the password but never prints it; use Redacted to describe it.
type PGTarget struct {
	// Disabled is true for --pg none.
	Disabled bool
	// Source says where the settings came from, for messages:
	// "--pg", "DATABASE_URL", "PG* environment" or "defaults".
	Source string

	settings map[string]string // libpq keywords → values, password included
}

// pgKeyAliases maps URL query and alternative spellings to libpq keywords.
var pgKeyAliases = map[string]string{"database": "dbname"}

// ResolvePGTarget builds the target from the --pg flag value dsn and the
// libpq environment values env (keys from PGEnvKeys; others are ignored).
// Precedence, as libpq: what the DSN says wins; what it leaves out comes from
// the PG* values; then defaults (port 5432, the OS user name, a database named
// like the user, the local socket directory that holds the server's socket).
// An empty dsn means DATABASE_URL if set; "none" disables PostgreSQL.
func ResolvePGTarget(dsn string, env map[string]string) (PGTarget, error) {
	return ResolvePGTargetWith(dsn, env, nil)
}

// ResolvePGTargetWith is ResolvePGTarget that also resolves a service
// (PGSERVICE or service= in the DSN) with services; with nil services a
// named service is an error.
func ResolvePGTargetWith(dsn string, env map[string]string, services probes.PGServiceReader) (PGTarget, error) {
	dsn = strings.TrimSpace(dsn)
	if dsn == "none" {
		return PGTarget{Disabled: true, Source: "--pg none"}, nil
	}
	t := PGTarget{Source: "--pg", settings: map[string]string{}}
	if dsn == "" {
		switch {
		case env["DATABASE_URL"] != "":
			dsn, t.Source = env["DATABASE_URL"], "DATABASE_URL"
		case anyPGEnv(env):
			t.Source = "PG* environment"
		default:
			t.Source = "defaults"
		}
	}
	for envKey, kw := range probes.PGEnvKeywords {
		if v := env[envKey]; v != "" {
			t.settings[kw] = v
		}
	}
	from := map[string]string{}
	if dsn != "" {
		var err error
		if from, err = parsePGDSN(dsn); err != nil {
			// Never quote the DSN: it may hold a password.
			return PGTarget{}, fmt.Errorf("cannot read the PostgreSQL connection string from %s: %w; %s", t.Source, err, probes.PGConfigHelp)
		}
	}
	// libpq's order: environment, then the service file's entry, then the
	// connection string. The service is applied here, before the defaults
	// below, so a default never hides what the service file says.
	if svc := cmpOr(from["service"], t.settings["service"]); svc != "" {
		file := cmpOr(from["servicefile"], t.settings["servicefile"])
		if file == "" {
			return PGTarget{}, fmt.Errorf("PostgreSQL service %q from %s: no service file (set PGSERVICEFILE or create ~/.pg_service.conf); %s", svc, t.Source, probes.PGConfigHelp)
		}
		if services == nil {
			return PGTarget{}, fmt.Errorf("PostgreSQL service %q from %s: service files are not read here; %s", svc, t.Source, probes.PGConfigHelp)
		}
		ss, err := services(file, svc)
		if err != nil {
			return PGTarget{}, fmt.Errorf("PostgreSQL service %q from %s: %w; %s", svc, t.Source, err, probes.PGConfigHelp)
		}
		for k, v := range ss {
			t.settings[k] = v
		}
	}
	for k, v := range from {
		t.settings[k] = v
	}
	// Applied above; the driver must not read the file a second time.
	delete(t.settings, "service")
	delete(t.settings, "servicefile")
	if t.settings["user"] == "" {
		if u, err := user.Current(); err == nil {
			t.settings["user"] = u.Username
		}
	}
	if t.settings["dbname"] == "" {
		t.settings["dbname"] = t.settings["user"]
	}
	if t.settings["port"] == "" {
		t.settings["port"] = "5432"
	}
	for _, p := range strings.Split(t.settings["port"], ",") {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return PGTarget{}, fmt.Errorf("PostgreSQL port %q from %s is not a number from 1 to 65535; %s", p, t.Source, probes.PGConfigHelp)
		}
	}
	if t.settings["host"] == "" {
		t.settings["host"] = defaultSocketDir(t.Port())
	}
	return t, nil
}

// cmpOr is the first non-empty string.
func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func anyPGEnv(env map[string]string) bool {
	for _, k := range probes.PGEnvKeys {
		if k != "DATABASE_URL" && env[k] != "" {
			return true
		}
	}
	return false
}

// defaultSocketDir picks the directory holding .s.PGSQL.<port>, like psql,
// preferring one where the socket exists so the message names the right path.
func defaultSocketDir(port int) string {
	name := ".s.PGSQL." + strconv.Itoa(port)
	for _, d := range defaultSocketDirs {
		if _, err := os.Stat(filepath.Join(d, name)); err == nil {
			return d
		}
	}
	for _, d := range defaultSocketDirs {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
	}
	return defaultSocketDirs[0]
}

// Host is the host name, address or socket directory (the first of a list).
func (t PGTarget) Host() string { return strings.Split(t.settings["host"], ",")[0] }

// Port is the TCP port or socket number (the first of a list).
func (t PGTarget) Port() int {
	n, _ := strconv.Atoi(strings.Split(t.settings["port"], ",")[0])
	return n
}

// User is the role memtui logs in as.
func (t PGTarget) User() string { return t.settings["user"] }

// Database is the database memtui connects to.
func (t PGTarget) Database() string { return t.settings["dbname"] }

// IsSocket says the target is a unix socket (host is a directory path).
func (t PGTarget) IsSocket() bool { return strings.HasPrefix(t.Host(), "/") }

// Address is the socket file path or host:port, as messages name it.
func (t PGTarget) Address() string {
	if t.IsSocket() {
		return filepath.Join(t.Host(), ".s.PGSQL."+strconv.Itoa(t.Port()))
	}
	return net.JoinHostPort(t.Host(), strconv.Itoa(t.Port()))
}

// Redacted describes the target for people: address, user and database,
// never the password or any other part of the DSN.
func (t PGTarget) Redacted() string {
	if t.Disabled {
		return "PostgreSQL off (--pg none)"
	}
	return fmt.Sprintf("%s, user %s, database %s", t.Address(), t.User(), t.Database())
}

// String is Redacted, so that printing a target by accident leaks nothing.
func (t PGTarget) String() string { return t.Redacted() }

// GoString is Redacted too, for %#v.
func (t PGTarget) GoString() string { return "PGTarget(" + t.Redacted() + ")" }

// pgConnKeys are libpq keywords that are connection settings rather than
// server parameters (pgconn's list); every other key becomes a runtime
// parameter sent in the startup packet.
var pgConnKeys = map[string]bool{
	"host": true, "port": true, "dbname": true, "database": true, "user": true, "password": true,
	"passfile": true, "connect_timeout": true, "sslmode": true, "sslkey": true, "sslcert": true,
	"sslcertmode": true, "sslrootcert": true, "sslnegotiation": true, "sslpassword": true,
	"sslsni": true, "krbspn": true, "krbsrvname": true, "target_session_attrs": true,
	"service": true, "servicefile": true, "min_protocol_version": true, "max_protocol_version": true,
	"channel_binding": true, "require_auth": true,
}

// pgNeutral are explicit values for the keys pgconn would otherwise take from
// the process environment (PGSSLKEY, PGAPPNAME, PGCONNECT_TIMEOUT, …) or from
// files in $HOME. Writing each one into the connection string makes the
// connection exactly what ResolvePGTarget says, whatever the environment.
var pgNeutral = map[string]string{
	"sslkey": "", "sslcert": "", "sslrootcert": "", "sslpassword": "", "sslnegotiation": "",
	"sslcertmode": "allow", "sslsni": "1", "target_session_attrs": "any", "passfile": "",
	"min_protocol_version": "", "max_protocol_version": "", "channel_binding": "", "require_auth": "",
	"sslmode": "prefer",
}

// DriverSettings are what the database driver needs to connect: conn is a
// complete keyword/value connection string (the password included — a
// secret: hand it to the driver, never print or log it) with
// application_name=memtui and connect_timeout where the user set none, a server-side
// statement_timeout for memtui's own session, and an explicit value for
// every keyword the driver would otherwise take from the process
// environment or $HOME; runtime are exactly the server parameters to send.
func (t PGTarget) DriverSettings(connectTimeout, statementTimeout time.Duration) (conn string, runtime map[string]string) {
	s := make(map[string]string, len(t.settings)+len(pgNeutral)+3)
	for k, v := range pgNeutral {
		s[k] = v
	}
	for k, v := range t.settings {
		s[k] = v
	}
	// The user's connect_timeout and application_name (PGCONNECT_TIMEOUT,
	// PGAPPNAME, the DSN) win; memtui's are the fallback, as libpq's
	// fallback_application_name is.
	if t.settings["connect_timeout"] == "" {
		secs := int((connectTimeout + time.Second - 1) / time.Second)
		s["connect_timeout"] = strconv.Itoa(max(secs, 1))
	}
	if t.settings["application_name"] == "" {
		s["application_name"] = "memtui"
	}
	// Set in the startup packet: no extra round trip, and it holds for every
	// statement memtui's session runs, so a saturated server cannot keep one
	// of memtui's queries running after the client gave up.
	s["statement_timeout"] = strconv.FormatInt(statementTimeout.Milliseconds(), 10)
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	runtime = map[string]string{}
	for _, k := range keys {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(quotePGValue(s[k]))
		if !pgConnKeys[k] {
			runtime[k] = s[k]
		}
	}
	return b.String(), runtime
}

// Scrub removes the target's password from s: defence in depth for the
// rare message that quotes a server's or the network's words.
func (t PGTarget) Scrub(s string) string {
	if pw := t.settings["password"]; pw != "" {
		return strings.ReplaceAll(s, pw, "********")
	}
	return s
}

// quotePGValue quotes a keyword/value DSN value for libpq's syntax.
func quotePGValue(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\n\r'\\") {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// parsePGDSN reads a libpq connection string — keyword/value ("host=x
// user=y") or a postgres:// / postgresql:// URL — into keywords and values.
// It is a pure function (fuzzed). Errors never quote the input.
func parsePGDSN(dsn string) (map[string]string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return parsePGURL(dsn)
	}
	return parsePGKeywordValue(dsn)
}

// parsePGKeywordValue follows libpq: key = value pairs separated by spaces,
// values bare or in single quotes, backslash escapes ' and \.
func parsePGKeywordValue(s string) (map[string]string, error) {
	out := map[string]string{}
	i := 0
	skipSpace := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++
		}
	}
	for {
		skipSpace()
		if i >= len(s) {
			return out, nil
		}
		start := i
		for i < len(s) && s[i] != '=' && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' {
			i++
		}
		key := s[start:i]
		skipSpace()
		if i >= len(s) || s[i] != '=' || key == "" {
			return nil, errors.New(`expected keyword=value pairs (like "host=/var/run/postgresql user=postgres") or a postgres:// URL`)
		}
		i++ // '='
		skipSpace()
		var val strings.Builder
		if i < len(s) && s[i] == '\'' {
			i++
			closed := false
			for i < len(s) {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					val.WriteByte(s[i+1])
					i += 2
					continue
				}
				if c == '\'' {
					closed = true
					i++
					break
				}
				val.WriteByte(c)
				i++
			}
			if !closed {
				return nil, errors.New("a quoted value is not closed with '")
			}
		} else {
			for i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' {
				if s[i] == '\\' && i+1 < len(s) {
					val.WriteByte(s[i+1])
					i += 2
					continue
				}
				val.WriteByte(s[i])
				i++
			}
		}
		if strings.IndexByte(val.String(), 0) >= 0 {
			return nil, errors.New("a value holds a NUL byte")
		}
		if a, ok := pgKeyAliases[key]; ok {
			key = a
		}
		out[key] = val.String()
	}
}

// parsePGURL reads postgres://[user[:password]@][host[:port][,…]][/dbname][?k=v&…].
// It is written by hand because net/url rejects libpq's multi-host lists.
func parsePGURL(s string) (map[string]string, error) {
	out := map[string]string{}
	rest := s[strings.Index(s, "://")+3:]
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	query := ""
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest, query = rest[:i], rest[i+1:]
	}
	path := ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest, path = rest[:i], rest[i+1:]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		userinfo := rest[:i]
		rest = rest[i+1:]
		u, p, hasPass := strings.Cut(userinfo, ":")
		var err error
		if out["user"], err = url.PathUnescape(u); err != nil {
			return nil, errors.New("bad %-escape in the URL's user name")
		}
		if hasPass {
			if out["password"], err = url.PathUnescape(p); err != nil {
				// Say where, never what: this is the password.
				return nil, errors.New("bad %-escape in the URL's password")
			}
		}
	}
	if rest != "" {
		var hosts, ports []string
		anyPort := false
		for _, hp := range strings.Split(rest, ",") {
			h, p := hp, ""
			if strings.HasPrefix(hp, "[") {
				end := strings.IndexByte(hp, ']')
				if end < 0 {
					return nil, errors.New("unclosed [ in the URL's IPv6 host")
				}
				h = hp[1:end]
				if tail := hp[end+1:]; strings.HasPrefix(tail, ":") {
					p = tail[1:]
				} else if tail != "" {
					return nil, errors.New("unexpected text after the URL's IPv6 host")
				}
			} else if i := strings.LastIndexByte(hp, ':'); i >= 0 {
				h, p = hp[:i], hp[i+1:]
			}
			h, err := url.PathUnescape(h)
			if err != nil {
				return nil, errors.New("bad %-escape in the URL's host")
			}
			hosts = append(hosts, h)
			ports = append(ports, p)
			anyPort = anyPort || p != ""
		}
		out["host"] = strings.Join(hosts, ",")
		if anyPort {
			out["port"] = strings.Join(ports, ",")
		}
	}
	if path != "" {
		db, err := url.PathUnescape(path)
		if err != nil {
			return nil, errors.New("bad %-escape in the URL's database name")
		}
		out["dbname"] = db
	}
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil {
			return nil, errors.New("cannot read the URL's ?parameters")
		}
		for k, vs := range q {
			if a, ok := pgKeyAliases[k]; ok {
				k = a
			}
			out[k] = vs[len(vs)-1]
		}
	}
	for _, v := range out {
		if strings.IndexByte(v, 0) >= 0 {
			return nil, errors.New("the URL holds a NUL byte")
		}
	}
	return out, nil
}
