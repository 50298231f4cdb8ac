package main

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/redistest"
)

// snapshotRedis runs `memtui snapshot` with args and REDISCLI_AUTH=auth
// and returns the whole output, the redis section (JSON runs) and the time.
func snapshotRedis(t *testing.T, bin, auth string, asJSON bool, args ...string) (string, probes.RedisSnapshot, time.Duration) {
	t.Helper()
	all := append([]string{"snapshot", "--pg", "none"}, args...)
	if asJSON {
		all = append(all, "--json")
	}
	cmd := exec.Command(bin, all...)
	cmd.Env = append(os.Environ(), "REDISCLI_AUTH="+auth)
	start := time.Now()
	out, err := cmd.Output()
	took := time.Since(start)
	if err != nil {
		t.Fatalf("snapshot %v: %v (must exit 0 whatever Redis does)", args, err)
	}
	var snap struct {
		Memory map[string]any       `json:"memory"`
		Redis  probes.RedisSnapshot `json:"redis"`
	}
	if asJSON {
		if err := json.Unmarshal(out, &snap); err != nil {
			t.Fatalf("snapshot JSON: %v\n%s", err, out)
		}
		if snap.Memory["total_bytes"] == nil {
			t.Errorf("the memory section is missing:\n%s", out)
		}
	}
	return string(out), snap.Redis, took
}

// The snapshot's redis section agrees with the server's INFO memory within
// 5 % and counts keys per database; the password (from REDISCLI_AUTH)
// never shows; with the server stopped or off every other section still
// prints and the exit is 0.
func TestSnapshotRedis(t *testing.T) {
	const pw = "memtui-Redis-pw-91"
	srv := redistest.Start(t, redistest.Password(pw))
	if err := srv.Fill(0, 4000, 1024); err != nil {
		t.Fatal(err)
	}
	if err := srv.Fill(3, 1000, 256); err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	for _, target := range []string{"redis://" + srv.Addr(), srv.SocketURL()} {
		t.Run(target, func(t *testing.T) {
			out, r, _ := snapshotRedis(t, bin, pw, true, "--redis", target)
			if !r.Connected {
				t.Fatalf("not connected: %s", r.Error)
			}
			text, err := srv.Info("memory")
			if err != nil {
				t.Fatal(err)
			}
			want := float64(probes.ParseRedisInfo(text).UsedMemory.V)
			if r.UsedMemoryBytes == nil || math.Abs(float64(*r.UsedMemoryBytes)-want) > 0.05*want {
				t.Errorf("used_memory_bytes %v, INFO memory says %.0f", r.UsedMemoryBytes, want)
			}
			if r.Keys["db0"] != 4000 || r.Keys["db3"] != 1000 || r.MaxmemoryBytes == nil {
				t.Errorf("keys %v, maxmemory %v", r.Keys, r.MaxmemoryBytes)
			}
			if strings.Contains(out, pw) {
				t.Errorf("the password is in the JSON snapshot")
			}
			txt, _, _ := snapshotRedis(t, bin, pw, false, "--redis", target)
			for _, w := range []string{"\nRedis\n", "db0        4000 keys", "db3        1000 keys", "maxmemory  no limit"} {
				if !strings.Contains(txt, w) {
					t.Errorf("text snapshot lacks %q:\n%s", w, txt)
				}
			}
			if strings.Contains(txt, pw) {
				t.Errorf("the password is in the text snapshot")
			}
		})
	}
	t.Run("password in the URL, wrong", func(t *testing.T) {
		out, r, _ := snapshotRedis(t, bin, "", true, "--redis", "redis://:"+pw+"-no@"+srv.Addr())
		if r.Connected || !strings.Contains(r.Error, "refused the password") || strings.Contains(out, pw) {
			t.Errorf("%+v", r)
		}
	})
	t.Run("off", func(t *testing.T) {
		_, r, _ := snapshotRedis(t, bin, "", true, "--redis", "none")
		if r.Connected || r.Error != "Redis is off (--redis none)" || r.Keys == nil {
			t.Errorf("%+v", r)
		}
	})
	t.Run("stopped", func(t *testing.T) {
		srv.Stop()
		out, r, took := snapshotRedis(t, bin, pw, true, "--redis", "redis://"+srv.Addr())
		if r.Connected || !strings.Contains(r.Error, "connection refused — is redis-server running?") {
			t.Errorf("%+v", r)
		}
		if strings.Contains(out, pw) {
			t.Errorf("the password is in the snapshot")
		}
		txt, _, _ := snapshotRedis(t, bin, pw, false, "--redis", "redis://"+srv.Addr())
		if !strings.Contains(txt, "Memory\n") || !strings.Contains(txt, "not connected: Redis at 127.0.0.1:") {
			t.Errorf("text snapshot:\n%s", txt)
		}
		t.Logf("snapshot with Redis stopped: %s", took.Round(time.Millisecond))
	})
}
