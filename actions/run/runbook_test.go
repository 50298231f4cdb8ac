package run

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/memtui/memtui/actions"
	"golang.org/x/sys/unix"
)

func TestBuiltinOptions(t *testing.T) {
	rb, err := LoadRunbook("", actions.Options{AppUnit: "erp", PostgresUnit: "postgresql@16-main", AppDatabase: "erp_db", ProcRoot: "/host/proc"})
	if err != nil {
		t.Fatal(err)
	}
	get := func(id string) actions.Action { a, _ := rb.Find(id); return a }
	if diff := cmp.Diff([][]string{{"systemctl", "restart", "erp"}}, get("restart-odoo").Commands); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff([][]string{{"systemctl", "restart", "postgresql@16-main"}, {"systemctl", "restart", "erp"}}, get("restart-postgresql").Commands); diff != "" {
		t.Error(diff)
	}
	if got := get("drop-page-caches").File; got != "/host/proc/sys/vm/drop_caches" {
		t.Errorf("drop_caches file %q", got)
	}
	if got := get("clear-odoo-caches").Database; got != "erp_db" {
		t.Errorf("database %q", got)
	}
}

func TestParseGoodRunbook(t *testing.T) {
	path := filepath.Join("..", "testdata", "runbooks", "good.toml")
	rb, err := LoadRunbook(path, actions.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range rb.Actions {
		ids = append(ids, a.ID)
	}
	wantIDs := []string{"add-note", "clear-redis-cache-db", "clear-redis", "clear-odoo-caches", "restart-odoo", "clear-page-cache", "terminate-idle-postgres", "adjust-odoo-workers", "restore-odoo-conf",
		"drop-page-caches", "restart-postgresql", "scale-resources", "signal-process", "clear-nginx-cache", "vacuum-sessions"}
	if diff := cmp.Diff(wantIDs, ids); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	get := func(id string) actions.Action { a, _ := rb.Find(id); return a }

	// Override: only the keys given change; [builtin] app_unit reaches the
	// built-in's argv and name.
	want := actions.Action{ID: "restart-odoo", Name: "Restart odoo16", Risk: actions.RiskMedium, Kind: actions.KindCommands,
		Description: "Restart the application service to release its memory (brief downtime).",
		Commands:    [][]string{{"systemctl", "restart", "odoo16"}},
		Timeout:     90 * time.Second, RecheckAfter: 30 * time.Second, Source: path}
	if diff := cmp.Diff(want, get("restart-odoo")); diff != "" {
		t.Errorf("restart-odoo (-want +got):\n%s", diff)
	}
	if got := get("terminate-idle-postgres"); got.IdleAfter != 10*time.Minute || got.Risk != actions.RiskLow || got.Source != path {
		t.Errorf("terminate-idle-postgres = %+v", got)
	}
	if got := get("clear-odoo-caches").Database; got != "erp" {
		t.Errorf("app_database not applied: %q", got)
	}
	want = actions.Action{ID: "clear-nginx-cache", Name: "Clear nginx cache", Risk: actions.RiskLow, Kind: actions.KindCommands,
		Description: "Remove nginx's proxy cache.",
		Commands:    [][]string{{"find", "/var/cache/nginx", "-type", "f", "-delete"}, {"systemctl", "reload", "nginx"}},
		Timeout:     2 * time.Minute, RecheckAfter: 15 * time.Second, Source: path}
	if diff := cmp.Diff(want, get("clear-nginx-cache")); diff != "" {
		t.Errorf("clear-nginx-cache (-want +got):\n%s", diff)
	}
	want = actions.Action{ID: "vacuum-sessions", Name: "Delete expired web sessions", Risk: actions.RiskMedium, Kind: actions.KindSQL,
		SQL: "DELETE FROM http_session\n WHERE expiry < now()", Preview: "SELECT count(*) FROM http_session WHERE expiry < now()",
		Database: "erp", Source: path}
	if diff := cmp.Diff(want, get("vacuum-sessions")); diff != "" {
		t.Errorf("vacuum-sessions (-want +got):\n%s", diff)
	}

	rb, err = LoadRunbook(filepath.Join("..", "testdata", "runbooks", "shell.toml"), actions.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := rb.Find("show-slab")
	if !a.Shell || a.Plan(nil)[0] != "/bin/sh -c 'slabtop -o | head -20'" {
		t.Errorf("shell action: %+v plan %q", a, a.Plan(nil))
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := LoadRunbook(filepath.Join(t.TempDir(), "nope.toml"), actions.Options{})
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope.toml") {
		t.Errorf("err = %v", err)
	}
}

func TestLoadRefusesAWritableFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rb.toml")
	if err := os.WriteFile(path, []byte("[[actions]]\nid = \"restart-odoo\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadRunbook(path, actions.Options{}); err != nil {
		t.Fatalf("mode 0600: %v", err)
	}
	if err := os.Chmod(path, 0o666); err != nil {
		t.Fatal(err)
	}
	_, err := LoadRunbook(path, actions.Options{})
	if err == nil || !strings.Contains(err.Error(), "writable by anyone (mode 0666)") || !strings.Contains(err.Error(), "chmod o-w") {
		t.Errorf("err = %v", err)
	}
}

// TestLoadRefusesNonRegular: a FIFO given as --runbook would block the
// start forever in open(2), a device would stream into the size bound.
func TestLoadRefusesNonRegular(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for path, kind := range map[string]string{"/dev/zero": "a character device", fifo: "a FIFO"} {
		done := make(chan error, 1)
		go func() { _, err := LoadRunbook(path, actions.Options{}); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), path+" is "+kind) {
				t.Errorf("%s: %v", path, err)
			}
		case <-time.After(time.Second):
			t.Fatalf("%s: still loading after a second", path)
		}
	}
}
