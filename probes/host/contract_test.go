package host_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/host"
	"github.com/memtui/memtui/probes/host/hosttest"
)

// fixtureTrees are every captured or constructed tree the probes are
// tested with: each one must replay through the host contract.
func fixtureTrees(t *testing.T) []string {
	t.Helper()
	var trees []string
	for _, pat := range []string{"../testdata/fixtures/*/proc", "../testdata/procs/*/proc", "../testdata/procs/*/*/proc"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		trees = append(trees, m...)
	}
	if len(trees) < 15 {
		t.Fatalf("found %d fixture trees, expected the probes' fixtures (fixtures/*, procs/*): did they move?", len(trees))
	}
	return trees
}

// pidsIn says whether a pid is a directory of the tree.
func pidsIn(proc string) func(int32) bool {
	return func(pid int32) bool {
		st, err := os.Stat(filepath.Join(proc, strconv.Itoa(int(pid))))
		return err == nil && st.IsDir()
	}
}

func TestContractReplayFixtures(t *testing.T) {
	for _, proc := range fixtureTrees(t) {
		name := strings.TrimPrefix(filepath.Dir(proc), "../testdata/")
		t.Run(name, func(t *testing.T) {
			sys := filepath.Join(filepath.Dir(proc), "sys")
			open := func(*testing.T) host.Host {
				return host.Open(host.Options{Proc: proc, Sys: sys, PG: "", PGEnv: map[string]string{}})
			}
			hosttest.Run(t, open, hosttest.Expect{PIDExists: pidsIn(proc), Kind: host.KindReplay})
			t.Run("unknowns", func(t *testing.T) { unknownsStayUnknown(t, open(t), proc) })
		})
	}
}

func TestContractLocal(t *testing.T) {
	if _, err := os.Stat("/proc/meminfo"); err != nil {
		t.Skip("no /proc on this machine")
	}
	for _, ro := range []bool{false, true} {
		t.Run("read-only="+strconv.FormatBool(ro), func(t *testing.T) {
			open := func(*testing.T) host.Host {
				return host.Open(host.Options{ReadOnly: ro, PG: "none"})
			}
			hosttest.Run(t, open, hosttest.Expect{Kind: host.KindLive})
		})
	}
}

// unknownsStayUnknown holds the fixture-specific half of "unknowns are
// unknown, not 0": a meminfo line the tree does not have must read as
// unknown, whatever the host does with the rest.
func unknownsStayUnknown(t *testing.T, h host.Host, proc string) {
	defer h.Close()
	f, err := os.Open(filepath.Join(proc, "meminfo"))
	if err != nil {
		t.Skip("tree without meminfo")
	}
	defer f.Close()
	have := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, _, ok := strings.Cut(sc.Text(), ":"); ok {
			have[k] = true
		}
	}
	m := h.Memory().Read()
	if m.MeminfoErr != nil {
		return // the error is the unknown; the contract checked it says why
	}
	for key, v := range map[string]probes.Val{"MemTotal": m.Meminfo.MemTotal, "MemAvailable": m.Meminfo.MemAvailable, "SwapTotal": m.Meminfo.SwapTotal, "SwapFree": m.Meminfo.SwapFree} {
		if !have[key] && v.OK {
			t.Errorf("%s is not in %s/meminfo but reads as known (%d)", key, proc, v.V)
		}
	}
}
