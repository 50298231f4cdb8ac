// Package golden is the one golden-file helper of memtui's tests: every
// package compares its output with testdata/…/*.golden through Assert and
// rewrites the files with `go test ./PKG -update` after an intended change.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// update is registered once here, so every package that uses Assert has
// the same -update flag.
var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// Updating says whether this run rewrites golden files (-update).
func Updating() bool { return *update }

// Assert compares got with the golden file at path (relative to the
// package under test). With -update it writes got there first, so a
// rewritten file is also checked to read back the same.
func Assert(t testing.TB, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}
