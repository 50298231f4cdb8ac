package probes

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/memtui/memtui/internal/units"
)

// OdooProposal is what memtui proposes to write in odoo.conf for this
// host: the keys to change (only those that change) and the arithmetic
// that led to each, in the order a person reads it.
type OdooProposal struct {
	Set map[string]string
	Why []string
}

// The proposal's rules, stated where they are used: the OS and the page
// cache keep a tenth of RAM (at least 512 MiB); a worker gets its share of
// the rest once PostgreSQL's shared_buffers are taken out; the soft limit
// is four fifths of the hard one; PostgreSQL keeps 10 connections for
// superusers and maintenance.
const (
	odooMinReserve   = 512 << 20
	odooLimitStep    = 64 << 20
	odooMinHard      = 640 << 20
	odooPGReserved   = 10
	odooMinDBMaxconn = 4
)

// ErrOdooThreaded is the proposal's refusal in threaded mode: there are no
// worker limits to adjust.
var ErrOdooThreaded = errors.New("workers = 0 (threaded mode): Odoo applies no worker memory limits, so there is nothing to adjust")

// ProposeOdooLimits computes limits that fit c's workers on h: the worker
// count within 2 × CPUs + 1, limit_memory_hard so that every worker and
// cron thread at its hard limit fits in RAM minus PostgreSQL's
// shared_buffers and a reserve, limit_memory_soft at four fifths of it,
// and db_maxconn within max_connections. A limit already lower is kept.
func ProposeOdooLimits(c OdooConfig, h OdooHost) (OdooProposal, error) {
	p := OdooProposal{Set: map[string]string{}}
	if c.Workers == 0 {
		return p, ErrOdooThreaded
	}
	if h.MemTotal == 0 {
		return p, errors.New("total memory unknown: no limits to compute")
	}
	workers := c.Workers
	if h.CPUs > 0 && workers > 2*h.CPUs+1 {
		workers = 2*h.CPUs + 1
		p.Set["workers"] = strconv.Itoa(workers)
		p.Why = append(p.Why, fmt.Sprintf("workers %d → %d: 2 × %d CPUs + 1", c.Workers, workers, h.CPUs))
	}
	reserve := max(h.MemTotal/10, odooMinReserve)
	room := h.MemTotal
	what := "RAM " + units.Bytes(h.MemTotal)
	if h.PGSharedBuffers > 0 {
		what += " − shared_buffers " + units.Bytes(h.PGSharedBuffers)
	}
	what += " − reserve " + units.Bytes(reserve)
	if h.PGSharedBuffers+reserve >= room {
		return p, fmt.Errorf("%s leaves nothing for Odoo's workers", what)
	}
	room -= h.PGSharedBuffers + reserve
	n := workers + c.MaxCronThreads
	hard := room / uint64(n) / odooLimitStep * odooLimitStep
	if hard < odooMinHard {
		// Too many processes for the room: fewer workers, each with a
		// hard limit a real Odoo worker can live with.
		fit := int(room/odooMinHard) - c.MaxCronThreads
		if fit < 1 {
			return p, fmt.Errorf("%s = %s cannot hold %d cron thread(s) and a worker of %s", what, units.Bytes(room), c.MaxCronThreads, units.Bytes(odooMinHard))
		}
		p.Why = append(p.Why, fmt.Sprintf("workers %d → %d: %s = %s holds %d processes of %s with %d cron thread(s)",
			workers, fit, what, units.Bytes(room), fit+c.MaxCronThreads, units.Bytes(odooMinHard), c.MaxCronThreads))
		workers = fit
		p.Set["workers"] = strconv.Itoa(workers)
		n = workers + c.MaxCronThreads
		hard = room / uint64(n) / odooLimitStep * odooLimitStep
	}
	if hard < c.LimitMemoryHard {
		p.Set["limit_memory_hard"] = strconv.FormatUint(hard, 10)
		p.Why = append(p.Why, fmt.Sprintf("limit_memory_hard %s → %s: (%s) = %s ÷ (workers %d + cron %d), rounded down to %s",
			units.Bytes(c.LimitMemoryHard), units.Bytes(hard), what, units.Bytes(room), workers, c.MaxCronThreads, units.Bytes(odooLimitStep)))
	} else {
		hard = c.LimitMemoryHard
	}
	if soft := hard / 5 * 4 / odooLimitStep * odooLimitStep; soft < c.LimitMemorySoft {
		p.Set["limit_memory_soft"] = strconv.FormatUint(soft, 10)
		p.Why = append(p.Why, fmt.Sprintf("limit_memory_soft %s → %s: 4/5 of limit_memory_hard %s, so a worker is recycled before it fails",
			units.Bytes(c.LimitMemorySoft), units.Bytes(soft), units.Bytes(hard)))
	}
	if h.PGSharedBuffers == 0 {
		p.Why = append(p.Why, "PostgreSQL not read (--pg): its shared_buffers are not taken out of RAM")
	}
	if h.PGMaxConnections == 0 {
		p.Why = append(p.Why, "PostgreSQL not read (--pg): db_maxconn left as it is")
	} else {
		if limit := (h.PGMaxConnections - odooPGReserved) / (n + 1); (n+1)*c.DBMaxconn > h.PGMaxConnections-odooPGReserved && limit >= odooMinDBMaxconn {
			p.Set["db_maxconn"] = strconv.Itoa(limit)
			p.Why = append(p.Why, fmt.Sprintf("db_maxconn %d → %d: (max_connections %d − %d kept for superusers) ÷ (workers %d + cron %d + 1)",
				c.DBMaxconn, limit, h.PGMaxConnections, odooPGReserved, workers, c.MaxCronThreads))
		}
	}
	return p, nil
}

// EditOdooConf returns b with the keys of set under [options]: a key's
// line is replaced where it stands (its inline comment goes with it), a
// key the section lacks is added at the section's end, and every other
// byte is kept. b without an [options] section is an error: that is not
// an odoo.conf Odoo would read.
func EditOdooConf(b []byte, set map[string]string) ([]byte, error) {
	lines := strings.SplitAfter(string(b), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	done := map[string]bool{}
	start, end := -1, len(lines) // the [options] section: its header and the line after its last
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			if start >= 0 && end == len(lines) {
				end = i
			}
			if strings.TrimSpace(strings.Trim(t, "[]")) == "options" && start < 0 {
				start = i
			}
			continue
		}
		if start < 0 || end != len(lines) || t == "" || t[0] == '#' || t[0] == ';' {
			continue
		}
		k, _, ok := strings.Cut(t, "=")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		if v, want := set[k]; want && !done[k] {
			lines[i] = k + " = " + v + "\n"
			done[k] = true
		}
	}
	if start < 0 {
		return nil, errors.New("no [options] section")
	}
	var add []string
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !done[k] {
			add = append(add, k+" = "+set[k]+"\n")
		}
	}
	// New keys go after the section's last non-blank line.
	at := end
	for at > start+1 && strings.TrimSpace(lines[at-1]) == "" {
		at--
	}
	if at > 0 && !strings.HasSuffix(lines[at-1], "\n") {
		lines[at-1] += "\n"
	}
	out := slices.Concat(lines[:at], add, lines[at:])
	return []byte(strings.Join(out, "")), nil
}

// maxDiffLines bounds the texts UnifiedDiff compares line by line (its
// table is lines × lines); odoo.conf is a few dozen.
const maxDiffLines = 2000

// UnifiedDiff is `diff -u`'s output for two texts, with three lines of
// context. Texts longer than maxDiffLines lines are refused.
func UnifiedDiff(aName, bName string, a, b []byte) (string, error) {
	al, bl := splitLines(a), splitLines(b)
	if len(al) > maxDiffLines || len(bl) > maxDiffLines {
		return "", fmt.Errorf("more than %d lines: no diff shown", maxDiffLines)
	}
	// Longest common subsequence, then the edit script.
	lcs := make([][]int, len(al)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(bl)+1)
	}
	for i := len(al) - 1; i >= 0; i-- {
		for j := len(bl) - 1; j >= 0; j-- {
			if al[i] == bl[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type op struct {
		kind byte // ' ', '-', '+'
		text string
		ai   int // line index in a (for ' ' and '-') or where it goes
		bi   int
	}
	var ops []op
	i, j := 0, 0
	for i < len(al) || j < len(bl) {
		switch {
		case i < len(al) && j < len(bl) && al[i] == bl[j]:
			ops = append(ops, op{' ', al[i], i, j})
			i++
			j++
		case i < len(al) && (j == len(bl) || lcs[i+1][j] >= lcs[i][j+1]):
			// Removals before additions, as diff -u prints them.
			ops = append(ops, op{'-', al[i], i, j})
			i++
		default:
			ops = append(ops, op{'+', bl[j], i, j})
			j++
		}
	}
	const ctx = 3
	var out bytes.Buffer
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", aName, bName)
	for k := 0; k < len(ops); {
		if ops[k].kind == ' ' {
			k++
			continue
		}
		// A hunk: from ctx lines before this change to ctx lines after
		// the last change that is within 2×ctx of the next.
		from := max(k-ctx, 0)
		to := k
		for to < len(ops) {
			if ops[to].kind != ' ' {
				to++
				continue
			}
			run := to
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-to > 2*ctx {
				to = min(to+ctx, len(ops))
				break
			}
			to = run
		}
		aStart, bStart, aN, bN := ops[from].ai, ops[from].bi, 0, 0
		for _, o := range ops[from:to] {
			if o.kind != '+' {
				aN++
			}
			if o.kind != '-' {
				bN++
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(aStart, aN), hunkRange(bStart, bN))
		for _, o := range ops[from:to] {
			out.WriteByte(o.kind)
			out.WriteString(o.text)
			out.WriteByte('\n')
		}
		k = to
	}
	return out.String(), nil
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return strconv.Itoa(start + 1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

func splitLines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
