package actions

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"nothing secret here: 93% used", "nothing secret here: 93% used"},
		{"password=hunter2", "password=***"},
		{"PGPASSWORD=s3cr3t psql -h db", "PGPASSWORD=*** psql -h db"},
		{"host=db user=odoo password='a b c' dbname=x", "host=db user=odoo password=*** dbname=x"},
		{`{"password": "hunter2", "user": "u"}`, `{"password": ***, "user": "u"}`},
		{"db_password: hunter2", "db_password: ***"},
		{"token=abc123&user=x", "token=***&user=x"},
		{"GITHUB_TOKEN=ghp_abcdef", "GITHUB_TOKEN=***"},
		{"client_secret=xyz", "client_secret=***"},
		{"api_key=k1 api-key: k2", "api_key=*** api-key: ***"},
		{"psql --password hunter2 -h db", "psql --password *** -h db"},
		{"mysql --password=hunter2", "mysql --password=***"},
		{"tool --token 'a b'", "tool --token ***"},
		{"postgres://odoo:pw@db:5432/odoo", "postgres://odoo:***@db:5432/odoo"},
		{"postgresql://odoo:p@ss@db/odoo", "postgresql://odoo:***@db/odoo"},
		{"redis://:pw@cache:6379/0", "redis://:***@cache:6379/0"},
		{"http://example.com:8080/path@x", "http://example.com:8080/path@x"},
		{"Authorization: Bearer eyJhbGciOi.xyz", "Authorization: ***"},
		{"curl -H 'authorization: Basic dXNlcjpwdw=='", "curl -H 'authorization: ***"},
		{"Proxy-Authorization: Basic abc", "Proxy-Authorization: ***"},
		{"sent bearer abc.def to api", "sent bearer *** to api"},
		{"password authentication failed for user \"odoo\"", "password authentication failed for user \"odoo\""},
		{"key id AKIAIOSFODNN7EXAMPLE in use", "key id *** in use"},
		{"pushed with ghp_0123456789abcdefABCDEF0123", "pushed with ***"},
		{"OPENAI sk-proj_0123456789abcdefghij rotated", "OPENAI *** rotated"},
		{"xoxb-123456789012-abcdef sent", "*** sent"},
		{"the ghost_town and skiing are fine", "the ghost_town and skiing are fine"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Redact(tc.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRedactArgv(t *testing.T) {
	tests := []struct{ in, want []string }{
		{[]string{"psql", "--password", "hunter2", "-c", "select 1"}, []string{"psql", "--password", "***", "-c", "select 1"}},
		{[]string{"redis-cli", "-a", "x", "FLUSHALL"}, []string{"redis-cli", "-a", "x", "FLUSHALL"}},
		{[]string{"env", "PGPASSWORD=pw", "psql", "postgres://u:pw@h/d"}, []string{"env", "PGPASSWORD=***", "psql", "postgres://u:***@h/d"}},
		{[]string{"curl", "-H", "Authorization: Bearer t"}, []string{"curl", "-H", "Authorization: ***"}},
		{[]string{"tool", "--token"}, []string{"tool", "--token"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.in, " "), func(t *testing.T) {
			if diff := cmp.Diff(tc.want, RedactArgv(tc.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

var plainSecret = regexp.MustCompile(`^[A-Za-z0-9]{6,}$`)

// FuzzRedact checks three properties on arbitrary text: redaction never
// panics, is idempotent, and a secret planted behind each kind of key never
// survives whatever text surrounds it.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{"password=hunter2", "postgres://u:pw@h/d", "Authorization: Bearer x",
		"--token abc", "PGPASSWORD=x psql", `{"password": "x"}`, "plain text", "a://b:c@d", "token: 'x y'"} {
		f.Add(s, "Secret123")
	}
	f.Fuzz(func(t *testing.T, text, secret string) {
		out := Redact(text)
		if again := Redact(out); again != out {
			t.Fatalf("not idempotent:\n in: %q\n 1st: %q\n 2nd: %q", text, out, again)
		}
		if !plainSecret.MatchString(secret) {
			return
		}
		// The text around the secret is arbitrary but must not glue itself
		// to the secret (a letter right after it would make a longer word).
		for _, tpl := range []string{
			"%s password=" + secret + " %s",
			"%s PGPASSWORD=" + secret + "\n%s",
			"%s --password " + secret + " %s",
			"%s token: " + secret + ";%s",
			"%s postgres://user:" + secret + "@db/x %s",
			"%s\nAuthorization: Bearer " + secret + "\n%s",
		} {
			parts := strings.SplitN(tpl, "%s", 3)
			in := text + parts[1] + text
			if got := Redact(in); strings.Contains(got, parts[1]) {
				t.Fatalf("secret survived:\n in: %q\n out: %q", in, got)
			}
		}
	})
}

func TestCleanLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"\x1b[1;31mFAILED\x1b[0m unit odoo", "FAILED unit odoo"},
		{"\x1b]0;title\x07text", "text"},
		{"\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"},
		{"a\x1b7b\x1b8c", "abc"},
		{"10%\r50%\r100%", "100%"},
		{"bell\x07 and nul\x00 gone\ttab kept", "bell and nul gone\ttab kept"},
		{"bad utf8 \xff here", "bad utf8 \uFFFD here"},
		{"cut at the end \x1b[", "cut at the end "},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, cleanLine(tc.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzCleanLine: whatever a program prints, what memtui draws holds no
// escape or control character but tab, and is valid UTF-8.
func FuzzCleanLine(f *testing.F) {
	for _, s := range []string{"\x1b[31mred", "\x1b]0;t\x07x", "a\rb", "\xff", "password=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := cleanLine(s)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 from %q: %q", s, out)
		}
		for _, r := range out {
			if r != '\t' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)) {
				t.Fatalf("control %U left in %q (from %q)", r, out, s)
			}
		}
	})
}
