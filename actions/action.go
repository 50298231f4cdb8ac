// Package actions is memtui's runbook: the action definitions (built-in and
// parsed from a user's TOML file), what a run is asked and what it did
// (Request, Result, the outcome of each step), previews and the list. The
// runner that executes them safely lives in actions/run.
//
// Dependency rule: actions is pure (the standard library, TOML and
// internal/ only) and never imports ui, Bubble Tea, Lip Gloss, ntcharts or
// probes, so the ui may take its types from here. It reads no flags and no
// environment: main.go passes in the user, the proc root and the
// PostgreSQL connection.
package actions

import (
	"fmt"
	"strings"
	"time"

	"github.com/memtui/memtui/internal/redact"
	"github.com/memtui/memtui/internal/termtext"
	"github.com/memtui/memtui/internal/units"
)

// Risk is how much damage an action can do; it decides how the confirmation
// is asked for.
type Risk string

// The three risks of the seed runbook.
const (
	RiskLow    Risk = "low"
	RiskMedium Risk = "medium"
	RiskHigh   Risk = "high"
)

// Valid reports whether r is one of low, medium, high.
func (r Risk) Valid() bool { return r == RiskLow || r == RiskMedium || r == RiskHigh }

// Kind says how an action runs.
type Kind string

// The kinds the runner knows.
const (
	// KindCommands runs a list of argv lists in order, no shell unless
	// Shell is set, stopping at the first failure.
	KindCommands Kind = "commands"
	// KindSQL runs SQL on memtui's own PostgreSQL connection.
	KindSQL Kind = "sql"
	// KindTerminateIdle terminates client backends idle longer than IdleAfter.
	KindTerminateIdle Kind = "terminate-idle-postgres"
	// KindSignal sends TERM, then KILL after Grace, to one process.
	KindSignal Kind = "signal-process"
	// KindDropCaches runs sync(2) and writes "3" to <proc>/sys/vm/drop_caches.
	KindDropCaches Kind = "drop-caches"
	// KindRedisFlushAll runs FLUSHALL on the Redis server memtui reads.
	KindRedisFlushAll Kind = "redis-flushall"
	// KindRedisFlushDB runs FLUSHDB on database RedisDB of that server.
	KindRedisFlushDB Kind = "redis-flushdb"
	// KindOdooLimits proposes Odoo worker limits for this host, shows the
	// diff of odoo.conf, writes it with a backup and runs Commands (the
	// restart).
	KindOdooLimits Kind = "odoo-limits"
	// KindOdooRestore puts back the newest backup KindOdooLimits made,
	// showing the diff first, then runs Commands (the restart).
	KindOdooRestore Kind = "odoo-restore"
	// KindChecklist shows manual steps and runs nothing.
	KindChecklist Kind = "checklist"
	// KindNote adds a note to the timeline and runs nothing.
	KindNote Kind = "note"
)

var kinds = []Kind{KindCommands, KindSQL, KindTerminateIdle, KindSignal, KindDropCaches, KindRedisFlushAll, KindRedisFlushDB, KindOdooLimits, KindOdooRestore, KindChecklist, KindNote}

// Valid reports whether k is a kind the runner knows.
func (k Kind) Valid() bool {
	for _, x := range kinds {
		if k == x {
			return true
		}
	}
	return false
}

// RunsNothing reports whether the kind leaves the machine untouched (so
// read-only mode may still use it).
func (k Kind) RunsNothing() bool { return k == KindChecklist || k == KindNote }

// Defaults used when an action leaves a field out.
const (
	DefaultTimeout      = 60 * time.Second
	DefaultRecheckAfter = 30 * time.Second // the seed waits 30 s before re-checking
	DefaultIdleAfter    = 30 * time.Minute // the seed's "idle for 30 minutes"
	DefaultGrace        = 10 * time.Second // TERM → KILL
)

// Action is one runbook entry.
type Action struct {
	ID          string // unique, lowercase words joined by '-'
	Name        string
	Risk        Risk
	Description string
	Kind        Kind

	// Commands are argv lists (KindCommands). With Shell each list holds a
	// single string run by /bin/sh -c.
	Commands [][]string
	Shell    bool

	// SQL is run by KindSQL; Preview, if set, is a read-only query whose rows
	// are shown in the confirmation. Database, if set, is the database the
	// SQL is meant for: the runner refuses when connected elsewhere, so the
	// seed's DELETEs never hit the wrong database.
	SQL      string
	Preview  string
	Database string

	// IdleAfter is the idle threshold of KindTerminateIdle.
	IdleAfter time.Duration
	// Grace is how long KindSignal waits after TERM before KILL.
	Grace time.Duration
	// File is the drop_caches file KindDropCaches writes to.
	File string
	// DropLevel is what KindDropCaches writes: 1 frees the page cache
	// only, 3 (the default, 0 here) the page cache, dentries and inodes.
	DropLevel int
	// RedisDB is the database KindRedisFlushDB flushes; NoRedisDB when
	// none is configured (the run is refused and says how to set it).
	RedisDB int
	// Steps are the manual steps of KindChecklist.
	Steps []string

	Timeout      time.Duration // whole run; 0 means DefaultTimeout
	RecheckAfter time.Duration // wait before re-checking memory; 0 means none

	// Auto marks a step of the automated response `memtui watch` runs
	// with nobody to confirm it: only low-risk actions of a kind that needs
	// no target, no preview choice and no typed text may carry it.
	Auto bool

	// Source is "built-in" or the runbook file that defined or last
	// overrode the action.
	Source string
}

// EffectiveDropLevel is the value KindDropCaches writes to drop_caches.
func (a Action) EffectiveDropLevel() int {
	if a.DropLevel == 0 {
		return 3
	}
	return a.DropLevel
}

// NotAutomatable says why a may not be a step of the automated response
// ("" when it may): with nobody at the keyboard only a low-risk action
// that needs no choice from a person runs.
func (a Action) NotAutomatable() string {
	switch {
	case a.Risk != RiskLow:
		return fmt.Sprintf("auto = true is allowed only on low-risk actions (this one is %s): memtui watch runs automated steps with nobody to confirm them", a.Risk)
	case a.Kind == KindSignal:
		return "auto = true: a signal needs a process chosen by a person"
	case a.Kind == KindChecklist || a.Kind == KindNote:
		return fmt.Sprintf("auto = true: a %s action runs nothing", a.Kind)
	case a.Kind == KindOdooLimits || a.Kind == KindOdooRestore:
		return "auto = true: an odoo.conf change is written only after a person has read its diff"
	case a.Kind == KindRedisFlushDB && a.RedisDB < 0:
		return "auto = true: no Redis cache database is configured ([builtin] redis_cache_db = N)"
	}
	return ""
}

// EffectiveTimeout is the timeout the runner applies.
func (a Action) EffectiveTimeout() time.Duration {
	if a.Timeout > 0 {
		return a.Timeout
	}
	return DefaultTimeout
}

// Target is the process a KindSignal action is aimed at, as the caller (the
// process panel) saw it.
type Target struct {
	PID      int
	Comm     string
	RSSBytes uint64
	// StartTicks is the process start time from /proc/PID/stat (field 22,
	// clock ticks since boot); 0 means not known yet. The runner fills it in
	// at preview and re-checks it before every signal so a recycled pid is
	// never hit.
	StartTicks uint64
}

// Plan lists, one line per step, exactly what the action will run, secrets
// redacted. t is the signal target (nil when none is selected). This is
// what the palette, the confirmation and `memtui actions` show; a control
// character in a runbook's command shows as '?' (termtext.Printable) instead
// of moving the terminal.
func (a Action) Plan(t *Target) []string {
	out := a.plan(t)
	for i, l := range out {
		out[i] = termtext.Printable(l)
	}
	return out
}

func (a Action) plan(t *Target) []string {
	switch a.Kind {
	case KindCommands:
		out := make([]string, 0, len(a.Commands))
		for _, argv := range a.Commands {
			if a.Shell && len(argv) == 1 {
				out = append(out, "/bin/sh -c "+shellQuote(redact.Redact(argv[0])))
				continue
			}
			out = append(out, QuoteArgv(redact.RedactArgv(argv)))
		}
		return out
	case KindSQL:
		var out []string
		db := "the connected database"
		if a.Database != "" {
			db = "database " + a.Database
		}
		if a.Preview != "" {
			out = append(out, "preview on "+db+": "+OneLine(redact.Redact(a.Preview)))
		}
		return append(out, "SQL on "+db+": "+OneLine(redact.Redact(a.SQL)))
	case KindTerminateIdle:
		return []string{fmt.Sprintf("SELECT pg_terminate_backend(pid) for each client backend idle for more than %s (never memtui's own session)", units.Duration(a.EffectiveIdleAfter()))}
	case KindSignal:
		who := "<selected process>"
		if t != nil {
			who = fmt.Sprintf("%d (%s, RSS %s)", t.PID, t.Comm, units.Bytes(t.RSSBytes))
		}
		return []string{
			"kill -TERM " + who,
			fmt.Sprintf("wait up to %s; if still running: kill -KILL %s", units.Duration(a.EffectiveGrace()), who),
		}
	case KindDropCaches:
		return []string{"sync", fmt.Sprintf("write %d to %s", a.EffectiveDropLevel(), a.File)}
	case KindRedisFlushAll:
		return []string{"FLUSHALL on the Redis server memtui reads (--redis): deletes every key of every database, sessions included"}
	case KindRedisFlushDB:
		if a.RedisDB < 0 {
			return []string{"FLUSHDB of the Redis cache database: none configured ([builtin] redis_cache_db = N)"}
		}
		return []string{fmt.Sprintf("SELECT %d, FLUSHDB on the Redis server memtui reads (--redis): deletes the keys of db%d only", a.RedisDB, a.RedisDB)}
	case KindOdooLimits, KindOdooRestore:
		out := []string{"odoo.conf: " + a.File}
		if a.File == "" {
			out[0] = "odoo.conf: the -c of the running odoo-bin, else /etc/odoo/odoo.conf"
		}
		if a.Kind == KindOdooLimits {
			out = append(out, "compute worker limits for this host's RAM, CPUs and PostgreSQL; show the diff",
				"write it, keeping the old file beside it as odoo.conf.memtui-<time>")
		} else {
			out = append(out, "show the diff back to its newest odoo.conf.memtui-<time> backup",
				"write the backup back, keeping the current file as a backup too")
		}
		for _, argv := range a.Commands {
			out = append(out, "then: "+QuoteArgv(redact.RedactArgv(argv)))
		}
		return out
	case KindChecklist:
		out := []string{"runs nothing; steps to do by hand:"}
		for _, s := range a.Steps {
			out = append(out, "  "+redact.Redact(s))
		}
		return out
	case KindNote:
		return []string{"runs nothing; adds a note to the timeline"}
	}
	return nil
}

// HasPreview reports whether the confirmation must show a preview from
// Runner.Preview (what will be terminated, signalled, deleted) before the
// action may run.
func (a Action) HasPreview() bool {
	switch a.Kind {
	case KindTerminateIdle, KindSignal, KindRedisFlushAll, KindRedisFlushDB, KindOdooLimits, KindOdooRestore:
		return true
	case KindSQL:
		return a.Preview != ""
	}
	return false
}

// EffectiveIdleAfter is how long a backend must be idle before a
// terminate-idle action ends it (DefaultIdleAfter when unset).
func (a Action) EffectiveIdleAfter() time.Duration {
	if a.IdleAfter > 0 {
		return a.IdleAfter
	}
	return DefaultIdleAfter
}

// EffectiveGrace is how long a signal action waits after TERM before KILL
// (DefaultGrace when unset).
func (a Action) EffectiveGrace() time.Duration {
	if a.Grace > 0 {
		return a.Grace
	}
	return DefaultGrace
}

// QuoteArgv renders argv the way a shell user would type it, quoting only
// what needs quoting.
func QuoteArgv(argv []string) string {
	q := make([]string, len(argv))
	for i, s := range argv {
		q[i] = shellQuote(s)
	}
	return strings.Join(q, " ")
}

func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,+@%*", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// OneLine folds whitespace runs (SQL written over several lines) into one
// space so a plan step stays one line.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Validate checks the rules every action obeys, whatever its source: a
// well-formed id, a known risk and kind, and what its kind needs to run.
func (a Action) Validate() error {
	var errs []string
	if !idRe.MatchString(a.ID) {
		errs = append(errs, fmt.Sprintf("id %q: use lowercase letters, digits and '-'", a.ID))
	}
	if !a.Risk.Valid() {
		errs = append(errs, fmt.Sprintf("risk %q is not one of low, medium, high", a.Risk))
	}
	switch a.Kind {
	case KindCommands:
		if len(a.Commands) == 0 {
			errs = append(errs, "no commands")
		}
		for i, argv := range a.Commands {
			if len(argv) == 0 || argv[0] == "" || (a.Shell && len(argv) != 1) {
				errs = append(errs, fmt.Sprintf("commands[%d] is not a runnable argv", i))
			}
		}
	case KindSQL:
		if strings.TrimSpace(a.SQL) == "" {
			errs = append(errs, "no sql")
		}
	case KindChecklist:
		if len(a.Steps) == 0 {
			errs = append(errs, "no steps")
		}
	case KindDropCaches:
		if a.File == "" {
			errs = append(errs, "no drop_caches file")
		}
		if l := a.EffectiveDropLevel(); l != 1 && l != 2 && l != 3 {
			errs = append(errs, fmt.Sprintf("drop level %d is not 1 (page cache), 2 (dentries and inodes) or 3 (both)", l))
		}
	case KindSignal:
		if a.EffectiveGrace()+5*time.Second > a.EffectiveTimeout() {
			errs = append(errs, "timeout leaves no time for KILL after the grace period")
		}
	case KindOdooLimits, KindOdooRestore:
		for _, argv := range a.Commands {
			if len(argv) == 0 || argv[0] == "" {
				errs = append(errs, "an empty command after the odoo.conf write")
			}
		}
	case KindTerminateIdle, KindNote, KindRedisFlushAll, KindRedisFlushDB:
	default:
		errs = append(errs, fmt.Sprintf("kind %q is not one of %s", a.Kind, kindList()))
	}
	if a.Auto {
		if why := a.NotAutomatable(); why != "" {
			errs = append(errs, why)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("action %q: %s", a.ID, strings.Join(errs, "; "))
	}
	return nil
}
