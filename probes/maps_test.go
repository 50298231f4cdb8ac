package probes

import (
	"reflect"
	"runtime"
	"testing"
)

// TestShrinkMapGivesMemoryBack: a map that held 20,000 processes and now
// holds 100 keeps its buckets until ShrinkMap copies it; the copy has the
// same entries and the heap is smaller after it. A map at half its peak,
// or a small one, is kept as it is.
func TestShrinkMapGivesMemoryBack(t *testing.T) {
	type entry struct {
		a, b, c, d uint64
		s          string
	}
	m := map[int32]entry{}
	for i := range int32(20000) {
		m[i] = entry{a: uint64(i)}
	}
	peak := len(m)
	for i := int32(100); i < 20000; i++ {
		delete(m, i)
	}
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse
	}
	before := heap()
	n, newPeak := ShrinkMap(m, peak)
	if reflect.ValueOf(n).UnsafePointer() == reflect.ValueOf(m).UnsafePointer() || newPeak != 100 || len(n) != 100 {
		t.Fatalf("a map at 100 of a 20,000 peak must be copied: same map %v, peak %d, len %d",
			reflect.ValueOf(n).UnsafePointer() == reflect.ValueOf(m).UnsafePointer(), newPeak, len(n))
	}
	for i := range int32(100) {
		if n[i].a != uint64(i) {
			t.Fatalf("entry %d lost in the copy", i)
		}
	}
	m = nil
	after := heap()
	runtime.KeepAlive(n)
	t.Logf("heap in use: %d KiB before the copy, %d KiB after", before>>10, after>>10)
	if after+512<<10 > before {
		t.Errorf("the copy gave back %d KiB: want at least 512 KiB of the 20,000 entries' buckets", (int64(before)-int64(after))>>10)
	}
	half := map[int]int{}
	for i := range 5000 {
		half[i] = i
	}
	if k, p := ShrinkMap(half, 8000); reflect.ValueOf(k).UnsafePointer() != reflect.ValueOf(half).UnsafePointer() || p != 8000 {
		t.Error("a map at more than a quarter of its peak must be kept")
	}
	small := map[int]int{1: 1}
	if k, _ := ShrinkMap(small, 1000); reflect.ValueOf(k).UnsafePointer() != reflect.ValueOf(small).UnsafePointer() {
		t.Error("a small map must be kept")
	}
	if s := ShrinkSlice(make([]int, 0, 10000), 100); s != nil {
		t.Error("a 10,000-cap slice for 100 items must be dropped")
	}
	if s := ShrinkSlice(make([]int, 0, 300), 10); s == nil {
		t.Error("a small slice must be kept")
	}
}
