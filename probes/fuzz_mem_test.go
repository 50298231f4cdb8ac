package probes

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// Seeds come from every fixture tree, so the fuzzers start from real kernel
// text (and the broken files) and mutate from there. Run each for a while:
//
//	go test ./probes -run '^$' -fuzz '^FuzzParseMeminfo$' -fuzztime 20s

// addFixtureSeeds adds <fixture>/proc/<rel> of every fixture that has it.
func addFixtureSeeds(f *testing.F, rel ...string) {
	f.Helper()
	dirs, err := os.ReadDir(filepath.Join("testdata", "fixtures"))
	if err != nil {
		f.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(append([]string{"testdata", "fixtures", d.Name()}, rel...)...))
		if err == nil {
			f.Add(b)
		}
	}
}

func FuzzParseMeminfo(f *testing.F) {
	addFixtureSeeds(f, "proc", "meminfo")
	f.Add([]byte("MemTotal: 1 kB\nMemFree: 18446744073709551615 kB\nBuffers: 0 kB\nCached: 0 kB\nShmem: 99 kB\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMeminfo(b)
		if err != nil {
			if !errors.Is(err, ErrParse) {
				t.Fatalf("error %v does not wrap ErrParse", err)
			}
			return
		}
		if !m.MemTotal.OK || m.MemTotal.V == 0 {
			t.Fatalf("no error without MemTotal: %+v", m)
		}
		avail, _ := m.Available()
		used := m.Used()
		if !avail.OK || !used.OK {
			t.Fatalf("no error, but available %v used %v", avail, used)
		}
		if used.V > m.MemTotal.V {
			t.Fatalf("used %d > total %d", used.V, m.MemTotal.V)
		}
		pct, ok := m.UsedPercent()
		if !ok || pct < 0 || pct > 100 || math.IsNaN(pct) {
			t.Fatalf("used percent %v ok=%v", pct, ok)
		}
		if su := m.SwapUsed(); su.OK && su.V > m.SwapTotal.V {
			t.Fatalf("swap used %d > total %d", su.V, m.SwapTotal.V)
		}
		if sp, ok := m.SwapPercent(); ok && (sp < 0 || sp > 100 || math.IsNaN(sp)) {
			t.Fatalf("swap percent %v", sp)
		} else if ok && m.SwapTotal.V == 0 {
			t.Fatal("swap percent without swap")
		}
		// Every figure is whole kB: a value that is not came from a line
		// without its unit.
		for _, v := range []Val{m.MemTotal, m.MemFree, m.MemAvailable, m.Cached, m.SwapTotal, m.SwapFree} {
			if v.OK && v.V%1024 != 0 {
				t.Fatalf("%d bytes is not whole kB", v.V)
			}
		}
	})
}

func FuzzParseVMStat(f *testing.F) {
	addFixtureSeeds(f, "proc", "vmstat")
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseVMStat(b)
		known := s.PswpIn.OK || s.PswpOut.OK || s.PgMajFault.OK || s.OOMKill.OK
		if (err == nil) != known {
			t.Fatalf("error %v with counters %+v", err, s)
		}
		if err != nil && !errors.Is(err, ErrParse) {
			t.Fatalf("error %v does not wrap ErrParse", err)
		}
	})
}

func FuzzParsePSI(f *testing.F) {
	addFixtureSeeds(f, "proc", "pressure", "memory")
	f.Add([]byte("some avg10=100.00 avg60=99.99 avg300=0.01 total=18446744073709551615\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePSI(b)
		if err != nil {
			if !errors.Is(err, ErrParse) {
				t.Fatalf("error %v does not wrap ErrParse", err)
			}
			if p.Some.OK {
				t.Fatal("error with a good some line")
			}
			return
		}
		if !p.Some.OK {
			t.Fatal("no error without a some line")
		}
		for _, l := range []PSILine{p.Some, p.Full} {
			if !l.OK {
				continue
			}
			for _, v := range []float64{l.Avg10, l.Avg60, l.Avg300} {
				if v < 0 || v > 100 || math.IsNaN(v) {
					t.Fatalf("average %v outside 0–100 in %+v", v, l)
				}
			}
		}
	})
}

func FuzzParseCgroupValue(f *testing.F) {
	for _, s := range []string{"max\n", "2147483648\n", "9223372036854771712\n", "9223372036854775807\n", "0\n", "\x7fELF\n"} {
		f.Add([]byte(s), 1)
		f.Add([]byte(s), 2)
	}
	f.Fuzz(func(t *testing.T, b []byte, version int) {
		v, err := ParseCgroupValue(b, version)
		if err != nil {
			if !errors.Is(err, ErrParse) || v.OK {
				t.Fatalf("error %v with value %+v", err, v)
			}
			return
		}
		if version == 1 && v.OK && v.V >= unlimitedV1 {
			t.Fatalf("v1 no-limit value %d taken as a limit", v.V)
		}
		c := Cgroup{Version: version, Limit: v, Usage: Some(1 << 20)}
		if pct, ok := c.UsedPercent(); ok && (pct < 0 || math.IsNaN(pct) || math.IsInf(pct, 0)) {
			t.Fatalf("used percent %v", pct)
		}
	})
}

func FuzzParseBootTime(f *testing.F) {
	addFixtureSeeds(f, "proc", "stat")
	f.Add([]byte("btime 9223372036854775808\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		bt, err := ParseBootTime(b)
		if err != nil {
			if !errors.Is(err, ErrParse) || !bt.IsZero() {
				t.Fatalf("error %v with time %v", err, bt)
			}
			return
		}
		if bt.Unix() <= 0 {
			t.Fatalf("boot time %v (%d) without error", bt, bt.Unix())
		}
	})
}
