package redact

import "strings"

// The scanner handles what a regexp cannot see in one match: a flag whose
// secret is the NEXT word (--password x), and short options that are
// passwords only for one program (-p for mysql and sshpass, -a for
// redis-cli, -w for Odoo, -u for curl; elsewhere they are ports, "all",
// workers and users).

// pendingKind says what the scanner will do to the next word.
type pendingKind uint8

const (
	pendingNone     pendingKind = iota
	pendingWhole                // the whole word is the secret
	pendingUserPass             // user:password, only the password is
)

// scanner walks the words of one command line (or one line of text),
// remembering which program it is in and what the previous flag asked for.
type scanner struct {
	tool    string // "mysql", "sshpass", "redis", "odoo", "curl" or ""
	pending pendingKind
}

// tools maps program names to the family whose short options carry secrets.
var tools = map[string]string{
	"mysql": "mysql", "mysqldump": "mysql", "mysqladmin": "mysql", "mysqlimport": "mysql",
	"mysqlcheck": "mysql", "mysqlshow": "mysql", "mysqlpump": "mysql", "mysqlslap": "mysql",
	"mariadb": "mysql", "mariadb-dump": "mysql", "mariadb-admin": "mysql",
	"sshpass":   "sshpass",
	"redis-cli": "redis", "valkey-cli": "redis", "keydb-cli": "redis",
	"odoo": "odoo", "odoo-bin": "odoo", "odoo.py": "odoo", "openerp-server": "odoo", "odoo-server": "odoo",
	"curl": "curl",
}

// toolOf names the family of a program word, or "" when it is none.
func toolOf(w string) string {
	w = strings.Trim(w, `'"();`)
	if i := strings.LastIndexByte(w, '/'); i >= 0 {
		w = w[i+1:]
	}
	return tools[w]
}

// word reads one word and returns the byte range [from, to) of w that is a
// secret, or from < 0 when there is none. to < 0 means the secret opened a
// quoted string that goes on in the following words (--password 'a b c'):
// open is its quote, which the caller looks for to end the secret.
func (sc *scanner) word(w string) (from, to int, open byte) {
	p := sc.pending
	sc.pending = pendingNone
	// The program is read from every word, a masked one included, so a
	// secret after it is still recognised.
	if t := toolOf(w); t != "" {
		sc.tool = t
	}
	if w == "|" || w == "||" || w == "&&" || strings.HasSuffix(w, ";") {
		sc.tool = ""
	}
	if p != pendingNone && !strings.HasPrefix(w, "-") {
		if p == pendingUserPass {
			return userPass(w, 0)
		}
		return whole(w)
	}
	if len(w) < 2 || w[0] != '-' {
		return -1, -1, 0
	}
	switch sc.tool {
	case "mysql":
		// Only the glued -pX is a password: "-p X" prompts, and X is the
		// database name.
		if len(w) > 2 && w[1] == 'p' && w[2] != '-' {
			return tail(w, 2)
		}
	case "sshpass":
		if from, to, ok := sc.short(w, 'p'); ok {
			return from, to, 0
		}
	case "redis":
		if from, to, ok := sc.short(w, 'a'); ok {
			return from, to, 0
		}
	case "odoo":
		if from, to, ok := sc.short(w, 'w'); ok {
			return from, to, 0
		}
	case "curl":
		switch {
		case w == "-u" || w == "-U" || w == "--user" || w == "--proxy-user":
			sc.pending = pendingUserPass
			return -1, -1, 0
		case strings.HasPrefix(w, "--user=") || strings.HasPrefix(w, "--proxy-user="):
			return userPass(w, strings.IndexByte(w, '=')+1)
		case len(w) > 2 && (w[1] == 'u' || w[1] == 'U'):
			return userPass(w, 2)
		}
	}
	// --password x, --db_password x, --requirepass x, --token x. With '='
	// the key=value rule covers the flag.
	if !strings.Contains(w, "=") && isSecretKey(w) {
		sc.pending = pendingWhole
	}
	return -1, -1, 0
}

// short handles a short option c whose value is a secret, either as the
// next word (-p x) or glued (-px).
func (sc *scanner) short(w string, c byte) (from, to int, ok bool) {
	if w[1] != c {
		return -1, -1, false
	}
	if len(w) == 2 {
		sc.pending = pendingWhole
		return -1, -1, true
	}
	if w[2] == '-' {
		return -1, -1, false
	}
	from, to, _ = tail(w, 2)
	return from, to, true
}

// whole is a word that is all secret but for the quotes around it.
func whole(w string) (from, to int, open byte) {
	if q := w[0]; q == '\'' || q == '"' {
		if i := strings.IndexByte(w[1:], q); i >= 0 {
			return 1, 1 + i, 0
		}
		return 1, -1, q
	}
	return tail(w, 0)
}

// tail is the secret from w[at:] to the end of w, less the characters that
// close a quoted or parenthesised string around it ("sh -c 'mysql -pX'").
func tail(w string, at int) (from, to int, open byte) {
	end := len(w)
	for end > at && strings.IndexByte(`'")`, w[end-1]) >= 0 {
		end--
	}
	if end == at {
		return -1, -1, 0
	}
	return at, end, 0
}

// userPass is the password of curl's user:password in w[at:]; a lone user
// (curl then prompts) is no secret.
func userPass(w string, at int) (from, to int, open byte) {
	i := strings.IndexByte(w[at:], ':')
	if i < 0 {
		return -1, -1, 0
	}
	return tail(w, at+i+1)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// scanText runs the scanner over the words of s and adds the secrets it
// finds to sp. A line break ends a command line, so it forgets the program,
// any pending flag and an unclosed quote.
func scanText(s string, sp *spans) {
	// Every rule of the scanner starts at a flag.
	if strings.IndexByte(s, '-') < 0 {
		return
	}
	var sc scanner
	var open byte
	openAt := 0 // where the secret of an unclosed quote starts
	for i := 0; i < len(s); {
		j := i
		if isSpace(s[i]) {
			for j < len(s) && isSpace(s[j]) {
				j++
			}
			if nl := strings.IndexAny(s[i:j], "\n\r"); nl >= 0 {
				if open != 0 {
					sp.add(openAt, i)
				}
				sc, open = scanner{}, 0
			}
			i = j
			continue
		}
		for j < len(s) && !isSpace(s[j]) {
			j++
		}
		w := s[i:j]
		if open != 0 {
			if k := strings.IndexByte(w, open); k >= 0 {
				sp.add(openAt, i+k)
				open = 0
			}
			i = j
			continue
		}
		from, to, o := sc.word(w)
		switch {
		case o != 0:
			open, openAt = o, i+from
		case from >= 0:
			sp.add(i+from, i+to)
		}
		i = j
	}
	if open != 0 {
		sp.add(openAt, len(s))
	}
}
