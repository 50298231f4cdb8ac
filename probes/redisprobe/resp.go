package redisprobe

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// memtui speaks the few commands it needs (AUTH, SELECT, CLIENT SETNAME,
// INFO, CONFIG GET, FLUSHDB, FLUSHALL) in RESP2 over one connection of its
// own. A general client library was 4 MB of the binary's 14 MB of code,
// paged in by every memtui process; this is a page of it.

// errReplyTooLarge ends a reading whose reply passes the bound: a Redis
// that answers INFO with megabytes is not a Redis memtui should trust.
var errReplyTooLarge = errors.New("reply too large")

// maxAggregate bounds the element count of one array reply; INFO and
// CONFIG GET maxmemory* answer with a few elements.
const maxAggregate = 1 << 12

// serverError is an error reply ("-NOAUTH Authentication required.").
type serverError string

func (e serverError) Error() string { return string(e) }

// errInvalidReply: the bytes are not RESP, so not a Redis server.
type errInvalidReply struct{ what string }

func (e errInvalidReply) Error() string { return "invalid reply: " + e.what }

// respConn is one connection: commands written in a batch, their replies
// read back, every length bounded before anything is allocated for it.
type respConn struct {
	c    net.Conn
	r    *bufio.Reader
	max  int64 // bytes of the replies to one batch
	read int64
}

// dialer opens connections to the target with the probe's settings.
type dialer struct {
	network, addr      string
	username, password string
	tls                *tls.Config
	timeout            time.Duration
	max                int64
}

// open connects, authenticates, names the connection and selects db.
func (d dialer) open(ctx context.Context, db int) (*respConn, error) {
	nd := net.Dialer{Timeout: d.timeout}
	var c net.Conn
	var err error
	if d.tls != nil {
		td := tls.Dialer{NetDialer: &nd, Config: d.tls}
		c, err = td.DialContext(ctx, d.network, d.addr)
	} else {
		c, err = nd.DialContext(ctx, d.network, d.addr)
	}
	if err != nil {
		return nil, err
	}
	rc := &respConn{c: c, r: newReader(c), max: d.max}
	var cmds [][]string
	if d.password != "" {
		if d.username != "" {
			cmds = append(cmds, []string{"AUTH", d.username, d.password})
		} else {
			cmds = append(cmds, []string{"AUTH", d.password})
		}
	}
	cmds = append(cmds, []string{"CLIENT", "SETNAME", "memtui"})
	if db != 0 {
		cmds = append(cmds, []string{"SELECT", strconv.Itoa(db)})
	}
	replies, err := rc.do(ctx, d.timeout, cmds...)
	if err == nil {
		for i, r := range replies {
			var se serverError
			// A server too old for CLIENT SETNAME, or an ACL without
			// it, still serves memtui: only its name is lost.
			if e, ok := r.(error); ok && !(cmds[i][0] == "CLIENT" && errors.As(e, &se)) {
				err = e
				break
			}
		}
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return rc, nil
}

// do writes cmds in one batch and reads one reply each: a string, nil, an
// int64, a []any, or a serverError (as a value, so later replies are still
// read). The error is the connection's: after it the conn is unusable.
func (rc *respConn) do(ctx context.Context, timeout time.Duration, cmds ...[]string) ([]any, error) {
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := rc.c.SetDeadline(deadline); err != nil {
		return nil, err
	}
	// A cancelled context ends a read that is waiting.
	stop := context.AfterFunc(ctx, func() { _ = rc.c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	var buf []byte
	for _, argv := range cmds {
		buf = append(buf, '*')
		buf = strconv.AppendInt(buf, int64(len(argv)), 10)
		buf = append(buf, '\r', '\n')
		for _, a := range argv {
			buf = append(buf, '$')
			buf = strconv.AppendInt(buf, int64(len(a)), 10)
			buf = append(buf, '\r', '\n')
			buf = append(buf, a...)
			buf = append(buf, '\r', '\n')
		}
	}
	if _, err := rc.c.Write(buf); err != nil {
		return nil, rc.ctxErr(ctx, err)
	}
	rc.read = 0
	out := make([]any, 0, len(cmds))
	for range cmds {
		v, err := rc.reply(0)
		if err != nil {
			return nil, rc.ctxErr(ctx, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// ctxErr prefers the context's reason over the deadline it forced.
func (rc *respConn) ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// newReader buffers a connection; a header line must fit in it.
func newReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, 4096) }

// line reads one CRLF-terminated line, bounded.
func (rc *respConn) line() ([]byte, error) {
	l, err := rc.r.ReadSlice('\n')
	rc.read += int64(len(l))
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return nil, errInvalidReply{"a header line longer than 4 KiB"}
	case err != nil:
		if err == io.EOF && len(l) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	case rc.read > rc.max:
		return nil, errReplyTooLarge
	case len(l) < 3 || l[len(l)-2] != '\r':
		return nil, errInvalidReply{fmt.Sprintf("%q is not a RESP line", trim(l))}
	}
	return l[:len(l)-2], nil
}

// reply reads one reply.
func (rc *respConn) reply(depth int) (any, error) {
	l, err := rc.line()
	if err != nil {
		return nil, err
	}
	switch l[0] {
	case '+':
		return string(l[1:]), nil
	case '-':
		return serverError(l[1:]), nil
	case ':':
		n, err := strconv.ParseInt(string(l[1:]), 10, 64)
		if err != nil {
			return nil, errInvalidReply{fmt.Sprintf("integer %q", trim(l))}
		}
		return n, nil
	case '$':
		n, err := strconv.ParseInt(string(l[1:]), 10, 64)
		switch {
		case err != nil || n < -1:
			return nil, errInvalidReply{fmt.Sprintf("bulk length %q", trim(l))}
		case n == -1:
			return nil, nil
		case rc.read+n+2 > rc.max:
			return nil, errReplyTooLarge
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(rc.r, b); err != nil {
			return nil, err
		}
		rc.read += n + 2
		if b[n] != '\r' || b[n+1] != '\n' {
			return nil, errInvalidReply{"a bulk string without its CRLF"}
		}
		return string(b[:n]), nil
	case '*':
		n, err := strconv.ParseInt(string(l[1:]), 10, 64)
		switch {
		case err != nil || n < -1:
			return nil, errInvalidReply{fmt.Sprintf("array length %q", trim(l))}
		case n == -1:
			return nil, nil
		case n > maxAggregate || depth > 4:
			return nil, errReplyTooLarge
		}
		out := make([]any, 0, n)
		for range n {
			v, err := rc.reply(depth + 1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	return nil, errInvalidReply{fmt.Sprintf("unexpected %q", trim(l))}
}

func trim(b []byte) string {
	if len(b) > 40 {
		b = b[:40]
	}
	return string(b)
}

// pool holds at most one open connection, reopened after a failure.
type pool struct {
	mu sync.Mutex
	d  dialer
	db int
	c  *respConn
}

// do runs cmds on the pooled connection; a connection error closes it so
// the next call opens a new one.
func (p *pool) do(ctx context.Context, timeout time.Duration, cmds ...[]string) ([]any, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.c == nil {
		c, err := p.d.open(ctx, p.db)
		if err != nil {
			return nil, err
		}
		p.c = c
	}
	out, err := p.c.do(ctx, timeout, cmds...)
	if err != nil {
		p.c.c.Close()
		p.c = nil
	}
	return out, err
}

func (p *pool) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.c == nil {
		return nil
	}
	err := p.c.c.Close()
	p.c = nil
	return err
}
