package redisprobe

import (
	"errors"
	"strings"
	"testing"
)

func TestRespScanner(t *testing.T) {
	const max = 1 << 20
	info := "# Memory\r\nused_memory:1\r\n$999999999999\r\n"
	ok := []string{
		"+OK\r\n",
		"$" + itoa(len(info)) + "\r\n" + info + "\r\n", // a payload that looks like a header is skipped
		"*3\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n$-1\r\n",
		"-NOAUTH Authentication required.\r\n",
		"*-1\r\n:42\r\n",
	}
	for _, s := range ok {
		// Whole, and one byte at a time: state carries across reads.
		var a, b respScanner
		if err := a.scan([]byte(s), max); err != nil {
			t.Errorf("%q: %v", s, err)
		}
		for i := 0; i < len(s); i++ {
			if err := b.scan([]byte{s[i]}, max); err != nil {
				t.Errorf("%q byte by byte: %v", s, err)
			}
		}
		if a.state != stStart || b.state != stStart {
			t.Errorf("%q: not at a reply boundary after it", s)
		}
	}
	for _, s := range []string{"$2000000000\r\n", "*100000\r\n", "+OK\r\n$1048577\r\n", "%99999999999999999999\r\n"} {
		var sc respScanner
		if err := sc.scan([]byte(s), max); !errors.Is(err, errReplyTooLarge) {
			t.Errorf("%q: %v, want too large", s, err)
		}
	}
}

func FuzzRespScanner(f *testing.F) {
	f.Add("$5\r\nhello\r\n*2\r\n:1\r\n+x\r\n")
	f.Add(strings.Repeat("$-1\r\n", 3))
	f.Fuzz(func(t *testing.T, s string) {
		var sc respScanner
		_ = sc.scan([]byte(s), 1<<20)
		if sc.remain < 0 || sc.num < 0 {
			t.Fatalf("state %+v", sc)
		}
	})
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
