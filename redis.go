// The Redis target, as --redis and REDISCLI_AUTH name it, and its snapshot
// section.

package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/actions/redisexec"
	"github.com/memtui/memtui/internal/units"
	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/host"
	"github.com/memtui/memtui/probes/redisprobe"
)

// redisTarget resolves --redis with REDISCLI_AUTH, the password variable
// redis-cli reads (only main reads the environment).
func (o *options) redisTarget() (probes.RedisTarget, error) {
	url := o.redis
	if url == "" {
		url = probes.DefaultRedisURL
	}
	return redisprobe.ResolveRedisTarget(url, os.Getenv("REDISCLI_AUTH"))
}

// redisSnapshotBudget bounds the snapshot's Redis reading so a hung server
// cannot hold the snapshot up (the probe's own read timeout is 2 s).
const redisSnapshotBudget = 2500 * time.Millisecond

// redisSnapshot is the redis section: one reading, then the connection
// closes. Off, misconfigured or down, it is a section with the reason. A
// replayed host's Redis is not the one on this machine: it is read only
// when --redis names one explicitly, as PostgreSQL is.
func redisSnapshot(o *options, h host.Host) probes.RedisSnapshot {
	if h.Kind() != host.KindLive && o.redis == "" {
		return probes.RedisReading{Err: "not read: " + string(h.Kind()) + " host; give --redis to read a server"}.Snapshot()
	}
	t, err := o.redisTarget()
	switch {
	case err != nil:
		return probes.RedisReading{Err: err.Error()}.Snapshot()
	case t.Disabled:
		return probes.RedisReading{Target: t.Redacted(), Err: "Redis is off (--redis none)"}.Snapshot()
	}
	p := redisprobe.New(t, redisprobe.Options{})
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), redisSnapshotBudget)
	defer cancel()
	return p.Read(ctx).Snapshot()
}

// writeRedisText is the redis section of the human snapshot.
func writeRedisText(b *strings.Builder, r probes.RedisSnapshot) {
	b.WriteString("\nRedis\n")
	if r.Target != "" {
		fmt.Fprintf(b, "  target     %s\n", r.Target)
	}
	if !r.Connected {
		fmt.Fprintf(b, "  not connected: %s\n", r.Error)
		return
	}
	bytesOr := func(p *uint64) string {
		if p == nil {
			return "unknown"
		}
		return units.Bytes(*p)
	}
	fmt.Fprintf(b, "  used       %s (RSS %s, peak %s)", bytesOr(r.UsedMemoryBytes), bytesOr(r.RSSBytes), bytesOr(r.PeakBytes))
	if r.FragmentationRatio != nil {
		fmt.Fprintf(b, ", fragmentation %.2f", *r.FragmentationRatio)
	}
	b.WriteString("\n")
	switch {
	case r.MaxmemoryBytes == nil:
		b.WriteString("  maxmemory  unknown\n")
	case *r.MaxmemoryBytes == 0:
		fmt.Fprintf(b, "  maxmemory  no limit (policy %s)\n", r.MaxmemoryPolicy)
	default:
		fmt.Fprintf(b, "  maxmemory  %s, policy %s\n", units.Bytes(*r.MaxmemoryBytes), r.MaxmemoryPolicy)
	}
	if r.EvictedKeys != nil {
		fmt.Fprintf(b, "  evicted    %d keys since start\n", *r.EvictedKeys)
	}
	if len(r.Keys) == 0 {
		b.WriteString("  keys       none\n")
		return
	}
	dbs := make([]string, 0, len(r.Keys))
	for db := range r.Keys {
		dbs = append(dbs, db)
	}
	// db2 before db10: by number, not as strings.
	dbNum := func(s string) int { n, _ := strconv.Atoi(strings.TrimPrefix(s, "db")); return n }
	sort.Slice(dbs, func(i, j int) bool { return dbNum(dbs[i]) < dbNum(dbs[j]) })
	for _, db := range dbs {
		fmt.Fprintf(b, "  %-10s %d keys\n", db, r.Keys[db])
	}
}

// redisActions is the Redis the runbook's flushes act on: the --redis
// server through a connection of its own, nil with --redis none, and a
// stand-in that says what is wrong with a --redis that cannot be read.
func (o *options) redisActions() actions.Redis {
	t, err := o.redisTarget()
	switch {
	case err != nil:
		return redisUnavailable{err: err}
	case t.Disabled:
		return nil
	}
	return redisexec.Session{P: redisprobe.New(t, redisprobe.Options{})}
}

// redisUnavailable is a Redis whose --redis could not be read; every call
// says why.
type redisUnavailable struct{ err error }

func (r redisUnavailable) Target() string { return "(--redis not usable)" }
func (r redisUnavailable) Usage(context.Context) (actions.RedisUsage, error) {
	return actions.RedisUsage{}, r.err
}
func (r redisUnavailable) Flush(context.Context, int) error { return r.err }
