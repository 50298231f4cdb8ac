package incident

import (
	"unicode/utf8"

	"github.com/memtui/memtui/internal/redact"
)

// MaxOutputTail bounds an action's stored output so one chatty command
// cannot bloat the timeline of a host that is short of memory.
const MaxOutputTail = 4096

// MaxText bounds notes and report fields for the same reason.
const MaxText = 16 << 10

// tail keeps the last n bytes of s, cut on a rune boundary, marked with "…".
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := len(s) - n
	for cut < len(s) && !utf8.RuneStart(s[cut]) {
		cut++
	}
	return "…" + s[cut:]
}

// head keeps the first n bytes of s, cut on a rune boundary, marked with "…".
func head(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// clean redacts and bounds one free-text field.
func clean(s string) string { return head(redact.Redact(s), MaxText) }

func (v Started) redact() Payload {
	v.Reason = clean(v.Reason)
	return v
}

func (v MemSample) redact() Payload       { return v }
func (v SeverityChanged) redact() Payload { return v }
func (v SwapGrowth) redact() Payload      { return v }
func (v PGSaturation) redact() Payload    { return v }

func (v OOMKill) redact() Payload {
	// A command name is at most 16 bytes in the kernel, but the log line
	// is user-controllable text.
	v.Comm = clean(v.Comm)
	v.Memcg = clean(v.Memcg)
	return v
}

func (v ServiceRestarted) redact() Payload {
	v.Name = clean(v.Name)
	return v
}

func (v Escalation) redact() Payload {
	v.Reason = clean(v.Reason)
	return v
}

func (v ActionStarted) redact() Payload {
	cmds := make([][]string, len(v.Commands))
	for i, c := range v.Commands {
		cmds[i] = redact.RedactArgv(c)
	}
	if v.Commands == nil {
		cmds = nil
	}
	v.Commands = cmds
	v.Confirmation = clean(v.Confirmation)
	return v
}

func (v ActionFinished) redact() Payload {
	res := make([]CommandResult, len(v.Commands))
	for i, c := range v.Commands {
		c.Argv = redact.RedactArgv(c.Argv)
		c.Error = clean(c.Error)
		c.Outcome = clean(c.Outcome)
		res[i] = c
	}
	if v.Commands == nil {
		res = nil
	}
	v.Commands = res
	v.Error = clean(v.Error)
	v.Outcome = clean(v.Outcome)
	// Redact before cutting, so a secret straddling the cut is still seen whole.
	v.OutputTail = tail(redact.Redact(v.OutputTail), MaxOutputTail)
	return v
}

func (v ActionRechecked) redact() Payload { return v }

func (v OdooLog) redact() Payload {
	v.Text = clean(v.Text)
	return v
}

func (v Note) redact() Payload {
	v.Text = clean(v.Text)
	return v
}

func (v ReportField) redact() Payload {
	v.Value = clean(v.Value)
	return v
}

func (v ReportExported) redact() Payload { return v }

func (v Ended) redact() Payload {
	v.Reason = clean(v.Reason)
	return v
}

// Redacted returns p with every free-text field masked and bounded: what a
// store writes, so no secret reaches a file. Payload's redact method stays
// unexported so only this package's kinds are payloads.
func Redacted(p Payload) Payload { return p.redact() }
