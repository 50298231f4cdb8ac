package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/memtui/memtui/probes"
)

// fakePG replays readings; Read returns the next one (the last forever).
type fakePG struct {
	readings []probes.PGReading
	i        int
}

func (f *fakePG) Read(context.Context) probes.PGReading {
	r := f.readings[min(f.i, len(f.readings)-1)]
	f.i++
	return r
}

// hangingPG never answers: a server that accepted and went silent.
type hangingPG struct{}

func (hangingPG) Read(context.Context) probes.PGReading { select {} }

const pgTarget = "/var/run/postgresql/.s.PGSQL.5432, user postgres, database odoo_production"

// pgStatsAt is a busy Odoo database server on a 16 GiB host.
func pgStatsAt(at time.Time) *probes.PGStats {
	const mib = 1 << 20
	byState := map[string]int{"active": 9, "idle": 64, "idle in transaction": 4, "idle in transaction (aborted)": 1,
		"fastpath function call": 0, "disabled": 0}
	row := func(pid int, user, state, wait string, xact, query time.Duration, rss uint64, q string) probes.PGBackend {
		return probes.PGBackend{PID: pid, User: user, Database: "odoo_production", Application: "odoo-worker",
			ClientAddr: "10.0.3.17", State: state, WaitEvent: wait, XactAge: xact, QueryAge: query, StateAge: query,
			Query: q, RSS: probes.Some(rss)}
	}
	s := &probes.PGStats{
		Time: at, ServerVersion: "15.18 (Debian 15.18-0+deb12u1)", VersionNum: 150018, Uptime: 75*time.Hour + 12*time.Minute,
		MaxConnections: 100, SuperuserReserved: 3, Total: 78, SlotsUsed: 79, ByState: byState,
		IdleThreshold: 30 * time.Minute, IdleOver: 12,
		OldestXacts: []probes.PGBackend{
			row(48121, "odoo", "idle in transaction", "Client:ClientRead", 47*time.Minute, 46*time.Minute, 212*mib,
				"SELECT \"sale_order\".\"id\" FROM \"sale_order\" WHERE (\"sale_order\".\"state\" = 'draft') ORDER BY \"sale_order\".\"date_order\" DESC"),
			row(48377, "odoo", "active", "IO:DataFileRead", 12*time.Minute, 12*time.Minute, 480*mib,
				"UPDATE stock_quant SET quantity = quantity - 1 WHERE product_id = 42"),
			row(49002, "odoo", "idle in transaction (aborted)", "Client:ClientRead", 5*time.Minute+3*time.Second, 5*time.Minute, 96*mib,
				"INSERT INTO mail_message (body) VALUES ($1)"),
			row(49110, "reporting", "active", "", 41*time.Second, 41*time.Second, 1200*mib,
				"SELECT partner_id, sum(amount_total) FROM account_move GROUP BY 1"),
			row(49200, "odoo", "idle in transaction", "Client:ClientRead", 8*time.Second, 8*time.Second, 40*mib, "SELECT 1"),
		},
		LongestQueries: []probes.PGBackend{
			row(48377, "odoo", "active", "IO:DataFileRead", 12*time.Minute, 12*time.Minute, 480*mib,
				"UPDATE stock_quant SET quantity = quantity - 1 WHERE product_id = 42"),
			row(49110, "reporting", "active", "", 41*time.Second, 41*time.Second, 1200*mib,
				"SELECT partner_id, sum(amount_total) FROM account_move GROUP BY 1"),
		},
		Settings: probes.PGSettings{SharedBuffers: probes.Some(128 * mib), WorkMem: probes.Some(64 * mib),
			MaintenanceWorkMem: probes.Some(512 * mib), EffectiveCacheSize: probes.Some(4 << 30), MaxConnections: 100,
			AutovacuumWorkers: 3, HugePages: "try", SharedMemorySize: probes.Some(143 * mib)},
		RAM: probes.Some(16 << 30),
		Memory: probes.PGMemory{Known: true, PostmasterPID: 812, Processes: 86, RSSSum: 9 << 30,
			Private: 2600 * mib, SharedMax: 140 * mib, BackendRSS: 8 << 30},
	}
	s.Guidance = probes.PGGuide(s.Settings, s.RAM.V, byState["active"])
	return s
}

func connectedAt(at time.Time) probes.PGReading {
	return probes.PGReading{Time: at, Target: pgTarget, Connected: true, Stats: pgStatsAt(at), RoundTrips: 1}
}

func refusedAt(at time.Time, last *probes.PGStats) probes.PGReading {
	return probes.PGReading{Time: at, Target: pgTarget, LastGood: last, RetryAt: at.Add(4 * time.Second),
		Err: &probes.PGError{Kind: probes.PGErrRefused, Msg: "connection refused on /var/run/postgresql/.s.PGSQL.5432: no socket there",
			Hint: "PostgreSQL is not running, or uses another port or socket directory; configure with --pg 'host=… port=… user=… dbname=…' (or a postgres:// URL), or the PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE environment; --pg none turns PostgreSQL off"}}
}

func tooManyAt(at time.Time, last *probes.PGStats) probes.PGReading {
	return probes.PGReading{Time: at, Target: pgTarget, LastGood: last, RetryAt: at.Add(8 * time.Second),
		Err: &probes.PGError{Kind: probes.PGErrTooMany, Code: "53300",
			Msg:  "too many clients already on /var/run/postgresql/.s.PGSQL.5432: every connection slot is taken",
			Hint: "memtui needs one slot too; connect it as a superuser (superuser_reserved_connections keeps slots for them) or end idle sessions"}}
}

// pgPanelWith builds a panel and feeds it readings.
func pgPanelWith(src PGSource, rs ...probes.PGReading) pgPanel {
	d := testDeps(nil)
	d.PG = src
	p := newPGPanel(d.withDefaults())
	for _, r := range rs {
		p.update(pgSampledMsg{at: r.Time, r: r})
	}
	return p
}

func key1(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// Goldens of the panel alone at the sizes it gets: 80×10 is its place
// under memory at 80×24, 120×22 at 120×40, 66×27 its grid cell at 200×60.
func TestPGPanelGolden(t *testing.T) {
	now := t0.Add(10 * time.Minute)
	full := pgStatsAt(now.Add(-30 * time.Second))
	full.SlotsUsed, full.Total = 100, 99
	cases := []struct {
		name string
		p    pgPanel
	}{
		{"connected", pgPanelWith(&fakePG{}, connectedAt(now))},
		{"queries_hidden_longest", func() pgPanel {
			p := pgPanelWith(&fakePG{}, connectedAt(now))
			p.update(privacyChangedMsg{on: true})
			p.update(key1("o"))
			return p
		}()},
		{"refused_with_last_known", pgPanelWith(&fakePG{}, connectedAt(now.Add(-2*time.Minute)), refusedAt(now, nil))},
		{"too_many_clients", pgPanelWith(&fakePG{}, tooManyAt(now, full))},
		{"off", pgPanelWith(nil)},
		{"connecting", pgPanelWith(&fakePG{})},
	}
	for _, c := range cases {
		for _, sz := range [][2]int{{80, 10}, {120, 22}, {66, 27}} {
			w, h := sz[0], sz[1]
			t.Run(fmt.Sprintf("%s_%dx%d", c.name, w, h), func(t *testing.T) {
				v := c.p.view(NewStyles(nil, DarkTheme()), w, h, true)
				checkBlock(t, v, w, h)
				golden(t, v)
			})
		}
	}
}

// What must be said, whatever the layout.
func TestPGPanelSays(t *testing.T) {
	now := t0.Add(10 * time.Minute)
	st := NewStyles(nil, DarkTheme())
	view := func(p pgPanel, w, h int) string { return ansi.Strip(p.view(st, w, h, false)) }

	p := pgPanelWith(&fakePG{}, connectedAt(now))
	v := view(p, 120, 22)
	for _, want := range []string{"● connected", "PostgreSQL 15.18", "79/100", "3 reserved", "active 9", "idle 64",
		"idle in tx 4", "aborted tx 1", "12 over 30 min", "RSS Σ 9.00 GiB in 86 processes", "shared_buf",
		"low: 128 MiB = 0.8 % of RAM, guide ≈ 25 % = 4.00 GiB", "× max_connections 100 =", "48121", "47m", "sale_order"} {
		if !strings.Contains(v, want) {
			t.Errorf("connected view lacks %q:\n%s", want, v)
		}
	}
	p.update(privacyChangedMsg{on: true})
	if v := view(p, 120, 22); strings.Contains(v, "sale_order") || !strings.Contains(v, "hidden: P shows") {
		t.Errorf("privacy did not hide the query text:\n%s", v)
	}
	p.update(privacyChangedMsg{on: false})
	p.update(key1("o"))
	if v := view(p, 120, 22); !strings.Contains(v, "RUNNING") || strings.Contains(v, "48121") {
		t.Errorf("o did not switch to the longest queries:\n%s", v)
	}

	// Stopped server: the next reading shows the error, with what was known.
	p.update(pgSampledMsg{at: now, r: refusedAt(now.Add(time.Second), p.r.Stats)})
	v = view(p, 80, 10)
	for _, want := range []string{"✖ NOT CONNECTED", "connection refused on /var/run/postgresql/.s.PGSQL.5432"} {
		if !strings.Contains(v, want) {
			t.Errorf("error view lacks %q:\n%s", want, v)
		}
	}
	if v := view(p, 120, 22); !strings.Contains(v, "last known at 13:10:00") || !strings.Contains(v, "79/100") {
		t.Errorf("error view does not keep the last figures:\n%s", v)
	}
	// Back: the panel recovers on the next good reading.
	p.update(pgSampledMsg{at: now, r: connectedAt(now.Add(2 * time.Second))})
	if v := view(p, 80, 10); !strings.Contains(v, "● connected") || strings.Contains(v, "NOT CONNECTED") {
		t.Errorf("did not recover:\n%s", v)
	}

	// Full: the bar says FULL in words.
	full := pgStatsAt(now)
	full.SlotsUsed = 100
	p.update(pgSampledMsg{at: now, r: probes.PGReading{Time: now, Target: pgTarget, Connected: true, Stats: full}})
	if v := view(p, 80, 10); !strings.Contains(v, "100/100 ✖ CRITICAL FULL") {
		t.Errorf("full server not said:\n%s", v)
	}
	p.update(pgSampledMsg{at: now, r: tooManyAt(now, full)})
	if v := view(p, 80, 10); !strings.Contains(v, "too many clients already") {
		t.Errorf("too many clients not said:\n%s", v)
	}
}

// Ticks: a stale or foreign tick starts no reading, none starts while one
// is in flight, pause stops the schedule.
func TestPGTicks(t *testing.T) {
	now := t0.Add(10 * time.Minute)
	p := pgPanelWith(&fakePG{readings: []probes.PGReading{connectedAt(now)}})
	if p.init() == nil {
		t.Fatal("init does not take a first reading")
	}
	cmd := p.update(pgTickMsg{id: p.id, tag: p.tag})
	if cmd == nil || !p.inFlight {
		t.Fatal("a current tick did not start a reading")
	}
	if c := p.update(pgTickMsg{id: p.id, tag: p.tag}); c != nil {
		t.Error("a second tick started a reading while one was in flight")
	}
	s, ok := cmd().(pgSampledMsg)
	if !ok || !s.r.Connected {
		t.Fatalf("reading returned %#v", s)
	}
	next := p.update(s)
	if p.inFlight || next == nil {
		t.Fatal("after a reading the panel must schedule the next tick")
	}
	if c := p.update(pgTickMsg{id: p.id + 1, tag: p.tag}); c != nil {
		t.Error("another panel's tick started a reading")
	}
	old := p.tag
	p.update(pauseToggledMsg{paused: true})
	if c := p.update(pgTickMsg{id: p.id, tag: old}); c != nil {
		t.Error("a tick from before the pause started a reading")
	}
	if c := p.update(pgTickMsg{id: p.id, tag: p.tag}); c != nil {
		t.Error("a tick while paused started a reading")
	}
	off := pgPanelWith(nil)
	if off.init() != nil {
		t.Error("PostgreSQL off still reads")
	}
	if c := off.update(pgTickMsg{id: off.id, tag: off.tag}); c != nil {
		t.Error("PostgreSQL off still reads on a tick")
	}
}

// A hung source costs the panel one timeout, and the panel keeps the
// target and the last figures it had.
func TestPGReadTimeout(t *testing.T) {
	start := time.Now()
	msg := readPGCmd(hangingPG{}, 100*time.Millisecond)()
	if el := time.Since(start); el > time.Second {
		t.Errorf("took %s with a 100 ms timeout", el)
	}
	s := msg.(pgSampledMsg)
	if s.r.Connected || s.r.Err == nil || s.r.Err.Kind != probes.PGErrTimeout {
		t.Fatalf("reading %+v, want a timeout", s.r)
	}
	now := t0.Add(10 * time.Minute)
	p := pgPanelWith(&fakePG{}, connectedAt(now))
	p.update(s)
	if p.r.Target != pgTarget || p.r.LastGood == nil {
		t.Errorf("after a timeout: target %q, last good %v", p.r.Target, p.r.LastGood)
	}
}

// Through the root: the PostgreSQL tab at 80×24 gets the panel's readings
// and its keys when focused.
func TestPGInDashboard(t *testing.T) {
	now := t0.Add(10 * time.Minute)
	d := testDeps(&fakeMemory{readings: risingSeries()})
	d.PG = &fakePG{readings: []probes.PGReading{connectedAt(now)}}
	m := New(d)
	m = feed(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = feed(m, sampled(risingSeries())...)
	m = feed(m, pgSampledMsg{at: now, r: connectedAt(now)})
	m = feed(m, tea.KeyMsg{Type: tea.KeyTab}, tea.KeyMsg{Type: tea.KeyTab}) // memory → processes → PostgreSQL
	m = feed(m, key1("H"))
	v := m.View()
	checkBlock(t, v, 80, 24)
	if s := ansi.Strip(v); !strings.Contains(s, "79/100") || !strings.Contains(s, "hidden: P shows") {
		t.Errorf("dashboard at 80×24 lacks the PostgreSQL panel or its key:\n%s", s)
	}
	golden(t, v)
}

// BenchmarkPGPanelView draws the connected panel at its 120×40 size.
func BenchmarkPGPanelView(b *testing.B) {
	p := pgPanelWith(&fakePG{}, connectedAt(t0))
	st := NewStyles(nil, DarkTheme())
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = p.view(st, 120, 22, true)
	}
}

// TestPGPanelSaysWhenRoleSeesNoState: a role without pg_monitor sees other
// sessions without state; the panel says so and gives the GRANT, at 80
// columns too.
func TestPGPanelSaysWhenRoleSeesNoState(t *testing.T) {
	r := connectedAt(t0)
	s := *r.Stats
	s.Role, s.SeesAll, s.Hidden = "watcher", false, 6
	s.ByState = map[string]int{"active": 0, "idle": 1, "unknown": 6}
	r.Stats = &s
	p := pgPanelWith(&fakePG{}, r)
	for _, w := range []int{80, 120} {
		v := ansi.Strip(p.view(NewStyles(nil, DarkTheme()), w, 20, false))
		for _, want := range []string{"▲ 6 sessions' state hidden from role watcher", "GRANT pg_monitor TO watcher;", "state hidden 6"} {
			if !strings.Contains(v, want) {
				t.Errorf("at %d columns the panel lacks %q:\n%s", w, want, v)
			}
		}
	}
	ok := *r.Stats
	ok.SeesAll, ok.Hidden = true, 0
	r.Stats = &ok
	p = pgPanelWith(&fakePG{}, r)
	if v := ansi.Strip(p.view(NewStyles(nil, DarkTheme()), 120, 20, false)); strings.Contains(v, "GRANT") {
		t.Errorf("a role that sees everything is warned:\n%s", v)
	}
}

// TestPGTitleSaysWhichList: o switches between the oldest transactions
// and the longest queries; the title says which is shown.
func TestPGTitleSaysWhichList(t *testing.T) {
	p := pgPanelWith(&fakePG{}, connectedAt(t0))
	st := NewStyles(nil, DarkTheme())
	if v := ansi.Strip(p.view(st, 120, 20, true)); !strings.Contains(strings.Split(v, "\n")[0], "PostgreSQL · oldest transactions") {
		t.Errorf("title before o: %q", strings.Split(v, "\n")[0])
	}
	p.update(key1("o"))
	if v := ansi.Strip(p.view(st, 120, 20, true)); !strings.Contains(strings.Split(v, "\n")[0], "PostgreSQL · longest queries") {
		t.Errorf("title after o: %q", strings.Split(v, "\n")[0])
	}
}

// TestPGListScrollsAt80x24: at 80×24 the session list has room for one or
// two rows; it said "… 4 more" and could not scroll. ↑/↓ now move a marked
// selection through it and the footer says which rows are shown.
func TestPGListScrollsAt80x24(t *testing.T) {
	now := t0.Add(10 * time.Minute)
	d := testDeps(&fakeMemory{readings: risingSeries()})
	d.PG = &fakePG{readings: []probes.PGReading{connectedAt(now)}}
	m := New(d)
	m = feed(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = feed(m, sampled(risingSeries())...)
	m = feed(m, pgSampledMsg{at: now, r: connectedAt(now)})
	m = feed(m, tea.KeyMsg{Type: tea.KeyTab}, tea.KeyMsg{Type: tea.KeyTab})
	rows := connectedAt(now).Stats.OldestXacts
	if len(rows) < 3 {
		t.Fatalf("fixture has %d sessions, want several", len(rows))
	}
	last := fmt.Sprint(rows[len(rows)-1].PID)
	v := ansi.Strip(m.View())
	if !strings.Contains(v, fmt.Sprintf("of %d · ↑/↓ scroll", len(rows))) || strings.Contains(v, "┃▸ "+strings.Repeat(" ", 7-len(last))+last) {
		t.Fatalf("before scrolling:\n%s", v)
	}
	for range len(rows) {
		m = feed(m, tea.KeyMsg{Type: tea.KeyDown})
	}
	v = ansi.Strip(m.View())
	if !strings.Contains(v, "┃▸"+strings.Repeat(" ", 7-len(last))+last+" ") {
		t.Errorf("after scrolling down, the last session (pid %s) is not the marked row:\n%s", last, v)
	}
	if !strings.Contains(v, fmt.Sprintf("of %d · ↑/↓ scroll", len(rows))) {
		t.Errorf("no footer after scrolling:\n%s", v)
	}
}

// TestPGEnterOpensTheSession: enter on the selected session shows every
// field and the whole query; with privacy on the user, client and query
// are hidden there too.
func TestPGEnterOpensTheSession(t *testing.T) {
	now := t0.Add(10 * time.Minute)
	r := connectedAt(now)
	p := pgPanelWith(&fakePG{}, r)
	p.update(tea.KeyMsg{Type: tea.KeyDown})
	b := r.Stats.OldestXacts[1]
	cmd := p.update(tea.KeyMsg{Type: tea.KeyEnter})
	if cmd == nil {
		t.Fatal("enter opened nothing")
	}
	od, ok := cmd().(openDialogMsg)
	if !ok {
		t.Fatalf("enter gave %T", cmd())
	}
	v := ansi.Strip(od.d.view(testDeps(nil).withDefaults().Styles, 120, 40))
	for _, want := range []string{fmt.Sprintf("PostgreSQL session · pid %d", b.PID), b.Database, fmt.Sprintf("pg_terminate_backend(%d)", b.PID), "query (as PostgreSQL cut it"} {
		if !strings.Contains(v, want) {
			t.Errorf("the session's detail lacks %q:\n%s", want, v)
		}
	}
	if b.User != "" && !strings.Contains(v, b.User) {
		t.Errorf("the detail lacks the user %q:\n%s", b.User, v)
	}
	if d, _ := od.d.update(tea.KeyMsg{Type: tea.KeyEsc}); !d.closed() {
		t.Error("esc did not close it")
	}
	p.update(privacyChangedMsg{on: true})
	cmd = p.update(tea.KeyMsg{Type: tea.KeyEnter})
	v = ansi.Strip(cmd().(openDialogMsg).d.view(testDeps(nil).withDefaults().Styles, 120, 40))
	if !strings.Contains(v, "hidden: privacy is on") || (b.User != "" && strings.Contains(v, " "+b.User+"\n")) {
		t.Errorf("privacy on, the detail shows:\n%s", v)
	}
}
