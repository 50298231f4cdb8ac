package store

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/incident/incidenttest"
)

// writeAll creates a timeline holding evs and returns its path and bytes.
func writeAll(t testing.TB, evs []incident.Event) (string, []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "i.jsonl")
	s, err := Open(path, "db1", t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if _, err := s.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, b
}

// stripWriter drops the store's stamps so events compare by content.
func stripWriter(evs []incident.Event) []incident.Event {
	out := make([]incident.Event, len(evs))
	for i, ev := range evs {
		ev.Writer, ev.Seq = "", 0
		out[i] = ev
	}
	return out
}

func TestFileModeAndHeader(t *testing.T) {
	path, b := writeAll(t, incidenttest.AllEvents()[:1])
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	first := string(b[:bytes.IndexByte(b, '\n')])
	want := `{"format":"memtui-incident","version":1,"host":"db1","created":"2026-11-28T09:00:00Z"}`
	if first != want {
		t.Errorf("header line\n got %s\nwant %s", first, want)
	}
}

// TestTornLastLine cuts the file at every byte offset of its last line: every
// whole event still loads, the torn one is reported, and nothing is fatal.
func TestTornLastLine(t *testing.T) {
	all := incidenttest.AllEvents()
	path, b := writeAll(t, all)
	lastStart := bytes.LastIndexByte(b[:len(b)-1], '\n') + 1
	for cut := lastStart; cut <= len(b); cut++ {
		if err := os.WriteFile(path, b[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		l, err := Load(path)
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		want := all[:len(all)-1]
		wantProblems := 1
		switch {
		case cut == lastStart:
			wantProblems = 0
		case cut >= len(b)-1:
			// Only the newline is missing: the event is whole.
			want, wantProblems = all, 0
		}
		if diff := cmp.Diff(want, stripWriter(l.Events)); diff != "" {
			t.Fatalf("cut at %d of %d (-want +got):\n%s", cut, len(b), diff)
		}
		if len(l.Problems) != wantProblems {
			t.Fatalf("cut at %d: problems %v, want %d", cut, l.Problems, wantProblems)
		}
		if wantProblems == 1 {
			p := l.Problems[0]
			if p.Line != len(all)+1 || p.Offset != int64(lastStart) || !strings.Contains(p.String(), "torn or corrupt") {
				t.Fatalf("cut at %d: problem %v", cut, p)
			}
			if l.Offset != int64(lastStart) {
				t.Fatalf("cut at %d: offset %d, want %d (torn line left for a follower)", cut, l.Offset, lastStart)
			}
		}
	}
}

// TestAppendAfterTornLine: a crash remnant does not swallow the next event.
func TestAppendAfterTornLine(t *testing.T) {
	all := incidenttest.AllEvents()
	path, b := writeAll(t, all[:3])
	torn := append(b, []byte(`{"at":"2026-11-28T09:00:09Z","kind":"no`)...)
	if err := os.WriteFile(path, torn, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, "ignored", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(all[3]); err != nil {
		t.Fatal(err)
	}
	s.Close()
	l, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(all[:4], stripWriter(l.Events)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if len(l.Problems) != 1 || l.Problems[0].Line != 5 {
		t.Errorf("problems %v, want the torn line 5", l.Problems)
	}
	if l.Header.Host != "db1" {
		t.Errorf("joining rewrote the header: %+v", l.Header)
	}
}

func TestCorruptLinesSkipped(t *testing.T) {
	all := incidenttest.AllEvents()
	_, b := writeAll(t, all[:2])
	lines := bytes.SplitAfter(b, []byte("\n"))
	var buf bytes.Buffer
	buf.Write(lines[0])
	buf.WriteString("garbage\n")
	buf.Write(lines[1])
	buf.WriteString("\n") // blank lines are not problems
	buf.WriteString(`{"at":"2026-11-28T09:00:00Z","kind":"future_kind","data":{}}` + "\n")
	buf.Write(lines[2])
	l, err := parseLog("x", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(all[:2], stripWriter(l.Events)); diff != "" {
		t.Error(diff)
	}
	var got []int
	for _, p := range l.Problems {
		got = append(got, p.Line)
	}
	if diff := cmp.Diff([]int{2, 5}, got); diff != "" {
		t.Errorf("problem lines: %s", diff)
	}
}

func TestLoadRejectsOtherFiles(t *testing.T) {
	for name, in := range map[string]string{
		"empty":       "",
		"not json":    "hello\n",
		"other json":  `{"format":"something"}` + "\n",
		"new version": `{"format":"memtui-incident","version":99}` + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.jsonl")
			os.WriteFile(path, []byte(in), 0o600)
			if _, err := Load(path); err == nil {
				t.Error("loaded")
			}
			if in != "" {
				if _, err := Open(path, "h", t0); err == nil {
					t.Error("opened for append")
				}
			}
		})
	}
}

// TestHelperProcess is not a test: TestTwoProcesses runs the test binary
// again with this test selected and "-- PATH N", and it appends N events.
func TestHelperProcess(t *testing.T) {
	args := os.Args
	i := 0
	for i < len(args) && args[i] != "--" {
		i++
	}
	if i+2 >= len(args) {
		t.Skip("helper process for TestTwoProcesses")
	}
	path := args[i+1]
	n, _ := strconv.Atoi(args[i+2])
	s, err := Open(path, "db1", t0)
	if err == nil && n < 0 {
		// SIGKILL mode: append until killed, printing each sequence number
		// once Append returned, the moment the ui would show it recorded.
		for {
			ev, err := s.Append(incident.Event{At: t0, Data: incident.Note{Text: strings.Repeat("x", 200)}})
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(3)
			}
			fmt.Printf("%s %d\n", ev.Writer, ev.Seq)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for k := 0; k < n; k++ {
		if _, err := s.Append(incident.Event{At: t0, Data: incident.Note{Text: fmt.Sprintf("note %d from pid %d", k, os.Getpid())}}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
	}
	s.Close()
	os.Exit(0)
}

// checkWriters asserts every line is whole and each writer's events arrived
// complete and in order.
func checkWriters(t *testing.T, path string, writers, n int) {
	t.Helper()
	l, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Problems) > 0 {
		t.Fatalf("%d torn lines, first: %v", len(l.Problems), l.Problems[0])
	}
	if len(l.Events) != writers*n {
		t.Fatalf("%d events, want %d", len(l.Events), writers*n)
	}
	seqs := map[string]uint64{}
	for _, ev := range l.Events {
		if ev.Seq != seqs[ev.Writer]+1 {
			t.Fatalf("writer %s: seq %d after %d", ev.Writer, ev.Seq, seqs[ev.Writer])
		}
		seqs[ev.Writer] = ev.Seq
	}
	if len(seqs) != writers {
		t.Fatalf("%d writers seen, want %d", len(seqs), writers)
	}
	b, _ := os.ReadFile(path)
	if got := bytes.Count(b, []byte("\n")); got != writers*n+1 {
		t.Fatalf("%d lines, want %d", got, writers*n+1)
	}
}

// TestTwoProcesses: a driver and an observer process appending to one file
// at once produce only whole lines.
func TestTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("2,000 fsyncs")
	}
	path := filepath.Join(t.TempDir(), "shared.jsonl")
	const n = 1000
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for range 2 {
		c := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "--", path, strconv.Itoa(n))
		var out bytes.Buffer
		c.Stdout, c.Stderr = &out, &out
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, c), append(outs, &out)
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("helper %d: %v: %s", i, err, outs[i])
		}
	}
	checkWriters(t, path, 2, n)
}

// TestSIGKILLLosesNothingShown kills a writer with SIGKILL mid-stream, at
// several moments: every event it had reported recorded is in the file, and
// the file still loads (at most the one line being written is torn).
func TestSIGKILLLosesNothingShown(t *testing.T) {
	if testing.Short() {
		t.Skip("kills subprocesses")
	}
	for _, after := range []time.Duration{5 * time.Millisecond, 23 * time.Millisecond, 61 * time.Millisecond, 150 * time.Millisecond} {
		t.Run(after.String(), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "killed.jsonl")
			c := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "--", path, "-1")
			stdout, err := c.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			var shown []byte
			done := make(chan struct{})
			go func() {
				shown, _ = io.ReadAll(stdout)
				close(done)
			}()
			time.Sleep(after)
			c.Process.Signal(syscall.SIGKILL)
			<-done
			c.Wait()
			last := 0
			for _, l := range strings.Split(strings.TrimSpace(string(shown)), "\n") {
				if f := strings.Fields(l); len(f) == 2 {
					last, _ = strconv.Atoi(f[1])
				}
			}
			l, err := Load(path)
			if err != nil {
				if last == 0 {
					return // killed before the header was written
				}
				t.Fatal(err)
			}
			if len(l.Problems) > 1 {
				t.Errorf("%d unreadable lines, at most the last may be torn: %v", len(l.Problems), l.Problems)
			}
			if len(l.Events) < last {
				t.Fatalf("%d events shown as recorded, %d in the file", last, len(l.Events))
			}
			for i, ev := range l.Events {
				if ev.Seq != uint64(i+1) {
					t.Fatalf("event %d has seq %d", i, ev.Seq)
				}
			}
			t.Logf("killed after %s: %d shown, %d in the file", after, last, len(l.Events))
		})
	}
}

// TestTwoWritersRandomSIGKILL is the fault suite's store case: 100
// rounds, each with two writer processes appending to one timeline until
// each is killed with SIGKILL at a random moment (1–60 ms in). Every event
// a writer reported recorded (Append returned; the ui would show it so)
// must be in the file once, whatever was torn around it, and the file must
// load after every round.
func TestTwoWritersRandomSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills 200 subprocesses")
	}
	path := filepath.Join(t.TempDir(), "shared.jsonl")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 18))
	acked := map[string]uint64{} // writer → last acknowledged seq
	kills, ackedN := 0, 0
	for round := 0; round < 100; round++ {
		var wg sync.WaitGroup
		outs := make([][]byte, 2)
		var cmds []*exec.Cmd
		for w := range 2 {
			c := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "--", path, "-1")
			stdout, err := c.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[w], _ = io.ReadAll(stdout)
			}()
			after := time.Duration(1+rng.IntN(60)) * time.Millisecond
			time.AfterFunc(after, func() { _ = c.Process.Signal(syscall.SIGKILL) })
			cmds = append(cmds, c)
			kills++
		}
		wg.Wait()
		for _, c := range cmds {
			_ = c.Wait() // "signal: killed"
		}
		for _, out := range outs {
			for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				f := strings.Fields(l)
				if len(f) != 2 {
					continue
				}
				seq, _ := strconv.ParseUint(f[1], 10, 64)
				acked[f[0]] = max(acked[f[0]], seq)
				ackedN++
			}
		}
		if _, err := os.Stat(path); err == nil {
			if _, err := Load(path); err != nil {
				t.Fatalf("round %d: the timeline no longer loads: %v", round, err)
			}
		}
	}
	l, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]map[uint64]int{}
	for _, ev := range l.Events {
		if got[ev.Writer] == nil {
			got[ev.Writer] = map[uint64]int{}
		}
		got[ev.Writer][ev.Seq]++
	}
	lost, dup := 0, 0
	for w, last := range acked {
		for seq := uint64(1); seq <= last; seq++ {
			switch got[w][seq] {
			case 0:
				lost++
			case 1:
			default:
				dup++
			}
		}
	}
	t.Logf("%d SIGKILLs over 100 rounds of two writers: %d events acknowledged, %d in the file, %d unreadable (torn) lines, %d acknowledged lost, %d duplicated",
		kills, ackedN, len(l.Events), len(l.Problems), lost, dup)
	if lost != 0 || dup != 0 {
		t.Errorf("%d acknowledged events lost, %d duplicated", lost, dup)
	}
	if len(l.Problems) > kills {
		t.Errorf("%d torn lines from %d kills: at most one each", len(l.Problems), kills)
	}
}

// TestTwoFilesOneProcess: two descriptors in one process exclude each other
// too (flock is per open file), alongside a third, separate process.
func TestTwoFilesOneProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("3,000 fsyncs")
	}
	path := filepath.Join(t.TempDir(), "shared.jsonl")
	const n = 1000
	c := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "--", path, strconv.Itoa(n))
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(path, "db1", t0)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			for k := 0; k < n; k++ {
				if _, err := s.Append(incident.Event{At: t0, Data: incident.Note{Text: fmt.Sprintf("goroutine %d note %d", w, k)}}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := c.Wait(); err != nil {
		t.Fatalf("helper: %v: %s", err, &out)
	}
	checkWriters(t, path, 3, n)
}

// TestWriteErrorsVisible: a read-only place or a full disk is an error a
// person can act on, and a failed Append records nothing and can be retried.
func TestWriteErrorsVisible(t *testing.T) {
	t.Run("read-only filesystem", func(t *testing.T) {
		// /sys is mounted read-only, even for root (who ignores mode bits).
		if _, err := os.Stat("/sys/kernel"); err != nil {
			t.Skip("no /sys")
		}
		_, err := Open("/sys/kernel/memtui-test/i.jsonl", "h", t0)
		if err == nil {
			t.Fatal("opened a timeline under /sys")
		}
		if !strings.Contains(err.Error(), "--incident") {
			t.Errorf("error does not say what to do: %v", err)
		}
	})
	t.Run("parent is a file", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "file")
		os.WriteFile(f, nil, 0o600)
		if _, err := Open(filepath.Join(f, "i.jsonl"), "h", t0); err == nil {
			t.Fatal("opened under a regular file")
		}
	})
	t.Run("device as timeline", func(t *testing.T) {
		// /dev/full once stood in for a full disk here; a device is now
		// refused before the first write (a full disk is the next case).
		if _, err := os.Stat("/dev/full"); err != nil {
			t.Skip("no /dev/full on this system")
		}
		_, err := Open("/dev/full", "h", t0)
		if err == nil || !strings.Contains(err.Error(), "/dev/full is a character device") {
			t.Fatalf("err = %v, want a refusal naming the device", err)
		}
	})
	t.Run("disk full on append, then retry", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "i.jsonl")
		s, err := Open(path, "h", t0)
		if err != nil {
			t.Fatal(err)
		}
		good := s.f
		full, err := os.OpenFile("/dev/full", os.O_RDWR|os.O_APPEND, 0)
		if err != nil {
			t.Skip(err)
		}
		s.f = full
		ev := incident.Event{At: t0, Data: incident.Note{Text: "first"}}
		if _, err := s.Append(ev); err == nil || !strings.Contains(err.Error(), "nothing recorded") || !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("append to a full disk: %v", err)
		}
		full.Close()
		s.f = good
		got, err := s.Append(ev)
		if err != nil {
			t.Fatal(err)
		}
		if got.Seq != 1 {
			t.Errorf("retry got seq %d, want 1 (the failed append must not use one up)", got.Seq)
		}
		s.Close()
		if _, err := s.Append(ev); !errors.Is(err, ErrClosed) {
			t.Errorf("append after close: %v", err)
		}
	})
	t.Run("event without time or payload", func(t *testing.T) {
		s, err := Open(filepath.Join(t.TempDir(), "i.jsonl"), "h", t0)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.Append(incident.Event{Data: incident.Note{Text: "x"}}); err == nil {
			t.Error("accepted an event without a time")
		}
		if _, err := s.Append(incident.Event{At: t0}); err == nil {
			t.Error("accepted an event without a payload")
		}
	})
}

func TestFollower(t *testing.T) {
	all := incidenttest.AllEvents()
	path := filepath.Join(t.TempDir(), "i.jsonl")
	driver, err := Open(path, "db1", t0)
	if err != nil {
		t.Fatal(err)
	}
	defer driver.Close()
	fw := NewFollower(path, 0)
	defer fw.Close()

	evs, probs, err := fw.Poll()
	if err != nil || len(evs) != 0 || len(probs) != 0 {
		t.Fatalf("empty timeline: %v %v %v", evs, probs, err)
	}
	for _, ev := range all[:3] {
		driver.Append(ev)
	}
	evs, _, err = fw.Poll()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(all[:3], stripWriter(evs)); diff != "" {
		t.Fatal(diff)
	}
	if evs[0].Writer != driver.Writer() {
		t.Errorf("writer %q, want %q", evs[0].Writer, driver.Writer())
	}
	// Nothing new: nothing returned.
	if evs, _, _ := fw.Poll(); len(evs) != 0 {
		t.Fatalf("re-read %d events", len(evs))
	}
	// A line still being written is not returned until it is whole.
	b, _ := all[3].MarshalJSON()
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.Write(b[:10])
	if evs, probs, _ := fw.Poll(); len(evs) != 0 || len(probs) != 0 {
		t.Fatalf("partial line gave %v %v", evs, probs)
	}
	f.Write(append(b[10:], '\n'))
	f.Close()
	evs, _, _ = fw.Poll()
	if diff := cmp.Diff(all[3:4], stripWriter(evs)); diff != "" {
		t.Fatal(diff)
	}
	// A follower started from Load's offset sees only what comes later.
	l, _ := Load(path)
	fw2 := NewFollower(path, l.Offset)
	defer fw2.Close()
	driver.Append(all[4])
	evs, _, _ = fw2.Poll()
	if diff := cmp.Diff(all[4:5], stripWriter(evs)); diff != "" {
		t.Fatal(diff)
	}
	// A shrunken file is an error, not silence.
	os.Truncate(path, 10)
	if _, _, err := fw2.Poll(); err == nil {
		t.Error("no error on a shrunken file")
	}
}

func TestDefaultDirAndFileName(t *testing.T) {
	tests := []struct{ xdg, home, want string }{
		{"/var/state", "/root", "/var/state/memtui/incidents"},
		{"", "/root", "/root/.local/state/memtui/incidents"},
		{"relative", "/home/a", "/home/a/.local/state/memtui/incidents"},
	}
	for _, tt := range tests {
		got, err := DefaultDir(tt.xdg, tt.home)
		if err != nil || got != tt.want {
			t.Errorf("DefaultDir(%q, %q) = %q, %v; want %q", tt.xdg, tt.home, got, err, tt.want)
		}
	}
	if _, err := DefaultDir("", ""); err == nil {
		t.Error("no error without XDG_STATE_HOME and HOME")
	}
	start := time.Date(2026, 11, 28, 14, 5, 9, 0, time.FixedZone("CET", 3600))
	for host, want := range map[string]string{
		"db1.example.com": "db1.example.com-20261128T130509Z.jsonl",
		"../../etc":       ".._.._etc-20261128T130509Z.jsonl",
		"":                "host-20261128T130509Z.jsonl",
		"..":              "host-20261128T130509Z.jsonl",
	} {
		if got := FileName(host, start); got != want {
			t.Errorf("FileName(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestNewest(t *testing.T) {
	dir := t.TempDir()
	if _, err := Newest(dir); !errors.Is(err, ErrNoIncident) {
		t.Errorf("empty dir: %v", err)
	}
	if _, err := Newest(filepath.Join(dir, "missing")); !errors.Is(err, ErrNoIncident) {
		t.Errorf("missing dir: %v", err)
	}
	for i, start := range []time.Time{t0.Add(time.Hour), t0, t0.Add(2 * time.Hour)} {
		// Names sort differently from start times on purpose.
		p := filepath.Join(dir, fmt.Sprintf("h%d-%s", 9-i, FileName("x", start)))
		s, err := Open(p, "x", start)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	os.WriteFile(filepath.Join(dir, "zzz-not-a-timeline.jsonl"), []byte("{}\n"), 0o600)
	got, err := Newest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "h7-"+FileName("x", t0.Add(2*time.Hour))); got != want {
		t.Errorf("Newest = %s, want %s", got, want)
	}
}

// FuzzParseLog: a timeline is text anyone could edit; no input may panic,
// and every event read must write back out.
func FuzzParseLog(f *testing.F) {
	_, b := writeAll(f, incidenttest.AllEvents())
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add([]byte(`{"format":"memtui-incident","version":1}` + "\n{}\n\n{\"kind\":\"note\"}"))
	f.Fuzz(func(t *testing.T, in []byte) {
		l, err := parseLog("fuzz", in)
		if err != nil {
			return
		}
		if l.Offset < 0 || l.Offset > int64(len(in)) {
			t.Fatalf("offset %d outside 0..%d", l.Offset, len(in))
		}
		for _, ev := range l.Events {
			if _, err := ev.MarshalJSON(); err != nil {
				t.Fatalf("loaded event does not write back: %v", err)
			}
		}
		_ = incident.Render(l, t0)
	})
}

// TestScanAcrossChunks reads with chunks far smaller than a line, so every
// line, the header and a torn end cross chunk boundaries.
func TestScanAcrossChunks(t *testing.T) {
	all := incidenttest.AllEvents()
	path, b := writeAll(t, all)
	for _, chunk := range []int{1, 7, 64, 1000} {
		var got []incident.Event
		l, err := scanChunk(path, chunk, func(ev incident.Event) { got = append(got, ev) })
		if err != nil {
			t.Fatalf("chunk %d: %v", chunk, err)
		}
		if diff := cmp.Diff(all, stripWriter(got)); diff != "" || len(l.Events) != 0 || l.Offset != int64(len(b)) {
			t.Fatalf("chunk %d: offset %d of %d, kept %d (-want +got):\n%s", chunk, l.Offset, len(b), len(l.Events), diff)
		}
		torn := b[:len(b)-5]
		l, err = incident.ScanReaderSize("x", bytes.NewReader(torn), nil, chunk)
		if err != nil || len(l.Events) != len(all)-1 || len(l.Problems) != 1 {
			t.Fatalf("chunk %d, torn: %d events, %v, %v", chunk, len(l.Events), l.Problems, err)
		}
	}
}

// TestTeamDirectoryIsGroupReadable: in a setgid, group-readable directory
// (a team's) the timeline is 0640, so the team can read it; in a private or
// merely umask-022 one it stays 0600.
func TestTeamDirectoryIsGroupReadable(t *testing.T) {
	for _, c := range []struct {
		dirMode, want os.FileMode
	}{{0o750 | os.ModeSetgid, 0o640}, {0o755, 0o600}, {0o700, 0o600}} {
		dir := filepath.Join(t.TempDir(), "incidents")
		if err := os.Mkdir(dir, c.dirMode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, c.dirMode); err != nil { // past the umask
			t.Fatal(err)
		}
		s, err := Open(filepath.Join(dir, "i.jsonl"), "db1", time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		fi, err := os.Stat(filepath.Join(dir, "i.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != c.want {
			t.Errorf("directory %v: file %v, want %v", c.dirMode, fi.Mode().Perm(), c.want)
		}
	}
}
