package redisexec

import (
	"context"
	"strings"
	"testing"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/actions/run"
	"github.com/memtui/memtui/probes/redisprobe"
	"github.com/memtui/memtui/probes/redistest"
)

func runner(t *testing.T, srv *redistest.Server) *run.Runner {
	t.Helper()
	tg, err := redisprobe.ResolveRedisTarget(srv.SocketURL(), srv.Password())
	if err != nil {
		t.Fatal(err)
	}
	p := redisprobe.New(tg, redisprobe.Options{})
	t.Cleanup(func() { p.Close() })
	return &run.Runner{Redis: Session{P: p}}
}

func find(t *testing.T, o actions.Options, id string) actions.Action {
	t.Helper()
	for _, a := range actions.Builtin(o) {
		if a.ID == id {
			return a
		}
	}
	t.Fatalf("no built-in %s", id)
	return actions.Action{}
}

// FLUSHDB of the configured cache database and FLUSHALL through the
// runner, each with the preview the confirmation shows and the memory
// freed as the step's outcome, on a real server with a password.
func TestFlushThroughActions(t *testing.T) {
	const pw = "flush-pw-4471"
	srv := redistest.Start(t, redistest.Password(pw))
	if err := srv.Fill(0, 2000, 512); err != nil { // sessions
		t.Fatal(err)
	}
	if err := srv.Fill(3, 6000, 1024); err != nil { // the cache
		t.Fatal(err)
	}
	r := runner(t, srv)
	ctx := context.Background()
	cache := 3
	db := find(t, actions.Options{RedisCacheDB: &cache}, "clear-redis-cache-db")

	p, err := r.Preview(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("preview: %s %v", p.Message, p.Rows)
	for _, w := range []string{"FLUSHDB on Redis at unix:", "deletes the 6000 keys of db3", "keeps db0 (2000 keys)"} {
		if !strings.Contains(p.Message, w) {
			t.Errorf("preview %q lacks %q", p.Message, w)
		}
	}
	if len(p.Rows) != 2 || p.Rows[0][2] != "kept" || p.Rows[1][2] != "deleted" {
		t.Errorf("rows %v", p.Rows)
	}
	res := r.RunSync(ctx, actions.Request{Action: db, Confirmation: "y", Preview: &p})
	if res.Status != actions.StatusOK || len(res.Steps) != 1 || res.Steps[0].Redis == nil {
		t.Fatalf("%s: %s %+v", res.Status, res.Message, res.Steps)
	}
	o := res.Steps[0].Redis
	t.Logf("outcome: %s", res.Outcome)
	if o.KeysBefore != 6000 || o.KeysAfter != 0 || o.FreedBytes < 5<<20 || int64(o.UsedBefore-o.UsedAfter) != o.FreedBytes {
		t.Errorf("FLUSHDB outcome %+v", o)
	}
	if !strings.HasPrefix(res.Outcome, "FLUSHDB 3: 6000 keys deleted; used_memory ") || !strings.Contains(res.Outcome, "freed") {
		t.Errorf("outcome %q", res.Outcome)
	}
	if u, _ := r.Redis.Usage(ctx); u.Keys[0] != 2000 || u.Keys[3] != 0 {
		t.Errorf("after FLUSHDB 3: %v", u.Keys)
	}

	all := find(t, actions.Options{}, "clear-redis")
	if all.Risk != actions.RiskMedium || !all.HasPreview() {
		t.Errorf("clear-redis: risk %s, preview %v", all.Risk, all.HasPreview())
	}
	p, err = r.Preview(ctx, all, nil)
	if err != nil || !strings.Contains(p.Message, "deletes 2000 keys in 1 database(s), sessions included") {
		t.Errorf("FLUSHALL preview %q, %v", p.Message, err)
	}
	res = r.RunSync(ctx, actions.Request{Action: all, Confirmation: "y", Preview: &p})
	if res.Status != actions.StatusOK || res.Steps[0].Redis.KeysAfter != 0 || res.Steps[0].Redis.FreedBytes <= 0 {
		t.Fatalf("FLUSHALL: %s %s", res.Status, res.Outcome)
	}
	t.Logf("outcome: %s", res.Outcome)
	for _, s := range []string{res.Outcome, res.Message, res.Output, p.Message, strings.Join(res.Plan, " ")} {
		if strings.Contains(s, pw) {
			t.Errorf("the password shows in %q", s)
		}
	}
}

// Unconfigured cache database, Redis off, and Redis down: refused or
// failed with the reason, nothing flushed.
func TestFlushRefusals(t *testing.T) {
	srv := redistest.Start(t)
	if err := srv.Fill(0, 10, 8); err != nil {
		t.Fatal(err)
	}
	r := runner(t, srv)
	ctx := context.Background()
	db := find(t, actions.Options{}, "clear-redis-cache-db")
	if _, err := r.Preview(ctx, db, nil); err == nil || !strings.Contains(err.Error(), "redis_cache_db") {
		t.Errorf("preview without a cache db: %v", err)
	}
	if res := r.RunSync(ctx, actions.Request{Action: db}); res.Status != actions.StatusRefused {
		t.Errorf("run without a cache db: %s %s", res.Status, res.Message)
	}
	off := &run.Runner{}
	if res := off.RunSync(ctx, actions.Request{Action: find(t, actions.Options{}, "clear-redis")}); res.Status != actions.StatusRefused || !strings.Contains(res.Message, "--redis") {
		t.Errorf("Redis off: %s %s", res.Status, res.Message)
	}
	if u, _ := r.Redis.Usage(ctx); u.Keys[0] != 10 {
		t.Errorf("keys flushed by a refused run: %v", u.Keys)
	}
	srv.Stop()
	res := r.RunSync(ctx, actions.Request{Action: find(t, actions.Options{}, "clear-redis")})
	// The pooled connection sees the server go ("closed"); a new one is
	// refused. Either way the words say what happened.
	if res.Status != actions.StatusFailed || !(strings.Contains(res.Message, "is redis-server running?") || strings.Contains(res.Message, "the server stopped")) {
		t.Errorf("Redis down: %s %s", res.Status, res.Message)
	}
}
