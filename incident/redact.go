package incident

import (
	"path"
	"regexp"
	"strings"
	"unicode/utf8"
)

// MaxOutputTail bounds an action's stored output so one chatty command
// cannot bloat the timeline of a host that is short of memory.
const MaxOutputTail = 4096

// MaxText bounds notes and report fields for the same reason.
const MaxText = 16 << 10

// mask replaces every secret.
const mask = "***"

// The patterns are compiled once: redaction runs on every append and on
// every report, and the patterns never change.
var (
	// scheme://user:password@host → scheme://user:***@host
	urlPassword = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*:)[^@\s]+@`)
	// password=x, PGPASSWORD=x, token: x, api_key="x" (libpq keyword DSNs,
	// env assignments, config lines, URL query parameters).
	keyValue = regexp.MustCompile(`(?i)\b([A-Za-z0-9_]*(?:password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential)[A-Za-z0-9_]*)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&;,]+)`)
	// Authorization: Bearer x / Basic x
	authHeader = regexp.MustCompile(`(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=\-]{8,}`)
	// Well-known token shapes that appear without a key name.
	tokenShapes = regexp.MustCompile(`\b(?:AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9\-]{10,}|glpat-[A-Za-z0-9_\-]{20,}|sk-[A-Za-z0-9_\-]{20,})`)
)

// Redact removes secrets from free text: URL passwords, key=value pairs whose
// key names a secret, bearer/basic credentials and well-known token shapes.
// It runs when an event is appended and again when a report is rendered, so
// a secret that slipped into an older file is still never printed.
func Redact(s string) string {
	if s == "" {
		return s
	}
	s = urlPassword.ReplaceAllString(s, "${1}"+mask+"@")
	s = keyValue.ReplaceAllString(s, "${1}${2}"+mask)
	s = authHeader.ReplaceAllString(s, "${1}${2}"+mask)
	s = tokenShapes.ReplaceAllString(s, mask)
	return s
}

// secretFlags take the secret as the next argv element ("--password x").
var secretFlags = map[string]bool{
	"--password": true, "--passwd": true, "--token": true, "--secret": true,
	"--api-key": true, "--access-key": true, "--auth": true, "--pass": true,
}

// RedactArgv redacts each argument and masks the value following a flag that
// names a secret. The slice is copied; the input is left alone.
func RedactArgv(argv []string) []string {
	if argv == nil {
		return nil
	}
	out := make([]string, len(argv))
	for i, a := range argv {
		// redis-cli -a PASSWORD (the runbook's FLUSHALL); elsewhere -a means "all".
		redisAuth := i > 0 && argv[i-1] == "-a" && path.Base(argv[0]) == "redis-cli"
		if i > 0 && (secretFlags[strings.ToLower(argv[i-1])] || redisAuth) {
			out[i] = mask
			continue
		}
		out[i] = Redact(a)
	}
	return out
}

// tail keeps the last n bytes of s, cut on a rune boundary, marked with "…".
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := len(s) - n
	for cut < len(s) && !utf8.RuneStart(s[cut]) {
		cut++
	}
	return "…" + s[cut:]
}

// head keeps the first n bytes of s, cut on a rune boundary, marked with "…".
func head(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// clean redacts and bounds one free-text field.
func clean(s string) string { return head(Redact(s), MaxText) }

func (v Started) redact() Payload {
	v.Reason = clean(v.Reason)
	return v
}

func (v MemSample) redact() Payload       { return v }
func (v SeverityChanged) redact() Payload { return v }
func (v SwapGrowth) redact() Payload      { return v }
func (v PGSaturation) redact() Payload    { return v }

func (v OOMKill) redact() Payload {
	// A command name is at most 16 bytes in the kernel, but the log line
	// is user-controllable text.
	v.Comm = clean(v.Comm)
	v.Memcg = clean(v.Memcg)
	return v
}

func (v ServiceRestarted) redact() Payload {
	v.Name = clean(v.Name)
	return v
}

func (v Escalation) redact() Payload {
	v.Reason = clean(v.Reason)
	return v
}

func (v ActionStarted) redact() Payload {
	cmds := make([][]string, len(v.Commands))
	for i, c := range v.Commands {
		cmds[i] = RedactArgv(c)
	}
	if v.Commands == nil {
		cmds = nil
	}
	v.Commands = cmds
	v.Confirmation = clean(v.Confirmation)
	return v
}

func (v ActionFinished) redact() Payload {
	res := make([]CommandResult, len(v.Commands))
	for i, c := range v.Commands {
		c.Argv = RedactArgv(c.Argv)
		c.Error = clean(c.Error)
		c.Outcome = clean(c.Outcome)
		res[i] = c
	}
	if v.Commands == nil {
		res = nil
	}
	v.Commands = res
	v.Error = clean(v.Error)
	v.Outcome = clean(v.Outcome)
	// Redact before cutting, so a secret straddling the cut is still seen whole.
	v.OutputTail = tail(Redact(v.OutputTail), MaxOutputTail)
	return v
}

func (v ActionRechecked) redact() Payload { return v }

func (v Note) redact() Payload {
	v.Text = clean(v.Text)
	return v
}

func (v ReportField) redact() Payload {
	v.Value = clean(v.Value)
	return v
}

func (v ReportExported) redact() Payload { return v }

func (v Ended) redact() Payload {
	v.Reason = clean(v.Reason)
	return v
}
