package pgprobe

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParsePGDSN(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want map[string]string
		err  bool
	}{
		{"keyword/value", "host=/var/run/postgresql port=5433 user=odoo dbname=odoo_production",
			map[string]string{"host": "/var/run/postgresql", "port": "5433", "user": "odoo", "dbname": "odoo_production"}, false},
		{"quoted with escapes and spaces around =", `user = 'o\'brien' password='a b\\c' database=x`,
			map[string]string{"user": "o'brien", "password": `a b\c`, "dbname": "x"}, false},
		{"empty quoted value", "password='' host=h", map[string]string{"password": "", "host": "h"}, false},
		{"last one wins", "port=1 port=2", map[string]string{"port": "2"}, false},
		{"url", "postgres://odoo:s%40cret@db.internal:5433/odoo_production?sslmode=require&application_name=x",
			map[string]string{"user": "odoo", "password": "s@cret", "host": "db.internal", "port": "5433",
				"dbname": "odoo_production", "sslmode": "require", "application_name": "x"}, false},
		{"url multi-host ipv6", "postgresql://[::1]:5432,db2/x",
			map[string]string{"host": "::1,db2", "port": "5432,", "dbname": "x"}, false},
		{"url socket dir in query", "postgres:///odoo?host=/var/run/postgresql",
			map[string]string{"dbname": "odoo", "host": "/var/run/postgresql"}, false},
		{"url socket dir escaped host", "postgresql://%2Fvar%2Frun%2Fpostgresql/db",
			map[string]string{"host": "/var/run/postgresql", "dbname": "db"}, false},
		{"url user only", "postgres://u@h", map[string]string{"user": "u", "host": "h"}, false},
		{"no =", "hostonly", nil, true},
		{"unterminated", "password='abc", nil, true},
		{"bad escape in password", "postgres://u:%zz@h/db", nil, true},
		{"blank", "   ", map[string]string{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parsePGDSN(c.in)
			if (err != nil) != c.err {
				t.Fatalf("err = %v, want error %v", err, c.err)
			}
			if d := cmp.Diff(c.want, got); d != "" && !c.err {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestResolvePGTarget(t *testing.T) {
	cases := []struct {
		name     string
		dsn      string
		env      map[string]string
		source   string
		redacted string
	}{
		{"dsn wins over env, env fills the gaps", "host=db1 dbname=odoo",
			map[string]string{"PGHOST": "ignored", "PGUSER": "odoo", "PGPORT": "6432", "PGPASSWORD": "pw-from-env"},
			"--pg", "db1:6432, user odoo, database odoo"},
		{"DATABASE_URL when no --pg", "",
			map[string]string{"DATABASE_URL": "postgres://app:pw1@10.0.0.5/appdb", "PGUSER": "other"},
			"DATABASE_URL", "10.0.0.5:5432, user app, database appdb"},
		{"PG* environment", "",
			map[string]string{"PGHOST": "/run/pg", "PGUSER": "postgres", "PGPORT": "5433"},
			"PG* environment", "/run/pg/.s.PGSQL.5433, user postgres, database postgres"},
		{"database defaults to the user", "user=odoo host=/s", nil, "--pg", "/s/.s.PGSQL.5432, user odoo, database odoo"},
		{"unknown env keys are ignored", "", map[string]string{"PGUSER": "a", "PGHOST": "h", "PGAPPNAME": "x", "HOME": "/root"},
			"PG* environment", "h:5432, user a, database a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tg, err := ResolvePGTarget(c.dsn, c.env)
			if err != nil {
				t.Fatal(err)
			}
			if tg.Source != c.source || tg.Redacted() != c.redacted {
				t.Errorf("source %q redacted %q, want %q %q", tg.Source, tg.Redacted(), c.source, c.redacted)
			}
			for _, s := range []string{tg.Redacted(), fmt.Sprint(tg), fmt.Sprintf("%+v", tg), fmt.Sprintf("%#v", tg)} {
				if strings.Contains(s, "pw") {
					t.Errorf("description shows the password: %s", s)
				}
			}
		})
	}
	t.Run("none", func(t *testing.T) {
		tg, err := ResolvePGTarget("none", map[string]string{"PGHOST": "h"})
		if err != nil || !tg.Disabled {
			t.Fatalf("none: %+v %v", tg, err)
		}
	})
	t.Run("bad port says so without the DSN", func(t *testing.T) {
		_, err := ResolvePGTarget("host=h port=abc password=topsecret", nil)
		if err == nil || !strings.Contains(err.Error(), `port "abc"`) || strings.Contains(err.Error(), "topsecret") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("bad syntax hides the text", func(t *testing.T) {
		_, err := ResolvePGTarget("host=h password='topsecret", nil)
		if err == nil || strings.Contains(err.Error(), "topsecret") || !strings.Contains(err.Error(), "--pg") {
			t.Errorf("err = %v", err)
		}
	})
}

func FuzzParsePGDSN(f *testing.F) {
	for _, s := range []string{
		"host=/var/run/postgresql port=5432 user=postgres password=hunter2 dbname=odoo",
		`password='it\'s here' user = x`,
		"postgres://u:hunter2@h:1,h2:2/db?sslmode=disable",
		"postgresql://[::1]/x", "postgres://%2Ftmp/db", "a='", "=", "postgres://u:%zz@h",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parsePGDSN(s)
		if err != nil {
			// An error never quotes a password found in the input.
			if i := strings.Index(s, "password="); i >= 0 {
				pw := strings.Fields(s[i+len("password="):])
				if len(pw) > 0 && len(pw[0]) >= 4 && strings.Contains(err.Error(), pw[0]) {
					t.Errorf("error %q quotes the password %q", err, pw[0])
				}
			}
			return
		}
		// What parses can be written back and parses the same.
		var b strings.Builder
		for k, v := range got {
			if strings.ContainsAny(k, " \t\n\r='\\") || k == "" {
				return
			}
			fmt.Fprintf(&b, "%s=%s ", k, quotePGValue(v))
		}
		again, err := parsePGKeywordValue(b.String())
		if err != nil {
			t.Fatalf("rewritten %q: %v", b.String(), err)
		}
		if d := cmp.Diff(got, again); d != "" {
			t.Errorf("round trip (-first +second):\n%s", d)
		}
	})
}
