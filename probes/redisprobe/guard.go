package redisprobe

import (
	"errors"
	"net"
)

// errReplyTooLarge ends a reading whose reply passes the bound: a Redis
// that answers INFO with megabytes is not a Redis memtui should trust, and
// go-redis allocates a bulk string's declared length before reading it.
var errReplyTooLarge = errors.New("reply too large")

// maxAggregate bounds the element count of one array or map header; INFO
// and CONFIG GET maxmemory* answer with a few elements.
const maxAggregate = 1 << 12

// guardConn bounds what the server may send: the bytes of the replies to
// one batch of commands (everything read since the last write) and every
// length a RESP header declares, checked before go-redis allocates for it.
type guardConn struct {
	net.Conn
	max  int64
	read int64
	sc   respScanner
}

// Write starts a new batch: go-redis writes the commands, then reads.
func (g *guardConn) Write(b []byte) (int, error) {
	g.read = 0
	return g.Conn.Write(b)
}

// Read passes bytes on only once the scanner has seen their headers.
func (g *guardConn) Read(b []byte) (int, error) {
	n, err := g.Conn.Read(b)
	g.read += int64(n)
	if g.read > g.max {
		return 0, errReplyTooLarge
	}
	if serr := g.sc.scan(b[:n], g.max); serr != nil {
		return 0, serr
	}
	return n, err
}

// respScanner follows a RESP stream just far enough to see each header:
// the type byte at the start of a line, the length of bulk strings and
// aggregates, and the payload of a bulk string, which it skips (its bytes
// may look like headers).
type respScanner struct {
	state  uint8
	typ    byte
	num    int64
	neg    bool
	remain int64 // bulk payload bytes (with CRLF) still to skip
}

const (
	stStart uint8 = iota
	stLine
	stHeader
	stSkip
)

// scan checks the next chunk of the stream. It is pure and holds state
// across chunks, so a header split between two reads is still read whole.
func (s *respScanner) scan(b []byte, max int64) error {
	for i := 0; i < len(b); {
		switch s.state {
		case stStart:
			s.typ = b[i]
			i++
			switch s.typ {
			case '$', '=', '!', '*', '%', '~', '>', '|':
				s.state, s.num, s.neg = stHeader, 0, false
			default:
				s.state = stLine
			}
		case stLine:
			for i < len(b) && b[i] != '\n' {
				i++
			}
			if i < len(b) {
				i++
				s.state = stStart
			}
		case stHeader:
			c := b[i]
			i++
			switch {
			case c >= '0' && c <= '9':
				s.num = s.num*10 + int64(c-'0')
				if s.num > max {
					return errReplyTooLarge
				}
			case c == '-':
				s.neg = true
			case c == '\n':
				s.state = stStart
				if s.neg {
					break // a null: no payload
				}
				switch s.typ {
				case '$', '=', '!':
					s.remain, s.state = s.num+2, stSkip
				default:
					if s.num > maxAggregate {
						return errReplyTooLarge
					}
				}
			}
		case stSkip:
			k := min(s.remain, int64(len(b)-i))
			s.remain -= k
			i += int(k)
			if s.remain == 0 {
				s.state = stStart
			}
		}
	}
	return nil
}
