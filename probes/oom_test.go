package probes

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/memtui/memtui/internal/golden"
)

// fixtureOpts are the parse options a fixture is read with. "Now" is the
// capture day, so syslog stamps without a year land in 2026. Only the
// linux-6.18-* captures come from this machine, so only they get its boot
// time (btime 1795873990 when they were captured); the others come from
// other machines and keep kernel stamps without a wall time.
func fixtureOpts(name string) OOMParseOptions {
	o := OOMParseOptions{
		Location: time.UTC,
		Now:      time.Date(2026, 11, 28, 14, 0, 0, 0, time.UTC),
	}
	if strings.HasPrefix(name, "linux-6.18-") {
		o.BootTime = time.Unix(1795873990, 0).UTC()
	}
	return o
}

// TestParseOOM parses every kernel log under testdata/oom and compares the
// records with testdata/TestParseOOM/<fixture>.golden (regenerate with
// -update, then read the diff: the goldens are the reviewed expectations).
func TestParseOOM(t *testing.T) {
	files, err := filepath.Glob("testdata/oom/*")
	if err != nil || len(files) < 10 {
		t.Fatalf("fixtures: %v (%d files)", err, len(files))
	}
	for _, f := range files {
		if st, err := os.Stat(f); err != nil || st.IsDir() || strings.HasSuffix(f, ".md") {
			continue // proc/ is the /proc tree of the source tests; README.md says where each log comes from
		}
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseOOM(bytes.NewReader(b), fixtureOpts(name))
			if err != nil {
				t.Fatal(err)
			}
			// The two entry points must agree.
			if diff := cmp.Diff(got, ParseOOMBytes(b, fixtureOpts(name))); diff != "" {
				t.Errorf("ParseOOM and ParseOOMBytes differ (-reader +bytes):\n%s", diff)
			}
			j, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			j = append(j, '\n')
			golden.Assert(t, filepath.Join("testdata", "TestParseOOM", name+".golden"), string(j))
		})
	}
}
