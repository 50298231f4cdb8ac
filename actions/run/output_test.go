package run

import (
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestCleanLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"\x1b[1;31mFAILED\x1b[0m unit odoo", "FAILED unit odoo"},
		{"\x1b]0;title\x07text", "text"},
		{"\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"},
		{"a\x1b7b\x1b8c", "abc"},
		{"10%\r50%\r100%", "100%"},
		{"bell\x07 and nul\x00 gone\ttab kept", "bell and nul gone\ttab kept"},
		{"bad utf8 \xff here", "bad utf8 \uFFFD here"},
		{"cut at the end \x1b[", "cut at the end "},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, cleanLine(tc.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzCleanLine: whatever a program prints, what memtui draws holds no
// escape or control character but tab, and is valid UTF-8.
func FuzzCleanLine(f *testing.F) {
	for _, s := range []string{"\x1b[31mred", "\x1b]0;t\x07x", "a\rb", "\xff", "password=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := cleanLine(s)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 from %q: %q", s, out)
		}
		for _, r := range out {
			if r != '\t' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)) {
				t.Fatalf("control %U left in %q (from %q)", r, out, s)
			}
		}
	})
}
