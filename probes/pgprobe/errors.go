package pgprobe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/memtui/memtui/probes"
)

// classify turns a pgx/pgconn/net error into a probes.PGError about target.
// timeout is the limit that applied, for "no answer within 3s".
func classify(err error, t PGTarget, timeout time.Duration) *probes.PGError {
	if err == nil {
		return nil
	}
	var pe *probes.PGError
	if errors.As(err, &pe) {
		return pe
	}
	addr := t.Address()
	who := fmt.Sprintf("user %s, database %s", t.User(), t.Database())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		e := &probes.PGError{Code: pgErr.Code}
		switch pgErr.Code {
		case "28P01":
			e.Kind = probes.PGErrAuth
			e.Msg = fmt.Sprintf("password authentication failed for user %s on %s", t.User(), addr)
			e.Hint = "check the password (in --pg, PGPASSWORD or ~/.pgpass); " + probes.PGConfigHelp
		case "28000":
			e.Kind = probes.PGErrAuth
			e.Msg = fmt.Sprintf("not allowed in on %s (%s): %s", addr, who, probes.PGText(t.Scrub(pgErr.Message)))
			e.Hint = "the role or a pg_hba.conf entry for it is missing; " + probes.PGConfigHelp
			if m := strings.ToLower(pgErr.Message); strings.Contains(m, "peer authentication failed") || strings.Contains(m, "ident authentication failed") {
				// Stock Debian/Ubuntu: local socket connections use peer
				// authentication, so the system user must be the role.
				// Root asking for postgres is the usual case, and no role
				// or pg_hba entry is missing.
				e.Hint = fmt.Sprintf("pg_hba.conf lets system users in over the local socket only as the role of the same name, "+
					"and memtui runs as another system user; run it as that user (sudo -u %s memtui), or map this system user to role %s "+
					"in pg_ident.conf (map=… on the local line of pg_hba.conf, then reload), or connect over TCP with a password "+
					"(--pg 'host=127.0.0.1 user=%s', the password in ~/.pgpass); the README's \"Connecting as root\" shows each", t.User(), t.User(), t.User())
			}
		case "3D000":
			e.Kind = probes.PGErrNoDatabase
			e.Msg = fmt.Sprintf("database %s does not exist on %s", t.Database(), addr)
			e.Hint = "name an existing database with dbname=… in --pg or PGDATABASE (e.g. postgres)"
		case "53300":
			e.Kind = probes.PGErrTooMany
			e.Msg = fmt.Sprintf("too many clients already on %s: every connection slot is taken", addr)
			// Non-superusers hear why in other words ("remaining connection
			// slots are reserved for roles with the SUPERUSER attribute").
			if !strings.Contains(pgErr.Message, "too many clients already") {
				e.Msg += " (" + probes.PGText(t.Scrub(pgErr.Message)) + ")"
			}
			e.Hint = "memtui needs one slot too; connect it as a superuser (superuser_reserved_connections keeps slots for them) or end idle sessions"
		case "57P01", "57P02":
			e.Kind = probes.PGErrShutdown
			e.Msg = fmt.Sprintf("the server on %s ended memtui's session (%s)", addr, probes.PGText(t.Scrub(pgErr.Message)))
			e.Hint = "it is shutting down or an administrator terminated the session; memtui reconnects by itself"
		case "57P03":
			e.Kind = probes.PGErrShutdown
			e.Msg = fmt.Sprintf("the server on %s is not accepting connections yet (%s)", addr, probes.PGText(t.Scrub(pgErr.Message)))
			e.Hint = "it is starting up, shutting down or in recovery; memtui retries by itself"
		case "57014":
			e.Kind = probes.PGErrTimeout
			e.Msg = fmt.Sprintf("reading pg_stat_activity on %s took longer than memtui's statement_timeout", addr)
			e.Hint = "the server is overloaded; memtui retries on the next refresh"
		default:
			e.Msg = fmt.Sprintf("PostgreSQL on %s said: %s (SQLSTATE %s)", addr, probes.PGText(t.Scrub(pgErr.Message)), pgErr.Code)
		}
		return e
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded) || isNetTimeout(err):
		return &probes.PGError{Kind: probes.PGErrTimeout,
			Msg:  fmt.Sprintf("no answer from PostgreSQL on %s within %s", addr, timeout.Round(100*time.Millisecond)),
			Hint: "the server may be overloaded or swapping, or a firewall drops packets; memtui keeps retrying"}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &probes.PGError{Kind: probes.PGErrRefused,
			Msg:  "connection refused on " + addr,
			Hint: "is PostgreSQL running and listening there? " + probes.PGConfigHelp}
	case t.IsSocket() && errors.Is(err, syscall.ENOENT):
		return &probes.PGError{Kind: probes.PGErrRefused,
			Msg:  fmt.Sprintf("connection refused on %s: no socket there", addr),
			Hint: "PostgreSQL is not running, or uses another port or socket directory; " + probes.PGConfigHelp}
	case errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM):
		return &probes.PGError{Kind: probes.PGErrRefused,
			Msg:  "permission denied opening " + addr,
			Hint: "run memtui as a user that may use the socket, or " + probes.PGConfigHelp}
	case errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH):
		return &probes.PGError{Kind: probes.PGErrRefused, Msg: "no route to " + addr, Hint: probes.PGConfigHelp}
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return &probes.PGError{Kind: probes.PGErrConfig, Msg: fmt.Sprintf("cannot resolve the PostgreSQL host %s", t.Host()), Hint: probes.PGConfigHelp}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) {
		return &probes.PGError{Kind: probes.PGErrShutdown,
			Msg:  "lost the connection to PostgreSQL on " + addr,
			Hint: "the server stopped or restarted, or the network dropped; memtui reconnects by itself"}
	}
	// Unknown: keep pgx's words for the cause but drop its prefix (it names
	// the config) and scrub anything that could be the password.
	msg := err.Error()
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) && ce.Unwrap() != nil {
		msg = ce.Unwrap().Error()
	}
	return &probes.PGError{Kind: probes.PGErrOther,
		Msg:  fmt.Sprintf("cannot use PostgreSQL on %s (%s): %s", addr, who, probes.PGText(t.Scrub(msg))),
		Hint: probes.PGConfigHelp}
}

func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
