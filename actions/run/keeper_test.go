package run

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/memtui/memtui/actions"
	"golang.org/x/sys/unix"
)

// TestOrphansOnlyWhenNobodyWaits: a result beside a lock its memtui still
// holds is not an orphan (that memtui will read it); once the lock is free
// it is, once, and Done clears it.
func TestOrphansOnlyWhenNobodyWaits(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)
	for i, id := range []string{"b@2", "a@1"} {
		b, _ := json.Marshal(Kept{Timeline: "/x/i.jsonl", Result: actions.Result{RunID: id, Finished: t0.Add(time.Duration(-i) * time.Minute)}})
		if err := os.WriteFile(filepath.Join(dir, keepName(id)+".json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	held, err := os.OpenFile(filepath.Join(dir, keepName("b@2")+".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Flock(int(held.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	got, err := Orphans(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Result.RunID != "a@1" || got[0].Timeline != "/x/i.jsonl" {
		t.Fatalf("orphans while b's memtui holds its lock: %+v", got)
	}
	// A second memtui starting now does not get a@1 too.
	if again, _ := Orphans(dir); len(again) != 0 {
		t.Fatalf("a second look got %d orphans while the first holds them", len(again))
	}
	if err := got[0].Done(); err != nil {
		t.Fatal(err)
	}
	held.Close() // b's memtui dies
	got, err = Orphans(dir)
	if err != nil || len(got) != 1 || got[0].Result.RunID != "b@2" {
		t.Fatalf("after b's memtui went away: %+v, %v", got, err)
	}
	got[0].Done()
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}
