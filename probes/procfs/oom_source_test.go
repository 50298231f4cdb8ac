package procfs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/memtui/memtui/probes"
)

// fixtureFS is the /proc tree of the source tests: btime of the 6.18
// capture, oom_kill 3, dmesg_restrict 1.
func oomFixtureFS() FS { return NewFS(filepath.Join("..", "testdata", "oom", "proc"), "") }

// kmsgFIFO makes a FIFO standing in for /dev/kmsg and opens its write end,
// so the follower's reads block (as on /dev/kmsg) instead of seeing EOF.
func kmsgFIFO(t *testing.T) (string, *os.File) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kmsg")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	w, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return p, w
}

func pids(ks []probes.OOMKill) []int {
	var out []int
	for _, k := range ks {
		out = append(out, k.PID)
	}
	return out
}

func TestFollowOOMKmsg(t *testing.T) {
	path, w := kmsgFIFO(t)
	backlog, err := os.ReadFile(filepath.Join("..", "testdata", "oom", "linux-6.18-memcg-v1.kmsg"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(append(backlog, '\n')); err != nil {
		t.Fatal(err)
	}
	f := oomFixtureFS().FollowOOM(context.Background(), probes.OOMConfig{KmsgPath: path, Location: time.UTC, Userspace: []string{}})
	defer f.Close()

	st := f.Status()
	if st.Source != probes.OOMSourceKmsg || !st.Following {
		t.Fatalf("status %+v, want kmsg following", st)
	}
	if want := "kernel log: " + path + ", following · dmesg, journalctl not needed"; st.String() != want {
		t.Errorf("status line %q, want %q", st.String(), want)
	}
	if diff := cmp.Diff([]int{3290}, pids(f.Kills())); diff != "" {
		t.Errorf("backlog kills (-want +got):\n%s", diff)
	}
	if got := f.StartCount(); got != probes.Some(3) {
		t.Errorf("start count %+v, want 3", got)
	}

	// Nothing new yet: Next waits until its context ends.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	if ks, err := f.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next with nothing new = %v, %v; want deadline exceeded", pids(ks), err)
	}
	cancel()

	// A new kill, written as the kernel would, one record per write.
	for _, rec := range []string{
		"6,500,300000000,-;oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/odoo.service,task=odoo-bin,pid=4242,uid=113\n",
		"3,501,300000010,-;Out of memory: Killed process 4242 (odoo-bin) total-vm:900kB, anon-rss:800kB, file-rss:0kB, shmem-rss:0kB, UID:113 pgtables:8kB oom_score_adj:0\n",
	} {
		if _, err := w.WriteString(rec); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel = context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ks, err := f.Next(ctx)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	if len(ks) != 1 || ks[0].PID != 4242 || ks[0].Memcg == nil || *ks[0].Memcg != "/system.slice/odoo.service" {
		t.Fatalf("new kills %+v", ks)
	}
	if ks[0].Time == nil || !ks[0].Time.Equal(time.Unix(1795873990+300, 10000)) {
		t.Errorf("time %v, want btime+300.00001 s", ks[0].Time)
	}
	if diff := cmp.Diff([]int{3290, 4242}, pids(f.Kills())); diff != "" {
		t.Errorf("all kills (-want +got):\n%s", diff)
	}

	// Close wakes the blocked reader; Next then reports the end.
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Next(context.Background()); !errors.Is(err, probes.ErrFollowEnded) {
		t.Errorf("Next after Close: %v, want ErrFollowEnded", err)
	}
}

// fakeLogCommand is a shell script standing in for dmesg or journalctl:
// plain, it prints a fixture; with followFlag it prints one more kill and
// then blocks as `dmesg -W` does.
func fakeLogCommand(fixture, followFlag, followLine string) []string {
	script := `if [ "$1" = "` + followFlag + `" ]; then printf '%s\n' "$2"; exec sleep 60; fi; cat "$0"`
	// sh -c SCRIPT $0 [$1 ...]: the fixture path is $0; the follow form
	// appends the flag, then the test passes the line through the env.
	return []string{"sh", "-c", strings.Replace(script, `"$2"`, `'`+followLine+`'`, 1), fixture}
}

func TestFollowOOMDmesgFallback(t *testing.T) {
	fixture, _ := filepath.Abs(filepath.Join("..", "testdata", "oom", "linux-5.15-cgroup-v2-several-kills.dmesg"))
	cfg := probes.OOMConfig{
		KmsgPath:  filepath.Join(t.TempDir(), "no-kmsg"),
		Dmesg:     fakeLogCommand(fixture, "-W", "[99999.000001] Out of memory: Killed process 777 (late) total-vm:1kB, anon-rss:1kB, file-rss:0kB"),
		Journal:   []string{"false"},
		Location:  time.UTC,
		Userspace: []string{},
	}
	f := NewFS(filepath.Join("..", "testdata", "oom", "proc"), "").FollowOOM(context.Background(), cfg)
	defer f.Close()
	st := f.Status()
	if st.Source != probes.OOMSourceDmesg || !st.Following {
		t.Fatalf("status %+v", st)
	}
	if !strings.Contains(st.String(), "no-kmsg: not found") || !strings.Contains(st.String(), "journalctl not needed") {
		t.Errorf("status line %q should say why kmsg is not used and that journalctl is not needed", st.String())
	}
	// The follower may already have read the followed kill (a slow run,
	// -race): it then ends the list, and Next still delivers it.
	got := pids(f.Kills())
	if len(got) == 6 && got[5] == 777 {
		got = got[:5]
	}
	if diff := cmp.Diff([]int{51231, 51101, 51230, 1733, 52990}, got); diff != "" {
		t.Errorf("kills (-want +got):\n%s", diff)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ks, err := f.Next(ctx)
	if err != nil || len(ks) != 1 || ks[0].PID != 777 {
		t.Fatalf("followed kill: %v %v", pids(ks), err)
	}
	start := time.Now()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %v: the follow child was not stopped", d)
	}
}

func TestFollowOOMNoSource(t *testing.T) {
	dir := t.TempDir()
	cfg := probes.OOMConfig{
		KmsgPath:  filepath.Join(dir, "no-kmsg"),
		Dmesg:     []string{"sh", "-c", "echo 'dmesg: read kernel buffer failed: Operation not permitted' >&2; exit 1"},
		Journal:   []string{"sh", "-c", "echo '-- No entries --'"},
		Userspace: []string{},
	}
	f := oomFixtureFS().FollowOOM(context.Background(), cfg)
	defer f.Close()
	st := f.Status()
	if st.Source != "" || !st.Restricted || !st.DmesgRestrict {
		t.Fatalf("status %+v", st)
	}
	if !errors.Is(st.Err(), probes.ErrKernelLogRestricted) || st.String() != "kernel log: permission denied — kernel.dmesg_restrict=1; run as root or grant CAP_SYSLOG" {
		t.Errorf("status line %q", st.String())
	}
	if _, err := f.Next(context.Background()); !errors.Is(err, probes.ErrFollowEnded) {
		t.Errorf("Next: %v", err)
	}
	// The counter still works.
	s := oomFixtureFS().OOMSnapshot(context.Background(), cfg, 5)
	if s.KillsSinceBoot == nil || *s.KillsSinceBoot != 3 || s.Error != probes.ErrKernelLogRestricted.Error() || len(s.Recent) != 0 || s.Recent == nil {
		t.Errorf("snapshot %+v", s)
	}
}

func TestParseBtime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"cpu 1 2\nbtime 1795873990\nprocesses 3\n", 1795873990, true},
		{"cpu 1 2\n", 0, false},
		{"btime x\n", 0, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := parseBtime([]byte(tc.in))
			if got != tc.want || ok != tc.ok {
				t.Errorf("parseBtime = %d, %v; want %d, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// The userspace killers' journal lines join the kernel's kills in time
// order, and the status line counts them.
func TestFollowOOMUserspaceJournal(t *testing.T) {
	path, w := kmsgFIFO(t)
	backlog, err := os.ReadFile(filepath.Join("..", "testdata", "oom", "linux-6.18-memcg-v1.kmsg"))
	if err != nil {
		t.Fatal(err)
	}
	w.Write(append(backlog, '\n'))
	journal, _ := filepath.Abs(filepath.Join("..", "testdata", "oom", "linux-6.1-cgroup-v2-journal-short-iso.log"))
	f := oomFixtureFS().FollowOOM(context.Background(), probes.OOMConfig{KmsgPath: path, Location: time.UTC, Userspace: []string{"cat", journal}})
	defer f.Close()
	// 7712 is earlyoom's (10:02:27); 3290 the kernel's (13:56:24); the
	// journal's kernel kill of 9120 is not taken from the journal.
	if diff := cmp.Diff([]int{7712, 3290}, pids(f.Kills())); diff != "" {
		t.Errorf("kills (-want +got):\n%s", diff)
	}
	want := "kernel log: " + path + ", following · dmesg, journalctl not needed · earlyoom: 1 kill in the journal · systemd-oomd: 1 cgroup killed"
	if got := f.Status().String(); got != want {
		t.Errorf("status %q, want %q", got, want)
	}
}

// Following costs nothing while the kernel is quiet: the reader is parked
// in the runtime's poller, not polling. Over a second of silence the whole
// test process may use only a few milliseconds of CPU.
func TestFollowOOMIdleCostsNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("measures a second of idle CPU")
	}
	path, _ := kmsgFIFO(t)
	f := oomFixtureFS().FollowOOM(context.Background(), probes.OOMConfig{KmsgPath: path, Userspace: []string{}})
	defer f.Close()
	if !f.Status().Following {
		t.Fatalf("not following: %s", f.Status())
	}
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			t.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	before := cpu()
	if _, err := f.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next: %v", err)
	}
	used := cpu() - before
	t.Logf("CPU over 1 s of following a silent log: %v", used)
	if used > 20*time.Millisecond {
		t.Errorf("following a silent log used %v of CPU in 1 s: something polls", used)
	}
}
