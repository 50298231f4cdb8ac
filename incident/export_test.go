package incident

import "time"

// What the external tests (package incident_test, which can use the shared
// fixtures of incidenttest) need from inside the package.
type (
	Line      = line
	ErrString = errString
)

var (
	NewPayload    = newPayload
	FastDecode    = fastDecode
	Deref         = deref
	Golden        = golden
	CheckMarkdown = checkMarkdown
)

// FixedClock exposes t0 to the external tests (helpers_ext_test.go).
func FixedClock() time.Time { return t0 }
