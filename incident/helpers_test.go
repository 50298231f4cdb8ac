package incident

import "time"

// t0 is incidenttest.T0, the fixed clock of every test (a Saturday morning
// incident): this package's own tests cannot import incidenttest, which
// imports incident; TestFixedClockAgrees keeps the two equal.
var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

func ip(v int) *int             { return &v }
func up(v uint64) *uint64       { return &v }
func tp(t time.Time) *time.Time { return &t }
