package probes

// Go maps keep their buckets after their entries are deleted: a map that
// once held the 10,000 processes of a fork storm holds their memory for as
// long as memtui runs. ShrinkMap copies m into a map of its own size once
// it has fallen to a quarter of the largest size seen (peak), and returns
// the map to keep and the new peak. Small maps are left alone.
func ShrinkMap[K comparable, V any](m map[K]V, peak int) (map[K]V, int) {
	peak = max(peak, len(m))
	if peak < shrinkFloor || len(m)*4 > peak {
		return m, peak
	}
	n := make(map[K]V, len(m))
	for k, v := range m {
		n[k] = v
	}
	return n, len(n)
}

// ShrinkSlice drops a reused slice whose capacity is over four times what
// is needed (and large): the next use allocates its own size.
func ShrinkSlice[T any](s []T, need int) []T {
	if cap(s) >= shrinkFloor && cap(s) > 4*max(need, 1) {
		return nil
	}
	return s
}

// shrinkFloor is the size under which keeping memory costs less than
// copying: a few hundred KiB at most.
const shrinkFloor = 2048
