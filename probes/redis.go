package probes

import (
	"context"
	"time"
)

// RedisReading is one reading of the Redis server: its INFO figures, or
// why there are none. A failure is a reading with Connected false and Err
// in plain words, never a Go error, so one broken source blanks nothing.
type RedisReading struct {
	Time      time.Time
	Target    string // redacted
	Connected bool
	Info      RedisInfo
	Err       string // "Redis at 127.0.0.1:6379: connection refused — is redis-server running? …"
}

// RedisSource reads Redis; probes/redisprobe implements it over RESP2 of its own,
// so that importing probes (as the ui does) links no Redis driver.
type RedisSource interface {
	Read(ctx context.Context) RedisReading
}

// RedisSnapshot is the "redis" section of `memtui snapshot --json`. The
// names connected, error, used_memory_bytes, maxmemory_bytes and keys are
// fixed by docs/DESIGN.md; the rest are additions. Unknown figures are null.
type RedisSnapshot struct {
	Connected          bool              `json:"connected"`
	Error              string            `json:"error"`
	Target             string            `json:"target"`
	Version            string            `json:"version,omitempty"`
	UsedMemoryBytes    *uint64           `json:"used_memory_bytes"`
	MaxmemoryBytes     *uint64           `json:"maxmemory_bytes"` // 0: no limit
	Keys               map[string]uint64 `json:"keys"`
	RSSBytes           *uint64           `json:"rss_bytes"`
	PeakBytes          *uint64           `json:"peak_bytes"`
	MaxmemoryPolicy    string            `json:"maxmemory_policy,omitempty"`
	FragmentationRatio *float64          `json:"fragmentation_ratio"`
	EvictedKeys        *uint64           `json:"evicted_keys"`
}

// Snapshot turns a reading into the snapshot's section.
func (r RedisReading) Snapshot() RedisSnapshot {
	s := RedisSnapshot{Connected: r.Connected, Error: r.Err, Target: r.Target, Keys: map[string]uint64{}}
	if !r.Connected {
		return s
	}
	in := r.Info
	val := func(v Val) *uint64 {
		if !v.OK {
			return nil
		}
		n := v.V
		return &n
	}
	s.Version = in.Version
	s.UsedMemoryBytes, s.MaxmemoryBytes = val(in.UsedMemory), val(in.MaxMemory)
	s.RSSBytes, s.PeakBytes, s.EvictedKeys = val(in.UsedMemoryRSS), val(in.UsedMemoryPeak), val(in.EvictedKeys)
	s.MaxmemoryPolicy = in.MaxMemoryPolicy
	if in.FragmentationOK {
		f := in.FragmentationRatio
		s.FragmentationRatio = &f
	}
	for _, d := range in.Keyspace {
		s.Keys[d.Name()] = d.Keys
	}
	return s
}
