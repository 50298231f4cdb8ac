package probes

import "strings"

// secretMask replaces a secret value. It is plain ASCII so a masked command
// line keeps a predictable width in a table.
const secretMask = "***"

// secretWords name a parameter whose value is a secret, matched
// case-insensitively anywhere in the key ("PGPASSWORD", "--db_password",
// "api_token", "AWS_SECRET_ACCESS_KEY", "MYSQL_PWD").
var secretWords = [...]string{"password", "passwd", "pwd", "secret", "token", "apikey", "api_key", "api-key", "credential", "private_key", "private-key", "auth"}

// MaskSecrets hides the secrets a command line (or any line of text, such as
// an action's output) may carry, keeping everything else as it was:
//
//	password=x, PGPASSWORD=x, --db_password=x, token=x   → key=***
//	--password x, --token x (the next word)               → --password ***
//	postgres://user:secret@host/db (URL userinfo)         → postgres://user:***@host/db
//	mysql -psecret (a -p glued to its value, mysql tools) → -p***
//	Authorization: Bearer x                                → Bearer ***
//
// It is idempotent and never panics; it errs on the side of hiding. Other
// packages (the actions runner's output redactor) call it too.
func MaskSecrets(s string) string {
	if s == "" {
		return s
	}
	var b strings.Builder
	words := procSplitWords(s)
	maskNext := false
	mysqlish := false
	changed := false
	// Tools whose short option carries a password: mysql -pPW (glued),
	// sshpass -p PW, redis-cli -a PW.
	var shortPw string
	for wi, w := range words {
		if procIsSpace(w) {
			b.WriteString(w)
			continue
		}
		if wi <= 2 && shortPw == "" {
			base := w
			if i := strings.LastIndexByte(base, '/'); i >= 0 {
				base = base[i+1:]
			}
			switch base {
			case "mysql", "mysqldump", "mysqladmin", "mariadb", "mariadb-dump", "mysqlimport", "mysqlcheck":
				mysqlish, shortPw = true, "-p"
			case "sshpass":
				shortPw = "-p"
			case "redis-cli":
				shortPw = "-a"
			}
		}
		out := w
		switch {
		case maskNext:
			out = secretMask
			maskNext = false
		case mysqlish && len(w) > 2 && w[0] == '-' && w[1] == 'p' && w[2] != '-':
			out = "-p" + secretMask
		case shortPw != "" && !mysqlish && w == shortPw:
			maskNext = true
		case shortPw != "" && !mysqlish && len(w) > 2 && strings.HasPrefix(w, shortPw) && w[2] != '-':
			out = shortPw + secretMask
		case strings.EqualFold(w, "bearer") || strings.EqualFold(w, "basic"):
			// "Authorization: Bearer <token>"
			if wi >= 2 && strings.HasSuffix(strings.ToLower(words[wi-2]), "authorization:") {
				maskNext = true
			}
		default:
			out = maskWord(w)
			if out == w && strings.HasPrefix(w, "-") && !strings.Contains(w, "=") && isSecretKey(w) {
				// "--password value": the value is the next word.
				maskNext = true
			}
		}
		if out != w {
			changed = true
		}
		b.WriteString(out)
	}
	if !changed {
		return s
	}
	return b.String()
}

// maskWord masks inside one whitespace-free word: URL userinfo passwords and
// key=value pairs (which may repeat, as in a URL query "?user=a&password=b").
func maskWord(w string) string {
	w = maskUserinfo(w)
	if !strings.Contains(w, "=") {
		return w
	}
	var b strings.Builder
	rest := w
	changed := false
	for {
		eq := strings.IndexByte(rest, '=')
		if eq < 0 {
			b.WriteString(rest)
			break
		}
		// The key runs back to the previous separator.
		keyStart := strings.LastIndexAny(rest[:eq], "&?;,:")
		key := rest[keyStart+1 : eq]
		valEnd := strings.IndexAny(rest[eq+1:], "&;,")
		if valEnd < 0 {
			valEnd = len(rest) - eq - 1
		}
		val := rest[eq+1 : eq+1+valEnd]
		b.WriteString(rest[:eq+1])
		if isSecretKey(key) && val != "" && val != secretMask {
			b.WriteString(secretMask)
			changed = true
		} else {
			b.WriteString(val)
		}
		rest = rest[eq+1+valEnd:]
		if rest == "" {
			break
		}
	}
	if !changed {
		return w
	}
	return b.String()
}

// maskUserinfo hides the password of scheme://user:password@host.
func maskUserinfo(w string) string {
	i := strings.Index(w, "://")
	if i < 0 {
		return w
	}
	start := i + 3
	end := len(w)
	if j := strings.IndexAny(w[start:], "/?#"); j >= 0 {
		end = start + j
	}
	at := strings.LastIndexByte(w[start:end], '@')
	if at < 0 {
		return w
	}
	userinfo := w[start : start+at]
	colon := strings.IndexByte(userinfo, ':')
	if colon < 0 || userinfo[colon+1:] == secretMask {
		return w
	}
	return w[:start+colon+1] + secretMask + w[start+at:]
}

// isSecretKey reports whether a parameter name names a secret.
func isSecretKey(k string) bool {
	k = strings.TrimLeft(k, "-")
	if k == "" {
		return false
	}
	lower := strings.ToLower(k)
	switch lower {
	case "pass", "pw", "passphrase", "db_pass", "dbpass":
		return true
	}
	for _, w := range secretWords {
		if strings.Contains(lower, w) {
			// "auth" alone is too broad ("author=", "--auth-method=md5"):
			// only authtoken/auth_key-like names and "auth" itself.
			if w == "auth" && lower != "auth" && !strings.HasSuffix(lower, "auth") {
				continue
			}
			return true
		}
	}
	return false
}

// procSplitWords splits s into alternating runs of spaces and non-spaces,
// keeping both so the line can be put back together byte for byte.
func procSplitWords(s string) []string {
	var out []string
	start := 0
	for i := 1; i <= len(s); i++ {
		if i == len(s) || procIsSpaceByte(s[i]) != procIsSpaceByte(s[start]) {
			out = append(out, s[start:i])
			start = i
		}
	}
	return out
}

func procIsSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func procIsSpace(w string) bool { return w != "" && procIsSpaceByte(w[0]) }
