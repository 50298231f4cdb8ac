package probes

import (
	"os"
	"path/filepath"
	"testing"
)

// The targets for one memory reading: under 50 µs and under 20
// allocations. Run with
//
//	go test ./probes -run '^$' -bench 'MemProbeRead|Parse' -benchmem
//
// The probe is built once outside the timed loop, as the dashboard does:
// only the per-second Read is on the hot path.

// BenchmarkMemProbeRead reads the real /proc and /sys (skipped where there
// is no /proc/meminfo) and the captured healthy fixture, whose files are
// regular files on disk and so cost less than procfs to read.
func BenchmarkMemProbeRead(b *testing.B) {
	b.Run("live", func(b *testing.B) {
		if _, err := os.Stat("/proc/meminfo"); err != nil {
			b.Skip("no /proc/meminfo on this machine")
		}
		benchRead(b, NewFS("", ""))
	})
	for _, name := range []string{"healthy", "container-cgroup-v2", "no-psi"} {
		b.Run(name, func(b *testing.B) {
			root := filepath.Join("testdata", "fixtures", name)
			benchRead(b, NewFS(filepath.Join(root, "proc"), filepath.Join(root, "sys")))
		})
	}
}

func benchRead(b *testing.B, fs FS) {
	p := NewMemProbe(fs, nil)
	if m := p.Read(); m.MeminfoErr != nil {
		b.Fatal(m.MeminfoErr)
	}
	b.ReportAllocs()
	for b.Loop() {
		m := p.Read()
		if m.MeminfoErr != nil {
			b.Fatal(m.MeminfoErr)
		}
	}
}

func benchFile(b *testing.B, fixture string, elem ...string) []byte {
	b.Helper()
	data, err := os.ReadFile(filepath.Join(append([]string{"testdata", "fixtures", fixture, "proc"}, elem...)...))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkParseMeminfo is the pure parse of a captured /proc/meminfo.
func BenchmarkParseMeminfo(b *testing.B) {
	data := benchFile(b, "healthy", "meminfo")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseMeminfo(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseVMStat is the pure parse of a captured /proc/vmstat.
func BenchmarkParseVMStat(b *testing.B) {
	data := benchFile(b, "healthy", "vmstat")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseVMStat(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParsePSI is the pure parse of a captured /proc/pressure/memory.
func BenchmarkParsePSI(b *testing.B) {
	data := benchFile(b, "healthy", "pressure", "memory")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parsePSI(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseCgroupValue is one cgroup memory file.
func BenchmarkParseCgroupValue(b *testing.B) {
	data := []byte("1825361100\n")
	b.ReportAllocs()
	for b.Loop() {
		if v, err := parseCgroupValue(data, 2); err != nil || !v.OK {
			b.Fatal(v, err)
		}
	}
}
