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
