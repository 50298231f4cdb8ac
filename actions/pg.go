package actions

import (
	"context"
	"time"
)

// Postgres runs the statements of the sql and terminate-idle-postgres
// kinds on memtui's own PostgreSQL session. Package actions/pgexec
// implements it over pgx's pgconn; it lives apart so
// that importing actions (as the ui does) never pulls in a database driver.
// Errors it returns are already worded for a person.
type Postgres interface {
	// CurrentDatabase is the database the session is connected to.
	CurrentDatabase(ctx context.Context) (string, error)
	// IdleBackends lists the client backends idle for longer than after,
	// never the session's own backend.
	IdleBackends(ctx context.Context, after time.Duration) ([]Backend, error)
	// TerminateIdle terminates the listed backends that are, in the same
	// statement, still the same session and still idle for longer than
	// after; it returns those it found, with whether the signal was sent.
	TerminateIdle(ctx context.Context, after time.Duration, want []Backend) ([]Terminated, error)
	// Exec runs sql (one or more statements, as one implicit transaction)
	// and returns each statement's command tag, in order ("DELETE 5000",
	// "DELETE 100"). On an error it returns the statements that completed
	// before the failing one (rolled back with it).
	Exec(ctx context.Context, sql string) ([]StatementOutcome, error)
	// QueryText runs a read-only query and returns its columns and at most
	// maxRows rows as text, with the total row count.
	QueryText(ctx context.Context, sql string, maxRows int) (cols []string, rows [][]string, total int, err error)
}

// Terminated is one backend TerminateIdle found still qualifying.
type Terminated struct {
	Backend
	OK bool // pg_terminate_backend returned true
}

// Backend is one PostgreSQL client backend a terminate-idle-postgres run
// would terminate (or did).
type Backend struct {
	PID      int32         `json:"pid"`
	User     string        `json:"user"`
	Database string        `json:"database"`
	IdleFor  time.Duration `json:"idle_for_ns"`
	// BackendStart identifies the session together with PID, so a pid
	// reused by a new session between preview and run is not terminated.
	BackendStart time.Time `json:"backend_start"`
}

// Preview is what the confirmation shows beyond the plan: the rows of an SQL
// action's preview query, the backends terminate-idle-postgres would
// terminate, or the verified signal target.
type Preview struct {
	Columns   []string   `json:"columns,omitempty"`
	Rows      [][]string `json:"rows,omitempty"`
	Truncated bool       `json:"truncated,omitempty"` // more rows than MaxPreviewRows
	Backends  []Backend  `json:"backends,omitempty"`
	Target    *Target    `json:"target,omitempty"`
	// Redis is what a Redis flush would delete, as read for the preview.
	Redis *RedisUsage `json:"redis,omitempty"`
	// Edit is the file change an odoo-limits or odoo-restore action shows
	// and then makes, exactly.
	Edit *FileEdit `json:"edit,omitempty"`
	// Message is a one-line summary ("3 idle client backends", "no rows").
	Message string `json:"message"`
}

// FileEdit is a change to one file as the confirmation showed it: the run
// writes New only if the file still reads as it did (OldSum).
type FileEdit struct {
	Path   string `json:"path"`
	OldSum string `json:"old_sha256"`
	New    []byte `json:"-"`
	// From is the backup a restore puts back ("" for a new proposal).
	From string `json:"from,omitempty"`
	Diff string `json:"diff"`
}

// MaxPreviewRows bounds the rows a preview keeps.
const MaxPreviewRows = 50
