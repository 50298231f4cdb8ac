package incident

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// series builds one reading per second from t0 for n seconds.
func series(n int, f func(s int, r *Reading)) []Reading {
	out := make([]Reading, 0, n)
	for s := 0; s < n; s++ {
		r := Reading{At: t0.Add(time.Duration(s) * time.Second), OOMKnown: true}
		f(s, &r)
		// Round like the probe's own rounding would, so float noise cannot
		// decide a threshold.
		r.UsedPct = math.Round(r.UsedPct*1000) / 1000
		out = append(out, r)
	}
	return out
}

// observe runs readings through a fresh detector and describes every event
// as "+offset summary" (offset from t0), optionally without memory samples.
func observe(cfg Config, rs []Reading, samples bool) ([]string, *Detector) {
	d := NewDetector(cfg)
	var out []string
	for _, r := range rs {
		for _, ev := range d.Observe(r) {
			if !samples && ev.Kind() == KindMemSample {
				continue
			}
			out = append(out, fmt.Sprintf("+%s %s", ev.At.Sub(t0), ev.Summary()))
		}
	}
	return out, d
}

func TestDetectorSeries(t *testing.T) {
	cfg := Config{Host: HostFacts{Host: "db1", MemTotalBytes: 8 << 30}}
	tests := []struct {
		name    string
		rs      []Reading
		samples bool
		want    []string
	}{
		{
			// 70% rising half a point a second to 97%, then holding.
			name: "rise",
			rs: series(81, func(s int, r *Reading) {
				r.UsedPct = min(70+0.5*float64(s), 97)
			}),
			samples: true,
			want: []string{
				// Warning held from 10 s to 20 s but opens no incident (start level is high).
				// High from 30 s, held for 10 s:
				"+40s incident started: memory 90.0% held at high (≥ 85%) for 10 s",
				"+40s severity warning → high at 90.0%",
				"+40s memory 90.0%",
				"+45s memory 92.5%",
				"+50s memory 95.0%",
				"+55s memory 97.0%", // plateau from 54 s: ties keep the latest
				"+1m0s severity high → critical at 97.0%",
				"+1m0s memory 97.0%",
				"+1m5s memory 97.0%",
				"+1m10s memory 97.0%",
				"+1m15s memory 97.0%",
				"+1m20s memory 97.0%",
			},
		},
		{
			// 90% for three minutes: one sample per 5 s, nothing else.
			name: "plateau",
			rs: series(181, func(s int, r *Reading) {
				r.UsedPct = 90
				r.SwapTotalBytes, r.SwapUsedBytes = 2<<30, 100<<20
			}),
			want: []string{
				"+10s incident started: memory 90.0% held at high (≥ 85%) for 10 s",
				"+10s severity normal → high at 90.0%",
			},
		},
		{
			// Flapping around 85%: below it the level never reaches high
			// long enough; once high, dips to 83.5% stay within the 2-point
			// hysteresis and dips to 82% never last 10 s.
			name: "flapping around 85",
			rs: series(20+300+30+300+300, func(s int, r *Reading) {
				switch {
				case s < 20:
					r.UsedPct = 84
				case s < 320:
					r.UsedPct = []float64{84.5, 85.5}[s%2]
				case s < 350:
					r.UsedPct = 88
				case s < 650:
					r.UsedPct = []float64{83.5, 85.5}[s%2]
				default:
					r.UsedPct = []float64{82, 86, 86, 82, 82, 82, 82, 82, 82, 82, 82, 86}[s%12]
				}
			}),
			want: []string{
				// High is pending from the last flap's 85.5% at 5m19s.
				"+5m29s incident started: memory 88.0% held at high (≥ 85%) for 10 s",
				"+5m29s severity warning → high at 88.0%",
			},
		},
		{
			// Rise to 90%, then fall to 70%: the level drops after 10 s and
			// the incident ends once the criteria held for 15 min.
			name: "fall",
			rs: series(60+16*60, func(s int, r *Reading) {
				r.UsedPct = 90
				if s >= 60 {
					r.UsedPct = 70
				}
			}),
			want: []string{
				"+10s incident started: memory 90.0% held at high (≥ 85%) for 10 s",
				"+10s severity normal → high at 90.0%",
				"+1m10s severity high → normal at 70.0%",
				"+16m0s incident ended: recovered: memory under 75% for 15 min with the success criteria met (memory 70.0%)",
			},
		},
		{
			// A slow climb with an OOM kill at 20 min runs the whole
			// escalation clock.
			name: "escalation clock",
			rs: series(2*3600+60, func(s int, r *Reading) {
				r.UsedPct = min(86+0.004*float64(s), 99)
				if s >= 1200 {
					r.OOMKills = 2
					if s == 1200 {
						r.NewKills = []OOMKill{{PID: ip(4242), Comm: "odoo-bin", KilledAt: tp(t0.Add(1199 * time.Second))}}
					}
				}
			}),
			want: []string{
				"+10s incident started: memory 86.0% held at high (≥ 85%) for 10 s",
				"+10s severity normal → high at 86.0%",
				"+19m59s OOM kill: pid 4242 odoo-bin",
				"+20m0s OOM kill: (process not named)",
				"+20m0s escalation: OOM killer active: page the on-call engineer",
				"+30m10s escalation: 30 min and memory still growing: escalate to senior DevOps",
				"+37m40s severity high → critical at 95.0%",
				"+1h0m10s escalation: 1 h: consider enabling maintenance mode for investigation",
				"+2h0m10s escalation: 2 h: plan emergency scaling or rollback",
			},
		},
		{
			// An OOM kill opens an incident even below the start level.
			name: "oom opens",
			rs: series(30, func(s int, r *Reading) {
				r.UsedPct = 60
				r.OOMKills = 5
				if s >= 20 {
					r.OOMKills = 6
				}
			}),
			want: []string{
				"+20s incident started: OOM killer active: (process not named)",
				"+20s OOM kill: (process not named)",
				"+20s escalation: OOM killer active: page the on-call engineer",
			},
		},
		{
			// Swap grows 1 MiB/s for 3 min, then stays flat.
			name: "swap growth",
			rs: series(360, func(s int, r *Reading) {
				r.UsedPct = 90
				r.SwapTotalBytes = 2 << 30
				r.SwapUsedBytes = uint64(min(s, 180)) << 20
			}),
			want: []string{
				"+10s incident started: memory 90.0% held at high (≥ 85%) for 10 s",
				"+10s severity normal → high at 90.0%",
				"+1m0s swap growing: +60.0 MiB in 1 min (now 60.0 MiB)",
				"+4m0s swap stopped growing (180 MiB used)",
			},
		},
		{
			name: "postgres saturation and a crash",
			rs: series(60, func(s int, r *Reading) {
				r.UsedPct = 90
				r.PGKnown, r.PGMax, r.PGUsed = true, 100, 95
				if s >= 30 {
					r.PGUsed = 85 // inside the band: still saturated
				}
				if s >= 40 {
					r.PGUsed = 70
				}
				if s == 45 {
					r.Restarts = []string{"odoo"}
				}
			}),
			want: []string{
				"+10s incident started: memory 90.0% held at high (≥ 85%) for 10 s",
				"+10s severity normal → high at 90.0%",
				"+10s PostgreSQL connections saturated: 95 of 100",
				"+45s service restarted: odoo",
				"+50s PostgreSQL connections back to 70 of 100",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := observe(cfg, tt.rs, tt.samples)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDetectorKillDetails: the kernel log and the OOM counter are read on
// different schedules; a detail and the counter increase it stands for
// make one event whichever comes first, and a detail the counter never
// counts (earlyoom) is still recorded.
func TestDetectorKillDetails(t *testing.T) {
	odoo := OOMKill{PID: ip(4242), Comm: "odoo-bin"}
	early := OOMKill{PID: ip(77), Comm: "java"}
	rs := series(60, func(s int, r *Reading) {
		r.UsedPct = 90
		r.OOMKills = 3
		switch {
		case s == 20:
			r.NewKills = []OOMKill{odoo} // the log first…
		case s >= 22:
			r.OOMKills = 4 // …the counter two seconds later
		}
		if s == 30 {
			r.NewKills = []OOMKill{early} // never counted
		}
	})
	got, _ := observe(Config{}, rs, false)
	want := []string{
		"+10s incident started: memory 90.0% held at high (≥ 85%) for 10 s",
		"+10s severity normal → high at 90.0%",
		"+22s OOM kill: pid 4242 odoo-bin",
		"+22s escalation: OOM killer active: page the on-call engineer",
		"+40s OOM kill: pid 77 java",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// TestDetectorSamplesBounded: one sample per 5 s at most on average, and the
// peak between samples is never lost.
func TestDetectorSamplesBounded(t *testing.T) {
	rs := series(601, func(s int, r *Reading) {
		r.UsedPct = 90
		if s == 333 {
			r.UsedPct = 98.7 // a one-second spike
		}
	})
	d := NewDetector(Config{MinDuration: time.Second})
	n := 0
	for _, r := range rs {
		for _, ev := range d.Observe(r) {
			if ev.Kind() == KindMemSample {
				n++
			}
		}
	}
	// Started at 1 s; samples at 1, 6, 11, … 596 s.
	if n != 120 {
		t.Errorf("%d samples in 10 min, want 120", n)
	}
	s := d.Summary()
	if s.Peak.UsedPct != 98.7 || !s.PeakAt.Equal(t0.Add(333*time.Second)) {
		t.Errorf("peak %.1f at %s, want 98.7 at +5m33s", s.Peak.UsedPct, s.PeakAt.Sub(t0))
	}
}

// TestDetectorDeterministic: the same readings give the same events.
func TestDetectorDeterministic(t *testing.T) {
	rs := series(3000, func(s int, r *Reading) {
		r.UsedPct = 80 + 15*math.Sin(float64(s)/200)
		r.SwapTotalBytes, r.SwapUsedBytes = 1<<30, uint64(s)<<18
	})
	a, _ := observe(Config{}, rs, true)
	b, _ := observe(Config{}, rs, true)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Error(diff)
	}
	if len(a) == 0 {
		t.Error("no events from a series crossing 85% and 95%")
	}
}

func TestDetectorManualStartEndAndRecord(t *testing.T) {
	d := NewDetector(Config{Host: HostFacts{Host: "db1"}})
	if evs := d.End(t0, "x"); evs != nil {
		t.Errorf("ended an incident that was not open: %v", evs)
	}
	evs := d.Start(t0, "note added with no incident open")
	if len(evs) != 1 || evs[0].Kind() != KindStarted || evs[0].Data.(Started).Host != "db1" {
		t.Fatalf("start: %v", evs)
	}
	if d.Start(t0, "again") != nil {
		t.Error("started twice")
	}
	// An action recorded from elsewhere moves the criteria's reference.
	d.Record(Event{At: t0.Add(time.Minute), Data: ActionFinished{Run: "r", Action: "drop-caches"}})
	if got := d.Summary().LastAction; got != "drop-caches" {
		t.Errorf("last action %q", got)
	}
	evs = d.End(t0.Add(2*time.Minute), "ended by alice")
	if len(evs) != 1 || evs[0].Kind() != KindEnded || d.Summary().Active() {
		t.Fatalf("end: %v", evs)
	}
}

func TestCriteria(t *testing.T) {
	var s Summary
	s.Add(Event{At: t0, Data: Started{Host: "db1", Levels: DefaultLevels}})
	add := func(sec int, p Payload) { s.Add(Event{At: t0.Add(time.Duration(sec) * time.Second), Data: p}) }
	add(0, MemSample{UsedPct: 92, SwapTotalBytes: 1 << 30, SwapUsedBytes: 500 << 20, ProcRSSBytes: up(4 << 30)})
	add(60, OOMKill{Comm: "odoo-bin", Count: 1})
	add(120, ActionFinished{Run: "r", Action: "restart-odoo"})
	add(200, ServiceRestarted{Name: "odoo"})
	add(400, MemSample{UsedPct: 72, SwapTotalBytes: 1 << 30, SwapUsedBytes: 400 << 20, ProcRSSBytes: up(3 << 30)})
	got := s.Criteria()
	want := []Criterion{
		{"Memory usage below 75%", "memory", Met, "72.0% at 09:06:40"},
		{"No swap usage or decreasing", "swap", Met, "400 MiB at 09:06:40, 500 MiB at 09:00:00 (decreasing)"},
		{"No OOM killer activity since the last action", "no OOM", Met, "no OOM kill since the last action (restart-odoo at 09:02:00); 1 during the incident"},
		{"Stable process memory footprint (summed PSS of the 5 largest programs)", "footprint", Met, "3.00 GiB at 09:06:40, 4.00 GiB at 09:00:00 (-25.0%, stable within +5%)"},
		{"No service crashes", "no crash", NotMet, "service restarted at 09:03:20, after the last action (restart-odoo at 09:02:00)"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
	if Recovered(got) {
		t.Error("recovered with a crash after the last action")
	}
}
