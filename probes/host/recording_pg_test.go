package host_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/host"
	"github.com/memtui/memtui/probes/pgtest"
	"github.com/memtui/memtui/probes/record"
)

// TestRecordReplayPostgres records a real server with idle sessions of
// the test's own, then replays: at each recorded reading the Recording
// host shows the same session counts by state.
func TestRecordReplayPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	srv := pgtest.Start(t)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		c, err := pgx.Connect(ctx, srv.DSN(""))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
	}
	tree := "../testdata/fixtures/healthy"
	h := host.Open(host.Options{Proc: tree + "/proc", Sys: tree + "/sys", PG: srv.DSN(""), PGEnv: map[string]string{}})
	defer h.Close()
	pg, why := h.Postgres()
	if pg == nil {
		t.Fatalf("no PostgreSQL source: %s", why)
	}
	path, rec := recordFor(t, record.Sources{Memory: h.Memory(), PG: pg}, 4*time.Second,
		record.Config{Interval: 100 * time.Millisecond, PGEvery: 500 * time.Millisecond})
	t.Logf("truncated %v, %d mem, %d pg", rec.Truncated, len(rec.Mem), len(rec.PG))
	var connected []probes.PGReading
	for _, r := range rec.PG {
		if r.Connected && r.Stats != nil {
			connected = append(connected, r)
		}
	}
	if len(connected) == 0 {
		t.Fatalf("no connected PostgreSQL reading among %d recorded", len(rec.PG))
	}
	if n := connected[len(connected)-1].Stats.ByState["idle"]; n < 3 {
		t.Errorf("recorded %d idle sessions, the test holds 3", n)
	}
	cur := record.NewCursor(rec, nil)
	rh := host.NewRecording(path, rec, cur)
	src, why := rh.Postgres()
	if src == nil {
		t.Fatalf("the recording's PostgreSQL: %s", why)
	}
	for _, want := range connected {
		cur.Seek(want.Time)
		got := src.Read(ctx)
		if !got.Connected || got.Stats == nil {
			t.Fatalf("at %s: replayed %+v", want.Time, got)
		}
		if diff := cmp.Diff(want.Stats.ByState, got.Stats.ByState); diff != "" || got.Stats.Total != want.Stats.Total || got.Stats.MaxConnections != want.Stats.MaxConnections {
			t.Errorf("at %s: sessions by state (-recorded +replayed):\n%s total %d/%d", want.Time, diff, want.Stats.Total, got.Stats.Total)
		}
	}
}
