package actions

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

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

// total is the key count of db, or of every database when db < 0.
func (u RedisUsage) total(db int) uint64 {
	if db >= 0 {
		return u.Keys[db]
	}
	var n uint64
	for _, k := range u.Keys {
		n += k
	}
	return n
}

func (u RedisUsage) dbs() []int {
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

var errNoRedis = &refusedError{"Redis is off: start memtui with --redis URL"}

// redisDB is the database a redis kind flushes (-1: all) and why it cannot
// run, if it cannot.
func (a Action) redisDB() (int, error) {
	if a.Kind == KindRedisFlushAll {
		return -1, nil
	}
	if a.RedisDB < 0 {
		return 0, &refusedError{"no Redis cache database is configured: set [builtin] redis_cache_db = N in the runbook (the database only the application's cache uses)"}
	}
	return a.RedisDB, nil
}

func redisCommand(db int) string {
	if db < 0 {
		return "FLUSHALL"
	}
	return fmt.Sprintf("FLUSHDB %d", db)
}

// previewRedis lists what the flush deletes and what it keeps, with the
// memory Redis uses now.
func (r *Runner) previewRedis(ctx context.Context, a Action) (Preview, error) {
	if r.Redis == nil {
		return Preview{}, errNoRedis
	}
	db, err := a.redisDB()
	if err != nil {
		return Preview{}, err
	}
	u, err := r.Redis.Usage(ctx)
	if err != nil {
		return Preview{}, err
	}
	p := Preview{Columns: []string{"database", "keys", ""}}
	var kept []string
	for _, d := range u.dbs() {
		what := "deleted"
		if db >= 0 && d != db {
			what = "kept"
			kept = append(kept, fmt.Sprintf("db%d (%d keys)", d, u.Keys[d]))
		}
		p.Rows = append(p.Rows, []string{fmt.Sprintf("db%d", d), fmt.Sprint(u.Keys[d]), what})
	}
	p.Redis = &u
	where := "Redis at " + r.Redis.Target()
	if db < 0 {
		p.Message = fmt.Sprintf("FLUSHALL on %s deletes %d keys in %d database(s), sessions included; Redis uses %s now",
			where, u.total(-1), len(u.Keys), units.Bytes(u.UsedMemory))
	} else {
		p.Message = fmt.Sprintf("FLUSHDB on %s deletes the %d keys of db%d; Redis uses %s now", where, u.total(db), db, units.Bytes(u.UsedMemory))
		if len(kept) > 0 {
			p.Message += "; keeps " + strings.Join(kept, ", ")
		}
	}
	return p, nil
}

// runRedisFlush flushes and records the keys and the used memory before
// and after as the step's outcome.
func (r *Runner) runRedisFlush(ctx context.Context, a Action, out *tail, res *Result) error {
	if r.Redis == nil {
		res.Status, res.Message = StatusRefused, errNoRedis.Error()
		return nil
	}
	db, err := a.redisDB()
	if err != nil {
		res.Status, res.Message = StatusRefused, err.Error()
		return nil
	}
	cmd := redisCommand(db)
	step := Step{Argv: []string{cmd}}
	before, err := r.Redis.Usage(ctx)
	if err != nil {
		res.Status, res.Message = StatusFailed, err.Error()
		step.Status, step.Message, step.Outcome = StatusFailed, err.Error(), "not run: "+err.Error()
		res.Steps = append(res.Steps, step)
		return nil
	}
	out.Line(fmt.Sprintf("$ %s  (Redis at %s, %d keys, used_memory %s)", cmd, r.Redis.Target(), before.total(db), units.Bytes(before.UsedMemory)))
	t0 := r.now()
	err = r.Redis.Flush(ctx, db)
	step.Duration = r.now().Sub(t0)
	if err != nil {
		out.Line(err.Error())
		res.Status, res.Message = StatusFailed, err.Error()
		step.Status, step.Message, step.Outcome = StatusFailed, err.Error(), "failed: "+err.Error()
		res.Steps = append(res.Steps, step)
		return nil
	}
	after := r.redisSettled(ctx)
	o := RedisOutcome{Command: cmd, KeysBefore: before.total(db), UsedBefore: before.UsedMemory}
	if after != nil {
		o.KeysAfter, o.UsedAfter = after.total(db), after.UsedMemory
		o.FreedBytes = int64(before.UsedMemory) - int64(after.UsedMemory)
		step.Outcome = o.Text()
	} else {
		step.Outcome = fmt.Sprintf("%s: done; used_memory after it could not be read (was %s)", cmd, units.Bytes(before.UsedMemory))
	}
	step.Status, step.Redis = StatusOK, &o
	out.Line(step.Outcome)
	res.Steps = append(res.Steps, step)
	res.Status, res.Message = StatusOK, step.Outcome
	return nil
}

// redisSettleWait bounds the wait for an asynchronous flush (lazyfree) to
// hand its memory back, so the freed figure is the real one.
const redisSettleWait = 3 * time.Second

// redisSettled reads usage after a flush, waiting while lazyfree is still
// freeing; nil when it cannot be read.
func (r *Runner) redisSettled(ctx context.Context) *RedisUsage {
	deadline := r.now().Add(redisSettleWait)
	for {
		u, err := r.Redis.Usage(ctx)
		if err != nil {
			return nil
		}
		if u.LazyfreePending == 0 || r.now().After(deadline) {
			return &u
		}
		select {
		case <-ctx.Done():
			return &u
		case <-time.After(50 * time.Millisecond):
		}
	}
}
