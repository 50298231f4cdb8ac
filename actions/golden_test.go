package actions

import (
	"path/filepath"
	"testing"

	"github.com/memtui/memtui/internal/golden"
)

// checkGolden compares got with testdata/<TestName>/<name>.golden.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Assert(t, filepath.Join("testdata", t.Name(), name+".golden"), got)
}
