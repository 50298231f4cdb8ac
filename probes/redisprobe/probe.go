// Package redisprobe reads a Redis server for memtui over RESP2 and runs
// its flushes. It lives apart from package probes so that the ui, which
// imports probes for its data types, does not link the Redis driver.
package redisprobe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/memtui/memtui/probes"
)

// Options tune the probe. Zero values take the defaults.
type Options struct {
	DialTimeout time.Duration // default 1s
	ReadTimeout time.Duration // per reading, default 2s
	// MaxReply bounds the bytes of one batch of replies and any length a
	// reply declares (default 1 MiB; INFO is a few KiB).
	MaxReply int64
	Now      func() time.Time
}

func (o Options) withDefaults() Options {
	if o.DialTimeout <= 0 {
		o.DialTimeout = time.Second
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = 2 * time.Second
	}
	if o.MaxReply <= 0 {
		o.MaxReply = 1 << 20
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Probe reads one Redis server. It holds at most one connection, opened on
// first use and reopened after a failure. Safe for concurrent use.
type Probe struct {
	target probes.RedisTarget
	opts   Options
	conn   *pool
}

// New returns a probe for t. It does not connect: the first Read does.
func New(t probes.RedisTarget, o Options) *Probe {
	o = o.withDefaults()
	return &Probe{target: t, opts: o, conn: &pool{d: newDialer(t, o), db: t.DB}}
}

// newDialer is how the probe connects: one connection, no retries (a
// reading that fails says so and the next one tries again), replies
// bounded by MaxReply.
func newDialer(t probes.RedisTarget, o Options) dialer {
	d := dialer{network: t.Network, addr: t.Addr, username: t.Username, password: t.Password, timeout: o.DialTimeout, max: o.MaxReply}
	if d.network == "" {
		d.network = "tcp"
	}
	if t.TLS {
		host, _, _ := net.SplitHostPort(t.Addr)
		d.tls = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	return d
}

// Target is the probe's target (describe it with Redacted).
func (p *Probe) Target() probes.RedisTarget { return p.target }

// Close ends memtui's connection.
func (p *Probe) Close() error { return p.conn.close() }

// Read takes one reading under ReadTimeout and ctx. It never returns a Go
// error: a failure is a reading with Connected false and Err in words.
func (p *Probe) Read(ctx context.Context) probes.RedisReading {
	r := probes.RedisReading{Time: p.opts.Now(), Target: p.target.Redacted()}
	if p.target.Disabled {
		r.Err = "Redis is off (--redis none)"
		return r
	}
	in, err := p.Info(ctx)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	r.Connected, r.Info = true, in
	return r
}

// infoSections are asked for one by one in a pipeline (one round trip):
// INFO with several sections needs Redis 7, and hosts still run 5 and 6.
var infoSections = []string{"server", "memory", "stats", "keyspace"}

// Info reads the INFO sections memtui uses. Its error is already worded
// for a person and scrubbed of the password.
func (p *Probe) Info(ctx context.Context) (probes.RedisInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, p.opts.ReadTimeout)
	defer cancel()
	cmds := make([][]string, len(infoSections))
	for i, sec := range infoSections {
		cmds[i] = []string{"INFO", sec}
	}
	replies, err := p.conn.do(ctx, p.opts.ReadTimeout, cmds...)
	if err != nil {
		return probes.RedisInfo{}, p.explain(err)
	}
	var b strings.Builder
	for _, r := range replies {
		switch v := r.(type) {
		case string:
			b.WriteString(v)
			b.WriteString("\n")
		case serverError:
			return probes.RedisInfo{}, p.explain(v)
		default:
			return probes.RedisInfo{}, p.explain(errInvalidReply{"INFO did not answer with text"})
		}
	}
	in := probes.ParseRedisInfo(b.String())
	if !in.MaxMemory.OK {
		// Servers before 3.2 leave maxmemory out of INFO; CONFIG may be
		// renamed away or denied by an ACL, so its failure is no error.
		p.configMaxmemory(ctx, &in)
	}
	return in, nil
}

// configMaxmemory fills maxmemory and its policy from CONFIG GET maxmemory*.
func (p *Probe) configMaxmemory(ctx context.Context, in *probes.RedisInfo) {
	replies, err := p.conn.do(ctx, p.opts.ReadTimeout, []string{"CONFIG", "GET", "maxmemory*"})
	if err != nil {
		return
	}
	arr, _ := replies[0].([]any)
	m := map[string]string{}
	for i := 0; i+1 < len(arr); i += 2 {
		k, _ := arr[i].(string)
		v, _ := arr[i+1].(string)
		m[k] = v
	}
	extra := probes.ParseRedisInfo("maxmemory:" + m["maxmemory"] + "\nmaxmemory_policy:" + m["maxmemory-policy"] + "\n")
	in.MaxMemory = extra.MaxMemory
	if in.MaxMemoryPolicy == "" {
		in.MaxMemoryPolicy = extra.MaxMemoryPolicy
	}
}

// Flush deletes keys: FLUSHDB of database db, or with db < 0 FLUSHALL of
// every database. FLUSHDB runs on a connection of its own that selects db
// when it opens, so a database that does not exist fails the connection
// and nothing else is flushed by mistake.
func (p *Probe) Flush(ctx context.Context, db int) error {
	if p.target.Disabled {
		return errors.New("Redis is off (--redis none)")
	}
	// A flush of a big database takes its time: the action's own timeout
	// (ctx) bounds it, not the reading's.
	timeout := time.Hour
	if db < 0 {
		return p.replyErr(p.conn.do(ctx, timeout, []string{"FLUSHALL"}))
	}
	c := &pool{d: p.conn.d, db: db}
	defer c.close()
	return p.replyErr(c.do(ctx, timeout, []string{"FLUSHDB"}))
}

// replyErr is the error of a one-command call: the connection's, or the
// server's error reply, worded.
func (p *Probe) replyErr(replies []any, err error) error {
	if err != nil {
		return p.explain(err)
	}
	if se, ok := replies[0].(serverError); ok {
		return p.explain(se)
	}
	return nil
}

// explain turns a server or network error into a sentence about the
// target a person can act on, ending with what to change.
func (p *Probe) explain(err error) error {
	return errors.New(p.target.Scrub(classify(err, p.target, p.opts.ReadTimeout)))
}

// classify words err; the caller scrubs it.
func classify(err error, t probes.RedisTarget, timeout time.Duration) string {
	at := "Redis at " + t.Redacted()
	const help = "use --redis URL or --redis none"
	var se serverError
	serverSaid := ""
	if errors.As(err, &se) {
		serverSaid = se.Error()
	}
	switch {
	case errors.Is(err, errReplyTooLarge):
		return at + ": the reply is larger than memtui reads — is it really Redis on that port? " + help
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Sprintf("%s: no answer within %s — the server may be busy (a long command or a save) or the host swapping", at, timeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		return at + ": connection refused — is redis-server running? " + help
	case t.Network == "unix" && errors.Is(err, syscall.ENOENT):
		return at + ": no socket there — is redis-server running? is that its unixsocket? " + help
	case errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM):
		return at + ": permission denied — run memtui as root or as a member of the socket's group, or " + help
	case errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH):
		return at + ": no route to the host — " + help
	case strings.HasPrefix(serverSaid, "NOAUTH"):
		return at + " needs a password — give it in REDISCLI_AUTH or as --redis redis://:PASSWORD@host:port"
	case strings.HasPrefix(serverSaid, "WRONGPASS") || strings.Contains(serverSaid, "invalid password"):
		return at + " refused the password — check REDISCLI_AUTH or the password in --redis"
	case strings.Contains(serverSaid, "without any password configured"):
		return at + " has no password set but memtui sent one — drop it from REDISCLI_AUTH or --redis"
	case strings.HasPrefix(serverSaid, "NOPERM"):
		return at + ": this user may not run the command (NOPERM: " + serverSaid + ") — grant +info, +flushdb, +flushall, or use another user in --redis"
	case strings.Contains(serverSaid, "DB index is out of range"):
		return at + ": that database does not exist (" + serverSaid + ")"
	case serverSaid != "":
		return at + " said: " + serverSaid
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return at + ": cannot resolve the host name — " + help
	}
	msg := err.Error()
	if strings.Contains(msg, "EOF") || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return at + ": the connection was closed — the server stopped, or another program listens there; " + help
	}
	if strings.Contains(msg, "invalid reply") || strings.Contains(msg, "can't parse") {
		return at + ": the answer is not Redis's protocol — is another program listening there? " + help
	}
	return at + ": " + msg
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
