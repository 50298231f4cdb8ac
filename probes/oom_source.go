package probes

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// OOMConfig says where to look for OOM kills. The zero value means the
// defaults: /dev/kmsg, then dmesg, then journalctl.
type OOMConfig struct {
	// KmsgPath is the kernel log device; tests point it at a FIFO or file.
	KmsgPath string
	// Dmesg is the dmesg command (argv); its follow form adds "-W"
	// (--follow-new, util-linux 2.35+). nil means {"dmesg"}.
	Dmesg []string
	// Journal is the journalctl command (argv) for the kernel messages of
	// this boot; its follow form adds "-f -n 0". nil means
	// {"journalctl", "-k", "-o", "short-iso", "--no-pager"}.
	Journal []string
	// Userspace is the journalctl command (argv) for the userspace killers'
	// lines of this boot (earlyoom, systemd-oomd), read once at start; nil
	// means the default, an empty slice turns it off.
	Userspace []string
	// Timeout bounds each run of dmesg or journalctl; 0 means 5 s.
	Timeout time.Duration
	// MaxKills bounds the kills kept in memory; 0 means 256.
	MaxKills int
	// Location is the zone of log stamps without one; nil means time.Local.
	Location *time.Location
}

func (c OOMConfig) WithDefaults() OOMConfig {
	if c.KmsgPath == "" {
		c.KmsgPath = "/dev/kmsg"
	}
	if c.Dmesg == nil {
		c.Dmesg = []string{"dmesg"}
	}
	if c.Journal == nil {
		c.Journal = []string{"journalctl", "-k", "-o", "short-iso", "--no-pager"}
	}
	if c.Userspace == nil {
		c.Userspace = []string{"journalctl", "-b", "-o", "short-iso", "--no-pager", "-t", "earlyoom", "-t", "systemd-oomd"}
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
	}
	if c.MaxKills <= 0 {
		c.MaxKills = 256
	}
	if c.Location == nil {
		c.Location = time.Local
	}
	return c
}

// ErrKernelLogRestricted says the kernel log cannot be read by this user.
var ErrKernelLogRestricted = errors.New("kernel log: permission denied — kernel.dmesg_restrict=1; run as root or grant CAP_SYSLOG")

// OOM source names, as OOMSourceStatus.Source holds them.
const (
	OOMSourceKmsg    = "kmsg"
	OOMSourceDmesg   = "dmesg"
	OOMSourceJournal = "journal"
	OOMSourceFile    = "file"
)

// OOMAttempt is one source tried and what came of it.
type OOMAttempt struct {
	Source string // kmsg, dmesg, journal
	What   string // the path or command line
	Err    error  // nil: used; ErrNotNeeded: an earlier one worked
}

// ErrNotNeeded marks a source not tried because an earlier one worked.
var ErrNotNeeded = errors.New("not needed")

// OOMSourceStatus says which source the kills come from and why the others
// are not used; its String is the panel's status line.
type OOMSourceStatus struct {
	Source     string // "" when no source works
	What       string // path or command of the source used
	Following  bool   // new kills arrive as they happen
	FollowErr  error  // why following stopped or could not start
	Restricted bool   // a source said "permission denied"
	// DmesgRestrict is kernel.dmesg_restrict=1: only root or CAP_SYSLOG may
	// read the kernel log.
	DmesgRestrict bool
	Dropped       int          // kmsg records overwritten before they were read
	Attempts      []OOMAttempt // every source, in the order tried
	// Userspace counts the earlyoom kills and UnitKills the systemd-oomd
	// cgroup kills found in the journal (read once at start, not followed).
	Userspace, UnitKills int
}

// Err is the error a person should see when no source works, else nil.
func (s OOMSourceStatus) Err() error {
	if s.Source != "" {
		return nil
	}
	if s.Restricted && s.DmesgRestrict {
		return ErrKernelLogRestricted
	}
	if s.Restricted {
		return errors.New("kernel log: permission denied; run as root or grant CAP_SYSLOG")
	}
	var parts []string
	for _, a := range s.Attempts {
		if a.Err != nil {
			parts = append(parts, a.Err.Error())
		}
	}
	return fmt.Errorf("kernel log: no source readable (%s)", strings.Join(parts, "; "))
}

// String is one line for people: "kernel log: /dev/kmsg, following · dmesg,
// journalctl not needed".
func (s OOMSourceStatus) String() string {
	if err := s.Err(); err != nil {
		return err.Error()
	}
	var b strings.Builder
	b.WriteString("kernel log: ")
	b.WriteString(s.What)
	switch {
	case s.Source == OOMSourceFile:
	case s.Following:
		b.WriteString(", following")
	case s.FollowErr != nil:
		b.WriteString(", not following (" + s.FollowErr.Error() + ")")
	default:
		b.WriteString(", read once")
	}
	var notNeeded []string
	for _, a := range s.Attempts {
		switch {
		case a.Err == nil:
		case errors.Is(a.Err, ErrNotNeeded):
			notNeeded = append(notNeeded, a.What)
		default:
			b.WriteString(" · " + a.Err.Error())
		}
	}
	if len(notNeeded) > 0 {
		b.WriteString(" · " + strings.Join(notNeeded, ", ") + " not needed")
	}
	if s.Dropped > 0 {
		fmt.Fprintf(&b, " · %d records overwritten before read", s.Dropped)
	}
	if s.Userspace > 0 {
		fmt.Fprintf(&b, " · earlyoom: %s in the journal", plural(s.Userspace, "kill"))
	}
	if s.UnitKills > 0 {
		fmt.Fprintf(&b, " · systemd-oomd: %s killed", plural(s.UnitKills, "cgroup"))
	}
	return b.String()
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// ErrFollowEnded is returned by Next once the source stopped (closed, end
// of file, command exited).
var ErrFollowEnded = errors.New("kernel log: following ended")

// OOMSection is the "oom" section of `memtui snapshot --json`.
type OOMSection struct {
	KillsSinceBoot *uint64   `json:"kills_since_boot"` // oom_kill of <proc>/vmstat; null when unknown
	Error          string    `json:"error"`            // why kills or the counter could not be read; "" when fine
	Source         string    `json:"source"`           // the status line: which source, why not the others
	Recent         []OOMKill `json:"recent"`           // the last kills found, oldest first
}
