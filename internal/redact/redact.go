// Package redact is memtui's one secret masker. Every surface that draws or
// writes text from outside memtui — process command lines, PostgreSQL query
// text, action argv and output, notes, report fields and the report — goes
// through it, so a secret hidden on one surface is hidden on all of them.
//
// It is pure (standard library only) and errs on the side of hiding: a
// readable line with one word too many masked is better than a leaked
// password on a shared screen.
package redact

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
)

// Mask replaces every secret. It is plain ASCII so a masked command line
// keeps a predictable width in a table.
const Mask = "***"

// maxPasses bounds the fixpoint loop in Redact. Masking one secret can
// change how a neighbouring rule sees the text; repeating until nothing
// changes makes Redact idempotent, and two or three passes always suffice.
const maxPasses = 4

// Redact hides the secrets free text may carry and keeps the rest readable:
//
//	postgres://u:pw@h, redis://:pw@h            → postgres://u:***@h
//	password=x, token: x, PGPASSWORD=x, "api_key": "x" → password=***
//	ALTER ROLE r PASSWORD 'it''s' / E'…' / $$…$$ → PASSWORD '***'
//	--password x, --db_password x, --requirepass x → --password ***
//	mysql -px, sshpass -p x, redis-cli -a x, odoo -w x → -p***, -p ***
//	curl -u user:pw, --user user:pw              → -u user:***
//	Authorization: Bearer x, X-Api-Key: x        → Authorization: Bearer ***
//	AKIA…, ghp_…, github_pat_…, xox…, glpat-…, sk-… → ***
//
// It never panics, is idempotent and keeps the text's spacing. Query text
// (pg_stat_activity.query) needs nothing more: its SQL forms are among the
// rules above.
func Redact(s string) string {
	for range maxPasses {
		next := redactOnce(s)
		if next == s {
			break
		}
		s = next
	}
	return s
}

func redactOnce(s string) string {
	if s == "" {
		return s
	}
	// Every rule reads the original text and reports the secrets it finds
	// as byte spans; masking happens once, at the end. A rule that masked
	// as it went would hide the context another rule needs ("--password
	// token: x" or "password: mysql -px").
	// Each rule runs only when the text holds the word it starts from:
	// most output lines hold none, and skip the regexps.
	l := strings.ToLower(s)
	has := func(w string) bool { return strings.Contains(l, w) }
	var sp spans
	scanText(s, &sp)
	if has("authorization") {
		authHeaders(s, &sp)
	}
	if has("password") {
		sqlPasswords(s, &sp)
	}
	if has("://") {
		urlPasswords(s, &sp)
	}
	if strings.ContainsAny(s, ":=") && (has("pass") || has("pwd") || has("secret") || has("token") || has("key") || has("auth") || has("cred")) {
		keyValues(s, &sp)
	}
	if has("bearer") {
		bareBearers(s, &sp)
	}
	if has("akia") || has("gh") || has("xox") || has("glpat-") || has("sk-") {
		for _, m := range tokenShape.FindAllStringIndex(s, -1) {
			sp.add(m[0], m[1])
		}
	}
	return sp.apply(s)
}

// RedactArgv returns a copy of argv with secrets hidden. It knows the flags
// whose NEXT element is the secret (--password x, redis-cli -a x, sshpass -p
// x, odoo -w x, curl -u user:pw), which free text cannot always tell from
// word boundaries, and redacts every other element as text. The input is
// left alone; nil stays nil.
func RedactArgv(argv []string) []string {
	if argv == nil {
		return nil
	}
	out := make([]string, len(argv))
	var sc scanner
	for i, a := range argv {
		// An argv element is one word whatever spaces it holds, so a
		// quote it opens means nothing here: the whole rest is the secret.
		from, to, _ := sc.word(a)
		if from >= 0 {
			if to < 0 {
				to = len(a)
			}
			var sp spans
			sp.add(from, to)
			a = sp.apply(a)
		}
		out[i] = Redact(a)
	}
	return out
}

// The rules below are compiled once; RE2 keeps each linear in its input, so
// hostile program output cannot make redaction slow.
var (
	// Authorization: Bearer x, Proxy-Authorization: Basic x, authorization=x.
	authHeader = regexp.MustCompile(`(?i)((?:proxy-)?authorization["']?[ \t]*[:=][ \t]*)(?:(bearer|basic|token|digest|negotiate)[ \t]+)?([^\s"',;]+)`)
	// "bearer x" outside a header.
	bareBearer = regexp.MustCompile(`(?i)\b(bearer[ \t]+)([A-Za-z0-9._~+/=-]{4,})`)
	// SQL: [ENCRYPTED] PASSWORD 'x' with doubled quotes, E'x' with backslash
	// escapes and $$x$$ dollar quotes. An unterminated literal (query text
	// cut by track_activity_query_size) is masked to its end.
	sqlPassword = regexp.MustCompile(`(?i)\b(password[ \t\r\n]+)([Ee]?'(?:[^'\\]|\\.|'')*'?|\$[A-Za-z_]*\$[^$]*(?:\$[A-Za-z_]*\$)?)`)
	// scheme://user:password@host. The password runs to the last '@' before
	// a space or '/', so a password holding '@' is still covered.
	urlPassword = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^:/?#@\s]*:)([^\s/]+)@`)
	// A key that may name a secret, its separator and its value. Whether the
	// key really names a secret is decided by isSecretKey, which regexps
	// cannot say as clearly ("author=" and "auth-method=" are not secrets).
	keyValue = regexp.MustCompile(`([A-Za-z0-9_.-]*(?i:pass|pwd|secret|token|key|auth|cred)[A-Za-z0-9_.-]*)(["']?[ \t]*[:=][ \t]*)("(?:[^"\\\n]|\\.)*"?|'(?:[^'\n]|'')*'?|[^\s,;&"'}]+)`)
	// Tokens recognisable by their shape alone: AWS access key ids, GitHub,
	// Slack, GitLab and OpenAI-style keys.
	tokenShape = regexp.MustCompile(`\b(?:AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|glpat-[A-Za-z0-9_-]{20,}|sk-[A-Za-z0-9_-]{20,})`)
)

// spans collects the byte ranges of s that are secrets.
type spans [][2]int

func (sp *spans) add(from, to int) {
	if from < to {
		*sp = append(*sp, [2]int{from, to})
	}
}

// apply replaces each run of overlapping or touching spans with one Mask.
func (sp spans) apply(s string) string {
	if len(sp) == 0 {
		return s
	}
	slices.SortFunc(sp, func(a, b [2]int) int { return cmp.Compare(a[0], b[0]) })
	var b strings.Builder
	last := 0
	for i := 0; i < len(sp); {
		from, to := sp[i][0], sp[i][1]
		for i++; i < len(sp) && sp[i][0] <= to; i++ {
			to = max(to, sp[i][1])
		}
		b.WriteString(s[last:from])
		b.WriteString(Mask)
		last = to
	}
	b.WriteString(s[last:])
	return b.String()
}

// authHeaders finds the credential of Authorization headers, after the
// scheme word, which stays readable.
func authHeaders(s string, sp *spans) {
	for _, m := range authHeader.FindAllStringSubmatchIndex(s, -1) {
		sp.add(m[6], m[7])
	}
}

// bareBearers finds a bare bearer token only when it looks like one (a
// digit or punctuation in it), so "bearer authentication" stays prose.
func bareBearers(s string, sp *spans) {
	for _, m := range bareBearer.FindAllStringSubmatchIndex(s, -1) {
		if strings.ContainsAny(s[m[4]:m[5]], "0123456789._~+/=-") {
			sp.add(m[4], m[5])
		}
	}
}

// urlPasswords finds the password of scheme://user:password@host.
func urlPasswords(s string, sp *spans) {
	for _, m := range urlPassword.FindAllStringSubmatchIndex(s, -1) {
		sp.add(m[3], m[1]-1)
	}
}

// sqlPasswords finds the literal after each PASSWORD keyword. Every keyword
// is tried, even one inside the previous literal: an unterminated or
// mis-quoted literal must not hide the next PASSWORD '…' from the rule.
func sqlPasswords(s string, sp *spans) {
	for pos := 0; pos < len(s); {
		m := sqlPassword.FindStringSubmatchIndex(s[pos:])
		if m == nil {
			return
		}
		lit := s[pos+m[4] : pos+m[5]]
		from, to := pos+m[4], pos+m[5]
		// Keep the quotes: the text still reads as SQL.
		switch {
		case lit[0] == '$':
			open := strings.IndexByte(lit[1:], '$') + 2
			from += open
			if end := strings.LastIndexByte(lit, '$'); end >= open {
				if close := strings.LastIndexByte(lit[:end], '$'); close >= open {
					to = from - open + close
				}
			}
		default:
			q := strings.IndexByte(lit, '\'')
			from += q + 1
			if len(lit) > q+1 && lit[len(lit)-1] == '\'' {
				to--
			}
		}
		sp.add(from, to)
		pos += m[3] // just past "PASSWORD ", into the literal
	}
}

// keyValues finds the value of every key=value or key: value pair whose key
// names a secret. A pair whose key does not is passed over by its key and
// separator only, so a secret pair inside its value is still seen.
func keyValues(s string, sp *spans) {
	for pos := 0; pos < len(s); {
		m := keyValue.FindStringSubmatchIndex(s[pos:])
		if m == nil {
			return
		}
		key, val := s[pos+m[2]:pos+m[3]], s[pos+m[6]:pos+m[7]]
		from, to := pos+m[6], pos+m[7]
		if !isSecretKey(key) || pathLike(key, val) {
			pos = from
			continue
		}
		// Keep the quotes around a quoted value.
		if q := val[0]; q == '"' || q == '\'' {
			from++
			if len(val) > 1 && val[len(val)-1] == q {
				to--
			}
		}
		sp.add(from, to)
		pos = pos + m[7]
	}
}

// pathLike keeps the shell's PWD=/home/x and OLDPWD=/tmp: "pwd" there is a
// directory, not MYSQL_PWD's password.
func pathLike(key, val string) bool {
	return strings.HasSuffix(strings.ToLower(key), "pwd") && val != "" && (val[0] == '/' || val[0] == '~')
}

// secretWords name a secret anywhere in a key: "PGPASSWORD",
// "--db_password", "AWS_SECRET_ACCESS_KEY", "MYSQL_PWD", "X-Api-Key".
var secretWords = [...]string{
	"password", "passwd", "pwd", "passphrase", "secret", "token",
	"apikey", "api_key", "api-key", "accesskey", "access_key", "access-key",
	"privatekey", "private_key", "private-key", "credential",
	"authkey", "auth_key", "auth-key",
}

// notSecretSuffixes end keys that name where a secret is, or how one is
// asked for, not the secret itself: --password-file, --password-stdin,
// --github-token-file, secrets_dir, --auth-method.
var notSecretSuffixes = [...]string{"file", "stdin", "path", "dir", "prompt", "method", "type"}

// isSecretKey reports whether a parameter name names a secret.
func isSecretKey(k string) bool {
	k = strings.ToLower(strings.Trim(k, `-"'.`))
	if k == "" || strings.HasPrefix(k, "no-") || strings.HasPrefix(k, "no_") {
		return false
	}
	for _, suf := range notSecretSuffixes {
		if strings.HasSuffix(k, suf) {
			return false
		}
	}
	switch k {
	case "pass", "pw", "requirepass", "masterpass":
		return true
	}
	// "auth" alone is a secret (redis AUTH, REDISCLI_AUTH, masterauth), but
	// not inside "author" or "authorization" (headers have their own rule).
	if strings.HasSuffix(k, "auth") {
		return true
	}
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}
