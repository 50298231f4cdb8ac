package run

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/memtui/memtui/actions"
)

// BenchmarkTailWrite measures capturing program output: 1 MiB in 4 KiB
// writes of 80-byte lines through cleaning, redaction and the bounded tail.
func BenchmarkTailWrite(b *testing.B) {
	line := strings.Repeat("x", 79) + "\n"
	chunk := []byte(strings.Repeat(line, 4096/len(line)))
	b.ReportAllocs()
	b.SetBytes(int64(len(chunk)) * 256)
	for b.Loop() {
		tl := newTail(0, 0)
		for range 256 {
			_, _ = tl.Write(chunk)
		}
	}
}

// BenchmarkRunTrue is the runner's overhead per command: fork/exec of
// true(1) in its own process group, waiting, and the group kill.
func BenchmarkRunTrue(b *testing.B) {
	var r Runner
	a := actions.Action{ID: "t", Kind: actions.KindCommands, Commands: [][]string{{"true"}}, Timeout: 10 * time.Second}
	b.ReportAllocs()
	for b.Loop() {
		if res := r.RunSync(context.Background(), actions.Request{Action: a}); res.Status != actions.StatusOK {
			b.Fatal(res.Message)
		}
	}
}
