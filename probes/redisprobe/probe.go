// Package redisprobe reads a Redis server for memtui over go-redis and runs
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
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

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
	client *redis.Client
}

// quietOnce silences go-redis's own logger, which writes to stderr: under
// the full-screen ui that would paint over the dashboard, and every failure
// reaches the person through the reading's Err anyway.
var quietOnce sync.Once

// quiet is a go-redis logger that drops everything.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// New returns a probe for t. It does not connect: the first Read does.
func New(t probes.RedisTarget, o Options) *Probe {
	quietOnce.Do(func() { redis.SetLogger(quiet{}) })
	o = o.withDefaults()
	return &Probe{target: t, opts: o, client: redis.NewClient(clientOptions(t, o, t.DB))}
}

// clientOptions are go-redis settings for memtui: one connection, no
// retries (a reading that fails says so and the next one tries again), no
// handshake extras, replies bounded by guardConn.
func clientOptions(t probes.RedisTarget, o Options, db int) *redis.Options {
	opt := &redis.Options{
		Network: t.Network, Addr: t.Addr, Username: t.Username, Password: t.Password, DB: db,
		ClientName: "memtui",
		// RESP2: INFO is a plain bulk string, and no HELLO round trip.
		Protocol:        2,
		DisableIdentity: true,
		MaxRetries:      -1,
		DialerRetries:   1,
		DialTimeout:     o.DialTimeout,
		ReadTimeout:     o.ReadTimeout,
		WriteTimeout:    o.ReadTimeout,
		// The context's deadline bounds each call too.
		ContextTimeoutEnabled:    true,
		PoolSize:                 1,
		MaxIdleConns:             1,
		PoolTimeout:              o.ReadTimeout,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	}
	if t.TLS {
		host, _, _ := net.SplitHostPort(t.Addr)
		opt.TLSConfig = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	max := o.MaxReply
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		d := net.Dialer{Timeout: o.DialTimeout}
		var c net.Conn
		var err error
		if opt.TLSConfig != nil {
			td := tls.Dialer{NetDialer: &d, Config: opt.TLSConfig}
			c, err = td.DialContext(ctx, network, addr)
		} else {
			c, err = d.DialContext(ctx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		return &guardConn{Conn: c, max: max}, nil
	}
	opt.Dialer = dial
	return opt
}

// Target is the probe's target (describe it with Redacted).
func (p *Probe) Target() probes.RedisTarget { return p.target }

// Close ends memtui's connection.
func (p *Probe) Close() error { return p.client.Close() }

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
	cmds := make([]*redis.StringCmd, len(infoSections))
	_, err := p.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, s := range infoSections {
			cmds[i] = pipe.Info(ctx, s)
		}
		return nil
	})
	if err != nil {
		return probes.RedisInfo{}, p.explain(err)
	}
	var b strings.Builder
	for _, c := range cmds {
		b.WriteString(c.Val())
		b.WriteString("\n")
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
	m, err := p.client.ConfigGet(ctx, "maxmemory*").Result()
	if err != nil {
		return
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
	if db < 0 {
		if err := p.client.FlushAll(ctx).Err(); err != nil {
			return p.explain(err)
		}
		return nil
	}
	c := redis.NewClient(clientOptions(p.target, p.opts, db))
	defer c.Close()
	if err := c.FlushDB(ctx).Err(); err != nil {
		return p.explain(err)
	}
	return nil
}

// explain turns a go-redis or network error into a sentence about the
// target a person can act on, ending with what to change.
func (p *Probe) explain(err error) error {
	return errors.New(p.target.Scrub(classify(err, p.target, p.opts.ReadTimeout)))
}

// classify words err; the caller scrubs it.
func classify(err error, t probes.RedisTarget, timeout time.Duration) string {
	at := "Redis at " + t.Redacted()
	const help = "use --redis URL or --redis none"
	var re redis.Error
	serverSaid := ""
	if errors.As(err, &re) {
		serverSaid = re.Error()
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
