package host_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/host"
	"github.com/memtui/memtui/probes/host/hosttest"
	"github.com/memtui/memtui/probes/oomtest"
	"github.com/memtui/memtui/probes/record"
)

// recordFor records src into a new file for d and loads it.
func recordFor(t *testing.T, src record.Sources, d time.Duration, c record.Config) (string, *record.Recording) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rec")
	w, err := record.Create(path, record.Header{Host: "recorded", Started: time.Now(), TopN: 50}, record.WriterOptions{BlockLines: 5})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := record.Run(ctx, w, src, c); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rec, err := record.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, rec
}

// TestContractRecording records a fixture tree and holds the Recording
// host to the contract, at its first moment and at its last.
func TestContractRecording(t *testing.T) {
	tree := "../testdata/fixtures/odoo-high"
	rp := host.Open(host.Options{Proc: tree + "/proc", Sys: tree + "/sys", PGEnv: map[string]string{}})
	defer rp.Close()
	src := record.Sources{Memory: rp.Memory(), Procs: rp.Processes(probes.GrowthConfig{}), OOM: rp.OOM(context.Background(), true)}
	path, rec := recordFor(t, src, 450*time.Millisecond, record.Config{Interval: 100 * time.Millisecond, ProcEvery: 100 * time.Millisecond})
	if len(rec.Mem) < 3 || len(rec.Procs) < 2 {
		t.Fatalf("recorded %d memory and %d process readings", len(rec.Mem), len(rec.Procs))
	}
	pids := map[int32]bool{}
	for _, p := range rec.Procs[0].Table.Procs {
		pids[p.PID] = true
	}
	for _, end := range []bool{false, true} {
		cur := record.NewCursor(rec, nil)
		if end {
			cur.Step(len(rec.Mem))
		}
		hosttest.Run(t, func(*testing.T) host.Host { return host.NewRecording(path, rec, cur) },
			hosttest.Expect{Kind: host.KindReplay, PIDExists: func(pid int32) bool { return pids[pid] }})
	}
	h := host.NewRecording(path, rec, record.NewCursor(rec, nil))
	if err := h.CanAct(); err == nil || err.Error() != host.WhyRecording {
		t.Errorf("CanAct = %v", err)
	}
	if h.Name() != "recorded" {
		t.Errorf("Name %q", h.Name())
	}
}

// teeSources keeps what the recorder read, to compare the replay with.
type teeSources struct {
	mu    sync.Mutex
	mem   []probes.Memory
	procs []probes.ProcTable
	m     host.MemorySource
	p     host.ProcSource
}

func (s *teeSources) Read() probes.Memory {
	m := s.m.Read()
	s.mu.Lock()
	s.mem = append(s.mem, m)
	s.mu.Unlock()
	return m
}

func (s *teeSources) Scan(req probes.ProcScanRequest) (probes.ProcScanResult, error) {
	r, err := s.p.Scan(req)
	if err == nil {
		s.mu.Lock()
		s.procs = append(s.procs, r.Table)
		s.mu.Unlock()
	}
	return r, err
}

// TestHelperHog is the allocating child of TestRecordReplayLive, not a
// test: it touches 200 MiB, says so, and holds it until stdin closes.
func TestHelperHog(t *testing.T) {
	if os.Getenv("MEMTUI_TEST_HOG") != "1" {
		t.Skip("the child of TestRecordReplayLive")
	}
	keep := make([]byte, 200<<20)
	for i := 0; i < len(keep); i += 4096 {
		keep[i] = 1
	}
	os.Stdout.WriteString("ready\n")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	keep[0]++
	os.Exit(0)
}

// TestRecordReplayLive records this machine while a child of the test
// holds 200 MiB in a memory cgroup of its own, then replays: at every
// recorded moment the Recording host shows the memory % and the top
// process that were recorded, and the child with its 200 MiB.
func TestRecordReplayLive(t *testing.T) {
	if testing.Short() {
		t.Skip("records the live host for seconds")
	}
	if _, err := os.Stat("/proc/meminfo"); err != nil {
		t.Skip("no /proc")
	}
	_, _, add := oomtest.Memcg(t, "memtui-rec", 400<<20)
	// A secret on the child's command line must never reach the file.
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHog$", "--", "--password=hunter2")
	cmd.Env = append(os.Environ(), "MEMTUI_TEST_HOG=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); _ = cmd.Wait() }()
	if err := add(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if l, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || l != "ready\n" {
		t.Fatalf("hog: %q %v", l, err)
	}
	live := host.NewLocal(host.Options{PG: "none"})
	defer live.Close()
	tee := &teeSources{m: live.Memory(), p: live.Processes(probes.GrowthConfig{})}
	path, rec := recordFor(t, record.Sources{Memory: tee, Procs: tee}, 2500*time.Millisecond,
		record.Config{Interval: 250 * time.Millisecond, ProcEvery: 500 * time.Millisecond})
	if len(rec.Mem) != len(tee.mem) || len(rec.Procs) != len(tee.procs) || len(rec.Procs) < 3 {
		t.Fatalf("recorded %d/%d memory, %d/%d process readings", len(rec.Mem), len(tee.mem), len(rec.Procs), len(tee.procs))
	}
	raw, err := unzip(path)
	if err != nil || !bytes.Contains(raw, []byte("TestHelperHog")) || bytes.Contains(raw, []byte("hunter2")) {
		t.Errorf("the recording holds the child's command line without its secret: %v, has the line %v, has the secret %v",
			err, bytes.Contains(raw, []byte("TestHelperHog")), bytes.Contains(raw, []byte("hunter2")))
	}
	cur := record.NewCursor(rec, nil)
	h := host.NewRecording(path, rec, cur)
	mem, procs := h.Memory(), h.Processes(probes.GrowthConfig{})
	for i, want := range tee.mem {
		if i > 0 {
			cur.Step(1)
		}
		got := mem.Read()
		wp, _ := want.UsedPercent()
		gp, ok := got.UsedPercent()
		if !ok || gp != wp || !got.Time.Equal(want.Time.Truncate(time.Millisecond)) {
			t.Errorf("moment %d: replay %.3f%% at %s, recorded %.3f%% at %s", i, gp, got.Time, wp, want.Time)
		}
		top, err := h.TopProcesses(context.Background(), 1, 0, 0)
		j := rec.ProcsAt(cur.Now())
		if j < 0 {
			continue
		}
		wantTop := topOf(tee.procs[j])
		if err != nil || len(top) != 1 || top[0].PID != wantTop.PID || top[0].RSSBytes != wantTop.RSS {
			t.Errorf("moment %d: replay top %+v (%v), recorded %d %s %d B", i, top, err, wantTop.PID, wantTop.Comm, wantTop.RSS)
		}
		res, err := procs.Scan(probes.ProcScanRequest{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, p := range res.Table.Procs {
			found = found || (p.PID == int32(cmd.Process.Pid) && p.RSS >= 200<<20)
		}
		if !found {
			t.Errorf("moment %d: the 200 MiB child %d is not in the replayed table", i, cmd.Process.Pid)
		}
	}
	// The sparkline of the child: its RSS at each recorded reading.
	var key probes.ProcKey
	for _, p := range rec.Procs[0].Table.Procs {
		if p.PID == int32(cmd.Process.Pid) {
			key = p.Key()
		}
	}
	res, err := procs.Scan(probes.ProcScanRequest{HistoryFor: []probes.ProcKey{key}})
	// Up to the cursor: a process reading taken after the last memory
	// reading (where the cursor stands) is not history yet.
	upTo := rec.ProcsAt(cur.Now()) + 1
	if err != nil || upTo < len(rec.Procs)-1 || len(res.Histories[key]) != upTo {
		t.Errorf("history of the child: %d samples of the %d readings up to the cursor (%d in all) (%v)", len(res.Histories[key]), upTo, len(rec.Procs), err)
	}
	if _, ok := cur.JumpEvent(1); ok {
		t.Errorf("an event in a recording without kills or severity changes")
	}
}

func topOf(t probes.ProcTable) probes.Proc {
	var best probes.Proc
	for _, p := range t.Procs {
		if p.RSS > best.RSS || (p.RSS == best.RSS && p.PID < best.PID) {
			best = p
		}
	}
	return best
}

// unzip is the recording's text, every block.
func unzip(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}
