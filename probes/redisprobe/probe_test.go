package redisprobe

import (
	"context"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/redistest"
)

func target(t *testing.T, url, env string) probes.RedisTarget {
	t.Helper()
	tg, err := ResolveRedisTarget(url, env)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func read(t *testing.T, tg probes.RedisTarget) probes.RedisReading {
	t.Helper()
	p := New(tg, Options{})
	defer p.Close()
	return p.Read(context.Background())
}

// The probe agrees with the server's own INFO memory within 5 %, and
// counts the keys of each database, over TCP and over the unix socket.
func TestReadAgreesWithInfo(t *testing.T) {
	srv := redistest.Start(t)
	if err := srv.Fill(0, 3000, 1024); err != nil {
		t.Fatal(err)
	}
	if err := srv.Fill(3, 700, 512); err != nil {
		t.Fatal(err)
	}
	for _, url := range []string{srv.URL(), srv.SocketURL()} {
		t.Run(url, func(t *testing.T) {
			r := read(t, target(t, url, ""))
			if !r.Connected {
				t.Fatalf("not connected: %s", r.Err)
			}
			text, err := srv.Info("memory")
			if err != nil {
				t.Fatal(err)
			}
			want := probes.ParseRedisInfo(text).UsedMemory.V
			got := r.Info.UsedMemory.V
			if math.Abs(float64(got)-float64(want)) > 0.05*float64(want) {
				t.Errorf("used_memory %d, INFO memory says %d", got, want)
			}
			if want < 3<<20 {
				t.Errorf("used_memory %d: the keys did not land", want)
			}
			if k := r.Snapshot().Keys; k["db0"] != 3000 || k["db3"] != 700 || len(k) != 2 {
				t.Errorf("keys %v", k)
			}
			in := r.Info
			if !in.UsedMemoryRSS.OK || !in.UsedMemoryPeak.OK || !in.MaxMemory.OK || in.MaxMemoryPolicy == "" || !in.FragmentationOK || !in.EvictedKeys.OK || in.Version == "" {
				t.Errorf("missing figures: %+v", in)
			}
		})
	}
}

// The password opens the server from the URL or REDISCLI_AUTH, and no
// error, reading or display form ever carries it.
func TestPasswordNeverShown(t *testing.T) {
	const pw = "Tr0ub4dor-memtui-7"
	srv := redistest.Start(t, redistest.Password(pw))
	for _, tc := range []struct {
		name, url, env string
		ok             bool
		says           string
	}{
		{"url", srv.URL(), "", true, ""},
		{"env", "redis://" + srv.Addr(), pw, true, ""},
		{"socket+env", srv.SocketURL(), pw, true, ""},
		{"none", "redis://" + srv.Addr(), "", false, "needs a password"},
		{"wrong", "redis://:" + pw + "x@" + srv.Addr(), "", false, "refused the password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg := target(t, tc.url, tc.env)
			r := read(t, tg)
			if r.Connected != tc.ok || !strings.Contains(r.Err, tc.says) {
				t.Errorf("connected %v, error %q; want %v, %q", r.Connected, r.Err, tc.ok, tc.says)
			}
			for _, s := range []string{r.Err, r.Target, tg.Redacted(), tg.String(), tg.GoString()} {
				if strings.Contains(s, pw) {
					t.Errorf("the password shows in %q", s)
				}
			}
		})
	}
}

// A server that is gone gives the plain error, fast.
func TestStoppedServer(t *testing.T) {
	srv := redistest.Start(t)
	tg := target(t, srv.URL(), "")
	p := New(tg, Options{})
	defer p.Close()
	if r := p.Read(context.Background()); !r.Connected {
		t.Fatalf("not connected while running: %s", r.Err)
	}
	srv.Stop()
	for _, tg := range []probes.RedisTarget{tg, target(t, srv.SocketURL(), "")} {
		p := New(tg, Options{})
		t0 := time.Now()
		r := p.Read(context.Background())
		took := time.Since(t0)
		p.Close()
		if r.Connected || !strings.Contains(r.Err, "is redis-server running?") || !strings.Contains(r.Err, "--redis none") {
			t.Errorf("%s: %q", tg, r.Err)
		}
		if took > time.Second {
			t.Errorf("%s: took %s", tg, took)
		}
		t.Logf("%s in %s", r.Err, took.Round(time.Millisecond))
	}
	// The long-lived probe says so too, on its next reading.
	if r := p.Read(context.Background()); r.Connected || r.Err == "" {
		t.Errorf("after the stop: %+v", r)
	}
}

func TestFlush(t *testing.T) {
	srv := redistest.Start(t)
	for _, db := range []int{0, 3} {
		if err := srv.Fill(db, 100, 64); err != nil {
			t.Fatal(err)
		}
	}
	p := New(target(t, srv.URL(), ""), Options{})
	defer p.Close()
	ctx := context.Background()
	if err := p.Flush(ctx, 99); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("FLUSHDB of db 99: %v", err)
	}
	if err := p.Flush(ctx, 3); err != nil {
		t.Fatal(err)
	}
	in, err := p.Info(ctx)
	if err != nil || in.KeysIn(0) != 100 || in.KeysIn(3) != 0 {
		t.Fatalf("after FLUSHDB 3: %v %+v", err, in.Keyspace)
	}
	if err := p.Flush(ctx, -1); err != nil {
		t.Fatal(err)
	}
	if in, err := p.Info(ctx); err != nil || in.TotalKeys() != 0 {
		t.Fatalf("after FLUSHALL: %v %+v", err, in.Keyspace)
	}
}

// Something on the port that declares a 2 GB reply is refused before
// anything is allocated for it; one that never answers times out.
func TestHostileServer(t *testing.T) {
	for _, tc := range []struct {
		name, reply, says string
	}{
		{"huge", "$2000000000\r\n", "larger than memtui reads"},
		{"http", "HTTP/1.1 400 Bad Request\r\n\r\n", "not Redis's protocol"},
		{"silent", "", "no answer within"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			go func() {
				for {
					c, err := l.Accept()
					if err != nil {
						return
					}
					go func() {
						defer c.Close()
						buf := make([]byte, 4096)
						_, _ = c.Read(buf)
						if tc.reply != "" {
							_, _ = c.Write([]byte(tc.reply))
						}
						time.Sleep(3 * time.Second)
					}()
				}
			}()
			p := New(target(t, "redis://"+l.Addr().String(), ""), Options{ReadTimeout: 500 * time.Millisecond})
			defer p.Close()
			t0 := time.Now()
			r := p.Read(context.Background())
			if r.Connected || !strings.Contains(r.Err, tc.says) || time.Since(t0) > 2*time.Second {
				t.Errorf("%q after %s", r.Err, time.Since(t0))
			}
		})
	}
}
