package redisprobe

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// serve answers one batch on a pipe with the given bytes, written in
// pieces as a slow server would.
func serve(t *testing.T, answer string) *respConn {
	t.Helper()
	client, server := net.Pipe()
	t.Cleanup(func() { client.Close(); server.Close() })
	go func() {
		buf := make([]byte, 4096)
		_, _ = server.Read(buf)
		for i := 0; i < len(answer); i += 3 {
			if _, err := server.Write([]byte(answer[i:min(i+3, len(answer))])); err != nil {
				return
			}
		}
	}()
	return &respConn{c: client, r: newReader(client), max: 1 << 20}
}

func TestRespReplies(t *testing.T) {
	info := "# Memory\r\nused_memory:1\r\n$999999999999\r\n" // a payload that looks like a header
	ok := []struct {
		answer string
		want   string
	}{
		{"+OK\r\n", "OK"},
		{"$" + itoa(len(info)) + "\r\n" + info + "\r\n", info},
		{"*3\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n$-1\r\n", "[maxmemory 0 <nil>]"},
		{"-NOAUTH Authentication required.\r\n", "NOAUTH Authentication required."},
		{":42\r\n", "42"},
	}
	for _, c := range ok {
		rc := serve(t, c.answer)
		got, err := rc.do(context.Background(), time.Second, []string{"X"})
		if err != nil || len(got) != 1 || fmtAny(got[0]) != c.want {
			t.Errorf("%q: %v %v, want %q", c.answer, got, err, c.want)
		}
	}
	for _, bad := range []string{"$2000000000\r\n", "*100000\r\n", "$1048577\r\n", "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n"} {
		rc := serve(t, bad)
		if _, err := rc.do(context.Background(), time.Second, []string{"X"}); !errors.Is(err, errReplyTooLarge) {
			t.Errorf("%q: %v, want too large", bad, err)
		}
	}
	for _, bad := range []string{"HTTP/1.1 400 Bad Request\r\n", "$abc\r\n", "$3\r\nabcde\r\n", "+no newline at all" + strings.Repeat("x", 5000)} {
		rc := serve(t, bad)
		var inv errInvalidReply
		if _, err := rc.do(context.Background(), 500*time.Millisecond, []string{"X"}); !errors.As(err, &inv) {
			t.Errorf("%q: %v, want an invalid reply", bad, err)
		}
	}
}

func FuzzRespReply(f *testing.F) {
	f.Add("$5\r\nhello\r\n")
	f.Add("*2\r\n:1\r\n+x\r\n")
	f.Add("$-1\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		rc := &respConn{r: newReader(strings.NewReader(s)), max: 1 << 16}
		_, _ = rc.reply(0)
		if rc.read < 0 {
			t.Fatal("negative count")
		}
	})
}

func fmtAny(v any) string {
	switch x := v.(type) {
	case nil:
		return "<nil>"
	case string:
		return x
	case serverError:
		return string(x)
	case int64:
		return itoa(int(x))
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fmtAny(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return "?"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
