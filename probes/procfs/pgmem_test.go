package procfs

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/memtui/memtui/probes"
)

func TestParsePGStatm(t *testing.T) {
	ps := pgPageSize
	cases := []struct {
		in   string
		want pgStatm
		ok   bool
	}{
		{"55000 4096 3500 1300 0 2000 0\n", pgStatm{4096 * ps, 3500 * ps}, true},
		{"1 2 3", pgStatm{2 * ps, 3 * ps}, false}, // shared above resident: not a real statm
		{"1 2", pgStatm{}, false},
		{"", pgStatm{}, false},
		{"a b c d e f g", pgStatm{}, false},
		{"0 0 0 0 0 0 0", pgStatm{}, true},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, ok := parsePGStatm([]byte(c.in))
			if ok != c.ok || (ok && got != c.want) {
				t.Errorf("parsePGStatm(%q) = %+v, %v; want %+v, %v", c.in, got, ok, c.want, c.ok)
			}
		})
	}
}

func TestParsePGProcStat(t *testing.T) {
	cases := []struct {
		in   string
		comm string
		ppid int
		ok   bool
	}{
		{"101 (postgres) S 100 101 101 0 -1", "postgres", 100, true},
		{"300 (weird ) name) R 1 300", "weird ) name", 1, true},
		{"300 (x) R", "", 0, false},
		{"no parens 1 2", "", 0, false},
		{"5 (x) S -1", "", 0, false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			comm, ppid, ok := parsePGProcStat([]byte(c.in))
			if comm != c.comm || ppid != c.ppid || ok != c.ok {
				t.Errorf("got %q %d %v, want %q %d %v", comm, ppid, ok, c.comm, c.ppid, c.ok)
			}
		})
	}
}

func TestParsePGPIDList(t *testing.T) {
	if d := cmp.Diff([]int{101, 102, 7}, parsePGPIDList([]byte("101 102 x 7 \n"))); d != "" {
		t.Error(d)
	}
	if got := parsePGPIDList(nil); len(got) != 0 {
		t.Errorf("empty: %v", got)
	}
}

// The postmaster's family from a fixture /proc: the children file when the
// kernel has one, a scan of every stat otherwise. Pid 104 is listed but
// gone (exited between listing and reading); 200/300 are not postgres.
func TestReadProcMemFixtures(t *testing.T) {
	ps := pgPageSize
	for _, c := range []struct {
		root string
		want probes.PGMemory
		rss  map[int]uint64
	}{
		{"../testdata/pg/proc", probes.PGMemory{Known: true, PostmasterPID: 100, Processes: 4,
			RSSSum: (4096 + 8192 + 2048 + 1024) * ps, Private: (596 + 2192 + 1024 + 24) * ps, SharedMax: 6000 * ps},
			map[int]uint64{101: 8192 * ps, 102: 2048 * ps, 103: 1024 * ps}},
		{"../testdata/pg/proc-nochildren", probes.PGMemory{Known: true, PostmasterPID: 100, Processes: 3,
			RSSSum: (4096 + 8192 + 2048) * ps, Private: (596 + 2192 + 1024) * ps, SharedMax: 6000 * ps},
			map[int]uint64{101: 8192 * ps, 102: 2048 * ps}},
	} {
		t.Run(c.root, func(t *testing.T) {
			got, _ := NewFS(c.root, "").PGProcMemory(100, nil)
			if d := cmp.Diff(c.want, got.Memory); d != "" {
				t.Errorf("memory (-want +got):\n%s", d)
			}
			if d := cmp.Diff(c.rss, got.RSS); d != "" {
				t.Errorf("rss (-want +got):\n%s", d)
			}
			st := &probes.PGStats{Backends: []probes.PGBackendPID{{PID: 101, State: "idle"}, {PID: 999, State: "active"}},
				LongestQueries: []probes.PGBackend{{PID: 102}}}
			st.JoinMemory(got)
			if st.Backends[0].RSS != probes.Some(8192*ps) || st.Backends[1].RSS.OK || st.LongestQueries[0].RSS != probes.Some(2048*ps) {
				t.Errorf("join: %+v %+v", st.Backends, st.LongestQueries)
			}
			if st.Memory.BackendRSS != 8192*ps {
				t.Errorf("BackendRSS %d", st.Memory.BackendRSS)
			}
		})
	}
	t.Run("postmaster gone", func(t *testing.T) {
		if got, _ := NewFS("../testdata/pg/proc", "").PGProcMemory(4242, nil); got.Memory.Known || got.Memory.Reason == "" {
			t.Errorf("got %+v, want unknown with a reason", got.Memory)
		}
	})
	t.Run("comm and parent", func(t *testing.T) {
		comm, ppid, _, err := NewFS("../testdata/pg/proc", "").PGProcStat(101, nil)
		if err != nil || comm != "postgres" || ppid != 100 {
			t.Errorf("PGProcStat(101) = %q %d %v", comm, ppid, err)
		}
	})
}

func FuzzParsePGStatm(f *testing.F) {
	for _, s := range []string{"55000 4096 3500 1300 0 2000 0\n", "1 2", "18446744073709551615 18446744073709551615 0"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if s, ok := parsePGStatm(b); ok && s.shared > s.resident {
			t.Errorf("shared %d > resident %d", s.shared, s.resident)
		}
	})
}

func FuzzParsePGProcStat(f *testing.F) {
	for _, s := range []string{"101 (postgres) S 100 101", "300 (weird ) name) R 1 300", "(", ")("} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, ppid, ok := parsePGProcStat(b); ok && ppid < 0 {
			t.Errorf("ppid %d", ppid)
		}
	})
}

func FuzzParsePGPIDList(f *testing.F) {
	for _, s := range []string{"101 102 103 104 ", "", "1 x 2\n", "99999999999999999999"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, pid := range parsePGPIDList(b) {
			if pid < 0 || pid > 1<<31 {
				t.Errorf("pid %d out of range", pid)
			}
		}
	})
}
