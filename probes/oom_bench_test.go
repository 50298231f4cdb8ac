package probes

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// benchLog builds a ~10 MB kernel log from the real 6.18 capture: each copy
// is one full OOM report (stack, cgroup stats, task list) with its own pid,
// between copies of a few hundred lines of ordinary boot noise.
func benchLog(tb testing.TB) []byte {
	kill, err := os.ReadFile(filepath.Join("testdata", "oom", "linux-6.18-memcg-v1-dmesg.log"))
	if err != nil {
		tb.Fatal(err)
	}
	noise, err := os.ReadFile(filepath.Join("testdata", "oom", "noise-only.log"))
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	for i := 0; buf.Len() < 10<<20; i++ {
		buf.Write(bytes.ReplaceAll(kill, []byte("3290"), []byte(strconv.Itoa(100000+i))))
		for j := 0; j < 20; j++ {
			buf.Write(noise)
		}
	}
	return buf.Bytes()
}

// BenchmarkParseOOM measures parsing a 10 MB kernel log (target > 100 MB/s).
func BenchmarkParseOOM(b *testing.B) {
	log := benchLog(b)
	opts := OOMParseOptions{BootTime: time.Unix(1795873990, 0), Location: time.UTC, Now: time.Unix(1795880000, 0)}
	want := len(ParseOOMBytes(log, opts).Kills)
	if want < 100 {
		b.Fatalf("bench log has %d kills", want)
	}
	b.SetBytes(int64(len(log)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l, err := ParseOOM(bytes.NewReader(log), opts)
		if err != nil || len(l.Kills) != want {
			b.Fatalf("%d kills, err %v", len(l.Kills), err)
		}
	}
}
