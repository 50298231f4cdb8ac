package probes

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

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
			golden := filepath.Join("testdata", "TestParseOOM", name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, j, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(j)); diff != "" {
				t.Errorf("records differ from %s (-want +got):\n%s", golden, diff)
			}
		})
	}
}
