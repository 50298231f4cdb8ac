package probes

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/memtui/memtui/internal/units"
)

// PGAdvice is one memory setting measured against the runbook's guidance
// for this machine's RAM.
type PGAdvice struct {
	Setting   string   `json:"setting"`
	Current   uint64   `json:"current_bytes"`
	Suggested uint64   `json:"suggested_bytes,omitempty"` // 0 when the runbook gives no figure
	Percent   float64  `json:"percent_of_ram"`
	Level     Severity `json:"level"`
	Text      string   `json:"text"` // plain words, verdict first: "low: 128 MiB = 0.8 % of RAM, guide ≈ 25 % = 4.00 GiB"
}

// PGGuide compares the four memory settings with the runbook's, scaled
// from its 8 GB example to this RAM (shared_buffers ≈ 25 %,
// effective_cache_size ≈ 75 %, work_mem 16 MB, maintenance_work_mem
// 512 MB) and gives the worst case of work_mem × max_connections. ram is MemTotal in bytes; 0 (unknown, or a remote
// server whose RAM we cannot see) gives no advice. Pure.
func PGGuide(s PGSettings, ram uint64, active int) []PGAdvice {
	if ram == 0 {
		return nil
	}
	pct := func(v uint64) float64 { return 100 * float64(v) / float64(ram) }
	var out []PGAdvice
	if s.SharedBuffers.OK {
		v := s.SharedBuffers.V
		a := PGAdvice{Setting: "shared_buffers", Current: v, Suggested: ram / 4, Percent: pct(v)}
		switch {
		case a.Percent > 40:
			a.Level = High
			a.Text = fmt.Sprintf("high: %s = %.1f %% of RAM, guide ≈ 25 %% = %s; leaves too little for the OS and sessions", units.Bytes(v), a.Percent, units.Bytes(ram/4))
		case a.Percent < 15:
			a.Level = Warning
			a.Text = fmt.Sprintf("low: %s = %.1f %% of RAM, guide ≈ 25 %% = %s", units.Bytes(v), a.Percent, units.Bytes(ram/4))
		default:
			a.Text = fmt.Sprintf("ok: %s = %.1f %% of RAM, guide ≈ 25 %% = %s", units.Bytes(v), a.Percent, units.Bytes(ram/4))
		}
		out = append(out, a)
	}
	if s.EffectiveCacheSize.OK {
		v := s.EffectiveCacheSize.V
		a := PGAdvice{Setting: "effective_cache_size", Current: v, Suggested: ram / 4 * 3, Percent: pct(v)}
		switch {
		case a.Percent > 90:
			a.Level = Warning
			a.Text = fmt.Sprintf("high: %s = %.1f %% of RAM, guide ≈ 75 %% = %s (a planner hint, not allocated)", units.Bytes(v), a.Percent, units.Bytes(ram/4*3))
		case a.Percent < 50:
			a.Level = Warning
			a.Text = fmt.Sprintf("low: %s = %.1f %% of RAM, guide ≈ 75 %% = %s (a planner hint, not allocated)", units.Bytes(v), a.Percent, units.Bytes(ram/4*3))
		default:
			a.Text = fmt.Sprintf("ok: %s = %.1f %% of RAM, guide ≈ 75 %% = %s", units.Bytes(v), a.Percent, units.Bytes(ram/4*3))
		}
		out = append(out, a)
	}
	if s.WorkMem.OK {
		// The runbook: work_mem = 16MB on its 8 GB host, RAM/512 here.
		v, guide := s.WorkMem.V, ram/512
		a := PGAdvice{Setting: "work_mem", Current: v, Suggested: guide}
		// The worst case every session may reach: max_connections × work_mem
		// (more if a query sorts or hashes several times); the active
		// sessions are what it is now.
		conns := max(active, 0)
		if s.MaxConnections > 0 {
			conns = s.MaxConnections
		}
		worst := v * uint64(conns)
		a.Percent = pct(worst)
		switch {
		case a.Percent >= 50:
			a.Level = High
		case a.Percent >= 25:
			a.Level = Warning
		}
		if s.MaxConnections > 0 {
			a.Text = fmt.Sprintf("%s × max_connections %d = %s (%.1f %% of RAM) at worst, more if a query sorts or hashes several times; %d active now = %s",
				units.Bytes(v), s.MaxConnections, units.Bytes(worst), a.Percent, active, units.Bytes(v*uint64(max(active, 0))))
		} else {
			a.Text = fmt.Sprintf("%s × %d active = %s (%.1f %% of RAM) at worst, more if a query sorts or hashes several times", units.Bytes(v), active, units.Bytes(worst), a.Percent)
		}
		a.Text += fmt.Sprintf("; runbook: 16 MiB on 8 GiB ≈ %s here", units.Bytes(guide))
		out = append(out, a)
	}
	if s.MaintenanceWorkMem.OK {
		// The runbook: maintenance_work_mem = 512MB on 8 GB, RAM/16 here.
		v, guide := s.MaintenanceWorkMem.V, ram/16
		workers := max(s.AutovacuumWorkers, 0)
		av := v
		if s.AutovacuumWorkMem.OK {
			av = s.AutovacuumWorkMem.V
		}
		a := PGAdvice{Setting: "maintenance_work_mem", Current: v, Suggested: guide, Percent: pct(v)}
		if v > 2*guide || pct(av*uint64(workers)) >= 25 {
			a.Level = Warning
		}
		a.Text = fmt.Sprintf("%s (%.1f %% of RAM) per maintenance task; autovacuum %d × %s = %s; runbook: 512 MiB on 8 GiB ≈ %s here",
			units.Bytes(v), a.Percent, workers, units.Bytes(av), units.Bytes(av*uint64(workers)), units.Bytes(guide))
		out = append(out, a)
	}
	return out
}

// PGText makes text a client or the server chose (query text, application
// name, user and database names) safe to draw: control characters —
// escape sequences that could repaint an observer's terminal among them —
// and invalid UTF-8 become "�", and whitespace runs become one space.
func PGText(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean && !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	space := false
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		case r == utf8.RuneError && n <= 1, r < 0x20, r >= 0x7f && r < 0xa0:
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
		space = false
	}
	return b.String()
}
