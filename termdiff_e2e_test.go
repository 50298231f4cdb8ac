package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/memtui/memtui/termdiff"
)

// TestTermdiffSameScreenInTmux checks the cell-diffing output against an
// emulator that is not memtui's: tmux. The real dashboard runs with whole
// line repaints (MEMTUI_FULL_REDRAW=1) while tmux records its output
// stream; the stream is then diffed write by write as the dashboard's own
// output would be, and both streams are played into panes of the same
// size. The two screens must be the same cell for cell and colour for
// colour, for the dashboard, its help and after the help closes, at 80×24
// and 200×60, and the diffed refreshes must cost under half the bytes.
func TestTermdiffSameScreenInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the dashboard in tmux")
	}
	needTmux(t)
	bin := buildBinary(t)
	for _, sz := range [][2]int{{80, 24}, {200, 60}} {
		w, h := sz[0], sz[1]
		dir := t.TempDir()
		raw := filepath.Join(dir, "raw.out")
		// the program waits for the pipe to be in place before it draws
		s := startTmux(t, w, h, "sh", "-c", "sleep 0.5; exec env MEMTUI_FULL_REDRAW=1 "+bin+" --pg none --redis none --incident-dir "+dir)
		s.tmux("pipe-pane", "-t", s.name, "cat > "+raw)
		s.waitFor(10*time.Second, "Memory & swap")
		time.Sleep(9 * time.Second) // the first scans and readings settle
		s.keys("?")
		s.waitFor(5*time.Second, "Keys")
		time.Sleep(1500 * time.Millisecond)
		s.keys("Escape")
		time.Sleep(2500 * time.Millisecond)
		s.tmux("pipe-pane", "-t", s.name) // stop recording before memtui leaves the screen
		time.Sleep(300 * time.Millisecond)
		s.quit()

		stream, err := os.ReadFile(raw)
		if err != nil || len(stream) == 0 {
			t.Fatalf("%d×%d: no output recorded: %v", w, h, err)
		}
		// Bubble Tea writes each frame in one write, starting at home.
		// The last refreshes before the help, once the first scans have
		// settled, are what a dashboard costs while it is watched.
		var diffed bytes.Buffer
		d := termdiff.NewForTest(&diffed, w, h)
		frames := splitFrames(stream)
		sizes := make([][2]int, 0, len(frames))
		help := len(frames)
		for i, f := range frames {
			before := diffed.Len()
			if _, err := d.Write(f); err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, [2]int{len(f), diffed.Len() - before})
			if help == len(frames) && bytes.Contains(f, []byte("Keys")) {
				help = i
			}
		}
		steadyRaw, steadyDiff := 0, 0
		for _, sz := range sizes[max(1, help-5):help] {
			steadyRaw += sz[0]
			steadyDiff += sz[1]
		}
		diffFile := filepath.Join(dir, "diff.out")
		if err := os.WriteFile(diffFile, diffed.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Logf("%d×%d: %d frames, %d bytes as whole lines, %d as differences; the 5 refreshes before the help: %d bytes as whole lines, %d as differences",
			w, h, len(frames), len(stream), diffed.Len(), steadyRaw, steadyDiff)
		// Under half, not the twentieth of a quiet machine (scripts/bench.sh
		// measures that): on a busy CI machine the process table churns and
		// whole rows really change.
		if steadyRaw == 0 || steadyDiff*2 > steadyRaw {
			t.Errorf("%d×%d: refreshes cost %d bytes as differences against %d as whole lines: want under half", w, h, steadyDiff, steadyRaw)
		}
		want := play(t, w, h, raw)
		got := play(t, w, h, diffFile)
		if want != got {
			wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
			for i := range max(len(wl), len(gl)) {
				var a, b string
				if i < len(wl) {
					a = wl[i]
				}
				if i < len(gl) {
					b = gl[i]
				}
				if a != b {
					t.Errorf("%d×%d: line %d differs:\nprogram: %q\ndiffed:  %q", w, h, i, a, b)
				}
			}
			t.Errorf("%d×%d: the diffed screen differs from the program's:\nprogram:\n%s\ndiffed:\n%s", w, h, want, got)
		}
		if !strings.Contains(want, "Memory") {
			t.Errorf("%d×%d: the played stream shows no dashboard:\n%s", w, h, want)
		}
	}
}

// splitFrames cuts a stream before every cursor-home, where Bubble Tea
// starts a frame in the alternate screen.
func splitFrames(stream []byte) [][]byte {
	var out [][]byte
	for len(stream) > 0 {
		i := bytes.Index(stream[1:], []byte("\x1b[H"))
		if i < 0 {
			out = append(out, stream)
			break
		}
		out = append(out, stream[:i+1])
		stream = stream[i+1:]
	}
	return out
}

// play shows a recorded stream in a fresh tmux pane of w×h and returns the
// screen with its colours (capture-pane -e).
func play(t *testing.T, w, h int, file string) string {
	t.Helper()
	s := startTmux(t, w, h, "sh", "-c", "cat "+file+"; sleep 60")
	time.Sleep(time.Second)
	return trimTrailingSGR(s.tmux("capture-pane", "-p", "-e", "-t", s.name))
}

// trimTrailingSGR drops the colour changes at the end of each captured line,
// after its last character. tmux writes one when the cells after the last
// character were written as spaces of another colour, and none when they
// were only erased: two states a terminal draws the same (a space shows no
// foreground). The program's whole-line repaints write those spaces; the
// differences leave cells that are already blank alone.
func trimTrailingSGR(capture string) string {
	return trailingSGR.ReplaceAllString(capture, "")
}

var trailingSGR = regexp.MustCompile(`(?m)(\x1b\[[0-9;]*m)+$`)
