//go:build memprof

// A developer's build (go build -tags memprof) that writes a heap profile
// to $MEMTUI_HEAP_PROFILE each time it receives SIGUSR2, to find what holds
// memory in a running dashboard, and the runtime's memory statistics in
// KiB to standard error (docs/PERFORMANCE.md). Release builds do
// not have it: runtime/pprof would add to every binary.

package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
)

func init() {
	path := os.Getenv("MEMTUI_HEAP_PROFILE")
	if path == "" {
		return
	}
	runtime.MemProfileRate = 1 // every allocation, so small ones are not misattributed
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR2)
	go func() {
		for range ch {
			runtime.GC()
			f, err := os.Create(path)
			if err != nil {
				continue
			}
			pprof.Lookup("heap").WriteTo(f, 0)
			f.Close()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			fmt.Fprintf(os.Stderr, "HeapAlloc %d HeapInuse %d HeapIdle %d HeapReleased %d HeapSys %d StackSys %d MSpanSys %d GCSys %d OtherSys %d Sys %d NumGC %d\n",
				ms.HeapAlloc>>10, ms.HeapInuse>>10, ms.HeapIdle>>10, ms.HeapReleased>>10, ms.HeapSys>>10, ms.StackSys>>10, ms.MSpanSys>>10, ms.GCSys>>10, ms.OtherSys>>10, ms.Sys>>10, ms.NumGC)
		}
	}()
}
