package procfs

import (
	"bytes"
	"errors"
	"io"
	"os"
	"syscall"

	"github.com/memtui/memtui/probes"
	"golang.org/x/sys/unix"
)

// kmsgReader reads /dev/kmsg: first the records already in the ring buffer
// without blocking, then new ones as they come. Each read(2) of /dev/kmsg
// returns exactly one record ("6,1234,5678901,-;text\n" plus " KEY=value"
// continuation lines); a FIFO or file used in tests returns arbitrary
// chunks, so lines are reassembled either way.
type kmsgReader struct {
	f       *os.File
	buf     []byte
	partial []byte // an unfinished line from the previous read (FIFO, file)
	dropped int    // reads that returned EPIPE: records overwritten before we read them
}

// openKmsg opens path non-blocking. os.OpenFile with O_NONBLOCK registers the
// descriptor with the Go runtime's poller (/dev/kmsg supports poll), so a
// later Read parks the goroutine in epoll until a record arrives, and Close
// wakes it: following the log costs nothing while the kernel is quiet.
func openKmsg(path string) (*kmsgReader, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	// CONSOLE_EXT_LOG_MAX is 8 KiB: a smaller buffer gets EINVAL.
	return &kmsgReader{f: f, buf: make([]byte, 16<<10)}, nil
}

// drain reads every record already in the ring buffer, calling line for
// each line, and returns at EAGAIN (nothing more for now) or end of file.
func (r *kmsgReader) drain(line func([]byte)) error {
	rc, err := r.f.SyscallConn()
	if err != nil {
		return err
	}
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		for {
			n, err := unix.Read(int(fd), r.buf)
			switch {
			case err == unix.EINTR:
				continue
			case err == unix.EPIPE:
				// The ring buffer overwrote records between open and read;
				// the next read continues at the oldest one left.
				r.dropped++
				continue
			case err == unix.EAGAIN:
				return true
			case err != nil:
				rerr = err
				return true
			case n == 0:
				return true
			}
			r.feed(r.buf[:n], line)
		}
	})
	if err != nil {
		return err
	}
	r.flush(line)
	return rerr
}

// follow blocks reading new records until the file is closed or ends,
// calling line for each line. It returns nil when closed.
func (r *kmsgReader) follow(line func([]byte)) error {
	for {
		n, err := r.f.Read(r.buf)
		if n > 0 {
			r.feed(r.buf[:n], line)
		}
		switch {
		case err == nil:
		case errors.Is(err, syscall.EPIPE):
			r.dropped++
		case errors.Is(err, os.ErrClosed):
			return nil
		case errors.Is(err, io.EOF):
			r.flush(line)
			return io.EOF
		default:
			return err
		}
	}
}

// feed splits a chunk into lines, keeping an unfinished last line.
func (r *kmsgReader) feed(b []byte, line func([]byte)) {
	if len(r.partial) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			r.partial = appendBounded(r.partial, b)
			return
		}
		r.partial = appendBounded(r.partial, b[:i])
		line(r.partial)
		r.partial = r.partial[:0]
		b = b[i+1:]
	}
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			r.partial = appendBounded(r.partial, b)
			return
		}
		line(b[:i])
		b = b[i+1:]
	}
}

func (r *kmsgReader) flush(line func([]byte)) {
	if len(r.partial) > 0 {
		line(r.partial)
		r.partial = r.partial[:0]
	}
}

func appendBounded(dst, b []byte) []byte {
	if room := probes.MaxLogLine - len(dst); room < len(b) {
		if room <= 0 {
			return dst
		}
		b = b[:room]
	}
	return append(dst, b...)
}

func (r *kmsgReader) close() error { return r.f.Close() }
