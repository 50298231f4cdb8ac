package redisprobe

import (
	"context"
	"os"
	"testing"

	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/redistest"
)

// BenchmarkRead is one reading (four INFO sections, one round trip) over
// the unix socket of a server holding 10,000 keys in two databases.
func BenchmarkRead(b *testing.B) {
	srv := redistest.Start(b)
	if err := srv.Fill(0, 5000, 256); err != nil {
		b.Fatal(err)
	}
	if err := srv.Fill(3, 5000, 256); err != nil {
		b.Fatal(err)
	}
	tg, _ := ResolveRedisTarget(srv.SocketURL(), "")
	p := New(tg, Options{})
	defer p.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if r := p.Read(ctx); !r.Connected {
			b.Fatal(r.Err)
		}
	}
}

// BenchmarkParseRedisInfo is the parser alone on a real reply.
func BenchmarkParseRedisInfo(b *testing.B) {
	data, err := os.ReadFile("../testdata/redis/info-7.0.txt")
	if err != nil {
		b.Fatal(err)
	}
	s := string(data)
	b.ReportAllocs()
	for b.Loop() {
		_ = probes.ParseRedisInfo(s)
	}
}
