package actions

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// TestBuiltinRunbook pins every built-in action to the seed runbook: its
// risk level and exactly the argv (or SQL) the seed types.
func TestBuiltinRunbook(t *testing.T) {
	type want struct {
		risk     Risk
		kind     Kind
		commands [][]string
		sql      string
		database string
		file     string
	}
	wants := map[string]want{
		// Option 1: Clear Application Caches (Low Risk).
		"clear-redis":       {risk: RiskLow, kind: KindCommands, commands: [][]string{{"redis-cli", "FLUSHALL"}}},
		"clear-odoo-caches": {risk: RiskLow, kind: KindSQL, sql: "DELETE FROM ir_cache; DELETE FROM ir_attachment WHERE name LIKE '%cache%';", database: "odoo_production"},
		"restart-odoo":      {risk: RiskLow, kind: KindCommands, commands: [][]string{{"systemctl", "restart", "odoo"}}},
		// Option 2: Reduce Database Connections (Low Risk).
		"terminate-idle-postgres": {risk: RiskLow, kind: KindTerminateIdle},
		// Option 3: Adjust Odoo Configuration (Medium Risk).
		"adjust-odoo-workers": {risk: RiskMedium, kind: KindChecklist},
		// Option 4: Emergency Memory Recovery (High Risk).
		"drop-page-caches":   {risk: RiskHigh, kind: KindDropCaches, file: "/proc/sys/vm/drop_caches"},
		"restart-postgresql": {risk: RiskHigh, kind: KindCommands, commands: [][]string{{"systemctl", "restart", "postgresql"}, {"systemctl", "restart", "odoo"}}},
		// Option 5: Scale Resources.
		"scale-resources": {risk: RiskMedium, kind: KindChecklist},
		"signal-process":  {risk: RiskMedium, kind: KindSignal},
		"add-note":        {risk: RiskLow, kind: KindNote},
	}
	acts := Builtin(Options{})
	seen := map[string]bool{}
	for _, a := range acts {
		t.Run(a.ID, func(t *testing.T) {
			if err := a.Validate(); err != nil {
				t.Fatal(err)
			}
			if seen[a.ID] {
				t.Fatalf("duplicate id")
			}
			seen[a.ID] = true
			w, ok := wants[a.ID]
			if !ok {
				t.Fatalf("built-in action %q is not in the seed table of this test", a.ID)
			}
			got := want{a.Risk, a.Kind, a.Commands, a.SQL, a.Database, a.File}
			if diff := cmp.Diff(w, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("(-seed +built-in):\n%s", diff)
			}
			if a.Name == "" || a.Description == "" || a.Source != "built-in" {
				t.Errorf("name %q description %q source %q", a.Name, a.Description, a.Source)
			}
			if !a.Kind.RunsNothing() && a.RecheckAfter != 30*time.Second {
				t.Errorf("recheck_after = %v, the seed waits 30s", a.RecheckAfter)
			}
		})
	}
	if len(acts) != len(wants) {
		t.Errorf("%d built-in actions, want %d", len(acts), len(wants))
	}
	idle, _ := Runbook{Actions: acts}.Find("terminate-idle-postgres")
	if idle.IdleAfter != 30*time.Minute {
		t.Errorf("idle threshold %v, the seed says 30 minutes", idle.IdleAfter)
	}
	workers, _ := Runbook{Actions: acts}.Find("adjust-odoo-workers")
	for _, v := range []string{"limit_memory_hard = 2684354560", "limit_memory_soft = 2147483648", "limit_time_cpu = 60", "limit_time_real = 120"} {
		if !strings.Contains(strings.Join(workers.Steps, "\n"), v) {
			t.Errorf("worker checklist lacks the seed's %q", v)
		}
	}
	scale, _ := Runbook{Actions: acts}.Find("scale-resources")
	for _, v := range []string{"doctl compute droplet-action resize DROPLET_ID --size s-4vcpu-8gb", "aws ec2 modify-instance-attribute --instance-id i-xxxxx --instance-type t3.large"} {
		if !strings.Contains(strings.Join(scale.Steps, "\n"), v) {
			t.Errorf("scale checklist lacks the seed's %q", v)
		}
	}
}

func TestBuiltinOptions(t *testing.T) {
	rb, err := Load("", Options{AppUnit: "erp", PostgresUnit: "postgresql@16-main", AppDatabase: "erp_db", ProcRoot: "/host/proc"})
	if err != nil {
		t.Fatal(err)
	}
	get := func(id string) Action { a, _ := rb.Find(id); return a }
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
	path := filepath.Join("testdata", "runbooks", "good.toml")
	rb, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range rb.Actions {
		ids = append(ids, a.ID)
	}
	wantIDs := []string{"clear-redis", "clear-odoo-caches", "restart-odoo", "terminate-idle-postgres", "adjust-odoo-workers",
		"drop-page-caches", "restart-postgresql", "scale-resources", "signal-process", "add-note", "clear-nginx-cache", "vacuum-sessions"}
	if diff := cmp.Diff(wantIDs, ids); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	get := func(id string) Action { a, _ := rb.Find(id); return a }

	// Override: only the keys given change; [builtin] app_unit reaches the
	// built-in's argv and name.
	want := Action{ID: "restart-odoo", Name: "Restart odoo16", Risk: RiskMedium, Kind: KindCommands,
		Description: "Restart the application service to release its memory (brief downtime).",
		Commands:    [][]string{{"systemctl", "restart", "odoo16"}},
		Timeout:     90 * time.Second, RecheckAfter: 30 * time.Second, Source: path}
	if diff := cmp.Diff(want, get("restart-odoo")); diff != "" {
		t.Errorf("restart-odoo (-want +got):\n%s", diff)
	}
	if got := get("terminate-idle-postgres"); got.IdleAfter != 10*time.Minute || got.Risk != RiskLow || got.Source != path {
		t.Errorf("terminate-idle-postgres = %+v", got)
	}
	if got := get("clear-odoo-caches").Database; got != "erp" {
		t.Errorf("app_database not applied: %q", got)
	}
	want = Action{ID: "clear-nginx-cache", Name: "Clear nginx cache", Risk: RiskLow, Kind: KindCommands,
		Description: "Remove nginx's proxy cache.",
		Commands:    [][]string{{"find", "/var/cache/nginx", "-type", "f", "-delete"}, {"systemctl", "reload", "nginx"}},
		Timeout:     2 * time.Minute, RecheckAfter: 15 * time.Second, Source: path}
	if diff := cmp.Diff(want, get("clear-nginx-cache")); diff != "" {
		t.Errorf("clear-nginx-cache (-want +got):\n%s", diff)
	}
	want = Action{ID: "vacuum-sessions", Name: "Delete expired web sessions", Risk: RiskMedium, Kind: KindSQL,
		SQL: "DELETE FROM http_session\n WHERE expiry < now()", Preview: "SELECT count(*) FROM http_session WHERE expiry < now()",
		Database: "erp", Source: path}
	if diff := cmp.Diff(want, get("vacuum-sessions")); diff != "" {
		t.Errorf("vacuum-sessions (-want +got):\n%s", diff)
	}

	rb, err = Load(filepath.Join("testdata", "runbooks", "shell.toml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := rb.Find("show-slab")
	if !a.Shell || a.Plan(nil)[0] != "/bin/sh -c 'slabtop -o | head -20'" {
		t.Errorf("shell action: %+v plan %q", a, a.Plan(nil))
	}
}

func TestParseBrokenRunbook(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string // each error, in order
	}{
		{"syntax error", "[[actions]]\nid = \"x\nrisk = \"low\"\n",
			[]string{"bad.toml:2: strings cannot contain newlines"}},
		{"unknown key", "[[actions]]\nid = \"a\"\nrisk = \"low\"\ncommands = [[\"true\"]]\n\n[[actions]]\nid = \"b\"\nrisc = \"low\"\nrisk = \"low\"\ncommands = [[\"true\"]]\n",
			[]string{`bad.toml:8: action 2: unknown key "risc" (known: id, name, risk, description, kind, commands, shell, sql, preview, database, idle_after, grace, steps, timeout, recheck_after)`}},
		{"bad risk on the second entry", "[[actions]]\nid = \"a\"\nrisk = \"low\"\ncommands = [[\"true\"]]\n\n[[actions]]\nid = \"b\"\ncommands = [\n  [\"true\"],\n]\nrisk = \"extreme\"\n",
			[]string{`bad.toml:11: action "b": risk "extreme" is not one of low, medium, high`}},
		{"duration as a number", "[[actions]]\nid = \"restart-odoo\"\ntimeout = 60\n",
			[]string{`bad.toml:3: action "restart-odoo": timeout: want a duration in quotes like "60s" or "30m", got the number 60`}},
		{"bad duration", "[[actions]]\nid = \"restart-odoo\"\nrecheck_after = \"soon\"\n",
			[]string{`bad.toml:3: action "restart-odoo": recheck_after: "soon" is not a duration (like "60s", "2m", "1h30m")`}},
		{"command as one string", "[[actions]]\nid = \"x\"\nrisk = \"low\"\ncommands = [\"systemctl restart odoo\"]\n",
			[]string{`bad.toml:4: action "x": commands[0]: want a list of strings, got the string "systemctl restart odoo" (write ["systemctl", "restart", "odoo"], not a bare string)`}},
		{"shell words without shell", "[[actions]]\nid = \"x\"\nrisk = \"low\"\ncommands = [[\"sync && echo 3\"]]\n",
			[]string{`bad.toml:4: action "x": commands[0]: "sync && echo 3" is one string; write it as an argv list like ["sync", "&&", "echo", "3"], or set shell = true`}},
		{"no id", "[[actions]]\nrisk = \"low\"\n",
			[]string{`bad.toml:1: action 1: no id (every [[actions]] needs id = "…")`}},
		{"bad id", "[[actions]]\nid = \"Restart Odoo\"\n",
			[]string{`bad.toml:2: action 1: id "Restart Odoo": use lowercase letters, digits and '-' (up to 48)`}},
		{"nothing to run", "[[actions]]\nid = \"x\"\nrisk = \"low\"\n",
			[]string{`bad.toml:1: action "x": says nothing to run: give commands, sql, steps or kind`}},
		{"new action without risk", "[[actions]]\nid = \"x\"\ncommands = [[\"true\"]]\n",
			[]string{`bad.toml:1: action "x": no risk (low, medium or high)`}},
		{"duplicate id", "[[actions]]\nid = \"x\"\nrisk = \"low\"\ncommands = [[\"true\"]]\n[[actions]]\nid = \"x\"\nrisk = \"low\"\ncommands = [[\"true\"]]\n",
			[]string{`bad.toml:6: action "x" is defined twice (first at line 2)`}},
		{"key of another kind", "[[actions]]\nid = \"restart-odoo\"\nsql = \"DELETE FROM x\"\n",
			[]string{`bad.toml:3: action "restart-odoo": sql does not apply to kind commands`}},
		{"unknown kind", "[[actions]]\nid = \"x\"\nrisk = \"low\"\nkind = \"magic\"\n",
			[]string{`bad.toml:4: action "x": kind "magic" is not one of commands, sql, terminate-idle-postgres, signal-process, drop-caches, checklist, note`}},
		{"unknown top-level key", "title = \"x\"\n[[actions]]\nid = \"restart-odoo\"\n",
			[]string{`bad.toml:1: unknown top-level key "title" (want [[actions]] or [builtin])`}},
		{"bad builtin", "[builtin]\napp_unit = \"odoo; rm -rf /\"\ncolour = \"red\"\n",
			[]string{`bad.toml:2: [builtin] app_unit: "odoo; rm -rf /" is not a systemd unit name`, `bad.toml:3: [builtin] unknown key "colour" (known: app_unit, app_database, postgres_unit)`}},
		{"signal grace longer than timeout", "[[actions]]\nid = \"signal-process\"\ngrace = \"50s\"\n",
			[]string{`bad.toml:3: action "signal-process": timeout 30 s must exceed grace 50 s by at least 5 s (KILL needs time too)`}},
		{"several errors at once", "[[actions]]\nid = \"a\"\nrisk = \"huge\"\ntimeout = \"x\"\ncommands = [[\"true\"]]\n",
			[]string{`bad.toml:3: action "a": risk "huge" is not one of low, medium, high`, `bad.toml:4: action "a": timeout: "x" is not a duration (like "60s", "2m", "1h30m")`}},
		{"multi-line string hides a header", "[[actions]]\nid = \"a\"\nrisk = \"low\"\nsql = \"\"\"\n[[actions]]\nrisk = 1\n\"\"\"\ntimeout = 5\n",
			[]string{`bad.toml:8: action "a": timeout: want a duration in quotes like "60s" or "30m", got the number 5`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rb, err := Parse("bad.toml", []byte(tc.text), Options{})
			if err == nil {
				t.Fatalf("accepted: %+v", rb.Actions)
			}
			var got []string
			for _, e := range unjoin(err) {
				var fe *FileError
				if !errors.As(e, &fe) {
					t.Errorf("error %v is not a *FileError", e)
				}
				got = append(got, e.Error())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.toml"), Options{})
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope.toml") {
		t.Errorf("err = %v", err)
	}
}

func TestWriteList(t *testing.T) {
	rb, err := Load(filepath.Join("testdata", "runbooks", "good.toml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteList(&b, rb); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "good", b.String())
}

// FuzzParse feeds arbitrary text to the runbook loader: it must never
// panic, every error must name the file, and whatever it accepts must be a
// runbook the runner can run (valid, unique ids).
func FuzzParse(f *testing.F) {
	for _, name := range []string{"good.toml", "shell.toml"} {
		b, err := os.ReadFile(filepath.Join("testdata", "runbooks", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("[[actions]]\nid = \"x\"\nrisk = \"low\"\ncommands = [[\"true\"]]\n"))
	f.Add([]byte("[builtin]\napp_unit = \"x\"\n[[actions]]\nid = \"signal-process\"\ngrace = \"1s\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rb, err := Parse("f.toml", data, Options{})
		if err != nil {
			for _, e := range unjoin(err) {
				if !strings.HasPrefix(e.Error(), "f.toml") {
					t.Fatalf("error without the file name: %v", e)
				}
			}
			return
		}
		seen := map[string]bool{}
		for _, a := range rb.Actions {
			if err := a.Validate(); err != nil {
				t.Fatalf("accepted an invalid action: %v", err)
			}
			if seen[a.ID] {
				t.Fatalf("duplicate id %q accepted", a.ID)
			}
			seen[a.ID] = true
		}
	})
}

// TestOverrideChangesKind: a site that automates the worker limits turns
// the seed's checklist into commands; the checklist's steps go with it.
func TestOverrideChangesKind(t *testing.T) {
	rb, err := Parse("site.toml", []byte(`[[actions]]
id = "adjust-odoo-workers"
kind = "commands"
commands = [["/usr/local/sbin/odoo-limits", "--hard", "2684354560", "--soft", "2147483648"]]
timeout = "30s"
recheck_after = "30s"
`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := rb.Find("adjust-odoo-workers")
	want := Action{ID: "adjust-odoo-workers", Name: "Adjust Odoo worker memory limits", Risk: RiskMedium, Kind: KindCommands,
		Description: "The seed's odoo.conf worker limits, to set by hand, then restart odoo.",
		Commands:    [][]string{{"/usr/local/sbin/odoo-limits", "--hard", "2684354560", "--soft", "2147483648"}},
		Timeout:     30 * time.Second, RecheckAfter: 30 * time.Second, Source: "site.toml"}
	if diff := cmp.Diff(want, a); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLoadRefusesAWritableFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rb.toml")
	if err := os.WriteFile(path, []byte("[[actions]]\nid = \"restart-odoo\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, Options{}); err != nil {
		t.Fatalf("mode 0600: %v", err)
	}
	if err := os.Chmod(path, 0o666); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path, Options{})
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
		go func() { _, err := Load(path, Options{}); done <- err }()
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

// TestWriteListNoTerminalControl: a runbook's name, description or
// command with an escape sequence or a newline cannot move the terminal of
// `memtui actions`.
func TestWriteListNoTerminalControl(t *testing.T) {
	rb, err := Parse("evil.toml", []byte(`[[actions]]
id = "evil"
name = "Clear \u001b[2J screen\nFAKE LINE"
risk = "low"
description = "x"
commands = [["echo", "\u001b]0;title\u0007", "a\rb"]]
`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteList(&b, rb); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.ContainsAny(out, "\x1b\x07\r") || strings.Contains(out, "\nFAKE LINE") {
		t.Errorf("control characters reached the list:\n%q", out)
	}
	if !strings.Contains(out, "Clear ?[2J screen?FAKE LINE") {
		t.Errorf("name not shown with ? for the controls:\n%s", out)
	}
}
