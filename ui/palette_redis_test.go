package ui

import (
	"strings"
	"testing"

	"github.com/memtui/memtui/actions"
)

// The palette opens on the note, so ":" Enter Enter flushes nothing; and
// clear-redis (FLUSHALL) waits for its preview of what it deletes and is
// confirmed as a medium-risk action.
func TestRedisFlushIsNotPreselectedAndShowsItsPreview(t *testing.T) {
	d, svc, _ := palDeps(false)
	svc.preview = actions.Preview{
		Columns: []string{"database", "keys", ""}, Rows: [][]string{{"db0", "2000", "deleted"}, {"db3", "6000", "deleted"}},
		Message: "FLUSHALL on Redis at 127.0.0.1:6379 deletes 8000 keys in 2 database(s), sessions included; Redis uses 10.2 MiB now",
	}
	m := palOpen(t, d, 120, 40)
	m = palPress(t, m, "enter", "enter")
	if len(svc.started) != 0 {
		t.Fatalf("Enter Enter started %s", svc.started[0].Action.ID)
	}

	m = palOpen(t, d, 120, 40)
	m = palType(t, m, "flushall")
	next, _ := m.Update(palKey("enter")) // the preview Cmd is held back
	m = next.(Model)
	m = palPress(t, m, "y")
	if len(svc.started) != 0 || !strings.Contains(palScreen(m), "wait: reading what it will act on") {
		t.Fatalf("ran before the preview arrived:\n%s", palScreen(m))
	}
	m = feed(m, actionPreviewedMsg{seq: 1, preview: svc.preview})
	v := palScreen(m)
	for _, want := range []string{"◆ MEDIUM", "deletes 8000 keys in 2 database(s), sessions included", "db3       6000  deleted"} {
		if !strings.Contains(v, want) {
			t.Errorf("confirmation lacks %q:\n%s", want, v)
		}
	}
	m = palPress(t, m, "y")
	if len(svc.started) != 1 || svc.started[0].Action.ID != "clear-redis" {
		t.Fatalf("runs: %+v", svc.started)
	}
}
