package probes

import (
	"errors"
	"fmt"
	"io"
)

// Bounds on what memtui reads. memtui runs on a host that is short of
// memory, and a path flag may name /dev/zero, a FIFO or a runaway log: every
// input has a stated bound, and over it memtui reports an error or marks a
// truncation instead of growing or hanging. The README's "Limits" section
// lists these figures; keep the two in step.
const (
	// MaxProcFile bounds one read of a /proc or /sys file. The largest
	// memtui reads (/proc/stat on a 1,000-CPU machine, a long cmdline)
	// stay far below it; a fixture tree pointed at a device does not.
	MaxProcFile = 4 << 20

	// MaxLogLine bounds the part of one kernel log line the OOM parser
	// looks at. Kernel lines are at most ~1 KiB (8 KiB for a kmsg record);
	// anything longer is not an OOM line.
	MaxLogLine = 16 << 10

	// MaxSavedLog bounds a saved kernel log read by `memtui oom --file`
	// (or standard input): months of `journalctl -k` fit, /dev/zero does
	// not stream forever.
	MaxSavedLog = 512 << 20

	// MaxLogCommandOutput bounds what memtui keeps of dmesg's or
	// journalctl's output when it reads the kernel log through them: the
	// kernel's ring buffer is a few MiB at most.
	MaxLogCommandOutput = 32 << 20
)

// ErrTooLarge says an input went over its bound.
var ErrTooLarge = errors.New("over memtui's bound")

// CapWriter returns a writer that keeps at most n bytes of what it is given
// and then fails every write with ErrTooLarge, so a command that floods its
// output is stopped by EPIPE instead of growing memtui.
func CapWriter(w io.Writer, n int) io.Writer { return &cappedWriter{w: w, left: n} }

type cappedWriter struct {
	w    io.Writer
	left int
}

func (c *cappedWriter) Write(p []byte) (int, error) {
	if len(p) > c.left {
		n, _ := c.w.Write(p[:c.left])
		c.left = 0
		return n, ErrTooLarge
	}
	c.left -= len(p)
	return c.w.Write(p)
}

// LimitReader returns a reader that yields at most n bytes of r and then
// fails with an error wrapping ErrTooLarge that names what was read, so a
// stream over its bound ends with an error instead of being silently cut.
func LimitReader(r io.Reader, n int64, what string) io.Reader {
	return &limitReader{r: r, left: n, n: n, what: what}
}

type limitReader struct {
	r    io.Reader
	left int64
	n    int64
	what string
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One more byte tells "exactly n" from "more than n".
		var one [1]byte
		if m, _ := l.r.Read(one[:]); m == 0 {
			return 0, io.EOF
		}
		return 0, fmt.Errorf("%s: larger than %s: %w", l.what, sizeText(l.n), ErrTooLarge)
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	m, err := l.r.Read(p)
	l.left -= int64(m)
	return m, err
}

// sizeText prints a power-of-two bound the way the README states it.
func sizeText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
