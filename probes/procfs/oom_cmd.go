package procfs

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/memtui/memtui/internal/fsread"
	"github.com/memtui/memtui/probes"
)

// RunOOMCommand runs `memtui oom`: it finds the kills in the kernel log (or
// in a saved log) and prints them, a table for people or a JSON array. When
// the kernel log cannot be read it still prints the oom_kill counter (in
// the table) and returns the error that says why and how to fix it.
func (fs FS) RunOOMCommand(ctx context.Context, c probes.OOMCommand, stdin io.Reader, stdout io.Writer) error {
	if c.Now.IsZero() {
		c.Now = time.Now()
	}
	loc := c.Config.Location
	if loc == nil {
		loc = time.Local
	}
	var kills []probes.OOMKill
	var status string
	var srcErr error
	if c.File != "" {
		// A saved log is most often this machine's own: its kernel stamps
		// get this boot's btime, and stamps that cannot be from this boot
		// (later than now) keep no wall time.
		opts, _ := fs.OOMParseOptions(loc)
		opts.Now = c.Now
		r, name := stdin, "standard input"
		if c.File != "-" {
			// A device or FIFO given by mistake would stream or block
			// forever; a pipe belongs on standard input (--file -).
			f, err := fsread.OpenRegular(c.File)
			if err != nil {
				return fmt.Errorf("oom: %w; pass a saved log file, or - for standard input", err)
			}
			defer f.Close()
			r, name = f, c.File
		}
		l, err := probes.ParseOOM(probes.LimitReader(r, probes.MaxSavedLog, name), opts)
		if err != nil {
			return fmt.Errorf("oom: reading %s: %w", name, err)
		}
		kills = l.Kills
		status = "saved log: " + name
		if l.Suppressed > 0 {
			status += fmt.Sprintf(" · %d OOM report lines rate-limited by the kernel", l.Suppressed)
		}
		if len(l.UnitKills) > 0 {
			status += fmt.Sprintf(" · %d cgroups killed by systemd-oomd (no pid)", len(l.UnitKills))
		}
	} else {
		var st probes.OOMSourceStatus
		kills, st = fs.ReadOOM(ctx, c.Config)
		status = st.String()
		srcErr = st.Err()
	}
	if c.JSON {
		if err := probes.WriteOOMJSON(stdout, kills); err != nil {
			return err
		}
		return srcErr
	}
	fmt.Fprintln(stdout, status)
	if c.File == "" {
		if v, err := fs.OOMCount(); err == nil {
			fmt.Fprintf(stdout, "kills since boot (oom_kill in %s): %d\n", fs.path("vmstat"), v.V)
		} else {
			fmt.Fprintf(stdout, "kills since boot: unknown (%v)\n", err)
		}
	}
	if srcErr != nil && len(kills) == 0 {
		// Not "no kills": the log that would name them could not be read.
		return srcErr
	}
	if err := probes.WriteOOMTable(stdout, kills, c.Now, loc); err != nil {
		return err
	}
	return srcErr
}
