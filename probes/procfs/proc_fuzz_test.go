package procfs

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memtui/memtui/probes"
)

// addProcSeeds adds every fixture file called name as a seed.
func addProcSeeds(f *testing.F, name string) {
	files, _ := filepath.Glob(filepath.Join(procFixtures, "*", "proc", "*", name))
	more, _ := filepath.Glob(filepath.Join(procFixtures, "*", "*", "proc", "*", name))
	for _, p := range append(files, more...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
}

func FuzzParseProcStat(f *testing.F) {
	addProcSeeds(f, "stat")
	f.Add([]byte("1 ((((( S 1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := probes.ParseProcStat(b)
		if err != nil {
			return
		}
		// The comm sits inside the input, between parentheses.
		if !bytes.Contains(b, append(append([]byte("("), s.Comm...), ')')) {
			t.Fatalf("comm %q not found in input", s.Comm)
		}
	})
}

func FuzzParseProcStatus(f *testing.F) {
	addProcSeeds(f, "status")
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseProcStatus(b)
		if err == nil && s.VmSwapOK && !bytes.Contains(b, []byte("VmSwap:")) {
			t.Fatal("VmSwap read from an input without it")
		}
	})
}

func FuzzParseSmapsRollup(f *testing.F) {
	addProcSeeds(f, "smaps_rollup")
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseSmapsRollup(b)
		if err == nil && s.PssOK && !bytes.Contains(b, []byte("Pss:")) {
			t.Fatal("Pss read from an input without it")
		}
	})
}

func FuzzParseStatm(f *testing.F) {
	addProcSeeds(f, "statm")
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseStatm(b, 4096)
		if err == nil && s.Resident%4096 != 0 {
			t.Fatal("resident not a whole number of pages")
		}
	})
}

func FuzzCmdline(f *testing.F) {
	addProcSeeds(f, "cmdline")
	f.Fuzz(func(t *testing.T, b []byte) {
		args := parseCmdline(b)
		_ = scriptName(args)
		j := probes.JoinCmdline(b)
		for _, c := range []byte(j) {
			if c < 0x20 || c == 0x7f {
				t.Fatalf("control byte %#x left in %q", c, j)
			}
		}
	})
}

func FuzzParsePasswd(f *testing.F) {
	f.Add("root:x:0:0:root:/root:/bin/bash\nodoo:x:110:117::/opt/odoo:/bin/false\n")
	f.Add(":::\n::::\nx:x:4294967296:1::/:/\n")
	f.Fuzz(func(t *testing.T, s string) {
		for uid, name := range parsePasswd(strings.NewReader(s)) {
			if name == "" || strings.Contains(name, ":") || strings.Contains(name, "\n") {
				t.Fatalf("uid %d: bad name %q", uid, name)
			}
		}
	})
}

func FuzzParseCgroup(f *testing.F) {
	addProcSeeds(f, "cgroup")
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = parseProcCgroup(bytes.NewReader(b))
		_, _ = probes.ParseBootTime(b)
	})
}
