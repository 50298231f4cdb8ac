package actions

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/BurntSushi/toml"

	"github.com/memtui/memtui/internal/termtext"
	"github.com/memtui/memtui/internal/units"
)

// Runbook is the effective list of actions: the built-in ones with the
// file's overrides applied, then the file's new ones, in that order.
type Runbook struct {
	Actions []Action
	Options Options // effective options, after the file's [builtin] table
	File    string  // the runbook file read, "" for none
	// Related are the runbooks the report points to: the file's [related]
	// table in file order, else the seed's four without addresses.
	Related []Link
}

// Link is a related runbook: its title and where it is ("" unknown).
type Link struct{ Name, URL string }

// DefaultRelated are the seed runbook's related runbooks. Its links are
// relative to a wiki memtui cannot know, so they have no address until a
// runbook file's [related] table gives one.
var DefaultRelated = []Link{{Name: "High CPU Usage"}, {Name: "Service Restart Procedure"}, {Name: "Database Performance Tuning"}, {Name: "OOM Killer Investigation"}}

// Find returns the action with the given id.
func (rb Runbook) Find(id string) (Action, bool) {
	for _, a := range rb.Actions {
		if a.ID == id {
			return a, true
		}
	}
	return Action{}, false
}

// FileError is one thing wrong in a runbook file, at a line.
type FileError struct {
	File string
	Line int // 1-based; 0 when unknown
	Msg  string
}

// Error is "file:line: what is wrong".
func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// MaxRunbookBytes bounds the file read: a runbook is a page of TOML.
const MaxRunbookBytes = 1 << 20

// maxFileErrors caps how many problems one load reports.
const maxFileErrors = 20

// Parse reads a runbook file's text (name is used in errors and as the
// actions' Source). A file with any error is refused as a whole: a half-read
// runbook under stress is worse than none. The error joins one *FileError
// per problem, each with the file and line.
func Parse(name string, data []byte, o Options) (Runbook, error) {
	var raw struct {
		Builtin map[string]any   `toml:"builtin"`
		Related map[string]any   `toml:"related"`
		Actions []map[string]any `toml:"actions"`
	}
	md, err := toml.Decode(string(data), &raw)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return Runbook{}, &FileError{File: name, Line: pe.Position.Line, Msg: pe.Message}
		}
		// Type errors of the top level (actions = 5): the library's message
		// carries its own line.
		return Runbook{}, &FileError{File: name, Msg: strings.TrimPrefix(err.Error(), "toml: ")}
	}
	loc := newLocator(string(data))
	p := &fileParser{name: name, loc: loc}

	for _, k := range md.Keys() {
		if len(k) == 1 && k[0] != "actions" && k[0] != "builtin" && k[0] != "related" {
			p.errAt(loc.topKey(k[0]), "unknown top-level key %q (want [[actions]], [builtin] or [related])", k[0])
		}
	}
	o = p.builtinOptions(raw.Builtin, o)
	o = o.WithDefaults()
	acts := Builtin(o)
	builtinIDs := map[string]bool{}
	for _, a := range acts {
		builtinIDs[a.ID] = true
	}
	seen := map[string]int{}
	for i, m := range raw.Actions {
		a, ok := p.action(i, m, acts, o)
		if !ok {
			continue
		}
		if prev, dup := seen[a.ID]; dup {
			p.errAt(loc.key(i, "id"), "action %q is defined twice (first at line %d)", a.ID, loc.key(prev, "id"))
			continue
		}
		seen[a.ID] = i
		if j := slices.IndexFunc(acts, func(b Action) bool { return b.ID == a.ID }); j >= 0 {
			acts[j] = a
		} else {
			acts = append(acts, a)
		}
	}
	related := p.related(raw.Related)
	if len(p.errs) > 0 {
		return Runbook{}, errors.Join(p.errs...)
	}
	return Runbook{Actions: acts, Options: o, File: name, Related: related}, nil
}

// related reads the [related] table: a title = "address" per line, kept
// in file order; an address is an http(s) URL or a relative path. Without
// the table, the seed's related runbooks, without addresses.
func (p *fileParser) related(m map[string]any) []Link {
	if m == nil {
		return slices.Clone(DefaultRelated)
	}
	var out []Link
	lines := map[string]int{}
	for _, k := range sortedKeys(m) {
		line := p.loc.tableKey("related", k)
		lines[k] = line
		v, ok := m[k].(string)
		switch {
		case !ok:
			p.errAt(line, "[related] %q: want the address as a string, got %s", k, tomlType(m[k]))
			continue
		case k == "" || len(k) > 80 || strings.ContainsFunc(k, unicode.IsControl):
			p.errAt(line, "[related] %q: a title of 1 to 80 printable characters", k)
			continue
		case len(v) > 2048 || strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }):
			p.errAt(line, "[related] %q: the address %q has spaces or control characters", k, v)
			continue
		case strings.Contains(v, "://") && !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://"):
			p.errAt(line, "[related] %q: the address %q is neither http(s) nor a relative path", k, v)
			continue
		}
		out = append(out, Link{Name: k, URL: v})
	}
	slices.SortStableFunc(out, func(a, b Link) int { return lines[a.Name] - lines[b.Name] })
	return out
}

type fileParser struct {
	name string
	loc  *locator
	errs []error
}

func (p *fileParser) errAt(line int, format string, args ...any) {
	if len(p.errs) < maxFileErrors {
		p.errs = append(p.errs, &FileError{File: p.name, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
}

// maxRedisDB bounds redis_cache_db: Redis has 16 databases unless its
// "databases" setting says more.
const maxRedisDB = 1 << 16

var unitRe = regexp.MustCompile(`^[A-Za-z0-9@._:\\-]+$`)

// builtinOptions applies the [builtin] table.
func (p *fileParser) builtinOptions(m map[string]any, o Options) Options {
	for _, k := range sortedKeys(m) {
		line := p.loc.tableKey("builtin", k)
		if k == "redis_cache_db" {
			n, ok := m[k].(int64)
			if !ok || n < 0 || n > maxRedisDB {
				p.errAt(line, "[builtin] redis_cache_db: want a database number from 0 to %d, got %v", maxRedisDB, m[k])
				continue
			}
			db := int(n)
			o.RedisCacheDB = &db
			continue
		}
		s, ok := m[k].(string)
		if !ok {
			p.errAt(line, "[builtin] %s: want a string, got %s", k, tomlType(m[k]))
			continue
		}
		switch k {
		case "app_unit", "postgres_unit":
			if !unitRe.MatchString(s) {
				p.errAt(line, "[builtin] %s: %q is not a systemd unit name", k, s)
				continue
			}
			if k == "app_unit" {
				o.AppUnit = s
			} else {
				o.PostgresUnit = s
			}
		case "app_database":
			if strings.TrimSpace(s) == "" {
				p.errAt(line, "[builtin] app_database: empty")
				continue
			}
			o.AppDatabase = s
		default:
			p.errAt(line, "[builtin] unknown key %q (known: app_unit, app_database, postgres_unit, redis_cache_db)", k)
		}
	}
	return o
}

// actionKeys are the keys an [[actions]] entry may have.
var actionKeys = []string{"id", "name", "risk", "description", "kind", "commands", "shell",
	"sql", "preview", "database", "idle_after", "grace", "steps", "timeout", "recheck_after", "auto"}

var idRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,47}$`)

// action turns the i-th [[actions]] entry into an Action, on top of the
// built-in one with the same id if there is one.
func (p *fileParser) action(i int, m map[string]any, builtins []Action, o Options) (Action, bool) {
	nerr := len(p.errs)
	at := func(k string) int { return p.loc.key(i, k) }
	for _, k := range sortedKeys(m) {
		if !slices.Contains(actionKeys, k) {
			p.errAt(at(k), "action %d: unknown key %q (known: %s)", i+1, k, strings.Join(actionKeys, ", "))
		}
	}
	id, ok := p.str(m, "id", at)
	if !ok {
		if _, has := m["id"]; !has {
			p.errAt(p.loc.block(i), "action %d: no id (every [[actions]] needs id = \"…\")", i+1)
		}
		return Action{}, false
	}
	if !idRe.MatchString(id) {
		p.errAt(at("id"), "action %d: id %q: use lowercase letters, digits and '-' (up to 48)", i+1, id)
		return Action{}, false
	}
	what := fmt.Sprintf("action %q", id)

	var a Action
	base := slices.IndexFunc(builtins, func(b Action) bool { return b.ID == id })
	if base >= 0 {
		a = builtins[base]
	} else {
		a = Action{ID: id, Name: id}
	}
	a.Source = p.name

	if s, ok := p.str(m, "kind", at); ok {
		k := Kind(s)
		if !k.Valid() {
			p.errAt(at("kind"), "%s: kind %q is not one of %s", what, s, kindList())
		} else if k != a.Kind {
			// A new kind drops what the built-in had for its old kind.
			a = Action{ID: a.ID, Name: a.Name, Risk: a.Risk, Description: a.Description,
				Timeout: a.Timeout, RecheckAfter: a.RecheckAfter, Source: a.Source, Kind: k}
		}
	}
	// Drawn on the screen and in `memtui actions`: no control characters
	// (a multi-line description folds into one line).
	if s, ok := p.str(m, "name", at); ok {
		a.Name = termtext.Printable(s)
	}
	if s, ok := p.str(m, "description", at); ok {
		a.Description = termtext.Printable(OneLine(s))
	}
	if s, ok := p.str(m, "risk", at); ok {
		if r := Risk(s); r.Valid() {
			a.Risk = r
		} else {
			p.errAt(at("risk"), "%s: risk %q is not one of low, medium, high", what, s)
		}
	}
	if v, has := m["commands"]; has {
		if cmds, ok := p.argvs(v, what, at("commands")); ok {
			a.Commands = cmds
		}
	}
	if v, has := m["shell"]; has {
		if b, ok := v.(bool); ok {
			a.Shell = b
		} else {
			p.errAt(at("shell"), "%s: shell: want true or false, got %s", what, tomlType(v))
		}
	}
	for _, k := range []string{"sql", "preview", "database"} {
		if s, ok := p.str(m, k, at); ok {
			switch k {
			case "sql":
				a.SQL = s
			case "preview":
				a.Preview = s
			case "database":
				a.Database = s
			}
		}
	}
	if v, has := m["auto"]; has {
		if b, ok := v.(bool); ok {
			a.Auto = b
		} else {
			p.errAt(at("auto"), "%s: auto: want true or false, got %s", what, tomlType(v))
		}
	}
	if v, has := m["steps"]; has {
		if ss, ok := p.strings(v); ok {
			a.Steps = ss
		} else {
			p.errAt(at("steps"), "%s: steps: want a list of strings, got %s", what, tomlType(v))
		}
	}
	durs := []struct {
		key      string
		dst      *time.Duration
		min, max time.Duration
	}{
		{"timeout", &a.Timeout, time.Second, 24 * time.Hour},
		{"recheck_after", &a.RecheckAfter, 0, time.Hour},
		{"idle_after", &a.IdleAfter, time.Second, 30 * 24 * time.Hour},
		{"grace", &a.Grace, 0, time.Hour},
	}
	for _, d := range durs {
		if v, has := m[d.key]; has {
			if x, ok := p.duration(v, what, d.key, at(d.key), d.min, d.max); ok {
				*d.dst = x
			}
		}
	}

	if len(p.errs) > nerr {
		return Action{}, false // a field was wrong: checks of the whole would only echo it
	}
	// Infer the kind of a new action from what it says it runs.
	if a.Kind == "" {
		switch {
		case m["commands"] != nil:
			a.Kind = KindCommands
		case m["sql"] != nil:
			a.Kind = KindSQL
		case m["steps"] != nil:
			a.Kind = KindChecklist
		default:
			p.errAt(p.loc.block(i), "%s: says nothing to run: give commands, sql, steps or kind", what)
			return Action{}, false
		}
	}
	if base < 0 {
		if _, has := m["risk"]; !has {
			p.errAt(p.loc.block(i), "%s: no risk (low, medium or high)", what)
		}
	}
	if a.Kind == KindRedisFlushDB && (base < 0 || builtins[base].Kind != KindRedisFlushDB) {
		// A kind changed to redis-flushdb would otherwise flush db0, which
		// often holds sessions: only the configured cache database.
		a.RedisDB = redisCacheDB(o)
	}
	if a.Kind == KindDropCaches && a.File == "" {
		a.File = Builtin(o)[slices.IndexFunc(Builtin(o), func(b Action) bool { return b.Kind == KindDropCaches })].File
	}
	if a.Auto {
		// Said at the auto key: the risk or kind may come from the
		// built-in action the entry overrides.
		if why := a.NotAutomatable(); why != "" {
			p.errAt(at("auto"), "%s: %s", what, why)
			return Action{}, false
		}
	}
	p.validate(a, m, what, at, p.loc.block(i))
	if len(p.errs) == nerr {
		// The rules every action obeys; the checks above word most of them
		// better, this catches whatever they do not.
		if err := a.Validate(); err != nil {
			p.errAt(p.loc.block(i), "%v", err)
		}
	}
	return a, len(p.errs) == nerr
}

// validate checks that an action's fields fit its kind.
func (p *fileParser) validate(a Action, m map[string]any, what string, at func(string) int, blockLine int) {
	only := map[string][]Kind{
		"commands": {KindCommands}, "shell": {KindCommands},
		"sql": {KindSQL}, "preview": {KindSQL}, "database": {KindSQL},
		"idle_after": {KindTerminateIdle}, "grace": {KindSignal}, "steps": {KindChecklist},
	}
	for _, k := range sortedKeys(m) {
		if ks, ok := only[k]; ok && !slices.Contains(ks, a.Kind) {
			p.errAt(at(k), "%s: %s does not apply to kind %s", what, k, a.Kind)
		}
	}
	switch a.Kind {
	case KindCommands:
		if len(a.Commands) == 0 {
			p.errAt(blockLine, "%s: kind commands needs commands = [[\"prog\", \"arg\"], …]", what)
		}
		for j, argv := range a.Commands {
			switch {
			case a.Shell && len(argv) != 1:
				p.errAt(at("commands"), "%s: commands[%d]: with shell = true each command is one string run by /bin/sh -c, e.g. [\"sync && echo done\"]", what, j)
			case !a.Shell && len(argv) == 1 && strings.ContainsAny(argv[0], " \t|;&><$`"):
				p.errAt(at("commands"), "%s: commands[%d]: %q is one string; write it as an argv list like [%s], or set shell = true", what, j, argv[0], quotedFields(argv[0]))
			}
		}
	case KindSQL:
		if strings.TrimSpace(a.SQL) == "" {
			p.errAt(blockLine, "%s: kind sql needs sql = \"…\"", what)
		}
	case KindChecklist:
		if len(a.Steps) == 0 {
			p.errAt(blockLine, "%s: kind checklist needs steps = [\"…\"]", what)
		}
	case KindSignal:
		if a.EffectiveGrace()+5*time.Second > a.EffectiveTimeout() {
			k := "timeout"
			if _, has := m[k]; !has {
				k = "grace"
			}
			p.errAt(at(k), "%s: timeout %s must exceed grace %s by at least 5 s (KILL needs time too)", what, units.Duration(a.EffectiveTimeout()), units.Duration(a.EffectiveGrace()))
		}
	}
}

func (p *fileParser) str(m map[string]any, k string, at func(string) int) (string, bool) {
	v, has := m[k]
	if !has {
		return "", false
	}
	s, ok := v.(string)
	if !ok {
		p.errAt(at(k), "%s: want a string, got %s", k, tomlType(v))
		return "", false
	}
	return s, true
}

func (p *fileParser) strings(v any) ([]string, bool) {
	l, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, len(l))
	for i, x := range l {
		if out[i], ok = x.(string); !ok {
			return nil, false
		}
	}
	return out, true
}

// argvs reads commands = [["prog", "arg"], …].
func (p *fileParser) argvs(v any, what string, line int) ([][]string, bool) {
	l, ok := v.([]any)
	if !ok {
		p.errAt(line, "%s: commands: want a list of argv lists like [[\"systemctl\", \"restart\", \"odoo\"]], got %s", what, tomlType(v))
		return nil, false
	}
	out := make([][]string, 0, len(l))
	for j, x := range l {
		argv, ok := p.strings(x)
		if !ok {
			hint := ""
			if s, isStr := x.(string); isStr {
				hint = fmt.Sprintf(" (write [%s], not a bare string)", quotedFields(s))
			}
			p.errAt(line, "%s: commands[%d]: want a list of strings, got %s%s", what, j, tomlType(x), hint)
			return nil, false
		}
		if len(argv) == 0 || argv[0] == "" {
			p.errAt(line, "%s: commands[%d]: empty command", what, j)
			return nil, false
		}
		out = append(out, argv)
	}
	return out, true
}

func (p *fileParser) duration(v any, what, key string, line int, lo, hi time.Duration) (time.Duration, bool) {
	s, ok := v.(string)
	if !ok {
		p.errAt(line, "%s: %s: want a duration in quotes like \"60s\" or \"30m\", got %s", what, key, tomlType(v))
		return 0, false
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		p.errAt(line, "%s: %s: %q is not a duration (like \"60s\", \"2m\", \"1h30m\")", what, key, s)
		return 0, false
	}
	if d < lo || d > hi {
		p.errAt(line, "%s: %s: %s is outside %s … %s", what, key, s, units.Duration(lo), units.Duration(hi))
		return 0, false
	}
	return d, true
}

func tomlType(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", x)
	case int64:
		return fmt.Sprintf("the number %d", x)
	case float64:
		return fmt.Sprintf("the number %g", x)
	case bool:
		return fmt.Sprintf("%v", x)
	case []any:
		return "a list"
	case map[string]any:
		return "a table"
	case nil:
		return "nothing"
	}
	return fmt.Sprintf("a %T", v)
}

func quotedFields(s string) string {
	f := strings.Fields(s)
	for i := range f {
		f[i] = fmt.Sprintf("%q", f[i])
	}
	return strings.Join(f, ", ")
}

func kindList() string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// locator finds the line of a key in the runbook text. The TOML library
// keeps key positions per dotted name, so every [[actions]] entry's "risk"
// shares one position; to point at the right entry it scans the text for
// the [[actions]] headers and the key lines between them, skipping strings,
// comments and multi-line arrays. When it cannot tell (inline tables) it
// falls back to the entry's header line, never to another entry.
type locator struct {
	lines   []string
	plain   []bool // line starts at the top of the syntax: not in a string or array
	header  []bool // line is a [table] or [[array]] header
	actions []int  // 0-based line of each [[actions]] header
	tables  map[string]int
	firstTb int // first header line (end of the top level); -1 if none
}

var (
	headerRe = regexp.MustCompile(`^\s*\[\[\s*"?actions"?\s*\]\]`)
	tableRe  = regexp.MustCompile(`^\s*\[\s*"?([A-Za-z0-9_-]+)"?\s*\]`)
)

func newLocator(text string) *locator {
	l := &locator{lines: strings.Split(text, "\n"), tables: map[string]int{}, firstTb: -1}
	l.plain = make([]bool, len(l.lines))
	l.header = make([]bool, len(l.lines))
	ml := ""   // delimiter of the multi-line string we are in
	depth := 0 // open [ and { of values spanning lines
	for i, line := range l.lines {
		l.plain[i] = ml == "" && depth == 0
		if l.plain[i] && strings.HasPrefix(strings.TrimSpace(line), "[") {
			l.header[i] = true
			if l.firstTb < 0 {
				l.firstTb = i
			}
			if headerRe.MatchString(line) {
				l.actions = append(l.actions, i)
			} else if m := tableRe.FindStringSubmatch(line); m != nil {
				if _, ok := l.tables[m[1]]; !ok {
					l.tables[m[1]] = i
				}
			}
			continue // a header's own brackets are not a value's
		}
		ml, depth = scanLine(line, ml, depth)
	}
	return l
}

// scanLine follows strings, comments and brackets across one line.
func scanLine(s, ml string, depth int) (string, int) {
	for i := 0; i < len(s); i++ {
		if ml != "" {
			j := strings.Index(s[i:], ml)
			if j < 0 {
				return ml, depth
			}
			i += j + 2
			ml = ""
			continue
		}
		switch c := s[i]; c {
		case '#':
			return ml, depth
		case '"', '\'':
			if strings.HasPrefix(s[i:], strings.Repeat(string(c), 3)) {
				ml = strings.Repeat(string(c), 3)
				i += 2
				continue
			}
			for i++; i < len(s) && s[i] != c; i++ {
				if c == '"' && s[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			depth++
		case ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return ml, depth
}

// blockEnd is the first header line after line start.
func (l *locator) blockEnd(start int) int {
	for j := start + 1; j < len(l.lines); j++ {
		if l.header[j] {
			return j
		}
	}
	return len(l.lines)
}

// block is the 1-based line of the i-th [[actions]] header (0 if unknown).
func (l *locator) block(i int) int {
	if i < len(l.actions) {
		return l.actions[i] + 1
	}
	return 0
}

// key is the 1-based line of key k in the i-th [[actions]] entry, or the
// entry's header line when the key cannot be found.
func (l *locator) key(i int, k string) int {
	if i >= len(l.actions) {
		return 0
	}
	h := l.actions[i]
	if n := l.find(k, h+1, l.blockEnd(h)); n > 0 {
		return n
	}
	return h + 1
}

// topKey is the line of a top-level key (before the first header), or of
// a table of that name.
func (l *locator) topKey(k string) int {
	end := len(l.lines)
	if l.firstTb >= 0 {
		end = l.firstTb
	}
	if n := l.find(k, 0, end); n > 0 {
		return n
	}
	if n, ok := l.tables[k]; ok {
		return n + 1
	}
	return 0
}

// tableKey is the line of key k in table [t].
func (l *locator) tableKey(t, k string) int {
	start, ok := l.tables[t]
	if !ok {
		return 0
	}
	if n := l.find(k, start+1, l.blockEnd(start)); n > 0 {
		return n
	}
	return start + 1
}

func (l *locator) find(k string, from, to int) int {
	for j := from; j < to && j < len(l.lines); j++ {
		if !l.plain[j] {
			continue
		}
		s := strings.TrimSpace(l.lines[j])
		for _, q := range []string{k, `"` + k + `"`, `'` + k + `'`} {
			if rest, ok := strings.CutPrefix(s, q); ok && strings.HasPrefix(strings.TrimSpace(rest), "=") {
				return j + 1
			}
		}
	}
	return 0
}
