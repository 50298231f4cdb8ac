package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/incident/store"
)

// faultRSSBudget is the peak RSS a one-shot command may reach on any input
// of the fault suite; it is the figure in the README's "Limits" section.
const faultRSSBudget = 32 << 20

// runMeasured runs the real binary with stdin, under a deadline, and
// returns its stderr, exit error, wall time and peak RSS. The peak comes
// from /usr/bin/time (%M): wait4's own rusage would count the test
// binary's memory, which the child shares until exec.
func runMeasured(t *testing.T, stdin *os.File, timeout time.Duration, bin string, args ...string) (stderr string, err error, took time.Duration, peak int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	const mark = "memtui-peak-rss-kib="
	timed := fileExists("/usr/bin/time")
	cmd := exec.CommandContext(ctx, bin, args...)
	if timed {
		cmd = exec.CommandContext(ctx, "/usr/bin/time", append([]string{"-f", mark + "%M", bin}, args...)...)
	}
	var eb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, nil, &eb
	start := time.Now()
	err = cmd.Run()
	took = time.Since(start)
	if ctx.Err() != nil {
		t.Fatalf("memtui %s still running after %v", strings.Join(args, " "), timeout)
	}
	stderr = eb.String()
	peak = -1
	if i := strings.LastIndex(stderr, mark); i >= 0 {
		kib, _ := strconv.ParseInt(strings.TrimSpace(stderr[i+len(mark):]), 10, 64)
		peak, stderr = kib<<10, stderr[:i]
	}
	return stderr, err, took, peak
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// peakRSS is a live process's peak RSS (VmHWM), in bytes; -1 when it
// cannot be read.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return -1
}

// goodTimeline writes a small ended incident and returns its path.
func goodTimeline(t *testing.T, extra ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "i.jsonl")
	start := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	s, err := store.Open(path, "db1", start)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []incident.Event{
		{At: start, Data: incident.Started{Host: "db1", MemTotalBytes: 8 << 30, Levels: incident.DefaultLevels, Reason: "test"}},
		{At: start.Add(time.Minute), Data: incident.Note{Author: "alice", Text: "before the long line"}},
	} {
		if _, err := s.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range extra {
		f.WriteString(line + "\n")
	}
	f.Close()
	return path
}

// TestFaultInputs is issue 18's bounded-input suite on the real binary:
// every path flag given a device, a FIFO or a hostile file fails by name
// or reads in bounded memory, within seconds, and -o never replaces what
// it names. Each case logs its wall time and peak RSS.
func TestFaultInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary 14 times; the same bounds are unit-tested in probes and incident")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	good := goodTimeline(t)
	longNote := `{"kind":"note","at":"2026-11-28T09:02:00Z","data":{"author":"x","text":"` + strings.Repeat("A", 10<<20) + `"}}`
	long := goodTimeline(t, longNote, `{"kind":"note","at":"2026-11-28T09:03:00Z","data":{"author":"bob","text":"after the long line"}}`)
	target := filepath.Join(dir, "target.md")
	os.WriteFile(target, []byte("keep"), 0o600)
	link := filepath.Join(dir, "link.md")
	os.Symlink(target, link)
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o700)
	devZero, err := os.Open("/dev/zero")
	if err != nil {
		t.Skip(err)
	}
	defer devZero.Close()

	cases := []struct {
		name  string
		stdin *os.File
		args  []string
		ok    bool   // exit 0 expected
		want  string // in stderr
	}{
		{"report --incident /dev/zero", nil, []string{"report", "--incident", "/dev/zero"}, false, "/dev/zero is a character device"},
		{"report --incident /dev/full", nil, []string{"report", "--incident", "/dev/full"}, false, "/dev/full is a character device"},
		{"report --incident FIFO", nil, []string{"report", "--incident", fifo}, false, fifo + " is a FIFO"},
		{"report --incident directory", nil, []string{"report", "--incident", sub}, false, sub + " is a directory"},
		{"report of a 10 MB note line", nil, []string{"report", "--incident", long}, true, ""},
		{"report -o /dev/null", nil, []string{"report", "--incident", good, "-o", "/dev/null"}, false, "-o /dev/null is a character device; memtui writes reports only to regular files"},
		{"report -o symlink", nil, []string{"report", "--incident", good, "-o", link}, false, link + " is a symbolic link"},
		{"report -o FIFO", nil, []string{"report", "--incident", good, "-o", fifo}, false, fifo + " is a FIFO"},
		{"report -o directory", nil, []string{"report", "--incident", good, "-o", sub}, false, sub + " is a directory"},
		{"oom --file /dev/zero", nil, []string{"oom", "--file", "/dev/zero"}, false, "/dev/zero is a character device"},
		{"oom --file FIFO", nil, []string{"oom", "--file", fifo}, false, fifo + " is a FIFO"},
		{"oom --file - < /dev/zero", devZero, []string{"oom", "--file", "-"}, false, "larger than 512 MiB"},
		{"actions --runbook /dev/zero", nil, []string{"actions", "--runbook", "/dev/zero"}, false, "/dev/zero is a character device"},
		{"actions --runbook FIFO", nil, []string{"actions", "--runbook", fifo}, false, fifo + " is a FIFO"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stderr, err, took, peak := runMeasured(t, c.stdin, 10*time.Second, bin, c.args...)
			t.Logf("%s: exit %v in %v, peak RSS %.1f MiB", c.name, err, took.Round(time.Millisecond), float64(peak)/(1<<20))
			if (err == nil) != c.ok {
				t.Errorf("exit %v, want ok=%v; stderr:\n%s", err, c.ok, stderr)
			}
			if want := strings.TrimPrefix(c.want, "-o "); want != "" && !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr)
			}
			if peak > faultRSSBudget {
				t.Errorf("peak RSS %d MiB over the %d MiB budget", peak>>20, faultRSSBudget>>20)
			}
			if took > 3*time.Second {
				t.Errorf("took %v", took)
			}
		})
	}
	if fi, err := os.Lstat("/dev/null"); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("/dev/null is no longer a character device: %v %v", fi, err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("symlink replaced: %v %v", fi, err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("symlink target holds %q", b)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("FIFO replaced: %v %v", fi, err)
	}
	if fi, err := os.Lstat(sub); err != nil || !fi.IsDir() {
		t.Errorf("directory replaced: %v %v", fi, err)
	}
}

// TestFaultDashboardIncident runs the dashboard in tmux with --incident
// naming /dev/full, /dev/zero and a FIFO (the dashboard once reached
// 6.1 GiB on /dev/full): it must draw, say why it has no timeline, and stay
// small.
func TestFaultDashboardIncident(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	needTmux(t)
	bin := buildBinary(t)
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/dev/full", "/dev/zero", fifo} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			s := startTmux(t, 120, 40, bin, "--read-only", "--pg", "none", "--incident", path)
			s.waitFor(10*time.Second, "Memory & swap", "% used")
			time.Sleep(2 * time.Second)
			hwm := peakRSS(s.panePID())
			t.Logf("dashboard --incident %s: peak RSS %.1f MiB", path, float64(hwm)/(1<<20))
			if hwm < 0 || hwm > 2*faultRSSBudget {
				t.Errorf("peak RSS %d bytes", hwm)
			}
			// The flash line and the timeline panel say why nothing is
			// recorded (the flash comes with the first failed write).
			// The timeline panel (four tabs along at 120 columns) keeps
			// saying why nothing is recorded; the flash line says it once.
			for range 4 {
				s.keys("Tab")
			}
			what := "a character device"
			if path == fifo {
				what = "a FIFO"
			}
			s.waitFor(10*time.Second, "▸ Timeline", "is "+what)
			s.quit()
		})
	}
}

// TestFaultDashboardLongNote: a timeline holding one 10 MB note line (once
// 100 % CPU and about 5 s a key) opens with the line skipped, and a key
// answers at once.
func TestFaultDashboardLongNote(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	needTmux(t)
	bin := buildBinary(t)
	longNote := `{"kind":"note","at":"2026-11-28T09:02:00Z","data":{"author":"x","text":"` + strings.Repeat("A", 10<<20) + `"}}`
	path := goodTimeline(t, longNote, `{"kind":"note","at":"2026-11-28T09:03:00Z","data":{"author":"bob","text":"after the long line"}}`)
	start := time.Now()
	s := startTmux(t, 120, 40, bin, "--read-only", "--pg", "none", "--incident", path)
	s.waitFor(10*time.Second, "Memory & swap", "% used", "⏱ ")
	t.Logf("dashboard drawn with the timeline after %v", time.Since(start).Round(10*time.Millisecond))
	for range 3 {
		pressed := time.Now()
		s.keys("?")
		s.waitFor(5*time.Second, "? or esc closes")
		s.keys("Escape")
		for strings.Contains(s.capture(), "? or esc closes") {
			time.Sleep(20 * time.Millisecond)
		}
		if took := time.Since(pressed); took > 2*time.Second {
			t.Errorf("help opened and closed in %v", took)
		} else {
			t.Logf("help opened and closed in %v", took.Round(time.Millisecond))
		}
	}
	t.Logf("peak RSS: %.1f MiB", float64(peakRSS(s.panePID()))/(1<<20))
	s.quit()
}

// mountTmpfs mounts a tmpfs of size bytes (read-only when ro) on a new
// directory for the test, or skips saying why (it needs root and mount
// rights, which a container may not give).
func mountTmpfs(t *testing.T, size int, ro bool) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	flags := uintptr(unix.MS_NOSUID | unix.MS_NODEV)
	if ro {
		flags |= unix.MS_RDONLY
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", flags, "size="+strconv.Itoa(size)); err != nil {
		t.Skipf("cannot mount a tmpfs for the store (%v): needs root with mount rights", err)
	}
	t.Cleanup(func() { _ = unix.Unmount(dir, unix.MNT_DETACH) })
	return dir
}

// TestFaultStoreDiskFull is the full disk of the fault suite, on a real
// filesystem: the dashboard's timeline on a 256 KiB tmpfs filled to the
// last byte. A note typed then is shown NOT RECORDED (never as recorded),
// memtui keeps running, and once space is freed the note is written, once.
// A read-only filesystem is refused by name in the timeline panel.
func TestFaultStoreDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	needTmux(t)
	bin := buildBinary(t)
	t.Run("full", func(t *testing.T) {
		dir := mountTmpfs(t, 256<<10, false)
		timeline := filepath.Join(dir, "incident.jsonl")
		// Fill the filesystem to the last byte first: tmpfs counts whole
		// pages, so a timeline already written could still take a short
		// event in its last page.
		filler := filepath.Join(dir, "filler")
		f, err := os.Create(filler)
		if err != nil {
			t.Fatal(err)
		}
		chunk := bytes.Repeat([]byte{'x'}, 4096)
		for {
			if _, err := f.Write(chunk); err != nil {
				break
			}
		}
		f.Close()
		s := startTmux(t, 120, 40, bin, "--pg", "none", "--redis", "none", "--incident", timeline)
		s.waitFor(10*time.Second, "Memory & swap", "% used")
		s.keys("n")
		s.waitFor(5*time.Second, "Add a note to the timeline")
		s.keys("-l", "typed while the disk is full")
		s.keys("Enter")
		for range 4 {
			s.keys("Tab")
		}
		s.waitFor(10*time.Second, "NOT RECORDED")
		if b, _ := os.ReadFile(timeline); bytes.Contains(b, []byte("typed while the disk is full")) {
			t.Fatal("the note is in the file although the disk is full")
		}
		// A write cut short by the full disk leaves no torn line behind.
		if st, _ := os.Stat(timeline); st != nil && st.Size() > 0 {
			l, err := store.Load(timeline)
			if err != nil {
				t.Fatalf("the timeline after a failed write: %v", err)
			}
			if len(l.Problems) != 0 {
				t.Fatalf("the timeline after a failed write: %v", l.Problems)
			}
		}
		freed := time.Now()
		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
		for {
			b, _ := os.ReadFile(timeline)
			if n := bytes.Count(b, []byte("typed while the disk is full")); n == 1 {
				break
			} else if n > 1 {
				t.Fatalf("the note is in the file %d times", n)
			}
			if time.Since(freed) > 15*time.Second {
				t.Fatalf("the note never reached the file after space was freed:\n%s", s.capture())
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("disk full: the note was shown NOT RECORDED, and written %v after space was freed", time.Since(freed).Round(10*time.Millisecond))
		for strings.Contains(s.capture(), "NOT RECORDED") {
			if time.Since(freed) > 15*time.Second {
				t.Fatalf("still NOT RECORDED after the write:\n%s", s.capture())
			}
			time.Sleep(100 * time.Millisecond)
		}
		s.quit()
	})
	t.Run("read-only", func(t *testing.T) {
		dir := mountTmpfs(t, 256<<10, true)
		s := startTmux(t, 120, 40, bin, "--pg", "none", "--redis", "none", "--incident", filepath.Join(dir, "incident.jsonl"))
		s.waitFor(10*time.Second, "Memory & swap", "% used")
		s.keys("n")
		s.waitFor(5*time.Second, "Add a note to the timeline")
		s.keys("-l", "typed on a read-only filesystem")
		s.keys("Enter")
		for range 4 {
			s.keys("Tab")
		}
		screen := s.waitFor(10*time.Second, "NOT RECORDED", "read-only file syst")
		t.Logf("read-only filesystem, the timeline panel:\n%s", screen)
		s.keys("q")
		// Quitting with an unrecorded note asks first and says what is lost.
		s.waitFor(5*time.Second, "quitting loses them", "typed on a read-only filesystem", "q/y quit and lose them")
		s.keys("y")
		for deadline := time.Now().Add(5 * time.Second); !s.paneDead(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("y did not quit:\n%s", s.capture())
			}
		}
	})
}

// TestFaultRapidResizes: 1,000 resizes in a few seconds, through sizes
// from 20×5 (too small: said so) to 200×60, neither crash nor hang the
// dashboard nor grow it past its budget; afterwards it draws at 80×24 and
// a key answers at once.
func TestFaultRapidResizes(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	needTmux(t)
	bin := buildBinary(t)
	s := startTmux(t, 120, 40, bin, "--read-only", "--pg", "none", "--redis", "none")
	s.waitFor(10*time.Second, "Memory & swap", "% used")
	sizes := [][2]string{{"20", "5"}, {"80", "24"}, {"200", "60"}, {"50", "10"}, {"161", "45"}, {"79", "23"}, {"120", "40"}}
	start := time.Now()
	for i := range 1000 {
		sz := sizes[i%len(sizes)]
		s.tmux("resize-window", "-t", s.name, "-x", sz[0], "-y", sz[1])
	}
	took := time.Since(start)
	s.tmux("resize-window", "-t", s.name, "-x", "20", "-y", "5")
	s.waitFor(5*time.Second, "terminal too small")
	s.tmux("resize-window", "-t", s.name, "-x", "80", "-y", "24")
	s.waitFor(5*time.Second, "Memory & swap", "% used")
	pressed := time.Now()
	s.keys("?")
	s.waitFor(5*time.Second, "Keys", "General", "pause refresh")
	answered := time.Since(pressed)
	hwm := peakRSS(s.panePID())
	t.Logf("1,000 resizes in %v; then help answered in %v; peak RSS %.1f MiB", took.Round(time.Millisecond), answered.Round(time.Millisecond), float64(hwm)/(1<<20))
	if hwm < 0 || hwm > 2*faultRSSBudget {
		t.Errorf("peak RSS %d bytes, budget %d", hwm, 2*faultRSSBudget)
	}
	if answered > 2*time.Second {
		t.Errorf("help took %v after the resizes", answered)
	}
	s.keys("Escape")
	s.quit()
}
