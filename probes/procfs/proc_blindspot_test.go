package procfs

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/memtui/memtui/probes"
)

// procWriteFake writes a minimal /proc/<pid> (stat, statm, status, cmdline)
// for a process with rssPages resident pages, started at start ticks, under
// its parent ppid with the stat flags given. The directory is built beside
// and renamed into place, so a pid written again gets a new inode, as procfs
// gives a new process.
func procWriteFake(t *testing.T, proc string, pid, ppid int, flags uint64, comm string, start, rssPages uint64) {
	t.Helper()
	dir := filepath.Join(proc, fmt.Sprint(pid))
	tmp := dir + ".new"
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"stat": fmt.Sprintf("%d (%s) S %d %d %d 0 -1 %d 0 0 0 0 0 0 0 0 20 0 1 0 %d %d %d 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
			pid, comm, ppid, pid, pid, flags, start, rssPages*4096*2, rssPages),
		"statm":   fmt.Sprintf("%d %d 0 1 0 %d 0\n", rssPages*2, rssPages, rssPages),
		"status":  fmt.Sprintf("Name:\t%s\nUid:\t0\t0\t0\t0\nVmSwap:\t0 kB\n", comm),
		"cmdline": comm + "\x00",
	}
	if flags&pfKthread != 0 {
		files["statm"], files["cmdline"] = "0 0 0 0 0 0 0\n", ""
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(tmp, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		t.Fatal(err)
	}
}

const (
	procUserFlags    = 4194560 // PF_RANDOMIZE | PF_SUPERPRIV, as a real process
	procKthreadFlags = 2129984 // with PF_KTHREAD
)

// procFindPID returns the process pid of a table, if listed.
func procFindPID(tab probes.ProcTable, pid int32) (probes.Proc, bool) {
	for _, p := range tab.Procs {
		if p.PID == pid {
			return p, true
		}
	}
	return probes.Proc{}, false
}

// TestMonitorNewProcessOnReusedPID: on a host that forks a lot, pids wrap
// (pid_max is 32768 on small machines) and a new process may take, between
// two scans, the pid of a kernel thread or of a process that just exited.
// The scan after must list the new process, at its size and under its own
// name, whatever the table height (rows on screen get a fresh stat, others
// did not) — before, a pid once held by a kernel thread stayed skipped for
// up to refreshEvery scans.
func TestMonitorNewProcessOnReusedPID(t *testing.T) {
	for _, detailTop := range []int{0, 4, 29} {
		t.Run(fmt.Sprintf("detail%d", detailTop), func(t *testing.T) {
			root := t.TempDir()
			proc := filepath.Join(root, "proc")
			procWriteFake(t, proc, 1, 0, procUserFlags, "systemd", 1, 3000)
			procWriteFake(t, proc, 2, 0, procKthreadFlags, "kthreadd", 1, 0)
			for pid := 100; pid < 120; pid++ {
				procWriteFake(t, proc, pid, 1, procUserFlags, fmt.Sprintf("worker%d", pid), uint64(pid), uint64(1000+pid))
			}
			procWriteFake(t, proc, 4242, 2, procKthreadFlags, "kworker/0:1", 50, 0)
			procWriteFake(t, proc, 4243, 1, procUserFlags, "cron", 60, 300)
			now := procNow
			m := NewProcMonitor(NewFS(proc, ""), probes.ProcScannerConfig{PasswdPath: filepath.Join(root, "passwd"), Now: func() time.Time { return now }}, probes.GrowthConfig{})
			defer m.Close()
			scan := func() probes.ProcTable {
				r, err := m.Scan(probes.ProcScanRequest{ScanOptions: probes.ScanOptions{DetailTop: detailTop}})
				if err != nil {
					t.Fatal(err)
				}
				now = now.Add(time.Second)
				return r.Table
			}
			for range 5 {
				scan()
			}
			// Both pids change hands between two scans.
			const big = 310 << 20 / 4096
			procWriteFake(t, proc, 4242, 1, procUserFlags, "leaker", 9000, big)
			procWriteFake(t, proc, 4243, 1, procUserFlags, "python3", 9001, big/2)
			for step := range 8 { // whatever the scan's phase in the refresh cycle
				tab := scan()
				p, ok := procFindPID(tab, 4242)
				if !ok || p.Comm != "leaker" || p.RSS>>20 != 310 || p.Start != 9000 {
					t.Fatalf("scan %d after the reuse: pid 4242 = %+v (listed %v), want leaker 310 MiB", step+1, p, ok)
				}
				q, ok := procFindPID(tab, 4243)
				if !ok || q.Comm != "python3" || q.Start != 9001 {
					t.Fatalf("scan %d after the reuse: pid 4243 = %+v (listed %v), want python3", step+1, q, ok)
				}
			}
		})
	}
}

// TestScanContainerPID2: inside a pid namespace, pid 2 and its children are
// ordinary processes (the kernel threads live outside); only PF_KTHREAD
// marks a kernel thread.
func TestScanContainerPID2(t *testing.T) {
	root := t.TempDir()
	proc := filepath.Join(root, "proc")
	procWriteFake(t, proc, 1, 0, procUserFlags, "tini", 1, 100)
	procWriteFake(t, proc, 2, 1, procUserFlags, "gunicorn", 2, 20000)
	procWriteFake(t, proc, 7, 2, procUserFlags, "gunicorn", 3, 80000)
	s := NewProcScanner(NewFS(proc, ""), probes.ProcScannerConfig{PasswdPath: filepath.Join(root, "passwd"), Now: func() time.Time { return procNow }})
	defer s.Close()
	tab, err := s.Scan(nil, probes.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Procs) != 3 || tab.KernelThreads != 0 {
		t.Errorf("%d processes, %d kernel threads; want 3 and 0: %+v", len(tab.Procs), tab.KernelThreads, tab.Procs)
	}
}
