package pgtest

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

// Without binaries a test is skipped with the reason, except under
// CI=true, where it fails: CI must not pass by skipping.
func TestNoBinariesSkipsButFailsInCI(t *testing.T) {
	err := fmt.Errorf("finding PostgreSQL: %w", ErrNoBinaries)
	for _, c := range []struct {
		ci              string
		skipped, failed bool
	}{{"", true, false}, {"false", true, false}, {"true", false, true}} {
		t.Run("CI="+c.ci, func(t *testing.T) {
			t.Setenv("CI", c.ci)
			r := &recTB{TB: t}
			skipOrFail(r, err)
			if (r.skipped != "") != c.skipped || (r.failed != "") != c.failed {
				t.Errorf("skipped %q failed %q", r.skipped, r.failed)
			}
			if msg := r.skipped + r.failed; msg == "" || !strings.Contains(msg, "no PostgreSQL binaries") {
				t.Errorf("the reason is not said: %q", msg)
			}
		})
	}
	t.Run("other errors fail", func(t *testing.T) {
		t.Setenv("CI", "")
		r := &recTB{TB: t}
		skipOrFail(r, fmt.Errorf("initdb: exit status 1"))
		if r.failed == "" || r.skipped != "" {
			t.Errorf("a broken server must fail the test, not skip it: skipped %q failed %q", r.skipped, r.failed)
		}
	})
}
