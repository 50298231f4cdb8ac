package probes

// Val is a reading that may be unknown. Absence is not zero: an old kernel
// without MemAvailable, a machine without swap or PSI, or a file that did not
// parse all leave OK false, and the views say "unknown" instead of 0.
type Val struct {
	V  uint64
	OK bool
}

// Some returns a known value.
func Some(v uint64) Val { return Val{V: v, OK: true} }

// Or returns the value, or def when it is unknown.
func (v Val) Or(def uint64) uint64 {
	if !v.OK {
		return def
	}
	return v.V
}
