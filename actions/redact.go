package actions

import (
	"regexp"
	"strings"
)

// Mask replaces every secret Redact finds.
const Mask = "***"

// secretWord matches the key names whose values are secrets: password=,
// PGPASSWORD=, token=, GITHUB_TOKEN=, api_key=, client_secret= …
const secretWord = `[A-Za-z0-9_.-]*(?i:password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)`

// redactRules run in order. RE2 keeps each linear in the input, so a hostile
// program output cannot make redaction slow.
var redactRules = []struct {
	re   *regexp.Regexp
	repl string
}{
	// Authorization headers: everything after the colon, to the end of line.
	{regexp.MustCompile(`(?i)((?:proxy-)?authorization\s*:\s*)[^\r\n]*`), "${1}" + Mask},
	// Bearer tokens outside a header.
	{regexp.MustCompile(`(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]+`), "${1}" + Mask},
	// Passwords in URLs: postgres://user:pw@host, redis://:pw@host. The
	// password runs to the last '@' before a space or '/', so a password
	// holding '@' is still covered (over-redacting a query string is fine).
	{regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^:/?#@\s]*:)[^\s/]+@`), "${1}" + Mask + "@"},
	// --password x / --token=x / -password x.
	{regexp.MustCompile(`(?i)(--?(?:password|passwd|token|secret|api-key|access-key)(?:[ \t]+|=))(?:"[^"]*"|'[^']*'|[^\s"'])[^\s"']*`), "${1}" + Mask},
	// key=value and key: value, in env, libpq DSNs, logs, JSON and YAML.
	{regexp.MustCompile(`(` + secretWord + `["']?[ \t]*[:=][ \t]*)(?:"[^"]*"|'[^']*'|[^\s,;&"'}])[^\s,;&"'}]*`), "${1}" + Mask},
}

// Redact hides secrets in s: password=, token= and similar key=value pairs,
// --password x flags, URL passwords (postgres://u:pw@h), Authorization
// headers and bearer tokens. It is applied to every output line and every
// argv memtui shows or records.
func Redact(s string) string {
	if !maybeSecret(s) {
		return s
	}
	for _, r := range redactRules {
		s = r.re.ReplaceAllString(s, r.repl)
	}
	return s
}

// maybeSecret is a cheap pre-check so ordinary output lines skip the regexps.
func maybeSecret(s string) bool {
	if strings.Contains(s, "://") {
		return true
	}
	// One pass: at each letter that can start a hint, compare the hint.
	for i := 0; i < len(s); i++ {
		var w string
		switch s[i] | 0x20 { // ASCII lower case (harmless for non-letters here)
		case 'p':
			w = "pass"
		case 's':
			w = "secret"
		case 't':
			w = "token"
		case 'k':
			w = "key"
		case 'a':
			w = "auth"
		case 'b':
			w = "bearer"
		default:
			continue
		}
		if hasPrefixFoldASCII(s[i:], w) {
			return true
		}
	}
	return false
}

// hasPrefixFoldASCII is strings.HasPrefix ignoring ASCII case, without
// allocating a lowered copy (it runs on every output line).
func hasPrefixFoldASCII(s, lowerWord string) bool {
	if len(s) < len(lowerWord) {
		return false
	}
	for j := 0; j < len(lowerWord); j++ {
		c := s[j]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lowerWord[j] {
			return false
		}
	}
	return true
}

// secretFlag matches argv elements whose next element is a secret.
var secretFlag = regexp.MustCompile(`(?i)^--?(?:password|passwd|token|secret|api-key|access-key)$`)

// RedactArgv returns a copy of argv with secrets hidden: each element is
// redacted as text, and the element after a bare --password/--token flag is
// replaced whole.
func RedactArgv(argv []string) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if i > 0 && secretFlag.MatchString(argv[i-1]) {
			out[i] = Mask
			continue
		}
		out[i] = Redact(a)
	}
	return out
}
