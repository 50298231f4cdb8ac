package run

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/memtui/memtui/actions"
)

// TestRunCancelBecause: a cancel with a reason ends the run as cancelled
// and its result says why, so the timeline records "cancelled on quit".
func TestRunCancelBecause(t *testing.T) {
	var r Runner
	h := r.Start(context.Background(), actions.Request{Action: cmdAction(time.Minute, []string{"sh", "-c", "echo started; sleep 300"})})
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(h.Output(), "started") {
		if time.Now().After(deadline) {
			t.Fatalf("the command never started: %q", h.Output())
		}
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	h.CancelBecause("cancelled on quit")
	h.Cancel() // a later cancel does not replace the reason
	res := h.Wait()
	if res.Status != actions.StatusCancelled || res.Message != "cancelled on quit; stopped it (process group killed)" {
		t.Errorf("status %q, message %q", res.Status, res.Message)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("cancel took %v", d)
	}
}
