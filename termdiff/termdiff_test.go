package termdiff

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// renderLike writes frame after prev the way Bubble Tea v1's standard
// renderer does in the alternate screen: home, an unchanged line skipped
// with a newline, a changed one whole (cut to the width, erased to its end
// when narrower) and the cursor left on the last line.
func renderLike(prev, next []string, width int) []byte {
	var b bytes.Buffer
	b.WriteString(ansi.CursorHomePosition)
	for i, line := range next {
		if i < len(prev) && prev[i] == line {
			if i < len(next)-1 {
				b.WriteByte('\n')
			}
			continue
		}
		line = ansi.Truncate(line, width, "")
		if ansi.StringWidth(line) < width {
			line += ansi.EraseLineRight
		}
		b.WriteString(line)
		if i < len(next)-1 {
			b.WriteString("\r\n")
		}
	}
	b.WriteString(ansi.CursorPosition(0, len(next)))
	return b.Bytes()
}

// picture is what a stream leaves on a w×h screen: each cell's text and
// pen, drawn by this package's own interpreter.
func picture(t *testing.T, stream []byte, w, h int) []string {
	t.Helper()
	v := NewForTest(&bytes.Buffer{}, w, h)
	if _, err := v.Write(stream); err != nil {
		t.Fatal(err)
	}
	if !v.alt {
		t.Fatal("the stream never entered the alternate screen")
	}
	out := make([]string, h)
	for y := range h {
		var sb strings.Builder
		for _, c := range v.want.row(y) {
			if c.width == 0 {
				continue
			}
			fmt.Fprintf(&sb, "%s|%+v;", v.glyphText(c.g), v.pens[c.pen])
		}
		out[y] = sb.String()
	}
	return out
}

// styled wraps text in one of a few pens, as lipgloss would.
func styled(r *rand.Rand, text string) string {
	switch r.IntN(6) {
	case 0:
		return text
	case 1:
		return "\x1b[1;38;5;39m" + text + "\x1b[0m"
	case 2:
		return "\x1b[38;2;255;128;0;48;5;236m" + text + "\x1b[0m"
	case 3:
		return "\x1b[31m" + text + "\x1b[39m"
	case 4:
		return "\x1b[7;4:3;58;5;1m" + text + "\x1b[m"
	default:
		return "\x1b[97;100m" + text + "\x1b[0m"
	}
}

var words = []string{"memtui", "odoo", "postgres", "1.2 GiB", "●", "▲ HIGH", "✖", "日本語", "█░░", "⣿⣀", "e\u0301", "│", "━━", "  ", "🙂", "12:04:05"}

// randomLine is a line of styled words, sometimes wider than w.
func randomLine(r *rand.Rand, w int) string {
	var sb strings.Builder
	for ansi.StringWidth(sb.String()) < w-r.IntN(w/2+1) {
		sb.WriteString(styled(r, words[r.IntN(len(words))]))
		sb.WriteByte(' ')
	}
	return sb.String()
}

// frames is a run of frames in which a few lines change each time, as on a
// dashboard.
func frames(r *rand.Rand, n, w, h int) [][]string {
	cur := make([]string, h)
	for y := range cur {
		cur[y] = randomLine(r, w)
	}
	out := [][]string{append([]string(nil), cur...)}
	for range n - 1 {
		for range r.IntN(h/3 + 1) {
			y := r.IntN(h)
			if r.IntN(3) == 0 {
				// a few cells changed in place, the usual refresh
				cur[y] = strings.Replace(cur[y], words[r.IntN(len(words))], words[r.IntN(len(words))], 1)
			} else {
				cur[y] = randomLine(r, w)
			}
		}
		out = append(out, append([]string(nil), cur...))
	}
	return out
}

// stream is the program's whole output for frames: the alternate screen,
// the frames, and leaving it.
func stream(fr [][]string, w int) []byte {
	b := []byte("\x1b[?1049h\x1b[?25l\x1b[?1002h\x1b[?1006h")
	var prev []string
	for _, f := range fr {
		b = append(b, renderLike(prev, f, w)...)
		prev = f
	}
	return b
}

// diffOf feeds the stream to a Writer one frame write at a time and
// returns what it sent.
func diffOf(t *testing.T, fr [][]string, w, h int) []byte {
	t.Helper()
	var out bytes.Buffer
	d := NewForTest(&out, w, h)
	write := func(b []byte) {
		if _, err := d.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	write([]byte("\x1b[?1049h\x1b[?25l\x1b[?1002h\x1b[?1006h"))
	var prev []string
	for _, f := range fr {
		write(renderLike(prev, f, w))
		prev = f
	}
	return out.Bytes()
}

// TestSameScreen: after every frame, the terminal fed the differences
// shows what the terminal fed the program's own output shows, cell for
// cell and pen for pen, and with far fewer bytes.
func TestSameScreen(t *testing.T) {
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 7))
		w, h := 20+r.IntN(180), 5+r.IntN(55)
		fr := frames(r, 2+r.IntN(12), w, h)
		for i := 1; i <= len(fr); i++ {
			raw, diff := stream(fr[:i], w), diffOf(t, fr[:i], w, h)
			want, got := picture(t, raw, w, h), picture(t, append([]byte("\x1b[?1049h"), diff...), w, h)
			for y := range want {
				if want[y] != got[y] {
					t.Fatalf("seed %d, %d×%d, frame %d, row %d:\nprogram: %s\ndiffed:  %s", seed, w, h, i, y, want[y], got[y])
				}
			}
		}
	}
}

// TestFewerBytes: a dashboard-like run of frames (a few cells of a few
// lines changing) costs a fraction of the whole-line repaint.
func TestFewerBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const w, h = 200, 50
	fr := [][]string{}
	base := make([]string, h)
	for y := range base {
		base[y] = randomLine(r, w)
	}
	for i := range 30 {
		f := append([]string(nil), base...)
		// a clock and ten figures on lines joined with another panel
		f[0] = strings.Replace(f[0], "memtui", fmt.Sprintf("12:00:%02d", i), 1)
		for k := 0; k < 10; k++ {
			f[3+k*4] = base[3+k*4] + styled(r, fmt.Sprintf("%d MiB", 100+i*k))
		}
		fr = append(fr, f)
	}
	raw, diff := stream(fr, w), diffOf(t, fr, w, h)
	first := len(stream(fr[:1], w))
	rawRest, diffRest := len(raw)-first, len(diff)-len(diffOf(t, fr[:1], w, h))
	t.Logf("29 refreshes: %d bytes whole lines, %d bytes of differences", rawRest, diffRest)
	if diffRest*4 > rawRest {
		t.Errorf("differences cost %d bytes against %d for whole lines: want under a quarter", diffRest, rawRest)
	}
}

// TestPassThrough: outside the alternate screen bytes pass unchanged;
// modes, titles and leaving the alternate screen pass in order.
func TestPassThrough(t *testing.T) {
	var out bytes.Buffer
	d := NewForTest(&out, 40, 10)
	plain := "hello \x1b[31mred\x1b[0m\r\n\x1b[2K\x1b]0;title\a"
	_, _ = d.Write([]byte(plain))
	if out.String() != plain {
		t.Fatalf("outside the alternate screen: %q, want %q", out.String(), plain)
	}
	out.Reset()
	_, _ = d.Write([]byte("\x1b[?1049h\x1b[?25l\x1b]2;memtui\a\x1b[Hab\x1b[?2004h"))
	got := out.String()
	for _, s := range []string{"\x1b[?1049h", "\x1b[?25l", "\x1b]2;memtui\a", "ab", "\x1b[?2004h"} {
		if !strings.Contains(got, s) {
			t.Errorf("%q not passed: %q", s, got)
		}
	}
	if strings.Index(got, "ab") > strings.Index(got, "\x1b[?2004h") {
		t.Errorf("drawing before a mode must reach the terminal before it: %q", got)
	}
	out.Reset()
	_, _ = d.Write([]byte("\x1b[Hab"))
	if out.Len() != 0 {
		t.Errorf("an unchanged frame sent %q", out.String())
	}
	_, _ = d.Write([]byte("\x1b[?1049l\x1b[?25hbye"))
	if got := out.String(); !strings.Contains(got, "\x1b[?1049l") || !strings.HasSuffix(got, "\x1b[?25hbye") {
		t.Errorf("leaving the alternate screen: %q", got)
	}
}

// TestSplitWrites: a sequence cut between two writes is kept whole.
func TestSplitWrites(t *testing.T) {
	for seed := range uint64(20) {
		splitWrites(t, rand.New(rand.NewPCG(seed, 4)))
	}
}

func splitWrites(t *testing.T, r *rand.Rand) {
	const w, h = 60, 12
	fr := frames(r, 6, w, h)
	raw := stream(fr, w)
	var out bytes.Buffer
	d := NewForTest(&out, w, h)
	for len(raw) > 0 {
		k := min(len(raw), 1+r.IntN(40))
		if _, err := d.Write(raw[:k]); err != nil {
			t.Fatal(err)
		}
		raw = raw[k:]
	}
	want, got := picture(t, stream(fr, w), w, h), picture(t, append([]byte("\x1b[?1049h"), out.Bytes()...), w, h)
	for y := range want {
		if want[y] != got[y] {
			t.Fatalf("row %d:\nprogram: %s\ndiffed:  %s", y, want[y], got[y])
		}
	}
}

// TestResizeRepaints: a new size repaints the whole screen once.
func TestResizeRepaints(t *testing.T) {
	var out bytes.Buffer
	cols, rows := 30, 5
	d := newWriter(&out, func() (int, int, bool) { return cols, rows, true })
	_, _ = d.Write([]byte("\x1b[?1049h\x1b[Hhello\x1b[5;H"))
	out.Reset()
	cols, rows = 40, 8
	_, _ = d.Write([]byte("\x1b[Hhello\x1b[8;H"))
	if got := out.String(); !strings.Contains(got, "\x1b[2J") || !strings.Contains(got, "hello") {
		t.Errorf("after a resize the screen must be cleared and repainted: %q", got)
	}
	out.Reset()
	_, _ = d.Write([]byte("\x1b[Hhello\x1b[8;H"))
	if out.Len() != 0 {
		t.Errorf("after the repaint an unchanged frame sent %q", out.String())
	}
}

// TestUnknownSequenceRepaints: a sequence that may draw (insert line)
// passes through and the next difference repaints in full.
func TestUnknownSequenceRepaints(t *testing.T) {
	var out bytes.Buffer
	d := NewForTest(&out, 20, 4)
	_, _ = d.Write([]byte("\x1b[?1049h\x1b[Habc"))
	out.Reset()
	_, _ = d.Write([]byte("\x1b[2L"))
	_, _ = d.Write([]byte("\x1b[Habc"))
	if got := out.String(); !strings.HasPrefix(got, "\x1b[2L") || !strings.Contains(got, "\x1b[2J") || !strings.Contains(got, "abc") {
		t.Errorf("an insert line must pass and be followed by a full repaint: %q", got)
	}
}

// BenchmarkDashboardFrame is the cost of one refresh of a 200×50
// dashboard in which ten figures change.
func BenchmarkDashboardFrame(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	const w, h = 200, 50
	base := make([]string, h)
	for y := range base {
		base[y] = randomLine(r, w)
	}
	var frames [2][]byte
	for i := range frames {
		f := append([]string(nil), base...)
		for k := 0; k < 10; k++ {
			f[3+k*4] = base[3+k*4] + styled(r, fmt.Sprintf("%d MiB", 100+i*k))
		}
		frames[i] = renderLike(nil, f, w)
	}
	d := NewForTest(&bytes.Buffer{}, w, h)
	_, _ = d.Write([]byte("\x1b[?1049h"))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_, _ = d.Write(frames[i%2])
	}
}

// TestPenRoundTrip: every attribute and colour form SGR sets is written
// back by sgr as a sequence that sets the same pen.
func TestPenRoundTrip(t *testing.T) {
	// the sequences that set something and clear it again may leave the
	// default pen; every other one must set something
	cleared := map[string]bool{"1;22": true, "3;23": true, "7;27": true, "9;29": true, "53;55": true, "97;100;39;49": true}
	for _, in := range []string{"1", "2", "3", "4", "4:3", "5", "6", "7", "8", "9", "21", "53", "1;22", "3;23", "7;27", "9;29", "53;55",
		"31", "91", "38;5;208", "38:5:208", "38;2;1;2;3", "38:2::1:2:3", "41", "101", "48;5;17", "48;2;250;0;9", "58;5;1", "58;2;9;8;7",
		"1;31;42;4", "97;100;39;49"} {
		var out bytes.Buffer
		d := NewForTest(&out, 10, 1)
		_, _ = d.Write([]byte("\x1b[?1049h\x1b[" + in + "mX"))
		want := d.pens[d.want.row(0)[0].pen]
		e := NewForTest(&bytes.Buffer{}, 10, 1)
		_, _ = e.Write(append([]byte("\x1b[?1049h"), out.Bytes()[len("\x1b[?1049h"):]...))
		if got := e.pens[e.want.row(0)[0].pen]; got != want || want == (pen{}) && !cleared[in] {
			t.Errorf("SGR %s: pen %+v, written back as %q gives %+v", in, want, out.String(), got)
		}
	}
}

// TestManyGlyphs: a program that draws ever new characters (here 5,400
// distinct wide ones) keeps the glyph table bounded, and the terminal
// still shows what the program drew across each compaction. In each frame
// that compacts, row 0 shows the 16 glyphs it has held since the start in
// reverse: a compaction numbers the glyphs in screen order, so row 0's new
// ids are the very ids the terminal's old row 0 has, for other glyphs.
func TestManyGlyphs(t *testing.T) {
	const w, h, perRow = 40, 10, 15
	var first []rune
	for i := range 16 {
		first = append(first, rune(0x3400+i)) // CJK, two columns each
	}
	next := rune(0x4E00)
	var out bytes.Buffer
	d := NewForTest(&out, w, h)
	if _, err := d.Write([]byte("\x1b[?1049h")); err != nil {
		t.Fatal(err)
	}
	var fr [][]string
	var prev []string
	compactions := 0
	for i := range 40 {
		f := make([]string, h)
		compacts := len(d.glyphs)+(h-1)*perRow >= d.glyphCap
		if compacts {
			slices.Reverse(first)
		}
		f[0] = "ab" + string(first)
		for y := 1; y < h; y++ {
			var sb strings.Builder
			sb.WriteString("ab")
			for range perRow {
				sb.WriteRune(next)
				next++
			}
			f[y] = sb.String()
		}
		fr = append(fr, f)
		before := len(d.glyphs)
		if _, err := d.Write(renderLike(prev, f, w)); err != nil {
			t.Fatal(err)
		}
		prev = f
		if len(d.glyphs) < before != compacts {
			t.Fatalf("frame %d: %d glyphs before, %d after: the test expected a compaction to be %v", i, before, len(d.glyphs), compacts)
		}
		if compacts {
			compactions++
			slices.Reverse(first) // back, for the frames until the next one
		}
		if len(d.glyphs) > minGlyphCap {
			t.Fatalf("frame %d: %d glyphs held, want at most %d", i, len(d.glyphs), minGlyphCap)
		}
		want := picture(t, stream(fr, w), w, h)
		got := picture(t, append([]byte("\x1b[?1049h"), out.Bytes()...), w, h)
		for y := range want {
			if want[y] != got[y] {
				t.Fatalf("frame %d, row %d:\nprogram: %s\ndiffed:  %s", i, y, want[y], got[y])
			}
		}
	}
	if compactions == 0 {
		t.Fatalf("%d distinct glyphs drawn and the table never compacted", next-0x4E00+16)
	}
}
