package run

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// oom_score_adj for memtui itself. memtui runs on a host that is out of
// memory; if the kernel's OOM killer takes memtui first, the incident loses
// its screen and its record exactly when they matter (earlyoom protects
// itself the same way). The values stay well above -1000, which would make
// memtui unkillable: a memtui that leaks must still be a candidate.
const (
	// DashboardOOMScoreAdj is the dashboard's: a modest preference, so a
	// database or application using far more memory goes first.
	DashboardOOMScoreAdj = -500
	// WatchOOMScoreAdj is for `memtui watch`, the unattended responder.
	WatchOOMScoreAdj = -900
)

// ProtectSelf lowers this process's oom_score_adj to adj, and returns the value it had before and the value
// in force now. It never raises the score. Lowering needs root
// (CAP_SYS_RESOURCE, which a container may withhold): without it the write fails, memtui keeps its score,
// and the error says so for a debug line — callers must not fail on it.
// It always uses the real /proc: --proc may point at a fixture tree, but
// the process to protect is this one.
func ProtectSelf(adj int) (before, now int, err error) {
	path := "/proc/self/oom_score_adj"
	before, err = readOOMScoreAdj(path)
	if err != nil {
		return 0, 0, err
	}
	if before <= adj {
		return before, before, nil
	}
	if err := writeOOMScoreAdj(path, adj); err != nil {
		return before, before, fmt.Errorf("lower memtui's oom_score_adj to %d: %w (needs root with CAP_SYS_RESOURCE)", adj, err)
	}
	return before, adj, nil
}

// setChildOOMScoreAdj gives a started action back the score memtui had
// before protecting itself: the child inherits memtui's lowered score, and
// an action's runaway program must not be shielded from the OOM killer.
func setChildOOMScoreAdj(pid, adj int) error {
	return writeOOMScoreAdj("/proc/"+strconv.Itoa(pid)+"/oom_score_adj", adj)
}

func readOOMScoreAdj(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a number", path, b)
	}
	return v, nil
}

func writeOOMScoreAdj(path string, adj int) error {
	// O_WRONLY without O_CREATE: under a fixture root a missing file is an
	// error, never a new file.
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(strconv.Itoa(adj))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
