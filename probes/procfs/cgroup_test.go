package procfs

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/memtui/memtui/probes"
)

func TestParseCgroupValue(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		version int
		want    probes.Val
		wantErr error
	}{
		{"v2 bytes", "2147483648\n", 2, probes.Some(2 << 30), nil},
		{"v2 max is no limit", "max\n", 2, probes.Val{}, nil},
		{"v2 zero is a real limit value", "0\n", 2, probes.Some(0), nil},
		{"v1 bytes", "4294967296\n", 1, probes.Some(4 << 30), nil},
		{"v1 no limit, kernels since 4.x", "9223372036854771712\n", 1, probes.Val{}, nil},
		{"v1 no limit, old kernels", "9223372036854775807\n", 1, probes.Val{}, nil},
		{"v2 keeps a huge number (v2 says max)", "9223372036854771712\n", 2, probes.Some(9223372036854771712), nil},
		{"surrounding space", "  123 \n", 2, probes.Some(123), nil},
		{"garbage", "\x7fELF\x02\x01\x01\x00\n", 2, probes.Val{}, probes.ErrParse},
		{"word", "twelve\n", 2, probes.Val{}, probes.ErrParse},
		{"negative", "-1\n", 1, probes.Val{}, probes.ErrParse},
		{"empty", "", 2, probes.Val{}, probes.ErrParse},
		{"overflow", "18446744073709551616\n", 2, probes.Val{}, probes.ErrParse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := probes.ParseCgroupValue([]byte(tt.in), tt.version)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("parseCgroupValue = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// writeTree writes files (path → content) under a new temp dir and returns it.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, s := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestFindCgroup checks which files the probe decides to read: the
// resolution is where the v1/v2/hybrid/namespace differences live.
func TestFindCgroup(t *testing.T) {
	type got struct {
		Version             int
		Path                string
		Limit, Usage, Swap  string // relative to the sys root
		ProblemUnavailable  bool
		ProblemNamesSelfCgr bool
	}
	rel := func(sys, p string) string {
		if p == "" {
			return ""
		}
		r, err := filepath.Rel(sys, p)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	resolve := func(proc, sys string) got {
		cf := NewFS(proc, sys).findCgroup()
		g := got{Version: cf.version, Path: cf.path,
			Limit: rel(sys, cf.limit), Usage: rel(sys, cf.usage), Swap: rel(sys, cf.swapMax)}
		if cf.resolveProblem != nil {
			g.ProblemUnavailable = errors.Is(cf.resolveProblem, probes.ErrUnavailable)
			g.ProblemNamesSelfCgr = strings.Contains(cf.resolveProblem.Error(), filepath.Join("proc", "self", "cgroup"))
		}
		return g
	}
	fixture := func(name string) (string, string) {
		root := filepath.Join("..", "testdata", "fixtures", name)
		return filepath.Join(root, "proc"), filepath.Join(root, "sys")
	}
	tree := func(files map[string]string) (string, string) {
		dir := writeTree(t, files)
		return filepath.Join(dir, "proc"), filepath.Join(dir, "sys")
	}
	hybrid := map[string]string{
		"proc/self/cgroup": "4:memory:/\n0::/user.slice/u.scope\n",
		"sys/fs/cgroup/unified/user.slice/u.scope/memory.max": "max\n",
	}
	unifiedOnly := map[string]string{
		"proc/self/cgroup": "0::/user.slice/u.scope\n",
		"sys/fs/cgroup/unified/user.slice/u.scope/memory.max": "max\n",
	}
	v1NotMounted := map[string]string{
		"proc/self/cgroup":               "4:memory:/x\n0::/x\n",
		"sys/fs/cgroup/x/memory.max":     "1000\n",
		"sys/fs/cgroup/x/memory.current": "10\n",
	}
	tests := []struct {
		name      string
		proc, sys string
		want      got
	}{
		{name: "v2 namespaced container at the mount root",
			want: got{Version: 2, Path: "/", Limit: "fs/cgroup/memory.max", Usage: "fs/cgroup/memory.current", Swap: "fs/cgroup/memory.swap.max"}},
		{name: "v2 session scope",
			want: got{Version: 2, Path: "/user.slice/user-0.slice/session-4.scope",
				Limit: "fs/cgroup/user.slice/user-0.slice/session-4.scope/memory.max",
				Usage: "fs/cgroup/user.slice/user-0.slice/session-4.scope/memory.current",
				Swap:  "fs/cgroup/user.slice/user-0.slice/session-4.scope/memory.swap.max"}},
		{name: "v1 host path missing under sys: mount root",
			want: got{Version: 1, Path: "/docker/3f2a9c1e7b5d4e60a8b1c2d3e4f5061728394a5b6c7d8e9f0a1b2c3d4e5f6071",
				Limit: "fs/cgroup/memory/memory.limit_in_bytes", Usage: "fs/cgroup/memory/memory.usage_in_bytes"}},
		{name: "v1 path that exists",
			want: got{Version: 1, Path: "/user.slice",
				Limit: "fs/cgroup/memory/user.slice/memory.limit_in_bytes", Usage: "fs/cgroup/memory/user.slice/memory.usage_in_bytes"}},
		{name: "v1 preferred on a hybrid host when it is mounted",
			want: got{Version: 1, Path: "/process_api/e88c6433ad5b46be4f78ed7ca9bc0edc",
				Limit: "fs/cgroup/memory/process_api/e88c6433ad5b46be4f78ed7ca9bc0edc/memory.limit_in_bytes",
				Usage: "fs/cgroup/memory/process_api/e88c6433ad5b46be4f78ed7ca9bc0edc/memory.usage_in_bytes"}},
		{name: "root cgroup without memory.max", want: got{ProblemUnavailable: true}},
		{name: "hybrid with v1 memory not mounted falls to unified",
			want: got{Version: 2, Path: "/user.slice/u.scope", Limit: "fs/cgroup/unified/user.slice/u.scope/memory.max",
				Usage: "fs/cgroup/unified/user.slice/u.scope/memory.current", Swap: "fs/cgroup/unified/user.slice/u.scope/memory.swap.max"}},
		{name: "v2 under unified only",
			want: got{Version: 2, Path: "/user.slice/u.scope", Limit: "fs/cgroup/unified/user.slice/u.scope/memory.max",
				Usage: "fs/cgroup/unified/user.slice/u.scope/memory.current", Swap: "fs/cgroup/unified/user.slice/u.scope/memory.swap.max"}},
		{name: "v1 listed but not mounted: v2",
			want: got{Version: 2, Path: "/x", Limit: "fs/cgroup/x/memory.max", Usage: "fs/cgroup/x/memory.current", Swap: "fs/cgroup/x/memory.swap.max"}},
		{name: "no self/cgroup", want: got{ProblemUnavailable: true, ProblemNamesSelfCgr: true}},
	}
	roots := [][2]string{}
	for _, f := range []string{"container-cgroup-v2", "swap-thrash", "cgroup-v1", "no-psi", "healthy", "no-swap"} {
		p, s := fixture(f)
		roots = append(roots, [2]string{p, s})
	}
	for _, files := range []map[string]string{hybrid, unifiedOnly, v1NotMounted, {}} {
		p, s := tree(files)
		roots = append(roots, [2]string{p, s})
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, resolve(roots[i][0], roots[i][1])); diff != "" {
				t.Errorf("findCgroup (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCgroupUsedPercent(t *testing.T) {
	tests := []struct {
		name    string
		c       probes.Cgroup
		limited bool
		pct     float64
		ok      bool
	}{
		{"limited", probes.Cgroup{Limit: probes.Some(2 << 30), Usage: probes.Some(1825361920)}, true, 85.0000, true},
		{"no limit", probes.Cgroup{Usage: probes.Some(100)}, false, 0, false},
		{"limit without usage", probes.Cgroup{Limit: probes.Some(100)}, true, 0, false},
		{"zero limit is not a division", probes.Cgroup{Limit: probes.Some(0), Usage: probes.Some(1)}, false, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pct, ok := tt.c.UsedPercent()
			if tt.c.Limited() != tt.limited || ok != tt.ok || math.Abs(pct-tt.pct) > 1e-4 {
				t.Errorf("Limited %v, UsedPercent %v %v; want %v, %v %v", tt.c.Limited(), pct, ok, tt.limited, tt.pct, tt.ok)
			}
		})
	}
}
