package probes

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
)

// PGErrKind says what went wrong with PostgreSQL, so the panel and the
// snapshot can react (e.g. show the last figures when the server is full).
type PGErrKind int

// The kinds of PostgreSQL trouble memtui tells apart.
const (
	PGErrOther      PGErrKind = iota // anything else; Msg still says it plainly
	PGErrConfig                      // the connection settings themselves are wrong
	PGErrRefused                     // nothing listening: server down, wrong port or socket
	PGErrAuth                        // password or pg_hba.conf rejected us
	PGErrNoDatabase                  // the database does not exist
	PGErrTooMany                     // SQLSTATE 53300: no free connection slot
	PGErrTimeout                     // no answer in time
	PGErrShutdown                    // server shutting down / starting up / our session killed
)

// String names the kind in the snapshot JSON.
func (k PGErrKind) String() string {
	return [...]string{"other", "config", "refused", "auth", "no_database", "too_many_clients", "timeout", "shutdown"}[k]
}

// PGError is a PostgreSQL failure in plain words. Msg says what happened and
// where (socket path or host:port, user, database); Hint says what to do.
// Neither ever contains the password or the DSN: they are composed by
// memtui, and the rare server or network text they quote is scrubbed.
type PGError struct {
	Kind PGErrKind
	Code string // SQLSTATE when the server said it, e.g. "28P01"
	Msg  string
	Hint string
}

// Error is Msg and Hint, one line.
func (e *PGError) Error() string {
	if e.Hint == "" {
		return e.Msg
	}
	return e.Msg + " — " + e.Hint
}

// classifyPGError turns a pgx/pgconn/net error into a PGError about target.
// timeout is the limit that applied, for "no answer within 3s".
func classifyPGError(err error, t PGTarget, timeout time.Duration) *PGError {
	if err == nil {
		return nil
	}
	var pe *PGError
	if errors.As(err, &pe) {
		return pe
	}
	addr := t.Address()
	who := fmt.Sprintf("user %s, database %s", t.User(), t.Database())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		e := &PGError{Code: pgErr.Code}
		switch pgErr.Code {
		case "28P01":
			e.Kind = PGErrAuth
			e.Msg = fmt.Sprintf("password authentication failed for user %s on %s", t.User(), addr)
			e.Hint = "check the password (in --pg, PGPASSWORD or ~/.pgpass); " + pgConfigHelp
		case "28000":
			e.Kind = PGErrAuth
			e.Msg = fmt.Sprintf("not allowed in on %s (%s): %s", addr, who, scrubSecret(pgErr.Message, t.password()))
			e.Hint = "the role or a pg_hba.conf entry for it is missing; " + pgConfigHelp
		case "3D000":
			e.Kind = PGErrNoDatabase
			e.Msg = fmt.Sprintf("database %s does not exist on %s", t.Database(), addr)
			e.Hint = "name an existing database with dbname=… in --pg or PGDATABASE (e.g. postgres)"
		case "53300":
			e.Kind = PGErrTooMany
			e.Msg = fmt.Sprintf("too many clients already on %s: every connection slot is taken", addr)
			// Non-superusers hear why in other words ("remaining connection
			// slots are reserved for roles with the SUPERUSER attribute").
			if !strings.Contains(pgErr.Message, "too many clients already") {
				e.Msg += " (" + scrubSecret(pgErr.Message, t.password()) + ")"
			}
			e.Hint = "memtui needs one slot too; connect it as a superuser (superuser_reserved_connections keeps slots for them) or end idle sessions"
		case "57P01", "57P02":
			e.Kind = PGErrShutdown
			e.Msg = fmt.Sprintf("the server on %s ended memtui's session (%s)", addr, scrubSecret(pgErr.Message, t.password()))
			e.Hint = "it is shutting down or an administrator terminated the session; memtui reconnects by itself"
		case "57P03":
			e.Kind = PGErrShutdown
			e.Msg = fmt.Sprintf("the server on %s is not accepting connections yet (%s)", addr, scrubSecret(pgErr.Message, t.password()))
			e.Hint = "it is starting up, shutting down or in recovery; memtui retries by itself"
		case "57014":
			e.Kind = PGErrTimeout
			e.Msg = fmt.Sprintf("reading pg_stat_activity on %s took longer than memtui's statement_timeout", addr)
			e.Hint = "the server is overloaded; memtui retries on the next refresh"
		default:
			e.Msg = fmt.Sprintf("PostgreSQL on %s said: %s (SQLSTATE %s)", addr, scrubSecret(pgErr.Message, t.password()), pgErr.Code)
		}
		return e
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded) || isNetTimeout(err):
		return &PGError{Kind: PGErrTimeout,
			Msg:  fmt.Sprintf("no answer from PostgreSQL on %s within %s", addr, timeout.Round(100*time.Millisecond)),
			Hint: "the server may be overloaded or swapping, or a firewall drops packets; memtui keeps retrying"}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &PGError{Kind: PGErrRefused,
			Msg:  "connection refused on " + addr,
			Hint: "is PostgreSQL running and listening there? " + pgConfigHelp}
	case t.IsSocket() && errors.Is(err, syscall.ENOENT):
		return &PGError{Kind: PGErrRefused,
			Msg:  fmt.Sprintf("connection refused on %s: no socket there", addr),
			Hint: "PostgreSQL is not running, or uses another port or socket directory; " + pgConfigHelp}
	case errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM):
		return &PGError{Kind: PGErrRefused,
			Msg:  "permission denied opening " + addr,
			Hint: "run memtui as a user that may use the socket, or " + pgConfigHelp}
	case errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH):
		return &PGError{Kind: PGErrRefused, Msg: "no route to " + addr, Hint: pgConfigHelp}
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return &PGError{Kind: PGErrConfig, Msg: fmt.Sprintf("cannot resolve the PostgreSQL host %s", t.Host()), Hint: pgConfigHelp}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) {
		return &PGError{Kind: PGErrShutdown,
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
	return &PGError{Kind: PGErrOther,
		Msg:  fmt.Sprintf("cannot use PostgreSQL on %s (%s): %s", addr, who, scrubSecret(msg, t.password())),
		Hint: pgConfigHelp}
}

func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// scrubSecret removes every occurrence of secret from s. Defence in depth:
// memtui composes its own messages, but when it quotes a server or network
// text it must not be able to echo a password back.
func scrubSecret(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "********")
}
