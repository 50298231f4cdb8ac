package actions

import (
	"context"
	"fmt"
	"sort"

	"github.com/memtui/memtui/internal/units"
)

// Redis runs the redis-flushall and redis-flushdb kinds on the server
// memtui reads (--redis): the same host, port, password and TLS as the
// probe, never redis-cli at a guessed address. Package actions/redisexec
// implements it over probes/redisprobe; it lives apart so that importing
// actions (as the ui does) links no Redis driver. Errors it returns are
// already worded for a person and carry no password.
type Redis interface {
	// Target describes the server, redacted ("127.0.0.1:6379").
	Target() string
	// Usage reads used memory and the keys of each database.
	Usage(ctx context.Context) (RedisUsage, error)
	// Flush runs FLUSHDB on database db, or FLUSHALL when db < 0.
	Flush(ctx context.Context, db int) error
}

// RedisUsage is what a flush would delete and what it would free.
type RedisUsage struct {
	UsedMemory uint64         `json:"used_memory_bytes"` // INFO memory used_memory
	Keys       map[int]uint64 `json:"keys"`              // per database; empty ones left out
	// LazyfreePending are objects an asynchronous flush has yet to free
	// (INFO memory lazyfree_pending_objects).
	LazyfreePending uint64 `json:"lazyfree_pending_objects,omitempty"`
}

// Total is the key count of db, or of every database when db < 0.
func (u RedisUsage) Total(db int) uint64 {
	if db >= 0 {
		return u.Keys[db]
	}
	var n uint64
	for _, k := range u.Keys {
		n += k
	}
	return n
}

// DBs lists the databases that hold keys, in order.
func (u RedisUsage) DBs() []int {
	out := make([]int, 0, len(u.Keys))
	for db := range u.Keys {
		out = append(out, db)
	}
	sort.Ints(out)
	return out
}

// RedisOutcome is what one flush did: the command, the keys and the
// used_memory before and after it.
type RedisOutcome struct {
	Command    string `json:"command"` // "FLUSHALL", "FLUSHDB 3"
	KeysBefore uint64 `json:"keys_before"`
	KeysAfter  uint64 `json:"keys_after"`
	UsedBefore uint64 `json:"used_memory_before_bytes"`
	UsedAfter  uint64 `json:"used_memory_after_bytes"`
	// FreedBytes is UsedBefore − UsedAfter (negative: Redis grew meanwhile).
	FreedBytes int64 `json:"freed_bytes"`
}

// Text is "FLUSHALL: 5000 keys deleted; used_memory 12.3 MiB → 1.0 MiB, freed 11.3 MiB".
func (o RedisOutcome) Text() string {
	verb, n := "freed", o.FreedBytes
	if n < 0 {
		verb, n = "grew by", -n
	}
	return fmt.Sprintf("%s: %d keys deleted; used_memory %s → %s, %s %s", o.Command,
		o.KeysBefore-min(o.KeysAfter, o.KeysBefore), units.Bytes(o.UsedBefore), units.Bytes(o.UsedAfter), verb, units.Bytes(uint64(n)))
}

// NoRedisDB is the RedisDB of a redis-flushdb action with no database
// configured: it is listed, and refused with how to configure it.
const NoRedisDB = -1
