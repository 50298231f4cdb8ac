package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestOOMFileEveryGeneration runs the real binary, `memtui oom --file LOG
// --json`, over the log of every kernel generation in probes/testdata/oom
// and checks it prints the reviewed records of the parser's goldens (who was
// killed, with what, in which cgroup; wall times depend on this machine's
// boot time and are checked by the probes tests).
func TestOOMFileEveryGeneration(t *testing.T) {
	bin := buildBinary(t)
	logs, _ := filepath.Glob(filepath.Join("probes", "testdata", "oom", "*"))
	type rec struct {
		PID        int      `json:"pid"`
		Comm       string   `json:"comm"`
		AnonRSSKB  *int64   `json:"anon_rss_kb"`
		Constraint *string  `json:"constraint"`
		Memcg      *string  `json:"memcg"`
		KernelTime *float64 `json:"kernel_time_s"`
	}
	n := 0
	for _, log := range logs {
		if st, err := os.Stat(log); err != nil || st.IsDir() || strings.HasSuffix(log, ".md") {
			continue
		}
		n++
		name := filepath.Base(log)
		t.Run(name, func(t *testing.T) {
			out, err := exec.Command(bin, "oom", "--file", log, "--json").Output()
			if err != nil {
				t.Fatalf("memtui oom --file %s --json: %v", log, err)
			}
			var got []rec
			if err := json.Unmarshal(out, &got); err != nil || got == nil {
				t.Fatalf("not a JSON array: %v\n%s", err, out)
			}
			b, err := os.ReadFile(filepath.Join("probes", "testdata", "TestParseOOM", name+".golden"))
			if err != nil {
				t.Fatal(err)
			}
			var want struct {
				Kills []rec `json:"kills"`
			}
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want.Kills, got); diff != "" {
				t.Errorf("kills (-golden +memtui):\n%s", diff)
			}
		})
	}
	if n < 10 {
		t.Fatalf("only %d fixtures", n)
	}
}

// TestMainOOMHelperProcess is the allocating child of TestEndToEndOOMKill;
// it does nothing in a normal run.
func TestMainOOMHelperProcess(t *testing.T) {
	if os.Getenv("MEMTUI_OOM_ALLOC") != "1" {
		t.Skip("child process of TestEndToEndOOMKill")
	}
	var b [1]byte
	if _, err := os.Stdin.Read(b[:]); err != nil {
		os.Exit(4)
	}
	var keep [][]byte
	for i := 0; i < 1024; i++ {
		m := make([]byte, 1<<20)
		for j := 0; j < len(m); j += 4096 {
			m[j] = 1
		}
		keep = append(keep, m)
	}
	fmt.Println("survived", len(keep))
	os.Exit(3)
}

// testMemcg makes an 8 MiB memory cgroup with swap off (v2 or v1) and
// returns a function that moves a pid into it; it skips where impossible.
func testMemcg(t *testing.T) (name string, add func(pid int) error) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a memory cgroup")
	}
	name = fmt.Sprintf("memtui-e2e-oom-%d", os.Getpid())
	write := func(p, v string) error { return os.WriteFile(p, []byte(v), 0o644) }
	var dir, limit string
	var extra [][2]string
	if b, err := os.ReadFile("/sys/fs/cgroup/cgroup.controllers"); err == nil && strings.Contains(string(b), "memory") {
		dir, limit = "/sys/fs/cgroup/"+name, "memory.max"
		extra = [][2]string{{"memory.swap.max", "0"}}
	} else if _, err := os.Stat("/sys/fs/cgroup/memory/memory.limit_in_bytes"); err == nil {
		dir, limit = "/sys/fs/cgroup/memory/"+name, "memory.limit_in_bytes"
		extra = [][2]string{{"memory.memsw.limit_in_bytes", "8388608"}}
	} else {
		t.Skip("no writable memory cgroup controller here")
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("cannot create a memory cgroup: %v", err)
	}
	t.Cleanup(func() {
		for i := 0; i < 50 && os.Remove(dir) != nil; i++ {
			time.Sleep(20 * time.Millisecond)
		}
	})
	if err := write(filepath.Join(dir, limit), "8388608"); err != nil {
		t.Skipf("cannot limit the cgroup: %v", err)
	}
	for _, e := range extra {
		_ = write(filepath.Join(dir, e[0]), e[1]) // absent without swap accounting
	}
	return name, func(pid int) error { return write(filepath.Join(dir, "cgroup.procs"), strconv.Itoa(pid)) }
}

// TestEndToEndOOMKill runs the real dashboard in tmux, makes the kernel
// OOM-kill a process in a small cgroup, and waits for the panel to show
// that pid marked "✖ NEW" within two seconds.
func TestEndToEndOOMKill(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	needTmux(t)
	name, add := testMemcg(t)
	bin := buildBinary(t)
	s := startTmux(t, 200, 60, bin, "--read-only")
	s.waitFor(10*time.Second, "OOM kills", "kernel log: /dev/kmsg, following")

	cmd := exec.Command(os.Args[0], "-test.run=^TestMainOOMHelperProcess$")
	cmd.Env = append(os.Environ(), "MEMTUI_OOM_ALLOC=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if err := add(pid); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("moving the child into the cgroup: %v", err)
	}
	stdin.Write([]byte{1})
	stdin.Close()
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("child ended with %v, want killed", err)
	}
	died := time.Now()
	s.waitFor(2*time.Second, "✖ NEW", strconv.Itoa(pid), name[:12], "OOM kill: pid "+strconv.Itoa(pid))
	t.Logf("pid %d on screen %v after its death", pid, time.Since(died).Round(10*time.Millisecond))
	s.keys("q")
}
