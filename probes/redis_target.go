package probes

import (
	"fmt"
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
