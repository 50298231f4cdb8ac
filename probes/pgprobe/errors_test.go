package pgprobe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/memtui/memtui/probes"
)

func TestClassifyPGError(t *testing.T) {
	sock, _ := ResolvePGTarget("host=/var/run/postgresql port=5432 user=odoo dbname=odoo password=Hunter2-secret", nil)
	tcp, _ := ResolvePGTarget("host=db.internal port=6432 user=odoo dbname=odoo password=Hunter2-secret", nil)
	opErr := func(errno syscall.Errno) error {
		return fmt.Errorf("dial: %w", &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", errno)})
	}
	cases := []struct {
		name string
		t    PGTarget
		err  error
		kind probes.PGErrKind
		msg  string
	}{
		{"password", sock, &pgconn.PgError{Code: "28P01", Message: `password authentication failed for user "odoo"`}, probes.PGErrAuth,
			"password authentication failed for user odoo on /var/run/postgresql/.s.PGSQL.5432"},
		{"hba", tcp, &pgconn.PgError{Code: "28000", Message: `no pg_hba.conf entry for host "1.2.3.4", user "odoo"`}, probes.PGErrAuth,
			`not allowed in on db.internal:6432 (user odoo, database odoo): no pg_hba.conf entry for host "1.2.3.4", user "odoo"`},
		{"no database", sock, &pgconn.PgError{Code: "3D000"}, probes.PGErrNoDatabase, "database odoo does not exist on /var/run/postgresql/.s.PGSQL.5432"},
		{"too many", sock, &pgconn.PgError{Code: "53300", Message: "sorry, too many clients already"}, probes.PGErrTooMany,
			"too many clients already on /var/run/postgresql/.s.PGSQL.5432: every connection slot is taken"},
		{"reserved slots", sock, &pgconn.PgError{Code: "53300", Message: "remaining connection slots are reserved for roles with the SUPERUSER attribute"}, probes.PGErrTooMany,
			"too many clients already on /var/run/postgresql/.s.PGSQL.5432: every connection slot is taken (remaining connection slots are reserved for roles with the SUPERUSER attribute)"},
		{"starting", sock, &pgconn.PgError{Code: "57P03", Message: "the database system is starting up"}, probes.PGErrShutdown,
			"the server on /var/run/postgresql/.s.PGSQL.5432 is not accepting connections yet (the database system is starting up)"},
		{"statement timeout", sock, &pgconn.PgError{Code: "57014"}, probes.PGErrTimeout,
			"reading pg_stat_activity on /var/run/postgresql/.s.PGSQL.5432 took longer than memtui's statement_timeout"},
		{"server echoes a secret", sock, &pgconn.PgError{Code: "XX000", Message: "odd: Hunter2-secret"}, probes.PGErrOther,
			"PostgreSQL on /var/run/postgresql/.s.PGSQL.5432 said: odd: ******** (SQLSTATE XX000)"},
		{"refused tcp", tcp, opErr(syscall.ECONNREFUSED), probes.PGErrRefused, "connection refused on db.internal:6432"},
		{"no socket", sock, opErr(syscall.ENOENT), probes.PGErrRefused, "connection refused on /var/run/postgresql/.s.PGSQL.5432: no socket there"},
		{"permission", sock, opErr(syscall.EACCES), probes.PGErrRefused, "permission denied opening /var/run/postgresql/.s.PGSQL.5432"},
		{"deadline", tcp, fmt.Errorf("x: %w", context.DeadlineExceeded), probes.PGErrTimeout, "no answer from PostgreSQL on db.internal:6432 within 3s"},
		{"dns", tcp, &net.DNSError{Err: "no such host", Name: "db.internal"}, probes.PGErrConfig, "cannot resolve the PostgreSQL host db.internal"},
		{"reset", tcp, opErr(syscall.ECONNRESET), probes.PGErrShutdown, "lost the connection to PostgreSQL on db.internal:6432"},
		{"unknown with secret", tcp, errors.New("weird failure Hunter2-secret"), probes.PGErrOther,
			"cannot use PostgreSQL on db.internal:6432 (user odoo, database odoo): weird failure ********"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := classify(c.err, c.t, 3*time.Second)
			if e.Kind != c.kind || e.Msg != c.msg {
				t.Errorf("got %v %q\nwant %v %q", e.Kind, e.Msg, c.kind, c.msg)
			}
			if e.Hint == "" && c.kind != probes.PGErrOther {
				t.Errorf("no hint for %v", c.kind)
			}
			if strings.Contains(e.Error(), "Hunter2-secret") {
				t.Errorf("password in %q", e.Error())
			}
		})
	}
}

// TestClassifyPeerAuth: on stock Debian/Ubuntu, root connecting as postgres
// over the socket is refused by peer authentication. Nothing is missing;
// the hint must say how to get in (run as postgres, a pg_ident map, or TCP
// with a password), not "the role or a pg_hba entry is missing".
func TestClassifyPeerAuth(t *testing.T) {
	sock, _ := ResolvePGTarget("host=/var/run/postgresql port=5432 user=postgres dbname=postgres", nil)
	for _, msg := range []string{`Peer authentication failed for user "postgres"`, `Ident authentication failed for user "postgres"`} {
		e := classify(&pgconn.PgError{Code: "28000", Message: msg}, sock, 3*time.Second)
		for _, want := range []string{"sudo -u postgres memtui", "pg_ident.conf", "~/.pgpass", "host=127.0.0.1 user=postgres", "Connecting as root"} {
			if !strings.Contains(e.Hint, want) {
				t.Errorf("%s: hint %q lacks %q", msg, e.Hint, want)
			}
		}
		if strings.Contains(e.Hint, "is missing") {
			t.Errorf("%s: hint still blames a missing role or entry: %q", msg, e.Hint)
		}
	}
}
