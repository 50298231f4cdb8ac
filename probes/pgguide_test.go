package probes

import (
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestPGGuide(t *testing.T) {
	const gib = 1 << 30
	s := PGSettings{SharedBuffers: Some(128 << 20), EffectiveCacheSize: Some(6 * gib), WorkMem: Some(64 << 20),
		MaintenanceWorkMem: Some(512 << 20), MaxConnections: 100, AutovacuumWorkers: 3}
	got := PGGuide(s, 8*gib, 40)
	type short struct {
		Setting string
		Level   Severity
		Text    string
	}
	var gs []short
	for _, a := range got {
		gs = append(gs, short{a.Setting, a.Level, a.Text})
	}
	want := []short{
		{"shared_buffers", Warning, "low: 128 MiB = 1.6 % of RAM, guide ≈ 25 % = 2.00 GiB"},
		{"effective_cache_size", Normal, "ok: 6.00 GiB = 75.0 % of RAM, guide ≈ 75 % = 6.00 GiB"},
		// 64 MB × 100 connections could take 78 % of RAM: the worst case
		// sets the level, against the runbook's 16 MB.
		{"work_mem", High, "64.0 MiB × max_connections 100 = 6.25 GiB (78.1 % of RAM) at worst, more if a query sorts or hashes several times; 40 active now = 2.50 GiB; runbook: 16 MiB on 8 GiB ≈ 16.0 MiB here"},
		{"maintenance_work_mem", Normal, "512 MiB (6.2 % of RAM) per maintenance task; autovacuum 3 × 512 MiB = 1.50 GiB; runbook: 512 MiB on 8 GiB ≈ 512 MiB here"},
	}
	if d := cmp.Diff(want, gs); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if got[0].Suggested != 2*gib || got[1].Suggested != 6*gib || got[2].Suggested != 16<<20 || got[3].Suggested != 512<<20 {
		t.Errorf("suggested %d %d %d %d", got[0].Suggested, got[1].Suggested, got[2].Suggested, got[3].Suggested)
	}
	if g := PGGuide(PGSettings{SharedBuffers: Some(4 * gib)}, 8*gib, 0); g[0].Level != High {
		t.Errorf("50 %% shared_buffers: %+v", g[0])
	}
	if g := PGGuide(s, 0, 10); g != nil {
		t.Errorf("unknown RAM gives advice: %+v", g)
	}
}

func TestPGSnapshotDisconnected(t *testing.T) {
	r := PGReading{Target: "/tmp/.s.PGSQL.5432, user u, database d",
		Err: &PGError{Kind: PGErrRefused, Msg: "connection refused on /tmp/.s.PGSQL.5432", Hint: "is PostgreSQL running?"}}
	s := r.Snapshot()
	if s.Connected || s.Error != "connection refused on /tmp/.s.PGSQL.5432" || s.ErrorKind != "refused" ||
		s.MaxConnections != nil || s.IdleOver30m != nil || s.ByState == nil {
		t.Errorf("snapshot %+v", s)
	}
}

func TestPGText(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT 1":                         "SELECT 1",
		"SELECT  1\n\tFROM x":              "SELECT 1 FROM x",
		"SELECT '\x1b[2J\x1b]0;pwned\x07'": "SELECT '�[2J�]0;pwned�'",
		"caf\xc3\xa9 \xff":                 "café �",
		"\u009b31m":                        "�31m",
	} {
		if got := PGText(in); got != want {
			t.Errorf("PGText(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzPGText(f *testing.F) {
	for _, s := range []string{"SELECT 1", "a\x1b[2Jb", "\xff\xfe", "x  \n y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := PGText(s)
		if !utf8.ValidString(out) {
			t.Errorf("invalid UTF-8 out of %q", s)
		}
		for _, r := range out {
			if r < 0x20 || (r >= 0x7f && r < 0xa0) {
				t.Errorf("control character %U kept from %q", r, s)
			}
		}
		if PGText(out) != out {
			t.Errorf("not idempotent on %q", s)
		}
	})
}
