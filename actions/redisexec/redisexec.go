// Package redisexec runs the runbook's Redis flushes (actions.Redis) over
// probes/redisprobe: the same target, password and bounds as the probe.
// It lives apart from actions so that the ui, which imports actions, links
// no Redis driver.
package redisexec

import (
	"context"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/probes/redisprobe"
)

// Session is actions.Redis over a probe of its own.
type Session struct{ P *redisprobe.Probe }

var _ actions.Redis = Session{}

// Target is the server, redacted.
func (s Session) Target() string { return s.P.Target().Redacted() }

// Usage reads used_memory and the keys per database from INFO.
func (s Session) Usage(ctx context.Context) (actions.RedisUsage, error) {
	in, err := s.P.Info(ctx)
	if err != nil {
		return actions.RedisUsage{}, err
	}
	u := actions.RedisUsage{UsedMemory: in.UsedMemory.V, Keys: map[int]uint64{}, LazyfreePending: in.LazyfreePending.V}
	for _, d := range in.Keyspace {
		u.Keys[d.Index] = d.Keys
	}
	return u, nil
}

// Flush runs FLUSHDB db, or FLUSHALL when db < 0.
func (s Session) Flush(ctx context.Context, db int) error { return s.P.Flush(ctx, db) }
