package redistest

import (
	"fmt"
	"strings"
	"testing"
)

// recTB records Skipf and Fatalf instead of acting on them.
type recTB struct {
	testing.TB
	skipped, failed string
}

func (r *recTB) Helper()                   {}
func (r *recTB) Skipf(f string, a ...any)  { r.skipped = fmt.Sprintf(f, a...) }
func (r *recTB) Fatalf(f string, a ...any) { r.failed = fmt.Sprintf(f, a...) }

// Without redis-server a test is skipped with the reason, except under
// CI=true, where it fails: CI must not pass by skipping.
func TestNoBinarySkipsButFailsInCI(t *testing.T) {
	for _, c := range []struct {
		ci              string
		skipped, failed bool
	}{{"", true, false}, {"true", false, true}} {
		t.Setenv("CI", c.ci)
		r := &recTB{TB: t}
		skipOrFail(r, ErrNoBinary)
		if (r.skipped != "") != c.skipped || (r.failed != "") != c.failed || !strings.Contains(r.skipped+r.failed, "redis-server") {
			t.Errorf("CI=%q: skipped %q failed %q", c.ci, r.skipped, r.failed)
		}
	}
	r := &recTB{TB: t}
	skipOrFail(r, fmt.Errorf("redis-server exited at start"))
	if r.failed == "" {
		t.Error("a server that does not start must fail the test, not skip it")
	}
}
