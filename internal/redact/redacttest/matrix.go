// Package redacttest holds the redaction matrix: every secret form memtui
// must hide, as text and as argv. Each surface's tests (process table,
// PostgreSQL panel and snapshot, action argv and output, notes, report
// fields, the report) feed it through that surface's real code path, so a
// surface that skips the redactor fails its own test.
package redacttest

import (
	"strings"
	"testing"
)

// Case is one secret form.
type Case struct {
	Name string
	// Text is the form as free text: a command line, a query, an output line.
	Text string
	// Argv is the same form as a command's argv, when it has one.
	Argv []string
	// Secrets must be absent from whatever the surface shows or writes.
	Secrets []string
	// Keep must still be there: the rest of the text stays readable.
	Keep []string
}

// Matrix is every form. Secrets are distinct words so a test can tell which
// one leaked.
var Matrix = []Case{
	{Name: "postgres URL", Text: "psql postgres://odoo:Sup3rS3cret@db.internal:5432/odoo", Argv: []string{"psql", "postgres://odoo:Sup3rS3cret@db.internal:5432/odoo"},
		Secrets: []string{"Sup3rS3cret"}, Keep: []string{"psql", "odoo:", "@db.internal:5432/odoo"}},
	{Name: "redis URL without user", Text: "redis-cli -u redis://:R3disPw@cache:6379/0 ping", Argv: []string{"redis-cli", "-u", "redis://:R3disPw@cache:6379/0", "ping"},
		Secrets: []string{"R3disPw"}, Keep: []string{"redis://:", "@cache:6379/0", "ping"}},
	{Name: "URL password with @", Text: "postgresql://odoo:p@ssW0rd@db/odoo", Secrets: []string{"ssW0rd"}, Keep: []string{"@db/odoo"}},
	{Name: "password=", Text: "app password=Hunter2pw --verbose", Argv: []string{"app", "password=Hunter2pw", "--verbose"},
		Secrets: []string{"Hunter2pw"}, Keep: []string{"app", "password=", "--verbose"}},
	{Name: "passwd=", Text: "passwd=PasswdVal1 user=bob", Secrets: []string{"PasswdVal1"}, Keep: []string{"user=bob"}},
	{Name: "pwd=", Text: "Server=db;UID=sa;PWD=OdbcPw9;", Secrets: []string{"OdbcPw9"}, Keep: []string{"UID=sa"}},
	{Name: "secret=", Text: "client_secret=CliS3cret scope=all", Secrets: []string{"CliS3cret"}, Keep: []string{"scope=all"}},
	{Name: "token=", Text: "curl https://api.example.com/v1?user=me&token=T0kenVal&x=1", Secrets: []string{"T0kenVal"}, Keep: []string{"user=me", "x=1"}},
	{Name: "api_key=", Text: "api_key=ApiK3y1 apikey=ApiK3y2", Secrets: []string{"ApiK3y1", "ApiK3y2"}, Keep: []string{"api_key=", "apikey="}},
	{Name: "access_key=", Text: "access_key=AccK3y aws_access_key_id=AccK3yId", Secrets: []string{"AccK3y"}, Keep: []string{"access_key="}},
	{Name: "auth=", Text: "auth=AuthVal7 author=bob", Secrets: []string{"AuthVal7"}, Keep: []string{"author=bob"}},
	{Name: "key: value", Text: "db_password: YamlPw1\nuser: odoo", Secrets: []string{"YamlPw1"}, Keep: []string{"db_password:", "user: odoo"}},
	{Name: "JSON", Text: `{"password": "JsonPw1", "user": "u"}`, Secrets: []string{"JsonPw1"}, Keep: []string{`"user": "u"`}},
	{Name: "quoted value with spaces", Text: "host=db user=odoo password='a QuotedPw b' dbname=x", Secrets: []string{"QuotedPw"}, Keep: []string{"user=odoo", "dbname=x"}},
	{Name: "config line", Text: "admin_passwd = OdooAdm1n", Secrets: []string{"OdooAdm1n"}, Keep: []string{"admin_passwd"}},
	{Name: "ALTER ROLE doubled quotes", Text: "ALTER ROLE odoo PASSWORD 'it''s Dbl0uble'", Secrets: []string{"Dbl0uble", "s Dbl"}, Keep: []string{"ALTER ROLE odoo PASSWORD"}},
	{Name: "CREATE ROLE E string", Text: `CREATE ROLE app LOGIN ENCRYPTED PASSWORD E'it\'s EStr1ng' VALID UNTIL 'infinity'`, Secrets: []string{"EStr1ng"}, Keep: []string{"CREATE ROLE app", "VALID UNTIL 'infinity'"}},
	{Name: "PASSWORD dollar quoted", Text: "ALTER USER x PASSWORD $$Doll4r$$;", Secrets: []string{"Doll4r"}, Keep: []string{"ALTER USER x"}},
	{Name: "PASSWORD cut by track_activity_query_size", Text: "ALTER ROLE odoo PASSWORD 'CutOffPw", Secrets: []string{"CutOffPw"}, Keep: []string{"ALTER ROLE odoo"}},
	{Name: "dblink", Text: "SELECT * FROM dblink('host=h dbname=d user=u password=DbL1nkPw', 'select 1') AS t(a int)", Secrets: []string{"DbL1nkPw"}, Keep: []string{"SELECT * FROM dblink(", "'select 1'"}},
	{Name: "mysql -pX", Text: "mysql -uroot -pMyS3cret shop", Argv: []string{"mysql", "-uroot", "-pMyS3cret", "shop"},
		Secrets: []string{"MyS3cret"}, Keep: []string{"mysql -uroot -p", "shop"}},
	{Name: "mysqldump path -pX", Text: "/usr/bin/mysqldump -pDumpPw --all-databases", Secrets: []string{"DumpPw"}, Keep: []string{"--all-databases"}},
	{Name: "MYSQL_PWD", Text: "MYSQL_PWD=EnvMyPw mysql shop", Argv: []string{"env", "MYSQL_PWD=EnvMyPw", "mysql", "shop"},
		Secrets: []string{"EnvMyPw"}, Keep: []string{"MYSQL_PWD=", "mysql shop"}},
	{Name: "redis-cli -a", Text: "redis-cli -a R3dCliPw FLUSHALL", Argv: []string{"redis-cli", "-a", "R3dCliPw", "FLUSHALL"},
		Secrets: []string{"R3dCliPw"}, Keep: []string{"redis-cli -a", "FLUSHALL"}},
	{Name: "REDISCLI_AUTH", Text: "REDISCLI_AUTH=RcAuthPw redis-cli info", Secrets: []string{"RcAuthPw"}, Keep: []string{"redis-cli info"}},
	{Name: "redis-server --requirepass", Text: "redis-server --port 6379 --requirepass ReqP4ss --maxmemory 2gb", Argv: []string{"redis-server", "--port", "6379", "--requirepass", "ReqP4ss", "--maxmemory", "2gb"},
		Secrets: []string{"ReqP4ss"}, Keep: []string{"--requirepass", "--maxmemory 2gb"}},
	{Name: "odoo -w", Text: "python3 /opt/odoo/odoo-bin -c /etc/odoo.conf -w OdooW0rd --workers=4", Argv: []string{"/opt/odoo/odoo-bin", "-w", "OdooW0rd", "--workers=4"},
		Secrets: []string{"OdooW0rd"}, Keep: []string{"odoo-bin", "--workers=4"}},
	{Name: "odoo --db_password x", Text: "odoo-bin --db_password OdooDbPw1 --db_host db", Argv: []string{"odoo-bin", "--db_password", "OdooDbPw1", "--db_host", "db"},
		Secrets: []string{"OdooDbPw1"}, Keep: []string{"--db_password", "--db_host db"}},
	{Name: "odoo --db_password=x", Text: "odoo --db_password=OdooDbPw2 --workers=4", Argv: []string{"odoo", "--db_password=OdooDbPw2"},
		Secrets: []string{"OdooDbPw2"}, Keep: []string{"--db_password=", "--workers=4"}},
	{Name: "odoo --admin_passwd", Text: "odoo-bin --admin_passwd AdmPw77 -d prod", Argv: []string{"odoo-bin", "--admin_passwd", "AdmPw77", "-d", "prod"},
		Secrets: []string{"AdmPw77"}, Keep: []string{"--admin_passwd", "-d prod"}},
	{Name: "curl -u", Text: "curl -u admin:CurlPw1 https://h/api", Argv: []string{"curl", "-u", "admin:CurlPw1", "https://h/api"},
		Secrets: []string{"CurlPw1"}, Keep: []string{"curl -u admin:", "https://h/api"}},
	{Name: "curl --user", Text: "curl --user admin:CurlPw2 https://h/api", Argv: []string{"curl", "--user", "admin:CurlPw2", "https://h/api"},
		Secrets: []string{"CurlPw2"}, Keep: []string{"--user admin:", "https://h/api"}},
	{Name: "sshpass -p", Text: "sshpass -p SshP4ss ssh db1 uptime", Argv: []string{"sshpass", "-p", "SshP4ss", "ssh", "db1", "uptime"},
		Secrets: []string{"SshP4ss"}, Keep: []string{"sshpass -p", "ssh db1 uptime"}},
	{Name: "--password x", Text: "psql --password PsqlPw -h db", Argv: []string{"psql", "--password", "PsqlPw", "-h", "db"},
		Secrets: []string{"PsqlPw"}, Keep: []string{"--password", "-h db"}},
	{Name: "--token x", Text: "agent --token Ag3ntTok --port 80", Argv: []string{"agent", "--token", "Ag3ntTok", "--port", "80"},
		Secrets: []string{"Ag3ntTok"}, Keep: []string{"--token", "--port 80"}},
	{Name: "Authorization Bearer", Text: "curl -H 'Authorization: Bearer eyJhbGciOi.BearTok' https://h", Argv: []string{"curl", "-H", "Authorization: Bearer eyJhbGciOi.BearTok", "https://h"},
		Secrets: []string{"BearTok", "eyJhbGciOi"}, Keep: []string{"Authorization: Bearer", "https://h"}},
	{Name: "Authorization Basic", Text: "Authorization: Basic dXNlcjpCYXNpY1B3", Secrets: []string{"dXNlcjpCYXNpY1B3"}, Keep: []string{"Authorization: Basic"}},
	{Name: "X-Api-Key", Text: "curl -H 'X-Api-Key: XApiK3y' https://h", Argv: []string{"curl", "-H", "X-Api-Key: XApiK3y", "https://h"},
		Secrets: []string{"XApiK3y"}, Keep: []string{"X-Api-Key:", "https://h"}},
	{Name: "PGPASSWORD", Text: "PGPASSWORD=PgEnvPw psql -h db", Argv: []string{"env", "PGPASSWORD=PgEnvPw", "psql"},
		Secrets: []string{"PgEnvPw"}, Keep: []string{"PGPASSWORD=", "psql"}},
	{Name: "AWS key id", Text: "key id AKIAIOSFODNN7EXAMPLE in use", Secrets: []string{"AKIAIOSFODNN7EXAMPLE"}, Keep: []string{"key id", "in use"}},
	{Name: "GitHub ghp_", Text: "pushed with ghp_0123456789abcdefABCDEF0123", Secrets: []string{"ghp_0123456789abcdefABCDEF0123"}, Keep: []string{"pushed with"}},
	{Name: "GitHub gho_ ghs_", Text: "gho_0123456789abcdefABCDEF0123 and ghs_0123456789abcdefABCDEF0123", Secrets: []string{"gho_0123456789", "ghs_0123456789"}, Keep: []string{" and "}},
	{Name: "GitHub github_pat_", Text: "github_pat_11ABCDEFG0123456789_abcdefghijklmnop", Secrets: []string{"11ABCDEFG0123456789"}},
	{Name: "Slack xox", Text: "xoxb-123456789012-abcdefSlack sent", Secrets: []string{"abcdefSlack"}, Keep: []string{"sent"}},
	{Name: "GitLab glpat-", Text: "glpat-ABCDEFGHIJ0123456789xy pushed", Secrets: []string{"ABCDEFGHIJ0123456789xy"}, Keep: []string{"pushed"}},
	{Name: "sk- key", Text: "OPENAI sk-proj_0123456789abcdefghij rotated", Secrets: []string{"0123456789abcdefghij"}, Keep: []string{"OPENAI", "rotated"}},
}

// Clean is text that must come out unchanged: nothing in it is a secret.
var Clean = []string{
	"/usr/bin/python3 /opt/odoo/odoo-bin -c /etc/odoo.conf --workers=4",
	"ssh -p2222 db1",
	"ls -a /tmp",
	"git log --author=bob",
	"password authentication failed for user \"odoo\"",
	"SELECT pid, state FROM pg_stat_activity WHERE state = 'idle'",
	"the ghost_town and skiing are fine",
	"memtui watch --github-token-file /etc/memtui/token",
}

// Check fails t when out still holds one of c's secrets or lost a part that
// must stay readable. what names the surface in the message.
func Check(t testing.TB, what string, c Case, out string) {
	t.Helper()
	for _, s := range c.Secrets {
		if strings.Contains(out, s) {
			t.Errorf("%s: %s: secret %q drawn in %q", what, c.Name, s, out)
		}
	}
	for _, k := range c.Keep {
		if !strings.Contains(out, k) {
			t.Errorf("%s: %s: lost %q, the text no longer reads: %q", what, c.Name, k, out)
		}
	}
}

// CheckAbsent fails t when out holds one of c's secrets; for surfaces that
// reshape the text (cut, quote or fold it), where Keep cannot be checked
// literally.
func CheckAbsent(t testing.TB, what string, c Case, out string) {
	t.Helper()
	for _, s := range c.Secrets {
		if strings.Contains(out, s) {
			t.Errorf("%s: %s: secret %q drawn in %q", what, c.Name, s, out)
		}
	}
}
