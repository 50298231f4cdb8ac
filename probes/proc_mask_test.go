package probes

import (
	"strings"
	"testing"
)

func TestMaskSecrets(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"nothing secret", "/usr/bin/python3 /opt/odoo/odoo-bin -c /etc/odoo.conf", "/usr/bin/python3 /opt/odoo/odoo-bin -c /etc/odoo.conf"},
		{"password=", "app password=hunter2 --verbose", "app password=*** --verbose"},
		{"PGPASSWORD env", "PGPASSWORD=s3cret psql -h db", "PGPASSWORD=*** psql -h db"},
		{"--password=x", "odoo --db_password=S3cretOdoo --workers=4", "odoo --db_password=*** --workers=4"},
		{"--password x", "tool --password hunter2 --user bob", "tool --password *** --user bob"},
		{"--token x", "agent --token abc.def --port 80", "agent --token *** --port 80"},
		{"token= in a query", "curl https://api.example.com/v1?user=me&token=T0ken&x=1", "curl https://api.example.com/v1?user=me&token=***&x=1"},
		{"DSN password", "psql postgresql://odoo:Pg5ecret@db.internal:5432/odoo", "psql postgresql://odoo:***@db.internal:5432/odoo"},
		{"DSN with query password", "x postgres://u@h/db?sslmode=require&password=pw", "x postgres://u@h/db?sslmode=require&password=***"},
		{"DSN without password", "psql postgresql://odoo@db/odoo", "psql postgresql://odoo@db/odoo"},
		{"keyword DSN", "pg_dump 'host=db user=odoo password=pw dbname=odoo'", "pg_dump 'host=db user=odoo password=*** dbname=odoo'"},
		{"mysql -p glued", "mysql -uroot -pHunter2 shop", "mysql -uroot -p*** shop"},
		{"mysql path -p", "/usr/bin/mysqldump -pX --all-databases", "/usr/bin/mysqldump -p*** --all-databases"},
		{"-p for another tool is a port", "ssh -p2222 host", "ssh -p2222 host"},
		{"bearer header", "curl -H Authorization: Bearer eyJhbGciOi.tok3n https://x", "curl -H Authorization: Bearer *** https://x"},
		{"aws secret", "AWS_SECRET_ACCESS_KEY=abc/def aws s3 ls", "AWS_SECRET_ACCESS_KEY=*** aws s3 ls"},
		{"api key", "svc --api-key=k123 --apikey k456", "svc --api-key=*** --apikey ***"},
		{"mysql pwd env", "MYSQL_PWD=x mysql", "MYSQL_PWD=*** mysql"},
		{"author is not auth", "git log --author=bob", "git log --author=bob"},
		{"empty value kept", "password= x", "password= x"},
		{"already masked", "password=*** postgres://u:***@h", "password=*** postgres://u:***@h"},
		{"spacing kept", "a  password=x\tb", "a  password=***\tb"},
		{"empty", "", ""},
		{"sshpass -p", "sshpass -p hunter2 ssh db1", "sshpass -p *** ssh db1"},
		{"redis-cli -a", "redis-cli -a s3cret FLUSHALL", "redis-cli -a *** FLUSHALL"},
		{"redis-cli --pass", "redis-cli --pass s3cret -n 1 FLUSHDB", "redis-cli --pass *** -n 1 FLUSHDB"},
		{"-a elsewhere is not a password", "ls -a /tmp", "ls -a /tmp"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := MaskSecrets(tc.in); got != tc.want {
				t.Errorf("MaskSecrets(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzMaskSecrets checks three properties on any input: it never panics,
// masking twice changes nothing more, and a secret planted in each of the
// recognised shapes never survives.
func FuzzMaskSecrets(f *testing.F) {
	for _, s := range []string{"password=x", "--password x", "postgres://u:p@h/d", "mysql -px", "a b  c", "=&;,:", "://@", "Authorization: Bearer x", ""} {
		f.Add(s, "Zq9secretZq9")
	}
	f.Fuzz(func(t *testing.T, s, secret string) {
		once := MaskSecrets(s)
		if twice := MaskSecrets(once); twice != once {
			t.Fatalf("not idempotent: %q → %q → %q", s, once, twice)
		}
		// A secret without separators, planted in each shape.
		if secret == "" || strings.ContainsAny(secret, " \t\r\n&;,:@/?#='\"*") || strings.HasPrefix(secret, "-") {
			return
		}
		for _, tmpl := range []string{
			"prog password=%s",
			"prog --db_password %s",
			"prog --token=%s",
			"PGPASSWORD=%s psql",
			"psql postgres://user:%s@host/db",
			"mysql -p%s",
			"sshpass -p %s ssh h",
			"redis-cli -a %s ping",
			"curl https://h/x?a=1&api_key=%s",
		} {
			if strings.Contains(tmpl, secret) {
				continue // the secret is part of the fixed text
			}
			line := strings.Replace(tmpl, "%s", secret, 1)
			if got := MaskSecrets(line); strings.Contains(got, secret) {
				t.Fatalf("secret survived: %q → %q", line, got)
			}
		}
	})
}
