package redact_test

import (
	"strings"
	"testing"

	"github.com/memtui/memtui/internal/redact"
	"github.com/memtui/memtui/internal/redact/redacttest"
)

func TestMatrix(t *testing.T) {
	for _, c := range redacttest.Matrix {
		t.Run(c.Name, func(t *testing.T) {
			redacttest.Check(t, "Redact", c, redact.Redact(c.Text))
			if c.Argv != nil {
				in := append([]string(nil), c.Argv...)
				out := redact.RedactArgv(in)
				redacttest.CheckAbsent(t, "RedactArgv", c, strings.Join(out, " "))
				if strings.Join(in, "\x00") != strings.Join(c.Argv, "\x00") {
					t.Error("RedactArgv changed its input")
				}
			}
		})
	}
}

func TestClean(t *testing.T) {
	for _, s := range redacttest.Clean {
		if got := redact.Redact(s); got != s {
			t.Errorf("Redact(%q) = %q, want it unchanged", s, got)
		}
	}
}

// TestExact pins the output of the common forms: what stays, and where the
// mask goes.
func TestExact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"postgres://odoo:pw@db:5432/odoo", "postgres://odoo:***@db:5432/odoo"},
		{"redis://:pw@cache:6379/0", "redis://:***@cache:6379/0"},
		{"http://example.com:8080/path@x", "http://example.com:8080/path@x"},
		{"PGPASSWORD='x y' psql", "PGPASSWORD='***' psql"},
		{`{"password": "hunter2", "user": "u"}`, `{"password": "***", "user": "u"}`},
		{"token=abc&user=bob", "token=***&user=bob"},
		{"ALTER ROLE odoo PASSWORD 'it''s'", "ALTER ROLE odoo PASSWORD '***'"},
		{`ALTER ROLE odoo PASSWORD E'it\'s' LOGIN`, "ALTER ROLE odoo PASSWORD E'***' LOGIN"},
		{"mysql -uroot -pHunter2 shop", "mysql -uroot -p*** shop"},
		{"mysql -p shop", "mysql -p shop"},
		{"sh -c 'mysql -pX'", "sh -c 'mysql -p***'"},
		{"sshpass -p hunter2 ssh db1", "sshpass -p *** ssh db1"},
		{"redis-cli -a s3cret FLUSHALL", "redis-cli -a *** FLUSHALL"},
		{"redis-cli --pass s3cret -n 1", "redis-cli --pass *** -n 1"},
		{"odoo-bin -w pw --workers=4", "odoo-bin -w *** --workers=4"},
		{"curl -u admin:pw https://h", "curl -u admin:*** https://h"},
		{"curl --user=admin:pw https://h", "curl --user=admin:*** https://h"},
		{"tool --token 'a b c' --port 1", "tool --token '***' --port 1"},
		{"Authorization: Bearer abcdefghijklmnop", "Authorization: Bearer ***"},
		{"Proxy-Authorization: Basic abc", "Proxy-Authorization: Basic ***"},
		{"sent bearer abc.def to api", "sent bearer *** to api"},
		{"bearer authentication failed", "bearer authentication failed"},
		{"key AKIAABCDEFGHIJKLMNOP here", "key *** here"},
		{"PWD=/home/odoo OLDPWD=/tmp", "PWD=/home/odoo OLDPWD=/tmp"},
		{"a  password=x\tb", "a  password=***\tb"},
		{"password=*** postgres://u:***@h", "password=*** postgres://u:***@h"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := redact.Redact(tc.in); got != tc.want {
				t.Errorf("Redact(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRedactArgv(t *testing.T) {
	tests := []struct{ in, want []string }{
		{nil, nil},
		{[]string{"redis-cli", "-a", "hunter2", "FLUSHALL"}, []string{"redis-cli", "-a", "***", "FLUSHALL"}},
		{[]string{"ls", "-a", "/tmp"}, []string{"ls", "-a", "/tmp"}},
		{[]string{"mysql", "--password", "pw", "--user=bob"}, []string{"mysql", "--password", "***", "--user=bob"}},
		{[]string{"psql", "--password", "a b"}, []string{"psql", "--password", "***"}},
		{[]string{"tool", "--token"}, []string{"tool", "--token"}},
		{[]string{"curl", "-u", "me:pw", "https://h"}, []string{"curl", "-u", "me:***", "https://h"}},
		{[]string{"sudo", "-u", "postgres", "psql"}, []string{"sudo", "-u", "postgres", "psql"}},
		{[]string{"/bin/sh", "-c", "mysql -pX db"}, []string{"/bin/sh", "-c", "mysql -p*** db"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.in, " "), func(t *testing.T) {
			got := redact.RedactArgv(tc.in)
			if strings.Join(got, "\x00") != strings.Join(tc.want, "\x00") || (got == nil) != (tc.want == nil) {
				t.Errorf("RedactArgv(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

// fuzzForms are the recognised forms with a slot for a planted secret. Each
// starts and ends with a separator so the fuzzer's text cannot glue itself
// to the secret and make a longer word.
var fuzzForms = []string{
	" password=%s ",
	" PGPASSWORD=%s\n",
	" --password %s ",
	" --db_password %s ",
	" token: %s;",
	" postgres://user:%s@db/x ",
	" redis://:%s@cache:6379 ",
	"\nAuthorization: Bearer %s\n",
	" X-Api-Key: %s\n",
	"\nmysql -p%s db\n",
	"\nredis-cli -a %s ping\n",
	"\nsshpass -p %s ssh h\n",
	"\nodoo-bin -w %s\n",
	"\ncurl -u admin:%s https://h\n",
	" PASSWORD '%s' ",
	" dblink('password=%s') ",
	" MYSQL_PWD=%s ",
	" --requirepass %s ",
}

// FuzzRedact checks three properties on arbitrary text: Redact never
// panics, is idempotent, and a secret planted in any recognised form never
// survives, whatever text surrounds it.
func FuzzRedact(f *testing.F) {
	for _, c := range redacttest.Matrix {
		f.Add(c.Text, "Zq9secretZq9")
	}
	for _, s := range []string{"", "plain text", "a://b:c@d e://f:g@h", "'", `"`, "--password", "mysql", "E'\\", "$$", "=&;,:", "Authorization:"} {
		f.Add(s, "Zq9secretZq9")
	}
	f.Fuzz(func(t *testing.T, text, secret string) {
		once := redact.Redact(text)
		if twice := redact.Redact(once); twice != once {
			t.Fatalf("not idempotent:\n in: %q\n 1st: %q\n 2nd: %q", text, once, twice)
		}
		redact.RedactArgv(strings.Fields(text))
		// A secret is a plain word of 6 or more letters and digits; it must
		// not occur in the fuzzer's text or the form itself.
		if len(secret) < 6 || strings.Contains(text, secret) {
			return
		}
		for _, c := range secret {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
				return
			}
		}
		for _, form := range fuzzForms {
			if strings.Contains(form, secret) {
				continue
			}
			in := text + strings.Replace(form, "%s", secret, 1) + text
			if got := redact.Redact(in); strings.Contains(got, secret) {
				t.Fatalf("secret survived:\n in: %q\n out: %q", in, got)
			}
		}
	})
}

func BenchmarkRedact(b *testing.B) {
	for _, bc := range []struct{ name, line string }{
		{"plain", "Reading package lists... Done; 93% used, 12 workers restarted"},
		{"secret", "psql postgres://odoo:pw@db/odoo password=x Authorization: Bearer abc.def"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				_ = redact.Redact(bc.line)
			}
		})
	}
}
