package incident

import (
	"errors"
	"time"
)

// Bounds on reading a timeline; the README's "Limits" section states them.
const (
	// MaxEventLine bounds one line of a timeline. An event with a full
	// output tail is under 100 KiB; a longer line (a pasted 10 MB note, a
	// file that is not a timeline) is skipped and counted as a Problem
	// without being parsed, so it costs neither memory nor CPU.
	MaxEventLine = 1 << 20
)

// ErrEmptyTimeline says the timeline file exists but holds nothing yet,
// not even the header: it was created (touch, or a crash before the header
// was synced) and nothing was recorded. It is not "not a timeline".
var ErrEmptyTimeline = errors.New("empty: nothing recorded in it yet")

// ErrLongLine is the Problem of a line over MaxEventLine.
var ErrLongLine = errors.New("line longer than 1 MiB (MaxEventLine): not an event memtui writes")

// JoinWindow is how recent another process's new incident must be for a
// Started to join it instead of opening a second file: two memtui processes
// watching one host see the same threshold crossing within a reading or two.
const JoinWindow = 2 * time.Minute
