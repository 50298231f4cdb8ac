package record

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/memtui/memtui/probes"
)

var t0 = time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)

// fakeMemory is a plausible reading at second i, used a little more each time.
func fakeMemory(i int) probes.Memory {
	const total = 16 << 30
	avail := uint64(total) - uint64(8<<30) - uint64(i)*(1<<20)
	v := func(x uint64) probes.Val { return probes.Val{V: x, OK: true} }
	m := probes.Memory{Time: t0.Add(time.Duration(i) * time.Second)}
	m.Meminfo.MemTotal, m.Meminfo.MemAvailable, m.Meminfo.MemFree = v(total), v(avail), v(avail/2)
	m.Meminfo.SwapTotal, m.Meminfo.SwapFree = v(4<<30), v(4<<30-uint64(i)*4096)
	m.Meminfo.Cached, m.Meminfo.Buffers = v(2<<30+uint64(i%7)*4096), v(64<<20)
	m.VMStat.PswpIn, m.VMStat.PswpOut, m.VMStat.PgMajFault = v(uint64(i*3)), v(uint64(i*5)), v(uint64(i*11))
	m.VMStat.OOMKill = v(0)
	m.PSI.Some = probes.PSILine{Avg10: float64(i%100) / 10, Avg60: 1.5, Avg300: 0.7, TotalMicros: uint64(i) * 1000, OK: true}
	m.CgroupErr = probes.ErrUnavailable
	return m
}

var comms = []string{"odoo-bin", "postgres", "python3", "nginx", "redis-server", "java", "node", "sshd", "systemd", "cron"}

// fakeTable is a process table of n processes at reading i: the same
// processes each time, their RSS moving a little, as on a real host.
func fakeTable(n, i int) probes.ProcTable {
	r := rand.New(rand.NewPCG(uint64(i), 7))
	t := probes.ProcTable{At: t0.Add(time.Duration(i) * 5 * time.Second), KernelThreads: 120}
	for p := 0; p < n; p++ {
		c := comms[p%len(comms)]
		rss := uint64(p%97+1)<<20 + uint64(r.IntN(64))*4096
		t.Procs = append(t.Procs, probes.Proc{PID: int32(1000 + p), PPID: 1, UID: uint32(p % 3), Threads: 4, State: 'S',
			Start: uint64(10000 + p), RSS: rss, Swap: uint64(p%5) << 20, SwapOK: true, GrowthOK: p%4 == 0, Growth: float64(r.IntN(5000)),
			Comm: c, User: []string{"root", "odoo", "postgres"}[p%3], Program: c,
			Cmdline: fmt.Sprintf("/usr/bin/%s --config /etc/%s/%s.conf --workers %d --password=***", c, c, c, p%8), CmdlineOK: true})
	}
	return t
}

// writeFake records seconds of memory and a table every 5 s into path.
func writeFake(t testing.TB, path string, seconds, nprocs, top int, o WriterOptions) *Writer {
	t.Helper()
	w, err := Create(path, Header{Host: "db1", Started: t0, Interval: 1000, ProcEvery: 5000, TopN: top}, o)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < seconds; i++ {
		if err := w.Memory(fakeMemory(i)); err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 {
			if err := w.Processes(fakeTable(nprocs, i/5), top); err != nil {
				t.Fatal(err)
			}
		}
	}
	return w
}

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec")
	w := writeFake(t, path, 30, 200, 10, WriterOptions{BlockLines: 7})
	kt := t0.Add(12 * time.Second)
	uid := 1000
	if err := w.Kill(probes.OOMKill{PID: 4242, Comm: "odoo-bin", UID: &uid, Time: &kt, Source: "kernel"}, kt); err != nil {
		t.Fatal(err)
	}
	if err := w.Event(Event{At: t0.Add(3 * time.Second), Kind: EventSeverity, Text: "memory high"}); err != nil {
		t.Fatal(err)
	}
	pg := probes.PGReading{Time: t0.Add(4 * time.Second), Target: "host=/run/postgresql", Connected: true,
		Stats: &probes.PGStats{Time: t0.Add(4 * time.Second), MaxConnections: 100, Total: 42, ByState: map[string]int{"idle": 40, "active": 2},
			OldestXacts: []probes.PGBackend{{PID: 9, User: "odoo", State: "idle in transaction", XactAge: 31 * time.Minute, StateAge: time.Minute,
				Query: "SELECT 1", RSS: probes.Val{V: 1 << 20, OK: true}}},
			Guidance: []probes.PGAdvice{{Setting: "shared_buffers", Current: 128 << 20, Level: probes.High, Text: "low"}}}}
	if err := w.Postgres(pg); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	rec, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Truncated || rec.Header.Host != "db1" || len(rec.Mem) != 30 || len(rec.Procs) != 6 {
		t.Fatalf("loaded %+v: %d mem, %d procs", rec.Header, len(rec.Mem), len(rec.Procs))
	}
	want := fakeMemory(17)
	got := rec.Mem[17].Memory
	if diff := cmp.Diff(want.Meminfo, got.Meminfo); diff != "" {
		t.Errorf("meminfo (-want +got):\n%s", diff)
	}
	if want.VMStat != got.VMStat || want.PSI != got.PSI || !got.Time.Equal(want.Time) {
		t.Errorf("vmstat/psi/time: %+v vs %+v", want, got)
	}
	if got.CgroupErr == nil || !errorsIs(got.CgroupErr, probes.ErrUnavailable) {
		t.Errorf("cgroup error %v: the sentinel must survive", got.CgroupErr)
	}
	wt := topByRSS(fakeTable(200, 3).Procs, 10)
	for i := range wt {
		wt[i].Growth = float64(int64(wt[i].Growth))
		if !wt[i].GrowthOK {
			wt[i].Growth = 0
		}
	}
	if diff := cmp.Diff(wt, rec.Procs[3].Table.Procs, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("top processes (-want +got):\n%s", diff)
	}
	if len(rec.Kills) != 1 || rec.Kills[0].PID != 4242 || len(rec.Events) != 2 || rec.Events[0].Kind != EventSeverity || rec.Events[1].Kind != EventKill {
		t.Errorf("kills %+v events %+v", rec.Kills, rec.Events)
	}
	if len(rec.PG) != 1 {
		t.Fatalf("pg %+v", rec.PG)
	}
	if diff := cmp.Diff(pg, rec.PG[0]); diff != "" {
		t.Errorf("PostgreSQL reading (-want +got):\n%s", diff)
	}
	if i := rec.MemAt(t0.Add(17*time.Second + 500*time.Millisecond)); i != 17 {
		t.Errorf("MemAt = %d", i)
	}
	if i := rec.ProcsAt(t0.Add(-time.Second)); i != -1 {
		t.Errorf("ProcsAt before the start = %d", i)
	}
}

// TestTruncated cuts a recording at every byte of its last blocks and at
// a line boundary inside the uncompressed text: each cut loads to its
// last whole sample, never fails, never invents one.
func TestTruncated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec")
	w := writeFake(t, path, 60, 50, 5, WriterOptions{BlockLines: 10})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	full, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	whole, err := Read(bytes.NewReader(full))
	if err != nil || whole.Truncated {
		t.Fatalf("whole: %v %v", err, whole)
	}
	prev := 0
	for cut := len(full) / 3; cut < len(full); cut++ {
		rec, err := Read(bytes.NewReader(full[:cut]))
		if err != nil {
			t.Fatalf("cut at %d of %d: %v", cut, len(full), err)
		}
		// A cut between two blocks reads as a whole, shorter recording.
		if len(rec.Mem) < prev || len(rec.Mem) > len(whole.Mem) {
			t.Fatalf("cut at %d: %d samples after %d", cut, len(rec.Mem), prev)
		}
		prev = len(rec.Mem)
		for i, s := range rec.Mem {
			if s.Memory.Meminfo != whole.Mem[i].Memory.Meminfo {
				t.Fatalf("cut at %d: sample %d differs", cut, i)
			}
		}
	}
	if prev < 50 {
		t.Errorf("the last cut kept only %d of 60 samples", prev)
	}
}

// TestCutMidLine is a block whose text ends inside a line (a writer
// killed between two writes of a line, if one ever wrote lines apart).
func TestCutMidLine(t *testing.T) {
	var buf bytes.Buffer
	path := filepath.Join(t.TempDir(), "rec")
	w := writeFake(t, path, 3, 5, 5, WriterOptions{})
	w.block.WriteString(`{"t":"m","ts":17,"mi":[1,2`)
	w.lines++
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	buf.Write(b)
	rec, err := Read(&buf)
	if err != nil || !rec.Truncated || len(rec.Mem) != 3 {
		t.Fatalf("err %v, truncated %v, %d samples", err, rec != nil && rec.Truncated, len(rec.Mem))
	}
}

func TestNotARecording(t *testing.T) {
	for _, in := range []string{"", "hello\n", "\x1f\x8b"} {
		if _, err := Read(bytes.NewReader([]byte(in))); err == nil {
			t.Errorf("%q read as a recording", in)
		}
	}
}

func TestCreateRefusesExisting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec")
	if err := os.WriteFile(path, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(path, Header{}, WriterOptions{}); err == nil {
		t.Fatal("an existing file was overwritten")
	}
}

func errorsIs(err, target error) bool {
	for err != nil {
		if err == target {
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// TestTopByRSSIsTheSortedTop: the selection keeps exactly what sorting the
// whole table and cutting it would, ties on RSS included.
func TestTopByRSSIsTheSortedTop(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 17))
	for trial := range 200 {
		procs := make([]probes.Proc, r.IntN(300))
		for i := range procs {
			// few distinct sizes, so that ties are common
			procs[i] = probes.Proc{PID: int32(r.IntN(100000)), RSS: uint64(r.IntN(20)) << 20}
		}
		n := r.IntN(60)
		want := append([]probes.Proc(nil), procs...)
		sort.SliceStable(want, func(i, j int) bool {
			if want[i].RSS != want[j].RSS {
				return want[i].RSS > want[j].RSS
			}
			return want[i].PID < want[j].PID
		})
		if n > 0 && n < len(want) {
			want = want[:n]
		}
		got := topByRSS(procs, n)
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("trial %d, %d processes, top %d (-sorted +selected):\n%s", trial, len(procs), n, diff)
		}
	}
}

// TestLoadWindow: a window keeps the samples from its lead before From to
// To, the kills up to To however early, the events inside it, and stops
// reading a minute past To.
func TestLoadWindow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec")
	w, err := Create(path, Header{Host: "db1", Started: t0, Interval: 1000, ProcEvery: 5000, TopN: 10}, WriterOptions{BlockLines: 50})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3600 {
		if err := w.Memory(fakeMemory(i)); err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 {
			if err := w.Processes(fakeTable(200, i/5), 10); err != nil {
				t.Fatal(err)
			}
		}
		if m := i / 60; i%60 == 0 && (m == 5 || m == 25 || m == 50) { // kills at minutes 5, 25 and 50
			kt := t0.Add(time.Duration(i) * time.Second)
			if err := w.Kill(probes.OOMKill{PID: 100 + m, Comm: "odoo-bin", Time: &kt, Source: "kernel"}, kt); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	whole, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	from, to := t0.Add(20*time.Minute), t0.Add(30*time.Minute)
	rec, err := LoadWindow(path, Window{From: from, To: to, Lead: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rec.Start(), t0.Add(10*time.Minute); !got.Equal(want) {
		t.Errorf("first memory sample kept at %v, want %v (the lead before From)", got, want)
	}
	if got := rec.End(); !got.Equal(to) {
		t.Errorf("last memory sample kept at %v, want %v", got, to)
	}
	if len(rec.Mem) != 1201 {
		t.Errorf("%d memory samples kept, want 1201 (one a second over 20 minutes)", len(rec.Mem))
	}
	if len(rec.Procs) == 0 || rec.Procs[0].At.Before(t0.Add(10*time.Minute)) || rec.Procs[len(rec.Procs)-1].At.After(to) {
		t.Errorf("process samples kept outside the window: %d, first %v", len(rec.Procs), rec.Procs[0].At)
	}
	if len(rec.Kills) != 2 || rec.Kills[0].PID != 105 || rec.Kills[1].PID != 125 {
		t.Errorf("kills kept %+v, want those of minutes 5 and 25 (every kill up to To)", rec.Kills)
	}
	if len(rec.Events) != 1 || !rec.Events[0].At.Equal(t0.Add(25*time.Minute)) {
		t.Errorf("events kept %+v, want only minute 25's kill (the one inside the window)", rec.Events)
	}
	if !rec.First.Equal(t0) || rec.Last.After(to.Add(pastTo+time.Second)) || !rec.Last.After(to) {
		t.Errorf("read from %v to %v, want from %v and stopped about %v past %v", rec.First, rec.Last, t0, pastTo, to)
	}
	if rec.Truncated || !rec.Stopped {
		t.Errorf("a load that stopped past its window: Truncated %v, Stopped %v, want false and true", rec.Truncated, rec.Stopped)
	}
	// The same moment reads the same in the window as in the whole.
	at := t0.Add(22*time.Minute + 500*time.Millisecond)
	if a, b := rec.Mem[rec.MemAt(at)], whole.Mem[whole.MemAt(at)]; !a.At.Equal(b.At) || a.Memory.Meminfo != b.Memory.Meminfo {
		t.Errorf("the window's sample at %v differs from the whole recording's", at)
	}

	// A window after the recording's end keeps no sample and reads to
	// the end, so the caller can say where the recording ends.
	late, err := LoadWindow(path, Window{From: t0.Add(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(late.Mem) != 0 || late.Stopped || !late.Last.Equal(whole.Last) || whole.Last.Before(t0.Add(59*time.Minute)) {
		t.Errorf("a window past the end kept %d samples, read to %v (the file ends at %v)", len(late.Mem), late.Last, whole.Last)
	}
}

// TestLoadWindowTooLarge: past MaxBytes a load stops with ErrTooLarge
// naming the span it reached; under it, the whole loads.
func TestLoadWindowTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec")
	if err := writeFake(t, path, 600, 200, 50, WriterOptions{}).Close(); err != nil {
		t.Fatal(err)
	}
	whole, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	need := int64(len(whole.Mem))*memSampleBytes + int64(len(whole.Procs))*(procSampleBytes+50*procRowBytes)
	if _, err := LoadWindow(path, Window{MaxBytes: need}); err != nil {
		t.Errorf("MaxBytes %d, what the samples take: %v", need, err)
	}
	_, err = LoadWindow(path, Window{MaxBytes: need / 2})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "2026-03-01T02:00:00Z to 2026-03-01T02:0") {
		t.Errorf("MaxBytes %d, half what the samples take: %v, want ErrTooLarge naming the span", need/2, err)
	}
}
