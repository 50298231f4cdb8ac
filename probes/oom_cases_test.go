package probes

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// brief is the part of a kill the table tests look at.
type brief struct {
	PID        int
	Comm       string
	Constraint string
	Memcg      string
	AnonRSSKB  int64
	Time       string
	Reaped     bool
	Source     string
}

func briefs(l OOMLog) []brief {
	var out []brief
	for _, k := range l.Kills {
		b := brief{PID: k.PID, Comm: k.Comm, Reaped: k.Reaped, Source: k.Source}
		if k.Constraint != nil {
			b.Constraint = *k.Constraint
		}
		if k.Memcg != nil {
			b.Memcg = *k.Memcg
		}
		if k.AnonRSSKB != nil {
			b.AnonRSSKB = *k.AnonRSSKB
		}
		if k.Time != nil {
			b.Time = k.Time.UTC().Format(time.RFC3339)
		}
		out = append(out, b)
	}
	return out
}

func TestParseOOMCases(t *testing.T) {
	now := time.Date(2027, 1, 2, 10, 0, 0, 0, time.UTC)
	boot := time.Date(2027, 1, 2, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		log  string
		want []brief
	}{{
		name: "comm with spaces and parens, kill line alone",
		log:  "[  10.000001] Out of memory: Killed process 77 (a (b) c) total-vm:10kB, anon-rss:5kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0\n",
		want: []brief{{PID: 77, Comm: "a (b) c", AnonRSSKB: 5, Time: "2027-01-02T09:00:10Z", Source: "kernel"}},
	}, {
		name: "comm holding a comma in oom-kill: task=",
		log: "[  10.000000] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/a,task_memcg=/a/b,task=x,y,pid=9,uid=1\n" +
			"[  10.000001] Memory cgroup out of memory: Killed process 9 (x,y) total-vm:10kB, anon-rss:5kB, file-rss:0kB, shmem-rss:0kB, UID:1 pgtables:4kB oom_score_adj:0\n",
		want: []brief{{PID: 9, Comm: "x,y", Constraint: "memcg", Memcg: "/a/b", AnonRSSKB: 5, Time: "2027-01-02T09:00:10Z", Source: "kernel"}},
	}, {
		name: "the same line three times is one kill",
		log:  strings.Repeat("[  10.000001] Out of memory: Killed process 5 (w) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB\n", 3),
		want: []brief{{PID: 5, Comm: "w", AnonRSSKB: 1, Time: "2027-01-02T09:00:10Z", Source: "kernel"}},
	}, {
		name: "one pid killed twice, far apart, is two kills",
		log: "[  10.000001] Out of memory: Killed process 5 (w) total-vm:1kB, anon-rss:1kB, file-rss:0kB\n" +
			"[ 900.000001] Out of memory: Killed process 5 (w) total-vm:1kB, anon-rss:2kB, file-rss:0kB\n",
		want: []brief{
			{PID: 5, Comm: "w", AnonRSSKB: 1, Time: "2027-01-02T09:00:10Z", Source: "kernel"},
			{PID: 5, Comm: "w", AnonRSSKB: 2, Time: "2027-01-02T09:15:00Z", Source: "kernel"},
		},
	}, {
		name: "a kill whose report was rate-limited inherits nothing from the previous event",
		log: "[  10.000000] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/a,task_memcg=/a,task=x,pid=9,uid=1\n" +
			"[  10.000001] Memory cgroup out of memory: Killed process 9 (x) total-vm:10kB, anon-rss:5kB, file-rss:0kB\n" +
			"[  12.000000] oom_kill_process: 3 callbacks suppressed\n" +
			"[  12.000001] Out of memory: Killed process 10 (y) total-vm:10kB, anon-rss:6kB, file-rss:0kB\n",
		want: []brief{
			{PID: 9, Comm: "x", Constraint: "memcg", Memcg: "/a", AnonRSSKB: 5, Time: "2027-01-02T09:00:10Z", Source: "kernel"},
			{PID: 10, Comm: "y", AnonRSSKB: 6, Time: "2027-01-02T09:00:12Z", Source: "kernel"},
		},
	}, {
		name: "reaper line marks the kill even after the next event began",
		log: "[  10.000001] Out of memory: Killed process 5 (w) total-vm:1kB, anon-rss:1kB, file-rss:0kB\n" +
			"[  10.100000] x invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n" +
			"[  10.200000] oom_reaper: reaped process 5 (w), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB\n",
		want: []brief{{PID: 5, Comm: "w", AnonRSSKB: 1, Time: "2027-01-02T09:00:10Z", Reaped: true, Source: "kernel"}},
	}, {
		name: "kmsg records written by programs (facility not 0) are not kernel kills",
		log:  "12,2202,912100000,-;Out of memory: Killed process 1 (init) total-vm:1kB, anon-rss:1kB\n",
	}, {
		name: "syslog lines of other programs are not kernel kills",
		log:  "Jan  2 09:30:00 h myapp[1]: Out of memory: Killed process 1 (init) total-vm:1kB, anon-rss:1kB\n",
	}, {
		name: "syslog stamp in December read in January is last year",
		log:  "Dec 31 23:59:59 h kernel: Out of memory: Killed process 8 (z) total-vm:1kB, anon-rss:3kB, file-rss:0kB\n",
		want: []brief{{PID: 8, Comm: "z", AnonRSSKB: 3, Time: "2026-12-31T23:59:59Z", Source: "kernel"}},
	}, {
		name: "kernel stamp later than now is from another boot: no wall time",
		log:  "[99999.000001] Out of memory: Killed process 8 (z) total-vm:1kB, anon-rss:3kB, file-rss:0kB\n",
		want: []brief{{PID: 8, Comm: "z", AnonRSSKB: 3, Source: "kernel"}},
	}, {
		name: "dmesg -x and dmesg -r prefixes",
		log: "kern  :err   : [   10.000001] Out of memory: Killed process 5 (w) total-vm:1kB, anon-rss:1kB, file-rss:0kB\n" +
			"<3>[   11.000001] Out of memory: Killed process 6 (v) total-vm:1kB, anon-rss:2kB, file-rss:0kB\n" +
			"user  :err   : [   12.000001] Out of memory: Killed process 7 (u) total-vm:1kB, anon-rss:3kB, file-rss:0kB\n",
		want: []brief{
			{PID: 5, Comm: "w", AnonRSSKB: 1, Time: "2027-01-02T09:00:10Z", Source: "kernel"},
			{PID: 6, Comm: "v", AnonRSSKB: 2, Time: "2027-01-02T09:00:11Z", Source: "kernel"},
		},
	}, {
		name: "journalctl -o short-monotonic",
		log: "[   10.000000] h kernel: oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/a,task_memcg=/a/b,task=x,pid=9,uid=1\n" +
			"[   10.000001] h kernel: Memory cgroup out of memory: Killed process 9 (x) total-vm:10kB, anon-rss:5kB, file-rss:0kB\n",
		want: []brief{{PID: 9, Comm: "x", Constraint: "memcg", Memcg: "/a/b", AnonRSSKB: 5, Time: "2027-01-02T09:00:10Z", Source: "kernel"}},
	}, {
		name: "2.6 vsz form and CRLF line ends",
		log:  "[   10.000001] Killed process 5 (w) vsz:100kB, anon-rss:1kB, file-rss:0kB\r\n",
		want: []brief{{PID: 5, Comm: "w", AnonRSSKB: 1, Time: "2027-01-02T09:00:10Z", Source: "kernel"}},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ParseOOMBytes([]byte(tc.log), OOMParseOptions{BootTime: boot, Location: time.UTC, Now: now})
			if diff := cmp.Diff(tc.want, briefs(got)); diff != "" {
				t.Errorf("kills (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseOOMRealCaptureAgrees checks that the four ways this machine
// printed one real kill (dmesg, dmesg -T, dmesg --time-format iso,
// /dev/kmsg) give the same record, the wall times within a second.
func TestParseOOMRealCaptureAgrees(t *testing.T) {
	var first *OOMKill
	for _, f := range []string{"linux-6.18-memcg-v1-dmesg.log", "linux-6.18-memcg-v1-dmesg-T.log", "linux-6.18-memcg-v1-dmesg-iso.log", "linux-6.18-memcg-v1.kmsg"} {
		b, err := os.ReadFile(filepath.Join("testdata", "oom", f))
		if err != nil {
			t.Fatal(err)
		}
		l := ParseOOMBytes(b, fixtureOpts(f))
		if len(l.Kills) != 1 {
			t.Fatalf("%s: %d kills, want 1", f, len(l.Kills))
		}
		k := l.Kills[0]
		if k.Time == nil {
			t.Fatalf("%s: no wall time", f)
		}
		if first == nil {
			first = &k
			continue
		}
		if d := k.Time.Sub(*first.Time); d > time.Second || d < -time.Second {
			t.Errorf("%s: time %v, dmesg gave %v", f, k.Time, first.Time)
		}
		ignore := func(a, b OOMKill) (OOMKill, OOMKill) {
			a.Time, b.Time, a.KernelTimeS, b.KernelTimeS = nil, nil, nil, nil
			return a, b
		}
		x, y := ignore(*first, k)
		if diff := cmp.Diff(x, y); diff != "" {
			t.Errorf("%s differs from dmesg (-dmesg +this):\n%s", f, diff)
		}
	}
}

// FuzzParseOOM feeds arbitrary logs: the parser must not panic, must never
// return a kill without a positive pid, and its two entry points agree.
func FuzzParseOOM(f *testing.F) {
	files, _ := filepath.Glob("testdata/oom/*")
	for _, p := range files {
		b, err := os.ReadFile(p) // directories fail and are skipped
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("Killed process 1 ("))
	f.Add([]byte("[ 1.1] Out of memory: Killed process 1 (a) total-vm:"))
	f.Add([]byte("oom-kill:,pid=,uid="))
	// printk caller ids, log-viewer table rows, RHEL 6's kill line.
	f.Add([]byte("[   37.1][ T9185] a.out invoked oom-killer: gfp_mask=0x0, order=0\n[   37.2][ T9185] Out of memory: Killed process 9185 (a.out) total-vm:1kB, UID:0\n[ 37.3][ ] x\n[ 1.0][T"))
	f.Add([]byte("Jun 25, 2021 @ 12:42:13.029 | kernel | [113782.638786] Memory cgroup out of memory: Killed process 1 (a) total-vm:1kB\n-- | --\n\nJun 25, 2021 @ 12:42:13.028 | kernel | x invoked oom-killer: gfp_mask=0x0, order=0\nJun 1, 2021 @ | |"))
	f.Add([]byte("Killed process 215701, UID 679, (java) total-vm:1kB, anon-rss:1kB, file-rss:1kB\nKilled process 1, UID , (\nKilled process 1, UID 2, ("))
	opts := OOMParseOptions{BootTime: time.Unix(1795873990, 0).UTC(), Location: time.UTC, Now: time.Unix(1795880000, 0)}
	f.Fuzz(func(t *testing.T, b []byte) {
		got := ParseOOMBytes(b, opts)
		for _, k := range got.Kills {
			if k.PID <= 0 {
				t.Fatalf("kill without a pid: %+v", k)
			}
		}
		r, err := ParseOOM(bytes.NewReader(b), opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Kills) != len(got.Kills) || r.Invoked != got.Invoked || r.Suppressed != got.Suppressed {
			t.Fatalf("reader and bytes disagree: %d/%d kills", len(r.Kills), len(got.Kills))
		}
	})
}

// TestParseOOMNewForms: the forms a corpus of real logs still missed, each
// with its fixture under testdata/oom (the goldens hold every field).
func TestParseOOMNewForms(t *testing.T) {
	read := func(name string) OOMLog {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("testdata", "oom", name))
		if err != nil {
			t.Fatal(err)
		}
		return ParseOOMBytes(b, OOMParseOptions{Location: time.UTC, Now: time.Date(2026, 11, 28, 14, 0, 0, 0, time.UTC)})
	}
	// CONFIG_PRINTK_CALLER: "[   37.123371][ T9185] …".
	if l := read("linux-5.10-printk-caller.dmesg"); len(l.Kills) != 1 {
		t.Errorf("printk caller ids: %d kills, want 1", len(l.Kills))
	} else if k := l.Kills[0]; k.TriggerComm == nil || *k.TriggerComm != "a.out" || k.UID == nil || *k.UID != 1000 ||
		k.Constraint == nil || *k.Constraint != "global" || k.Memcg == nil || !k.Reaped {
		t.Errorf("printk caller ids: %+v (trigger %v)", k, k.TriggerComm)
	}
	// A log viewer's table export, newest first, blank and "-- | --" rows.
	if l := read("kibana-table-export-newest-first.txt"); len(l.Kills) != 2 {
		t.Errorf("table export: %d kills, want 2", len(l.Kills))
	} else if a, b := l.Kills[0], l.Kills[1]; a.PID != 20011 || b.PID != 23456 || b.Time == nil ||
		!b.Time.Equal(time.Date(2021, 6, 25, 12, 42, 13, 29e6, time.UTC)) || b.TriggerPID == nil || *b.TriggerPID != 23470 ||
		b.Memcg == nil || *b.Memcg != "/system.slice/docker-4f1c.scope" || !b.Reaped {
		t.Errorf("table export, oldest first with each event's lines: %+v / %+v", a, b)
	}
	// RHEL 6: "Killed process 215701, UID 679, (java) total-vm:…".
	if l := read("linux-2.6.32-rhel6-messages.log"); len(l.Kills) != 1 {
		t.Errorf("RHEL 6: %d kills, want 1", len(l.Kills))
	} else if k := l.Kills[0]; k.PID != 215701 || k.Comm != "java" || k.UID == nil || *k.UID != 679 ||
		k.TotalVMKB == nil || *k.TotalVMKB != 18734124 || k.AnonRSSKB == nil || *k.AnonRSSKB != 14836908 {
		t.Errorf("RHEL 6: %+v", k)
	}
}
