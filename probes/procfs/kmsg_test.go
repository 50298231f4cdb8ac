package procfs

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/memtui/memtui/probes"
)

// FuzzKmsgFeed checks the line reassembly of kmsgReader: however the bytes
// are cut into reads (one record per read on /dev/kmsg, anything on a FIFO),
// the lines handed on are the lines of the input.
func FuzzKmsgFeed(f *testing.F) {
	for _, name := range []string{"linux-6.18-memcg-v1.kmsg", "linux-6.8-global.kmsg"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "oom", name))
		if err == nil {
			f.Add(b, uint16(1))
			f.Add(b, uint16(97))
		}
	}
	f.Add([]byte("a\n\nb"), uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		size := int(cut)%4096 + 1
		r := &kmsgReader{}
		var got [][]byte
		line := func(b []byte) { got = append(got, append([]byte(nil), b...)) }
		for rest := data; len(rest) > 0; {
			n := min(size, len(rest))
			r.feed(rest[:n], line)
			rest = rest[n:]
		}
		r.flush(line)
		var want [][]byte
		for _, l := range bytes.SplitAfter(data, []byte("\n")) {
			if len(l) == 0 {
				continue
			}
			// An empty line is handed on as an empty line; nothing after
			// the last newline is no line at all.
			want = append(want, probes.ClipLine(bytes.TrimSuffix(l, []byte("\n"))))
		}
		norm := func(ls [][]byte) []string {
			var out []string
			for _, l := range ls {
				out = append(out, string(l))
			}
			return out
		}
		if diff := cmp.Diff(norm(want), norm(got)); diff != "" {
			t.Fatalf("lines differ (-want +got):\n%s", diff)
		}
	})
}
