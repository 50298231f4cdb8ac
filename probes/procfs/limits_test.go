package procfs

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/memtui/memtui/internal/fsread"
	"github.com/memtui/memtui/internal/termtext"
	"github.com/memtui/memtui/probes"
	"golang.org/x/sys/unix"
)

// TestOOMFileRefusesNonRegular: `memtui oom --file` on a device or FIFO
// fails at once by name instead of streaming or blocking forever.
func TestOOMFileRefusesNonRegular(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for path, kind := range map[string]string{"/dev/zero": "a character device", "/dev/full": "a character device", fifo: "a FIFO", t.TempDir(): "a directory"} {
		done := make(chan error, 1)
		go func() {
			done <- FS{}.RunOOMCommand(context.Background(), probes.OOMCommand{File: path}, nil, io.Discard)
		}()
		select {
		case err := <-done:
			if !errors.Is(err, fsread.ErrNotRegular) || !strings.Contains(err.Error(), path+" is "+kind) {
				t.Errorf("%s: %v", path, err)
			}
		case <-time.After(time.Second):
			t.Fatalf("%s: still reading after a second", path)
		}
	}
}

// TestOOMStdinBounded: a saved log on standard input stops at MaxSavedLog
// with an error, not after the stream ends (/dev/zero never does).
func TestOOMStdinBounded(t *testing.T) {
	zero, err := os.Open("/dev/zero")
	if err != nil {
		t.Skip(err)
	}
	defer zero.Close()
	start := time.Now()
	err = FS{}.RunOOMCommand(context.Background(), probes.OOMCommand{File: "-"}, zero, io.Discard)
	if !errors.Is(err, probes.ErrTooLarge) || !strings.Contains(err.Error(), "larger than 512 MiB") {
		t.Fatalf("err = %v", err)
	}
	t.Logf("stopped after %d MiB in %v", probes.MaxSavedLog>>20, time.Since(start))
}

// TestLimitReader: exactly n bytes pass; one more is an error, not a cut.
func TestLimitReader(t *testing.T) {
	b, err := io.ReadAll(probes.LimitReader(strings.NewReader("abcd"), 4, "x"))
	if err != nil || string(b) != "abcd" {
		t.Errorf("exactly n: %q, %v", b, err)
	}
	_, err = io.ReadAll(probes.LimitReader(strings.NewReader("abcde"), 4, "x"))
	if !errors.Is(err, probes.ErrTooLarge) || !strings.Contains(err.Error(), "x: larger than 4 bytes") {
		t.Errorf("over n: %v", err)
	}
}

// TestProcReadBounded: a root pointed at a device (or a fixture gone
// wrong) costs at most MaxProcFile per file and fails by name.
func TestProcReadBounded(t *testing.T) {
	start := time.Now()
	_, err := readInto("/dev/zero", nil)
	if !errors.Is(err, probes.ErrTooLarge) || !strings.Contains(err.Error(), "/dev/zero") {
		t.Errorf("readInto: %v", err)
	}
	_, err = readSmall("/dev/zero")
	if !errors.Is(err, probes.ErrTooLarge) {
		t.Errorf("readSmall: %v", err)
	}
	// The memory probe's held files are bounded the same way.
	dir := t.TempDir()
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "meminfo")); err != nil {
		t.Fatal(err)
	}
	_, err = NewFS(dir, dir).Meminfo()
	if !errors.Is(err, probes.ErrTooLarge) {
		t.Errorf("Meminfo on /dev/zero: %v", err)
	}
	// Generous: the race detector on a loaded 2-core machine reads the 3 x
	// 4 MiB bound in about a second; an unbounded read would never end.
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %v", took)
	}
}

// TestLogCommandBounded: dmesg or journalctl flooding their output stop at
// MaxLogCommandOutput with an error, not at the end of memory.
func TestLogCommandBounded(t *testing.T) {
	start := time.Now()
	_, err := runLogCommand(context.Background(), 10*time.Second, []string{"cat", "/dev/zero"})
	if !errors.Is(err, probes.ErrTooLarge) {
		t.Fatalf("err = %v", err)
	}
	t.Logf("stopped at %d MiB after %v", probes.MaxLogCommandOutput>>20, time.Since(start))
}

// TestPrintable: controls become '?', invalid UTF-8 one U+FFFD, clean text
// is untouched; and a 0xFF byte in a comm keeps the oom table aligned.
func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"postgres":        "postgres",
		"évil ✓":          "évil ✓",
		"a\x1b[2Jb":       "a?[2Jb",
		"line\nnext\r":    "line?next?",
		"x\xffy":          "x\uFFFDy",
		"c1\u009bcontrol": "c1?control",
	} {
		if got := termtext.Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
	now := time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC)
	var b strings.Builder
	kills := []probes.OOMKill{{PID: 1, Comm: "ab\xffc"}, {PID: 2, Comm: "abcd"}}
	if err := probes.WriteOOMTable(&b, kills, now, time.UTC); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	// The column after COMM starts at the same cell on both rows.
	next := func(l, comm string) int {
		i := strings.Index(l, comm) + len(comm)
		for i < len(l) && l[i] == ' ' {
			i++
		}
		return utf8.RuneCountInString(l[:i])
	}
	if a, c := next(lines[1], "ab\uFFFDc"), next(lines[2], "abcd"); a != c {
		t.Errorf("rows misaligned (%d vs %d):\n%s", a, c, b.String())
	}
	if !utf8.ValidString(b.String()) {
		t.Errorf("invalid UTF-8 reached the table: %q", b.String())
	}
}
