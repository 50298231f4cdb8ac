package probes

// Ring is a fixed-capacity history: pushing past the capacity drops the
// oldest entry, so memtui's memory does not grow with time.
type Ring[T any] struct {
	buf   []T
	start int
	n     int
}

// NewRing returns an empty ring holding at most capacity entries (≥1).
func NewRing[T any](capacity int) *Ring[T] {
	if capacity < 1 {
		capacity = 1
	}
	return &Ring[T]{buf: make([]T, capacity)}
}

// Push appends v, dropping the oldest entry when full.
func (r *Ring[T]) Push(v T) {
	if r.n < len(r.buf) {
		r.buf[(r.start+r.n)%len(r.buf)] = v
		r.n++
		return
	}
	r.buf[r.start] = v
	r.start = (r.start + 1) % len(r.buf)
}

// Len is the number of entries held.
func (r *Ring[T]) Len() int { return r.n }

// Cap is the most entries the ring holds.
func (r *Ring[T]) Cap() int { return len(r.buf) }

// At returns entry i, oldest first (0 ≤ i < Len).
func (r *Ring[T]) At(i int) T { return r.buf[(r.start+i)%len(r.buf)] }

// Last returns the newest entry; ok is false when empty.
func (r *Ring[T]) Last() (v T, ok bool) {
	if r.n == 0 {
		return v, false
	}
	return r.At(r.n - 1), true
}

// AppendTo appends the entries, oldest first, to dst and returns it.
func (r *Ring[T]) AppendTo(dst []T) []T {
	for i := 0; i < r.n; i++ {
		dst = append(dst, r.At(i))
	}
	return dst
}
