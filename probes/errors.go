package probes

import (
	"errors"
)

// ErrUnavailable says a source does not exist on this machine (no PSI, no
// swap, no cgroup limit, an old kernel without a field).
var ErrUnavailable = errors.New("unavailable")

// ErrParse says a kernel file was there but did not read as expected.
var ErrParse = errors.New("parse error")
