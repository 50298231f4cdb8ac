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
// Each rule runs only when the cheap scan found the hint it needs.
var redactRules = []struct {
	need hint
	re   *regexp.Regexp
	repl string
}{
	// Authorization headers: everything after the colon, to the end of line.
	{hintAuth, regexp.MustCompile(`(?i)((?:proxy-)?authorization\s*:\s*)[^\r\n]*`), "${1}" + Mask},
	// Bearer tokens outside a header.
	{hintBearer, regexp.MustCompile(`(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]+`), "${1}" + Mask},
	// Passwords in URLs: postgres://user:pw@host, redis://:pw@host. The
	// password runs to the last '@' before a space or '/', so a password
	// holding '@' is still covered (over-redacting a query string is fine).
	{hintURL, regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^:/?#@\s]*:)[^\s/]+@`), "${1}" + Mask + "@"},
	// --password x / --token=x / -password x.
	{hintWord, regexp.MustCompile(`(?i)(--?(?:password|passwd|token|secret|api-key|access-key)(?:[ \t]+|=))(?:"[^"]*"|'[^']*'|[^\s"'])[^\s"']*`), "${1}" + Mask},
	// Tokens recognisable by their shape alone (AWS access keys, GitHub,
	// Slack, GitLab and OpenAI-style keys), the same shapes the timeline's
	// redactor knows.
	{hintShape, regexp.MustCompile(`\b(?:AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|glpat-[A-Za-z0-9_-]{20,}|sk-[A-Za-z0-9_-]{20,})`), Mask},
	// key=value and key: value, in env, libpq DSNs, logs, JSON and YAML.
	{hintWord, regexp.MustCompile(`(` + secretWord + `["']?[ \t]*[:=][ \t]*)(?:"[^"]*"|'[^']*'|[^\s,;&"'}])[^\s,;&"'}]*`), "${1}" + Mask},
}

// Redact hides secrets in s: password=, token= and similar key=value pairs,
// --password x flags, URL passwords (postgres://u:pw@h), Authorization
// headers and bearer tokens. It is applied to every output line and every
// argv memtui shows or records.
func Redact(s string) string {
	found := hints(s)
	if found == 0 {
		return s
	}
	for _, r := range redactRules {
		if found&r.need != 0 {
			s = r.re.ReplaceAllString(s, r.repl)
		}
	}
	return s
}

// hint is a word one or more rules need; hints finds them in one cheap pass
// so ordinary output lines skip the regexps, and a line that merely says
// "passed" runs only the rules about key words.
type hint uint8

const (
	hintURL    hint = 1 << iota // "://"
	hintAuth                    // "auth"
	hintBearer                  // "bearer"
	hintWord                    // "pass", "secret", "token", "key"
	hintShape                   // "AKIA", "gh?_", "github_pat_", "xox", "glpat-", "sk-"
)

func hints(s string) hint {
	var h hint
	if strings.Contains(s, "://") {
		h |= hintURL
	}
	// At each letter that can start a hint word, compare the word.
	for i := 0; i < len(s); i++ {
		switch s[i] | 0x20 { // ASCII lower case (harmless for non-letters here)
		case 'p':
			if hasPrefixFoldASCII(s[i:], "pass") {
				h |= hintWord
			}
		case 's':
			if hasPrefixFoldASCII(s[i:], "secret") {
				h |= hintWord
			}
			if strings.HasPrefix(s[i:], "sk-") {
				h |= hintShape
			}
		case 'g':
			if len(s)-i > 3 && s[i+1] == 'h' && s[i+3] == '_' || strings.HasPrefix(s[i:], "github_pat_") || strings.HasPrefix(s[i:], "glpat-") {
				h |= hintShape
			}
		case 'x':
			if strings.HasPrefix(s[i:], "xox") {
				h |= hintShape
			}
		case 't':
			if hasPrefixFoldASCII(s[i:], "token") {
				h |= hintWord
			}
		case 'k':
			if hasPrefixFoldASCII(s[i:], "key") {
				h |= hintWord
			}
		case 'a':
			if hasPrefixFoldASCII(s[i:], "auth") {
				h |= hintAuth
			}
			if strings.HasPrefix(s[i:], "AKIA") {
				h |= hintShape
			}
		case 'b':
			if hasPrefixFoldASCII(s[i:], "bearer") {
				h |= hintBearer
			}
		}
	}
	return h
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
