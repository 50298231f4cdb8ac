package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/memtui/memtui/probes"
)

// TestHeaderCarriesWorstCondition: memory at 2.7 % must not make the
// header say NORMAL while PostgreSQL is down to its reserved slots or the
// OOM killer has been at work; the cause is in words, the glyph and word
// carry the level (NO_COLOR reads the same).
func TestHeaderCarriesWorstCondition(t *testing.T) {
	now := t0.Add(10 * time.Minute)
	low := memAt(t0, 2.7, 0, 0)
	pgAt := func(used, max int) probes.PGReading {
		r := connectedAt(now)
		s := *r.Stats
		s.SlotsUsed, s.MaxConnections, s.SuperuserReserved, s.Reserved = used, max, 3, 0
		r.Stats = &s
		return r
	}
	tests := []struct {
		name string
		size [2]int
		msgs func(m Model) []tea.Msg
		want string
	}{
		{"memory only", [2]int{120, 40}, func(m Model) []tea.Msg { return nil }, "● NORMAL  memory 2.7 %"},
		{"connections", [2]int{120, 40}, func(m Model) []tea.Msg {
			return []tea.Msg{pgSampledMsg{at: now, r: pgAt(37, 40)}}
		}, "▲ HIGH  PostgreSQL 37/40 connections · memory 2.7 %"},
		{"connections at 80 columns", [2]int{80, 24}, func(m Model) []tea.Msg {
			return []tea.Msg{pgSampledMsg{at: now, r: pgAt(37, 40)}}
		}, "▲ HIGH  PG 37/40 · mem 2.7 %"},
		{"refused", [2]int{200, 60}, func(m Model) []tea.Msg {
			return []tea.Msg{pgSampledMsg{at: now, r: tooManyAt(now, nil)}}
		}, "✖ CRITICAL  PostgreSQL refuses clients: every connection slot taken · memory 2.7 %"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := testDeps(&fakeMemory{readings: []probes.Memory{low}})
			d.PG = &fakePG{}
			m := New(d)
			m = feed(m, tea.WindowSizeMsg{Width: tc.size[0], Height: tc.size[1]}, memSampledMsg{at: t0, mem: low})
			m = feed(m, tc.msgs(m)...)
			top := strings.Split(ansi.Strip(m.View()), "\n")[0]
			if !strings.Contains(top, tc.want) {
				t.Errorf("top bar %q\nwant it to hold %q", top, tc.want)
			}
		})
	}
}

// TestHeaderCountsRecentKills: kills of the last hour raise the header.
func TestHeaderCountsRecentKills(t *testing.T) {
	src := &fakeOOM{kills: parseKills(t, oomLog), status: kmsgStatus(), start: probes.Some(6), next: make(chan []probes.OOMKill)}
	low := memAt(t0, 2.7, 0, 0)
	d := testDeps(&fakeMemory{readings: []probes.Memory{low}})
	d.OOM = src
	m := New(d)
	m = feed(m, tea.WindowSizeMsg{Width: 200, Height: 60}, memSampledMsg{at: t0, mem: low},
		oomLoadedMsg{id: m.oom.id, kills: src.kills, status: src.status, start: src.start})
	top := strings.Split(ansi.Strip(m.View()), "\n")[0]
	if !strings.Contains(top, "OOM kill") || strings.Contains(top, "NORMAL") {
		t.Errorf("top bar %q: want the recent kills as the cause", top)
	}
}
