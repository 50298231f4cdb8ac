package run

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/internal/units"
)

var errNoRedis = &refusedError{"Redis is off: start memtui with --redis URL"}

// redisDB is the database a redis kind flushes (-1: all) and why it cannot
// run, if it cannot.
func redisDB(a actions.Action) (int, error) {
	if a.Kind == actions.KindRedisFlushAll {
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
func (r *Runner) previewRedis(ctx context.Context, a actions.Action) (actions.Preview, error) {
	if r.Redis == nil {
		return actions.Preview{}, errNoRedis
	}
	db, err := redisDB(a)
	if err != nil {
		return actions.Preview{}, err
	}
	u, err := r.Redis.Usage(ctx)
	if err != nil {
		return actions.Preview{}, err
	}
	p := actions.Preview{Columns: []string{"database", "keys", ""}}
	var kept []string
	for _, d := range u.DBs() {
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
			where, u.Total(-1), len(u.Keys), units.Bytes(u.UsedMemory))
	} else {
		p.Message = fmt.Sprintf("FLUSHDB on %s deletes the %d keys of db%d; Redis uses %s now", where, u.Total(db), db, units.Bytes(u.UsedMemory))
		if len(kept) > 0 {
			p.Message += "; keeps " + strings.Join(kept, ", ")
		}
	}
	return p, nil
}

// runRedisFlush flushes and records the keys and the used memory before
// and after as the step's outcome.
func (r *Runner) runRedisFlush(ctx context.Context, a actions.Action, out *tail, res *actions.Result) error {
	if r.Redis == nil {
		res.Status, res.Message = actions.StatusRefused, errNoRedis.Error()
		return nil
	}
	db, err := redisDB(a)
	if err != nil {
		res.Status, res.Message = actions.StatusRefused, err.Error()
		return nil
	}
	cmd := redisCommand(db)
	step := actions.Step{Argv: []string{cmd}}
	before, err := r.Redis.Usage(ctx)
	if err != nil {
		res.Status, res.Message = actions.StatusFailed, err.Error()
		step.Status, step.Message, step.Outcome = actions.StatusFailed, err.Error(), "not run: "+err.Error()
		res.Steps = append(res.Steps, step)
		return nil
	}
	out.Line(fmt.Sprintf("$ %s  (Redis at %s, %d keys, used_memory %s)", cmd, r.Redis.Target(), before.Total(db), units.Bytes(before.UsedMemory)))
	t0 := r.now()
	err = r.Redis.Flush(ctx, db)
	step.Duration = r.now().Sub(t0)
	if err != nil {
		out.Line(err.Error())
		res.Status, res.Message = actions.StatusFailed, err.Error()
		step.Status, step.Message, step.Outcome = actions.StatusFailed, err.Error(), "failed: "+err.Error()
		res.Steps = append(res.Steps, step)
		return nil
	}
	after := r.redisSettled(ctx)
	o := actions.RedisOutcome{Command: cmd, KeysBefore: before.Total(db), UsedBefore: before.UsedMemory}
	if after != nil {
		o.KeysAfter, o.UsedAfter = after.Total(db), after.UsedMemory
		o.FreedBytes = int64(before.UsedMemory) - int64(after.UsedMemory)
		step.Outcome = o.Text()
	} else {
		step.Outcome = fmt.Sprintf("%s: done; used_memory after it could not be read (was %s)", cmd, units.Bytes(before.UsedMemory))
	}
	step.Status, step.Redis = actions.StatusOK, &o
	out.Line(step.Outcome)
	res.Steps = append(res.Steps, step)
	res.Status, res.Message = actions.StatusOK, step.Outcome
	return nil
}

// redisSettleWait bounds the wait for an asynchronous flush (lazyfree) to
// hand its memory back, so the freed figure is the real one.
const redisSettleWait = 3 * time.Second

// redisSettled reads usage after a flush, waiting while lazyfree is still
// freeing; nil when it cannot be read.
func (r *Runner) redisSettled(ctx context.Context) *actions.RedisUsage {
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
