package procfs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/memtui/memtui/probes"

	"github.com/memtui/memtui/probes/oomtest"
)

func TestMemcgFixtures(t *testing.T) {
	const mib = 1 << 20
	cases := []struct {
		dir      string
		want     probes.MemcgReading
		pct      float64 // -1: no percentage
		problems int
	}{
		{"v2-odoo", probes.MemcgReading{
			Cgroup: probes.Cgroup{Version: 2, Limit: probes.Some(512 * mib), Usage: probes.Some(480 * mib)},
			Anon:   probes.Some(400 * mib), File: probes.Some(64 * mib), OOMKills: probes.Some(2)}, 93.75, 0},
		{"v2-unlimited", probes.MemcgReading{Cgroup: probes.Cgroup{Version: 2, Usage: probes.Some(mib)}}, -1, 2},
		{"v1-odoo", probes.MemcgReading{
			Cgroup: probes.Cgroup{Version: 1, Limit: probes.Some(256 * mib), Usage: probes.Some(107374182)},
			Anon:   probes.Some(100 * mib), File: probes.Some(4096000), OOMKills: probes.Some(0)}, 40.0, 0},
		{"v1-unlimited", probes.MemcgReading{Cgroup: probes.Cgroup{Version: 1, Usage: probes.Some(8192)}}, -1, 2},
	}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			dir := filepath.Join("..", "testdata", "memcg", c.dir)
			m, err := OpenMemcg(dir)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Read()
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Problems) != c.problems {
				t.Errorf("problems %v, want %d", got.Problems, c.problems)
			}
			c.want.Path, got.Problems = dir, nil
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("reading (-want +got):\n%s", diff)
			}
			pct, ok := got.UsedPercent()
			switch {
			case c.pct < 0 && (ok || got.LimitText() != "no limit"):
				t.Errorf("unlimited cgroup gave %.2f %% (ok %v), limit %q", pct, ok, got.LimitText())
			case c.pct >= 0 && (!ok || fmt.Sprintf("%.2f", pct) != fmt.Sprintf("%.2f", c.pct)):
				t.Errorf("used %.2f %% (ok %v), want %.2f", pct, ok, c.pct)
			}
		})
	}
}

func TestOpenMemcgRefuses(t *testing.T) {
	for _, dir := range []string{"../testdata/memcg/not-a-cgroup", "../testdata/memcg/absent", "../testdata/memcg/README.md"} {
		if _, err := OpenMemcg(dir); !errors.Is(err, probes.ErrUnavailable) {
			t.Errorf("%s: err = %v, want ErrUnavailable", dir, err)
		}
	}
}

// TestUnitCgroup resolves units on v2, on v1's memory hierarchy and, for a
// unit outside system.slice, through systemd's ControlGroup.
func TestUnitCgroup(t *testing.T) {
	sys := t.TempDir()
	mk := func(rel, file string) string {
		d := filepath.Join(sys, "fs", "cgroup", rel)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, file), []byte("1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return d
	}
	v2 := mk("system.slice/odoo.service", "memory.current")
	v1 := mk("memory/system.slice/postgresql@16-main.service", "memory.usage_in_bytes")
	user := mk("user.slice/user-1000.slice/app.scope", "memory.current")
	fs := NewFS("", sys)
	cg := func(_ context.Context, unit string) (string, error) {
		if unit == "app.scope" {
			return "/user.slice/user-1000.slice/app.scope", nil
		}
		return "", nil
	}
	cases := []struct{ unit, want, err string }{
		{"odoo", v2, ""},
		{"odoo.service", v2, ""},
		{"postgresql@16-main.service", v1, ""},
		{"app.scope", user, ""},
		{"gone.service", "", "not running?"},
		{"../etc", "", "not a unit name"},
	}
	for _, c := range cases {
		got, err := fs.UnitCgroup(context.Background(), c.unit, cg)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err %v, want %q", c.unit, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %q, %v; want %q", c.unit, got, err, c.want)
		}
	}
}

func TestMemcgCounterParsers(t *testing.T) {
	e := parseMemoryEvents([]byte("low 0\nhigh 5\nmax 7\noom 1\noom_kill 1\noom_group_kill 0\n"))
	if diff := cmp.Diff(probes.MemcgEvents{High: probes.Some(5), Max: probes.Some(7), OOM: probes.Some(1), OOMKill: probes.Some(1)}, e); diff != "" {
		t.Errorf("memory.events (-want +got):\n%s", diff)
	}
	// A pre-4.13 kernel has no oom_kill line: unknown, not zero.
	if c := parseOOMControl([]byte("oom_kill_disable 0\nunder_oom 1\n")); c.OOMKill.OK || !c.UnderOOM {
		t.Errorf("old oom_control = %+v", c)
	}
	// A cut last line is not a counter ("oom_kill 1" of "oom_kill 12").
	if e := parseMemoryEvents([]byte("oom 12\noom_kill 1")); e.OOMKill.OK {
		t.Errorf("truncated line read as %v", e.OOMKill)
	}
	// v1 without total_ lines (a kernel with use_hierarchy off at the root).
	if a, f := parseMemoryStat([]byte("cache 10\nrss 20\n"), 1); a != probes.Some(20) || f != probes.Some(10) {
		t.Errorf("v1 local stat: anon %v file %v", a, f)
	}
	// v2 ignores v1's names and the other way round.
	if a, _ := parseMemoryStat([]byte("total_rss 5\n"), 2); a.OK {
		t.Errorf("v2 read total_rss as anon")
	}
}

// FuzzMemcgParsers feeds kernel-shaped and random text to the cgroup
// counter parsers: no panic, and a counter is only known when its line
// was complete.
func FuzzMemcgParsers(f *testing.F) {
	for _, dir := range []string{"v2-odoo", "v1-odoo"} {
		for _, name := range []string{"memory.stat", "memory.events", "memory.oom_control", "memory.max", "memory.limit_in_bytes"} {
			if b, err := os.ReadFile(filepath.Join("..", "testdata", "memcg", dir, name)); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("max\n"))
	f.Add([]byte("oom_kill 99999999999999999999999\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, v := range []int{1, 2} {
			parseMemoryStat(b, v)
			if val, err := probes.ParseCgroupValue(b, v); err != nil && val.OK {
				t.Errorf("value known despite %v", err)
			}
		}
		e := parseMemoryEvents(b)
		c := parseOOMControl(b)
		if (e.OOMKill.OK || c.OOMKill.OK) && !strings.Contains(string(probes.CompleteLines(b)), "oom_kill") {
			t.Errorf("oom_kill known from %q", b)
		}
	})
}

// TestMemcgHelperProcess is the child of TestMemcgLive: it waits for its
// move into the cgroup, touches 100 MiB, says so, and holds it until stdin
// closes.
func TestMemcgHelperProcess(t *testing.T) {
	if os.Getenv("MEMTUI_MEMCG_HELPER") == "" {
		t.Skip("child process of TestMemcgLive")
	}
	r := bufio.NewReader(os.Stdin)
	if _, err := r.ReadByte(); err != nil {
		os.Exit(4)
	}
	m := make([]byte, 100<<20)
	for i := 0; i < len(m); i += 4096 {
		m[i] = 1
	}
	fmt.Println("ready")
	r.ReadByte() // until the parent closes stdin
	m[0] = 2     // keep m alive until here
	os.Exit(0)
}

// TestMemcgLive creates a real 256 MiB memory cgroup, puts a child that
// holds 100 MiB in it, and reads it as watch --cgroup would: ~40 % used.
func TestMemcgLive(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the live cgroup test allocates 100 MiB")
	}
	dir, _, add := oomtest.Memcg(t, "memtui-memcg", 256<<20)
	m, err := OpenMemcg(dir)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestMemcgHelperProcess$")
	cmd.Env = append(os.Environ(), "MEMTUI_MEMCG_HELPER=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	if err := add(cmd.Process.Pid); err != nil {
		cmd.Process.Kill()
		t.Fatalf("moving the child into %s: %v", dir, err)
	}
	stdin.Write([]byte{1})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("child said %q, %v", line, err)
	}
	r, err := m.Read()
	if err != nil {
		t.Fatal(err)
	}
	pct, ok := r.UsedPercent()
	t.Logf("cgroup v%d %s: usage %d of %d (%.1f %%), anon %v, file %v, oom kills %v, problems %v",
		r.Version, dir, r.Usage.V, r.Limit.V, pct, r.Anon, r.File, r.OOMKills, r.Problems)
	if !ok || r.Limit.V != 256<<20 {
		t.Fatalf("limit %v, want 256 MiB", r.Limit)
	}
	// 100 MiB of anon plus the test binary's own pages: 39 % to ~55 %.
	if pct < 38 || pct > 55 {
		t.Errorf("used %.1f %%, want about 40 %%", pct)
	}
	if !r.Anon.OK || r.Anon.V < 100<<20 {
		t.Errorf("anon %v, want at least 100 MiB", r.Anon)
	}
	if !r.OOMKills.OK || r.OOMKills.V != 0 {
		t.Errorf("oom kills %v, want a known 0", r.OOMKills)
	}
}
