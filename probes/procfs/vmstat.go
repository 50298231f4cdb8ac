package procfs

import (
	"fmt"

	"github.com/memtui/memtui/probes"
)

// VMStat reads <proc>/vmstat.
func (fs FS) VMStat() (probes.VMStat, error) {
	p := fs.path("vmstat")
	b, err := readInto(p, make([]byte, 0, 8192))
	if err != nil {
		return probes.VMStat{}, err
	}
	s, err := probes.ParseVMStat(b)
	if err != nil {
		return s, fmt.Errorf("%s: %w", p, err)
	}
	return s, nil
}
