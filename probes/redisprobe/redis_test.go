package redisprobe

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/memtui/memtui/probes"
)

// A real INFO reply of redis-server 7.0 (server, memory, stats, keyspace;
// CRLF as on the wire) with keys in db0 and db3.
func TestParseRedisInfoReal(t *testing.T) {
	b, err := os.ReadFile("../testdata/redis/info-7.0.txt")
	if err != nil {
		t.Fatal(err)
	}
	in := probes.ParseRedisInfo(string(b))
	if in.Version != "7.0.15" || in.UsedMemory != probes.Some(1013792) || in.MaxMemory != probes.Some(0) || in.MaxMemoryPolicy != "noeviction" {
		t.Errorf("memory fields: %+v", in)
	}
	if !in.UsedMemoryRSS.OK || !in.UsedMemoryPeak.OK || !in.FragmentationOK || in.EvictedKeys != probes.Some(0) || in.LazyfreePending != probes.Some(0) {
		t.Errorf("rss, peak, fragmentation, evicted, lazyfree: %+v", in)
	}
	want := []probes.RedisDB{{Index: 0, Keys: 1}, {Index: 3, Keys: 2, Expires: 1}}
	if diff := cmp.Diff(want, in.Keyspace); diff != "" {
		t.Errorf("keyspace (-want +got):\n%s", diff)
	}
	if in.TotalKeys() != 3 || in.KeysIn(3) != 2 || in.KeysIn(5) != 0 {
		t.Errorf("totals: %d %d %d", in.TotalKeys(), in.KeysIn(3), in.KeysIn(5))
	}
}

// Absence is not zero, and junk is skipped rather than fatal.
func TestParseRedisInfoEdges(t *testing.T) {
	in := probes.ParseRedisInfo("# Memory\nused_memory:12\nused_memory_rss:lots\nmaxmemory:\nnocolon\ndb:keys=1\ndb01:keys=2\ndbx:keys=3\ndb-1:keys=4\ndb2:expires=3\ndb9:keys=7\n")
	if in.UsedMemory != probes.Some(12) || in.UsedMemoryRSS.OK || in.MaxMemory.OK || in.FragmentationOK {
		t.Errorf("%+v", in)
	}
	if diff := cmp.Diff([]probes.RedisDB{{Index: 9, Keys: 7}}, in.Keyspace); diff != "" {
		t.Errorf("only db9 is a well-formed keyspace line (-want +got):\n%s", diff)
	}
	if in := probes.ParseRedisInfo(""); in.UsedMemory.OK || len(in.Keyspace) != 0 {
		t.Errorf("empty reply: %+v", in)
	}
	// A reply listing a million databases keeps a bounded number.
	if in := probes.ParseRedisInfo(strings.Repeat("db7:keys=1\n", 5000)); len(in.Keyspace) != probes.MaxRedisDBs {
		t.Errorf("kept %d keyspace lines", len(in.Keyspace))
	}
}

func FuzzParseRedisInfo(f *testing.F) {
	b, _ := os.ReadFile("../testdata/redis/info-7.0.txt")
	f.Add(string(b))
	f.Add("db0:keys=1,expires=0\r\nused_memory:1\r\nmem_fragmentation_ratio:NaN\r\n")
	f.Add("\x00\xff:\n#\n:\ndb99999999999999999999:keys=1")
	f.Fuzz(func(t *testing.T, s string) {
		in := probes.ParseRedisInfo(s)
		if len(in.Keyspace) > probes.MaxRedisDBs {
			t.Fatalf("%d databases", len(in.Keyspace))
		}
		for i := 1; i < len(in.Keyspace); i++ {
			if in.Keyspace[i-1].Index > in.Keyspace[i].Index {
				t.Fatalf("keyspace not sorted: %+v", in.Keyspace)
			}
		}
		if in.FragmentationOK && !(in.FragmentationRatio >= 0) {
			t.Fatalf("ratio %v", in.FragmentationRatio)
		}
	})
}

func TestResolveRedisTarget(t *testing.T) {
	tests := []struct {
		raw, env string
		want     probes.RedisTarget
		shown    string
	}{
		{"", "", probes.RedisTarget{Network: "tcp", Addr: "localhost:6379"}, "localhost:6379"},
		{"redis://localhost:6379", "envpw", probes.RedisTarget{Network: "tcp", Addr: "localhost:6379", Password: "envpw"}, "localhost:6379"},
		{"redis://:s3cret@10.0.0.5:6380/3", "envpw", probes.RedisTarget{Network: "tcp", Addr: "10.0.0.5:6380", Password: "s3cret", DB: 3}, "10.0.0.5:6380 db 3"},
		{"rediss://app:pw@cache.internal", "", probes.RedisTarget{Network: "tcp", Addr: "cache.internal:6379", TLS: true, Username: "app", Password: "pw"}, "cache.internal:6379 (TLS), user app"},
		{"unix:///run/redis/redis.sock?db=2", "", probes.RedisTarget{Network: "unix", Addr: "/run/redis/redis.sock", DB: 2}, "unix:/run/redis/redis.sock db 2"},
		{"unix://:pw@/run/redis/redis.sock", "", probes.RedisTarget{Network: "unix", Addr: "/run/redis/redis.sock", Password: "pw"}, "unix:/run/redis/redis.sock"},
		{"/run/redis/redis.sock", "", probes.RedisTarget{Network: "unix", Addr: "/run/redis/redis.sock"}, "unix:/run/redis/redis.sock"},
		{"127.0.0.1:7000", "", probes.RedisTarget{Network: "tcp", Addr: "127.0.0.1:7000"}, "127.0.0.1:7000"},
		{"[::1]:7000", "", probes.RedisTarget{Network: "tcp", Addr: "[::1]:7000"}, "[::1]:7000"},
		{"NONE", "x", probes.RedisTarget{Disabled: true}, "Redis off (--redis none)"},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			got, err := ResolveRedisTarget(tc.raw, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if got.Redacted() != tc.shown || got.String() != tc.shown {
				t.Errorf("shown as %q, want %q", got.Redacted(), tc.shown)
			}
		})
	}
	for _, bad := range []string{"redis://:hunter2@h:99999", "redis://:hunter2@h/x", "unix://:hunter2@host/sock", "http://:hunter2@h", "redis://:hunter2@h?timeout=hunter2", "redis://:hunter2@h?db=-1"} {
		_, err := ResolveRedisTarget(bad, "")
		if err == nil {
			t.Errorf("%s: accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "--redis") {
			t.Errorf("%s: error %q quotes the secret or names no flag", bad, err)
		}
	}
}

func TestRedisScrub(t *testing.T) {
	tg := probes.RedisTarget{Network: "tcp", Addr: "h:1", Password: "Zq9-secret"}
	got := tg.Scrub("WRONGPASS Zq9-secret\x1b[2J for redis://:Zq9-secret@h:1 password=other")
	for _, bad := range []string{"Zq9-secret", "\x1b", "other"} {
		if strings.Contains(got, bad) {
			t.Errorf("scrubbed text still has %q: %q", bad, got)
		}
	}
}
