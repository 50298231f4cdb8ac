package probes

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/memtui/memtui/internal/redact"
)

// DefaultRedisURL is the Redis memtui reads when --redis is not given:
// the local server on its standard port, as redis-cli would.
const DefaultRedisURL = "redis://localhost:6379"

// RedisTarget is the Redis server memtui reads and acts on, from --redis.
// It carries the password: hand it to the driver, never print it; String
// and GoString give the redacted form.
type RedisTarget struct {
	Disabled bool   // --redis none
	Network  string // "tcp" or "unix"
	Addr     string // host:port, or the socket path
	TLS      bool   // rediss://
	Username string // ACL user; "" is the default user
	Password string // secret
	DB       int    // database selected on connect (/N or ?db=N)
}

// RedisConfigHelp is the hint every Redis problem ends with.
const RedisConfigHelp = "use --redis URL (redis://[:password@]host:port/db or unix:///path/redis.sock) or --redis none"

// ResolveRedisTarget reads the --redis value: "none" turns Redis off;
// redis://, rediss:// and unix:// URLs as redis-cli -u takes
// them; a bare host:port or socket path is accepted too. envAuth is
// REDISCLI_AUTH (main.go reads it), used when the URL has no password, as
// redis-cli does. It is pure, and its errors never quote the input, which
// may hold the password.
func ResolveRedisTarget(raw, envAuth string) (RedisTarget, error) {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		raw = DefaultRedisURL
	case strings.EqualFold(raw, "none"):
		return RedisTarget{Disabled: true}, nil
	case strings.HasPrefix(raw, "/"):
		raw = "unix://" + raw
	case !strings.Contains(raw, "://"):
		raw = "redis://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return RedisTarget{}, errors.New("--redis is not a URL: " + RedisConfigHelp)
	}
	t := RedisTarget{}
	if u.User != nil {
		t.Username = u.User.Username()
		t.Password, _ = u.User.Password()
	}
	q := u.Query()
	switch strings.ToLower(u.Scheme) {
	case "redis", "rediss":
		t.Network, t.TLS = "tcp", strings.EqualFold(u.Scheme, "rediss")
		host, port := u.Hostname(), u.Port()
		if host == "" {
			host = "localhost"
		}
		if port == "" {
			port = "6379"
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return RedisTarget{}, errors.New("--redis: the port is not a number from 1 to 65535")
		}
		t.Addr = net.JoinHostPort(host, port)
		if p := strings.Trim(u.Path, "/"); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil || n < 0 {
				return RedisTarget{}, errors.New("--redis: the path is not a database number (redis://host:6379/0)")
			}
			t.DB = n
		}
	case "unix":
		if u.Path == "" || u.Host != "" {
			return RedisTarget{}, errors.New("--redis: a unix socket URL is unix:///path/to/redis.sock (three slashes)")
		}
		t.Network, t.Addr = "unix", u.Path
	default:
		return RedisTarget{}, fmt.Errorf("--redis: scheme %q is not redis, rediss or unix", PGText(u.Scheme))
	}
	for k := range q {
		switch k {
		case "db":
			n, err := strconv.Atoi(q.Get("db"))
			if err != nil || n < 0 {
				return RedisTarget{}, errors.New("--redis: db= is not a database number")
			}
			t.DB = n
		case "password":
			t.Password = q.Get("password")
		default:
			return RedisTarget{}, fmt.Errorf("--redis: unknown parameter %q (known: db, password)", PGText(k))
		}
	}
	if t.Password == "" {
		t.Password = envAuth
	}
	return t, nil
}

// Redacted describes the target for people and files: address, database
// and user, never the password.
func (t RedisTarget) Redacted() string {
	if t.Disabled {
		return "Redis off (--redis none)"
	}
	s := t.Addr
	if t.Network == "unix" {
		s = "unix:" + t.Addr
	}
	if t.TLS {
		s += " (TLS)"
	}
	if t.DB != 0 {
		s += fmt.Sprintf(" db %d", t.DB)
	}
	if t.Username != "" {
		s += ", user " + PGText(t.Username)
	}
	return s
}

// String is Redacted, so that printing a target by accident leaks nothing.
func (t RedisTarget) String() string { return t.Redacted() }

// GoString is Redacted too, for %#v.
func (t RedisTarget) GoString() string { return "RedisTarget(" + t.Redacted() + ")" }

// Scrub makes text that may quote the server, the driver or the network
// safe to draw and write: the password removed, then the shared secret
// masking and the control-character cleaning. Every Redis message goes
// through here, so switching to another redactor is one line.
func (t RedisTarget) Scrub(s string) string {
	if t.Password != "" {
		s = strings.ReplaceAll(s, t.Password, redact.Mask)
	}
	return PGText(redact.Redact(s))
}
