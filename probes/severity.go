package probes

import "fmt"

// Severity is how bad memory use is, from the runbook's thresholds.
type Severity int

// The levels, in order.
const (
	Normal Severity = iota
	Warning
	High
	Critical
)

// String is the level's word, as the snapshot JSON writes it.
func (s Severity) String() string {
	switch s {
	case Warning:
		return "warning"
	case High:
		return "high"
	case Critical:
		return "critical"
	}
	return "normal"
}

// MarshalText writes the level as its word.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Thresholds are the lower bounds, in percent, of warning, high and critical.
type Thresholds struct {
	Warning, High, Critical float64
}

// DefaultThresholds are the runbook's: 75 % (success criterion), 85 %
// (detection), 95 % (critical threshold).
func DefaultThresholds() Thresholds { return Thresholds{Warning: 75, High: 85, Critical: 95} }

// Validate says what is wrong with a set of thresholds.
func (t Thresholds) Validate() error {
	if !(0 < t.Warning && t.Warning < t.High && t.High < t.Critical && t.Critical <= 100) {
		return fmt.Errorf("thresholds must rise within 0–100 %%: warning %.0f, high %.0f, critical %.0f", t.Warning, t.High, t.Critical)
	}
	return nil
}

// SeverityOf is the one place a percentage becomes a level:
// normal < warning ≤ … < high ≤ … < critical ≤ 100.
func SeverityOf(pct float64, t Thresholds) Severity {
	switch {
	case pct >= t.Critical:
		return Critical
	case pct >= t.High:
		return High
	case pct >= t.Warning:
		return Warning
	}
	return Normal
}

// Readings are the current figures the overall severity weighs. A source
// that is unknown (not read yet, off, failing) is left out, never taken
// as healthy zeroes that could outvote another.
type Readings struct {
	MemPercent float64
	MemOK      bool
	// PostgreSQL connection slots in use (memtui's own included), the
	// server's max_connections and how many of them ordinary roles may
	// hold (max_connections less the reserved slots); PGMax 0: unknown.
	PGUsed, PGMax, PGOrdinaryLimit int
	// PGRefusedFull: memtui itself was refused with "too many clients".
	PGRefusedFull bool
	// OOMKillsLastHour counts the kernel's kills of the last hour;
	// OOMOK is false when the kernel log could not be read.
	OOMKillsLastHour int
	OOMOK            bool
}

// Condition is a severity and its cause in words, e.g. High and
// "PostgreSQL 37/40 connections".
type Condition struct {
	Level Severity
	Cause string
	// Short is Cause in a few words, for a header that has no room for it
	// (80 columns) and must still show the host, READ-ONLY and the clock.
	Short string
	// Memory: the cause is memory use (the header then need not repeat
	// the percentage).
	Memory bool
}

// OOM kills in the last hour that make the host high, and critical: the
// runbook pages on-call as soon as the OOM killer is active, and several
// kills mean it keeps choosing victims.
const (
	oomKillsHigh     = 1
	oomKillsCritical = 3
)

// Assess is the one place the dashboard's overall severity is decided:
// the worst of memory use, PostgreSQL connection slots and recent OOM
// kills, with its cause. Memory wins a tie, then connections. ok is false
// when nothing is known yet.
func Assess(r Readings, t Thresholds) (c Condition, ok bool) {
	worse := func(n Condition) {
		if !ok || n.Level > c.Level {
			c, ok = n, true
		}
	}
	if r.MemOK {
		worse(Condition{Level: SeverityOf(r.MemPercent, t), Cause: fmt.Sprintf("memory %.1f %%", r.MemPercent),
			Short: fmt.Sprintf("mem %.1f %%", r.MemPercent), Memory: true})
	}
	if r.PGMax > 0 {
		lvl := SeverityOf(100*float64(r.PGUsed)/float64(r.PGMax), t)
		switch {
		case r.PGUsed >= r.PGMax:
			lvl = Critical // "too many clients already", for superusers too
		case r.PGOrdinaryLimit > 0 && r.PGUsed >= r.PGOrdinaryLimit:
			lvl = max(lvl, High) // reserved slots only: the application is refused
		}
		cause := fmt.Sprintf("PostgreSQL %d/%d connections", r.PGUsed, r.PGMax)
		if lvl > Normal || !ok {
			worse(Condition{Level: lvl, Cause: cause, Short: fmt.Sprintf("PG %d/%d", r.PGUsed, r.PGMax)})
		}
	}
	if r.PGRefusedFull {
		worse(Condition{Level: Critical, Cause: "PostgreSQL refuses clients: every connection slot taken", Short: "PG full"})
	}
	if r.OOMOK && r.OOMKillsLastHour >= oomKillsHigh {
		lvl := High
		if r.OOMKillsLastHour >= oomKillsCritical {
			lvl = Critical
		}
		word := "kills"
		if r.OOMKillsLastHour == 1 {
			word = "kill"
		}
		worse(Condition{Level: lvl, Cause: fmt.Sprintf("%d OOM %s in the last hour", r.OOMKillsLastHour, word),
			Short: fmt.Sprintf("%d OOM/h", r.OOMKillsLastHour)})
	}
	return c, ok
}
