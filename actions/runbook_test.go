package actions

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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
		// FLUSHALL deletes sessions too: medium, on memtui's own connection;
		// the cache database alone is the low-risk step.
		"clear-redis":          {risk: RiskMedium, kind: KindRedisFlushAll},
		"clear-redis-cache-db": {risk: RiskLow, kind: KindRedisFlushDB},
		"clear-odoo-caches":    {risk: RiskMedium, kind: KindSQL, sql: "DELETE FROM ir_cache; DELETE FROM ir_attachment WHERE name LIKE '%cache%';", database: "odoo_production"},
		"restart-odoo":         {risk: RiskLow, kind: KindCommands, commands: [][]string{{"systemctl", "restart", "odoo"}}},
		// The automated response: "Clear caches" at 85 %, the page cache
		// only (echo 1), low risk so memtui watch may run it alone.
		"clear-page-cache": {risk: RiskLow, kind: KindDropCaches, file: "/proc/sys/vm/drop_caches"},
		// Option 2: Reduce Database Connections (Low Risk).
		"terminate-idle-postgres": {risk: RiskLow, kind: KindTerminateIdle},
		// Option 3: Adjust Odoo Configuration (Medium Risk), computed for
		// the host and written with a diff and a backup, and its undo.
		"adjust-odoo-workers": {risk: RiskMedium, kind: KindOdooLimits, commands: [][]string{{"systemctl", "restart", "odoo"}}},
		"restore-odoo-conf":   {risk: RiskMedium, kind: KindOdooRestore, commands: [][]string{{"systemctl", "restart", "odoo"}}},
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
	// The seed's fixed values (2.5 GB hard, 2 GB soft) fit its 8 GB
	// example only by luck: the limits are computed for the host, and the
	// plan says the diff is shown and the old file kept.
	workers, _ := Runbook{Actions: acts}.Find("adjust-odoo-workers")
	plan := strings.Join(workers.Plan(nil), "\n")
	for _, v := range []string{"show the diff", "odoo.conf.memtui-<time>", "then: systemctl restart odoo"} {
		if !strings.Contains(plan, v) {
			t.Errorf("the plan of adjust-odoo-workers lacks %q:\n%s", v, plan)
		}
	}
	scale, _ := Runbook{Actions: acts}.Find("scale-resources")
	for _, v := range []string{"doctl compute droplet-action resize DROPLET_ID --size s-4vcpu-8gb", "aws ec2 modify-instance-attribute --instance-id i-xxxxx --instance-type t3.large"} {
		if !strings.Contains(strings.Join(scale.Steps, "\n"), v) {
			t.Errorf("scale checklist lacks the seed's %q", v)
		}
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
			[]string{`bad.toml:8: action 2: unknown key "risc" (known: id, name, risk, description, kind, commands, shell, sql, preview, database, idle_after, grace, steps, timeout, recheck_after, auto)`}},
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
			[]string{`bad.toml:4: action "x": kind "magic" is not one of commands, sql, terminate-idle-postgres, signal-process, drop-caches, redis-flushall, redis-flushdb, odoo-limits, odoo-restore, checklist, note`}},
		{"unknown top-level key", "title = \"x\"\n[[actions]]\nid = \"restart-odoo\"\n",
			[]string{`bad.toml:1: unknown top-level key "title" (want [[actions]], [builtin] or [related])`}},
		{"bad builtin", "[builtin]\napp_unit = \"odoo; rm -rf /\"\ncolour = \"red\"\n",
			[]string{`bad.toml:2: [builtin] app_unit: "odoo; rm -rf /" is not a systemd unit name`, `bad.toml:3: [builtin] unknown key "colour" (known: app_unit, app_database, postgres_unit, redis_cache_db)`}},
		{"bad redis_cache_db", "[builtin]\nredis_cache_db = \"3\"\n",
			[]string{`bad.toml:2: [builtin] redis_cache_db: want a database number from 0 to 65536, got 3`}},
		{"signal grace longer than timeout", "[[actions]]\nid = \"signal-process\"\ngrace = \"50s\"\n",
			[]string{`bad.toml:3: action "signal-process": timeout 30 s must exceed grace 50 s by at least 5 s (KILL needs time too)`}},
		{"several errors at once", "[[actions]]\nid = \"a\"\nrisk = \"huge\"\ntimeout = \"x\"\ncommands = [[\"true\"]]\n",
			[]string{`bad.toml:3: action "a": risk "huge" is not one of low, medium, high`, `bad.toml:4: action "a": timeout: "x" is not a duration (like "60s", "2m", "1h30m")`}},
		{"medium action marked auto", "[[actions]]\nid = \"restart-all\"\nrisk = \"medium\"\ncommands = [[\"systemctl\", \"restart\", \"odoo\"]]\nauto = true\n",
			[]string{`bad.toml:5: action "restart-all": auto = true is allowed only on low-risk actions (this one is medium): memtui watch runs automated steps with nobody to confirm them`}},
		{"built-in high action marked auto", "[[actions]]\nid = \"drop-page-caches\"\nauto = true\n",
			[]string{`bad.toml:3: action "drop-page-caches": auto = true is allowed only on low-risk actions (this one is high): memtui watch runs automated steps with nobody to confirm them`}},
		{"auto on a checklist", "[[actions]]\nid = \"scale-resources\"\nrisk = \"low\"\nauto = true\n",
			[]string{`bad.toml:4: action "scale-resources": auto = true: a checklist action runs nothing`}},
		{"auto on an odoo.conf edit", "[[actions]]\nid = \"adjust-odoo-workers\"\nrisk = \"low\"\nauto = true\n",
			[]string{`bad.toml:4: action "adjust-odoo-workers": auto = true: an odoo.conf change is written only after a person has read its diff`}},
		{"auto not a bool", "[[actions]]\nid = \"restart-odoo\"\nauto = \"yes\"\n",
			[]string{`bad.toml:3: action "restart-odoo": auto: want true or false, got the string "yes"`}},
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

// TestOverrideChangesKind: a site with its own tool for the worker limits
// turns the built-in odoo.conf edit into commands.
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
		Description: "Compute odoo.conf worker limits that fit this host (RAM, CPUs, PostgreSQL), show the diff, write it with a backup, restart odoo.",
		Commands:    [][]string{{"/usr/local/sbin/odoo-limits", "--hard", "2684354560", "--soft", "2147483648"}},
		Timeout:     30 * time.Second, RecheckAfter: 30 * time.Second, Source: "site.toml"}
	if diff := cmp.Diff(want, a); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
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

// The cache database comes from [builtin] redis_cache_db and nowhere else:
// unset, clear-redis-cache-db is listed but flushes nothing, and an action
// turned into redis-flushdb never falls back to db0 (often the sessions).
func TestRedisCacheDB(t *testing.T) {
	rb, err := Parse("rb.toml", []byte("[builtin]\nredis_cache_db = 2\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := rb.Find("clear-redis-cache-db"); a.RedisDB != 2 || !strings.Contains(strings.Join(a.Plan(nil), " "), "db2 only") {
		t.Errorf("configured: %d %q", a.RedisDB, a.Plan(nil))
	}
	rb, err = Parse("rb.toml", []byte("[[actions]]\nid = \"flush-sessions-never\"\nrisk = \"low\"\nkind = \"redis-flushdb\"\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"clear-redis-cache-db", "flush-sessions-never"} {
		if a, _ := rb.Find(id); a.RedisDB != NoRedisDB {
			t.Errorf("%s: unconfigured database is %d", id, a.RedisDB)
		}
	}
}

// TestWriteList: `memtui actions` over the sample runbook (Parse is what
// run.LoadRunbook hands the file to).
func TestWriteList(t *testing.T) {
	path := filepath.Join("testdata", "runbooks", "good.toml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := Parse(path, data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteList(&b, rb); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "good", b.String())
}

// TestAutoSteps: the built-in automated step is the page cache only, and
// a runbook adds its own low-risk steps or takes the built-in one away.
func TestAutoSteps(t *testing.T) {
	auto := func(rb Runbook) []string {
		var ids []string
		for _, a := range rb.Actions {
			if a.Auto {
				ids = append(ids, a.ID)
			}
		}
		return ids
	}
	rb, err := Parse("", nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"clear-page-cache"}, auto(rb)); diff != "" {
		t.Errorf("built-in auto steps (-want +got):\n%s", diff)
	}
	pc, _ := rb.Find("clear-page-cache")
	if pc.Risk != RiskLow || pc.Kind != KindDropCaches || pc.EffectiveDropLevel() != 1 {
		t.Errorf("clear-page-cache: %+v", pc)
	}
	if diff := cmp.Diff([]string{"sync", "write 1 to /proc/sys/vm/drop_caches"}, pc.Plan(nil)); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
	hp, _ := rb.Find("drop-page-caches")
	if hp.Auto || hp.EffectiveDropLevel() != 3 {
		t.Errorf("drop-page-caches: auto %v level %d", hp.Auto, hp.EffectiveDropLevel())
	}
	text := "[[actions]]\nid = \"clear-page-cache\"\nauto = false\n\n[[actions]]\nid = \"clear-odoo-caches\"\nrisk = \"low\"\nauto = true\n\n" +
		"[[actions]]\nid = \"trim-logs\"\nrisk = \"low\"\ncommands = [[\"journalctl\", \"--vacuum-size=200M\"]]\nauto = true\n"
	rb, err = Parse("site.toml", []byte(text), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"clear-odoo-caches", "trim-logs"}, auto(rb)); diff != "" {
		t.Errorf("site auto steps (-want +got):\n%s", diff)
	}
}

// TestRelatedRunbooks: the [related] table gives the report's links in
// file order; without it the seed's four titles stand, without addresses;
// a bad address is refused by line.
func TestRelatedRunbooks(t *testing.T) {
	rb, err := Parse("", nil, Options{})
	if err != nil || len(rb.Related) != 4 || rb.Related[0].Name != "High CPU Usage" || rb.Related[0].URL != "" {
		t.Fatalf("defaults %+v %v", rb.Related, err)
	}
	rb, err = Parse("site.toml", []byte(`[related]
"OOM Killer Investigation" = "https://wiki.example.com/runbooks/oom"
"High CPU Usage" = "runbooks/high-cpu.md"
`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Link{{"OOM Killer Investigation", "https://wiki.example.com/runbooks/oom"}, {"High CPU Usage", "runbooks/high-cpu.md"}}
	if diff := cmp.Diff(want, rb.Related); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	_, err = Parse("bad.toml", []byte("[related]\n\"A\" = \"javascript://x\"\n\"B\" = 5\n"), Options{})
	if err == nil || !strings.Contains(err.Error(), "bad.toml:2: [related] \"A\": the address \"javascript://x\" is neither http(s) nor a relative path") ||
		!strings.Contains(err.Error(), "bad.toml:3: [related] \"B\": want the address as a string") {
		t.Errorf("bad [related]: %v", err)
	}
}
