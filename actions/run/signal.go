package run

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/probes"
)

// procStat is what the signal kind needs from /proc/PID/stat.
type procStat struct {
	Comm       string
	State      byte
	StartTicks uint64 // field 22, starttime
}

// parseStat reads /proc/PID/stat through the probes' stat parser (the one
// parser of that file), keeping what the signal kind needs.
func parseStat(b []byte) (procStat, error) {
	st, err := probes.ParseProcStat(b)
	if err != nil {
		return procStat{}, err
	}
	return procStat{Comm: string(st.Comm), State: st.State, StartTicks: st.StartTime}, nil
}

func readStat(procRoot string, pid int) (procStat, error) {
	b, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "stat"))
	if err != nil {
		return procStat{}, err
	}
	return parseStat(b)
}

// errGone says the target process no longer exists.
var errGone = errors.New("gone")

// verifyTarget checks that t.PID is still the process the caller saw: same
// comm and, when known, same start time. It returns t with StartTicks set.
func verifyTarget(procRoot string, t actions.Target) (actions.Target, error) {
	if t.PID <= 1 {
		return t, &refusedError{fmt.Sprintf("refusing to signal pid %d", t.PID)}
	}
	if t.PID == os.Getpid() {
		return t, &refusedError{"refusing to signal memtui itself"}
	}
	st, err := readStat(procRoot, t.PID)
	if errors.Is(err, os.ErrNotExist) {
		return t, fmt.Errorf("pid %d (%s) has already exited: %w", t.PID, t.Comm, errGone)
	}
	if err != nil {
		return t, fmt.Errorf("pid %d: %v", t.PID, err)
	}
	if st.State == 'Z' || st.State == 'X' {
		return t, fmt.Errorf("pid %d (%s) has already exited: %w", t.PID, t.Comm, errGone)
	}
	if t.Comm != "" && st.Comm != t.Comm {
		return t, &refusedError{fmt.Sprintf("pid %d is now %q, not %q: the process exited and its pid was reused; nothing sent", t.PID, st.Comm, t.Comm)}
	}
	if t.StartTicks != 0 && st.StartTicks != t.StartTicks {
		return t, &refusedError{fmt.Sprintf("pid %d (%s) is a different process than the one selected (start time changed): the pid was reused; nothing sent", t.PID, st.Comm)}
	}
	t.Comm, t.StartTicks = st.Comm, st.StartTicks
	return t, nil
}
