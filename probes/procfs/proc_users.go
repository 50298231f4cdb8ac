package procfs

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/memtui/memtui/probes"
)

// parsePasswd reads passwd(5) lines into uid → name. Malformed lines are
// skipped: one bad line must not hide every other user. The first entry for
// a uid wins, as getpwuid does.
func parsePasswd(r io.Reader) map[uint32]string {
	names := make(map[uint32]string)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		f := bytes.SplitN(line, []byte{':'}, 4)
		if len(f) < 4 || len(f[0]) == 0 {
			continue
		}
		uid, ok := probes.ParseUint(f[2])
		if !ok || uid > 1<<32-1 {
			continue
		}
		if _, dup := names[uint32(uid)]; !dup {
			names[uint32(uid)] = string(f[0])
		}
	}
	return names
}

// userCache maps uids to names from a passwd file read once and re-read only
// when a uid is missing and the file changed. It reads the file rather than
// calling os/user because the file path must point into fixture trees and
// because a lookup per process per scan would cost more than the scan.
// Users known only to NSS (LDAP, sssd) show as their number.
type userCache struct {
	path      string
	names     map[uint32]string
	numeric   map[uint32]string // fallbacks, kept so they are formatted once
	mtime     time.Time
	checkedAt time.Time
}

func newUserCache(path string) *userCache {
	return &userCache{path: path, numeric: make(map[uint32]string)}
}

// name returns the user name of uid, or its decimal form when unknown.
func (c *userCache) name(uid uint32, now time.Time) string {
	if c.names == nil {
		c.load()
	}
	if n, ok := c.names[uid]; ok {
		return n
	}
	// A user created since the last read: look again, at most every 10 s.
	if now.Sub(c.checkedAt) > 10*time.Second {
		c.checkedAt = now
		if st, err := os.Stat(c.path); err == nil && !st.ModTime().Equal(c.mtime) {
			c.load()
			if n, ok := c.names[uid]; ok {
				return n
			}
		}
	}
	if n, ok := c.numeric[uid]; ok {
		return n
	}
	n := strconv.FormatUint(uint64(uid), 10)
	c.numeric[uid] = n
	return n
}

func (c *userCache) load() {
	c.names = map[uint32]string{}
	f, err := os.Open(c.path)
	if err != nil {
		return // every user shows as a number; not worth failing a scan
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil {
		c.mtime = st.ModTime()
	}
	c.names = parsePasswd(f)
}
