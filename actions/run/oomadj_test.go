package run

import (
	"context"
	"errors"
	"io/fs"
	"strconv"
	"strings"
	"testing"

	"github.com/memtui/memtui/actions"
)

// TestProtectSelfLive lowers the test process's own oom_score_adj and
// checks the kernel took it and that it is never raised; without
// CAP_SYS_RESOURCE (not root, or a container) it checks the refusal is an
// error that changes nothing. It restores the test process after.
func TestProtectSelfLive(t *testing.T) {
	const self = "/proc/self/oom_score_adj"
	orig, err := readOOMScoreAdj(self)
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() {
		if got, _ := readOOMScoreAdj(self); got != orig {
			if err := writeOOMScoreAdj(self, orig); err != nil {
				t.Errorf("restore oom_score_adj %d: %v", orig, err)
			}
		}
	})
	target := min(orig, 0) - 123
	before, now, err := ProtectSelf(target)
	got, _ := readOOMScoreAdj(self)
	if err != nil {
		if !errors.Is(err, fs.ErrPermission) || before != orig || now != orig || got != orig {
			t.Fatalf("refused: %v, before %d now %d kernel %d; want a permission error and %d throughout", err, before, now, got, orig)
		}
		t.Logf("lowering refused without CAP_SYS_RESOURCE, as memtui expects: %v", err)
		return
	}
	if before != orig || now != target || got != target {
		t.Fatalf("before %d (want %d), now %d, kernel says %d; want %d", before, orig, now, got, target)
	}
	if _, now, err := ProtectSelf(target + 50); err != nil || now != target {
		t.Errorf("ProtectSelf(higher) raised it: now %d, %v", now, err)
	}
}

// TestChildOOMScoreAdj: a command the runner starts gets the score it is
// given, not memtui's inherited one. Raising needs no privilege, so this
// runs everywhere.
func TestChildOOMScoreAdj(t *testing.T) {
	orig, err := readOOMScoreAdj("/proc/self/oom_score_adj")
	if err != nil {
		t.Skip(err)
	}
	want := min(orig+100, 1000)
	r := &Runner{ChildOOMScoreAdj: &want}
	res := r.RunSync(context.Background(), actions.Request{Action: actions.Action{ID: "adj", Name: "adj", Risk: actions.RiskLow, Kind: actions.KindCommands,
		Commands: [][]string{{"sh", "-c", "sleep 0.2; cat /proc/self/oom_score_adj"}}}})
	if res.Status != actions.StatusOK || !strings.Contains(res.Output, strconv.Itoa(want)) {
		t.Errorf("the command's oom_score_adj: status %s, output %q; want %d", res.Status, res.Output, want)
	}
}
