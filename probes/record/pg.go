package record

import (
	"time"

	"github.com/memtui/memtui/probes"
)

// pgLine is a PostgreSQL reading as recorded. probes' JSON tags serve the
// snapshot, which leaves out the sessions' ages and RSS and prints the
// advice's level as a word; a replay needs all of them back, so the
// fields that differ are shadowed here with their own encoding.
type pgLine struct {
	probes.PGReading
	Stats    *pgStatsLine `json:"Stats,omitempty"`
	LastGood *pgStatsLine `json:"LastGood,omitempty"`
}

type pgStatsLine struct {
	probes.PGStats
	OldestXacts    []backendLine `json:"OldestXacts,omitempty"`
	LongestQueries []backendLine `json:"LongestQueries,omitempty"`
	Guidance       []adviceLine  `json:"Guidance,omitempty"`
}

type backendLine struct {
	probes.PGBackend
	XactAge  time.Duration `json:"xa,omitempty"`
	QueryAge time.Duration `json:"qa,omitempty"`
	StateAge time.Duration `json:"sa,omitempty"`
	RSS      int64         `json:"rss"`
}

type adviceLine struct {
	probes.PGAdvice
	Level int `json:"lv"`
	// Shadow hides PGAdvice's "level", a word (Severity's MarshalText)
	// that does not read back.
	Shadow struct{} `json:"level,omitzero"`
}

func encodePG(r probes.PGReading) *pgLine {
	l := &pgLine{PGReading: r, Stats: encodeStats(r.Stats), LastGood: encodeStats(r.LastGood)}
	return l
}

func encodeStats(s *probes.PGStats) *pgStatsLine {
	if s == nil {
		return nil
	}
	l := &pgStatsLine{PGStats: *s}
	l.OldestXacts, l.LongestQueries = encodeBackends(s.OldestXacts), encodeBackends(s.LongestQueries)
	for _, a := range s.Guidance {
		l.Guidance = append(l.Guidance, adviceLine{PGAdvice: a, Level: int(a.Level)})
	}
	return l
}

func encodeBackends(bs []probes.PGBackend) []backendLine {
	var out []backendLine
	for _, b := range bs {
		out = append(out, backendLine{PGBackend: b, XactAge: b.XactAge, QueryAge: b.QueryAge, StateAge: b.StateAge, RSS: val(b.RSS)})
	}
	return out
}

func (l *pgLine) decode() probes.PGReading {
	r := l.PGReading
	r.Stats, r.LastGood = l.Stats.decode(), l.LastGood.decode()
	return r
}

func (l *pgStatsLine) decode() *probes.PGStats {
	if l == nil {
		return nil
	}
	s := l.PGStats
	s.OldestXacts, s.LongestQueries = decodeBackends(l.OldestXacts), decodeBackends(l.LongestQueries)
	s.Guidance = nil
	for _, a := range l.Guidance {
		adv := a.PGAdvice
		adv.Level = probes.Severity(a.Level)
		s.Guidance = append(s.Guidance, adv)
	}
	return &s
}

func decodeBackends(ls []backendLine) []probes.PGBackend {
	var out []probes.PGBackend
	for _, l := range ls {
		b := l.PGBackend
		b.XactAge, b.QueryAge, b.StateAge, b.RSS = l.XactAge, l.QueryAge, l.StateAge, unval(l.RSS)
		out = append(out, b)
	}
	return out
}
