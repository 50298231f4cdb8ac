package procfs

import (
	"fmt"

	"github.com/memtui/memtui/probes"
)

// PSI reads <proc>/pressure/memory. ErrUnavailable means the kernel has no
// PSI (too old, or booted with psi=0).
func (fs FS) PSI() (probes.PSI, error) {
	path := fs.path("pressure", "memory")
	b, err := readInto(path, make([]byte, 0, 256))
	if err != nil {
		return probes.PSI{}, err
	}
	p, err := probes.ParsePSI(b)
	if err != nil {
		return p, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}
