package actions

import (
	"fmt"
	"io"
	"strings"

	"github.com/memtui/memtui/internal/termtext"
)

// Glyph is the risk's symbol, so a badge never relies on colour alone.
func (r Risk) Glyph() string {
	switch r {
	case RiskLow:
		return "○"
	case RiskMedium:
		return "◆"
	case RiskHigh:
		return "▲"
	}
	return "?"
}

// Badge is the risk as glyph and word: "▲ high".
func (r Risk) Badge() string { return r.Glyph() + " " + string(r) }

// WriteList prints the effective runbook for `memtui actions`: per action
// its id, risk and name, then each line of what it runs. Actions from the
// runbook file are marked with it.
func WriteList(w io.Writer, rb Runbook) error {
	idW := len("ID")
	for _, a := range rb.Actions {
		idW = max(idW, len(a.ID))
	}
	const riskW = len("◆ medium") - 2 // the glyph is 3 bytes, 1 cell
	var b strings.Builder
	fmt.Fprintf(&b, "%-*s  %-*s  %s\n", idW, "ID", riskW, "RISK", "NAME / RUNS")
	pad := strings.Repeat(" ", idW+2+riskW+2)
	for _, a := range rb.Actions {
		// Names, sources and commands come from the runbook file: an
		// escape sequence or newline in them must not reach the terminal.
		name := a.Name
		if a.Auto {
			name += "  [auto: memtui watch runs it]"
		}
		if a.Source != "" && a.Source != "built-in" {
			name += "  (from " + a.Source + ")"
		}
		fmt.Fprintf(&b, "%-*s  %s%s  %s\n", idW, termtext.Printable(a.ID), a.Risk.Badge(), strings.Repeat(" ", riskW-len(a.Risk)-2), termtext.Printable(name))
		for _, l := range a.Plan(nil) {
			b.WriteString(pad + termtext.Printable(l) + "\n")
		}
	}
	if rb.File != "" {
		fmt.Fprintf(&b, "\nrunbook file: %s\n", termtext.Printable(rb.File))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
