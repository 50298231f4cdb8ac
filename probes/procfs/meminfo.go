package procfs

import (
	"fmt"

	"github.com/memtui/memtui/probes"
)

// Meminfo reads <proc>/meminfo.
func (fs FS) Meminfo() (probes.Meminfo, error) {
	p := fs.path("meminfo")
	b, err := readInto(p, make([]byte, 0, 4096))
	if err != nil {
		return probes.Meminfo{}, err
	}
	m, err := probes.ParseMeminfo(b)
	if err != nil {
		return m, fmt.Errorf("%s: %w", p, err)
	}
	return m, nil
}
