package probes

import (
	"strconv"
	"strings"
	"time"
)

// OdooLogKind is what a memory-related Odoo log line says happened.
type OdooLogKind string

// The kinds memtui picks out of Odoo's log (odoo/service/server.py's own
// words), the step-4 checks of the runbook.
const (
	OdooLogRecycled    OdooLogKind = "recycled"     // "Worker (N) virtual memory limit (X) reached."
	OdooLogCPULimit    OdooLogKind = "cpu-limit"    // "Worker (N) CPU time limit (X) reached."
	OdooLogTimeout     OdooLogKind = "killed"       // "WorkerHTTP (N) timeout after Xs": the master kills it
	OdooLogMemoryError OdooLogKind = "memory-error" // a MemoryError: an allocation past limit_memory_hard
)

// OdooLogEvent is one memory-related line of Odoo's log.
type OdooLogEvent struct {
	At   time.Time   `json:"time"`
	PID  int         `json:"pid"`             // the process that logged it
	Kind OdooLogKind `json:"kind"`            // what it says happened
	Text string      `json:"text"`            // the message, masked by the caller
	DB   string      `json:"db,omitempty"`    // the database column ("?" when none)
	Lvl  string      `json:"level,omitempty"` // INFO, WARNING, ERROR, CRITICAL
}

// ParseOdooLogLine reads one line of Odoo's log
// ("2026-12-04 01:20:13,512 4242 INFO prod odoo.service.server: Worker
// (4243) virtual memory limit (2214592512) reached.") and says whether it
// is memory-related. Odoo writes its clock without a zone: loc is the
// server's. Lines of a traceback (no prefix) count only when they name
// MemoryError, dated at the last prefixed line (last).
func ParseOdooLogLine(line string, loc *time.Location, last time.Time) (OdooLogEvent, bool) {
	var ev OdooLogEvent
	rest := line
	if len(line) >= 23 && line[4] == '-' && line[10] == ' ' && line[19] == ',' {
		at, err := time.ParseInLocation("2006-01-02 15:04:05", line[:19], loc)
		if err != nil {
			return ev, false
		}
		ev.At = at
		f := strings.SplitN(line[20:], " ", 5) // msec pid level db logger: message
		if len(f) < 5 {
			return ev, false
		}
		ev.PID, _ = strconv.Atoi(f[1])
		ev.Lvl, ev.DB = f[2], f[3]
		if _, msg, ok := strings.Cut(f[4], ": "); ok {
			rest = msg
		} else {
			rest = f[4]
		}
	} else {
		ev.At = last
	}
	switch {
	case strings.Contains(rest, "virtual memory limit") || strings.Contains(rest, "virtual real memory limit"):
		ev.Kind = OdooLogRecycled
	case strings.Contains(rest, "CPU time limit"):
		ev.Kind = OdooLogCPULimit
	case strings.Contains(rest, ") timeout after ") && strings.HasPrefix(rest, "Worker"):
		ev.Kind = OdooLogTimeout
	case strings.Contains(rest, "MemoryError"):
		ev.Kind = OdooLogMemoryError
	default:
		return ev, false
	}
	if ev.At.IsZero() {
		return ev, false
	}
	ev.Text = strings.TrimSpace(rest)
	return ev, true
}

// LastPrefixedTime is the time of line if it carries Odoo's prefix, else
// last: what a traceback line below it is dated at.
func LastPrefixedTime(line string, loc *time.Location, last time.Time) time.Time {
	if len(line) >= 23 && line[4] == '-' && line[10] == ' ' && line[19] == ',' {
		if at, err := time.ParseInLocation("2006-01-02 15:04:05", line[:19], loc); err == nil {
			return at
		}
	}
	return last
}

// OdooLogSummary counts the memory-related lines since a moment and keeps
// the newest.
type OdooLogSummary struct {
	Source      string         `json:"source"`
	Error       string         `json:"error,omitempty"`
	Since       time.Time      `json:"since"`
	Recycled    int            `json:"recycled"`
	CPULimit    int            `json:"cpu_limit"`
	Killed      int            `json:"killed"`
	MemoryError int            `json:"memory_errors"`
	Recent      []OdooLogEvent `json:"recent"`
}

// MaxOdooLogRecent bounds the lines a summary keeps.
const MaxOdooLogRecent = 20

// Add counts ev if it is not older than Since.
func (s *OdooLogSummary) Add(ev OdooLogEvent) {
	if ev.At.Before(s.Since) {
		return
	}
	switch ev.Kind {
	case OdooLogRecycled:
		s.Recycled++
	case OdooLogCPULimit:
		s.CPULimit++
	case OdooLogTimeout:
		s.Killed++
	case OdooLogMemoryError:
		s.MemoryError++
	}
	s.Recent = append(s.Recent, ev)
	if len(s.Recent) > MaxOdooLogRecent {
		s.Recent = append(s.Recent[:0], s.Recent[len(s.Recent)-MaxOdooLogRecent:]...)
	}
}

// Total is every counted line.
func (s OdooLogSummary) Total() int { return s.Recycled + s.CPULimit + s.Killed + s.MemoryError }

// OdooJournal is the runbook's `journalctl -u odoo -p err --since "1 hour
// ago"`: the error lines of Odoo's unit over the last hour.
type OdooJournal struct {
	Unit   string   `json:"unit"`
	Error  string   `json:"error,omitempty"`
	Lines  int      `json:"lines"`
	Recent []string `json:"recent"` // the newest, masked
}
