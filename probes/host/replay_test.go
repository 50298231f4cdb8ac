package host_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memtui/memtui/probes/host"
)

const busyTree = "../testdata/procs/odoo-postgres-busy"

func TestOpenPicksTheKind(t *testing.T) {
	for _, c := range []struct {
		o    host.Options
		want host.Kind
	}{
		{host.Options{}, host.KindLive},
		{host.Options{Proc: "/proc/", Sys: "/sys"}, host.KindLive},
		{host.Options{Proc: busyTree + "/proc"}, host.KindReplay},
		{host.Options{Sys: "../testdata/fixtures/cgroup-v1/sys"}, host.KindReplay},
	} {
		h := host.Open(c.o)
		if h.Kind() != c.want {
			t.Errorf("Open(%+v).Kind() = %s, want %s", c.o, h.Kind(), c.want)
		}
		h.Close()
	}
}

// TestReplayRefusesActions: a captured tree is another machine's moment;
// the runbook's commands would run on this one.
func TestReplayRefusesActions(t *testing.T) {
	for _, o := range []host.Options{{Proc: busyTree + "/proc"}, {Proc: busyTree + "/proc", PG: "host=/tmp"}} {
		err := host.Open(o).CanAct()
		if !errors.Is(err, host.ErrReadOnly) || err.Error() != host.WhyReplay {
			t.Errorf("CanAct() = %v, want the replay refusal %q", err, host.WhyReplay)
		}
	}
	if err := host.Open(host.Options{ReadOnly: true}).CanAct(); err == nil || err.Error() != host.WhyReadOnlyFlag {
		t.Errorf("local --read-only: CanAct() = %v", err)
	}
	if err := host.Open(host.Options{}).CanAct(); err != nil {
		t.Errorf("local: CanAct() = %v, want nil", err)
	}
}

func TestReplayNameAndFacts(t *testing.T) {
	h := host.Open(host.Options{Proc: busyTree + "/proc"})
	defer h.Close()
	if h.Name() != "odoo-db-1" {
		t.Errorf("Name() = %q, want the captured hostname odoo-db-1", h.Name())
	}
	f := h.Facts(context.Background())
	if live, _ := os.Hostname(); f.Name == live {
		t.Errorf("facts name the live host %q", live)
	}
	if f.BootTime != time.Unix(1795873990, 0) {
		t.Errorf("boot time %v, want the tree's btime", f.BootTime)
	}
	// A tree without a hostname file is named after its directory.
	if n := host.Open(host.Options{Proc: "../testdata/fixtures/swap-thrash/proc"}).Name(); n != "swap-thrash" {
		t.Errorf("Name() = %q, want swap-thrash", n)
	}
}

// TestReplayReadsItsOwnKernelLog: kills come from the tree's saved log,
// dated by the tree's boot time; a tree without one says so and never
// falls back to the live kernel log.
func TestReplayReadsItsOwnKernelLog(t *testing.T) {
	h := host.Open(host.Options{Proc: busyTree + "/proc", Location: time.UTC})
	defer h.Close()
	src := h.OOM(context.Background(), true)
	kills := src.Kills()
	if len(kills) != 1 || kills[0].PID != 824 || kills[0].Time == nil {
		t.Fatalf("kills %+v, want the one kill of %s/dmesg", kills, busyTree)
	}
	if want := time.Unix(1795873990, 0).Add(8123*time.Second + 100478*time.Microsecond); !kills[0].Time.Equal(want) {
		t.Errorf("kill at %v, want %v (the tree's btime + 8123.100478 s)", kills[0].Time, want)
	}
	if st := src.Status().String(); !strings.Contains(st, filepath.Join(busyTree, "dmesg")) {
		t.Errorf("status %q does not name the saved log", st)
	}
	if c := src.StartCount(); !c.OK || c.V != 1 {
		t.Errorf("counter %+v, want the tree's oom_kill 1", c)
	}
	// A saved log never grows: Next waits for its caller to give up.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if ks, err := src.Next(ctx); len(ks) != 0 || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next = %v, %v", ks, err)
	}

	// Without a saved log: nothing, and the reason — even on a machine
	// whose own kernel log has kills.
	bare := host.Open(host.Options{Proc: "../testdata/fixtures/swap-thrash/proc"})
	defer bare.Close()
	src = bare.OOM(context.Background(), true)
	st := src.Status()
	if len(src.Kills()) != 0 || st.Err() == nil || !strings.Contains(st.Err().Error(), "no kernel log in this capture") {
		t.Errorf("kills %v, status %q (err %v)", src.Kills(), st.String(), st.Err())
	}
	for _, a := range st.Attempts {
		if a.Source != "file" {
			t.Errorf("a replay tried the live source %s (%s)", a.Source, a.What)
		}
	}
	if strings.Contains(st.String(), "/dev/kmsg") || strings.Contains(st.String(), "journal") {
		t.Errorf("status mentions a live source: %q", st.String())
	}
}

// TestReplayPostgres: the libpq environment names the live host's server,
// so a replay reads PostgreSQL only when --pg names one.
func TestReplayPostgres(t *testing.T) {
	env := map[string]string{"PGHOST": "/var/run/postgresql", "PGUSER": "postgres"}
	for _, c := range []struct {
		pg      string
		wantSrc bool
		why     string
	}{
		{"", false, host.WhyPGReplay},
		{"none", false, host.WhyPGOff},
		{"host=/tmp user=x dbname=y", true, ""},
	} {
		h := host.Open(host.Options{Proc: busyTree + "/proc", PG: c.pg, PGEnv: env})
		src, why := h.Postgres()
		if (src != nil) != c.wantSrc || why != c.why {
			t.Errorf("--pg %q: source %v, why %q; want source %v, why %q", c.pg, src != nil, why, c.wantSrc, c.why)
		}
		h.Close()
	}
	// The local host follows the environment as before.
	h := host.Open(host.Options{PGEnv: env})
	defer h.Close()
	if src, why := h.Postgres(); src == nil {
		t.Errorf("local host without --pg: no source (%s)", why)
	}
}

// TestReplayReadsTheTreesSys: with --proc alone /sys is the live host's;
// a replay reads the tree's sys/ instead.
func TestReplayReadsTheTreesSys(t *testing.T) {
	h := host.Open(host.Options{Proc: "../testdata/fixtures/container-cgroup-v2/proc"})
	defer h.Close()
	m := h.Memory().Read()
	if m.CgroupErr != nil || !m.Cgroup.Limited() {
		t.Fatalf("cgroup %+v, err %v: want the tree's limited cgroup", m.Cgroup, m.CgroupErr)
	}
	bare := host.Open(host.Options{Proc: busyTree + "/proc"})
	defer bare.Close()
	if m := bare.Memory().Read(); m.CgroupErr == nil && m.Cgroup.Limited() {
		t.Errorf("a tree without sys/ shows a cgroup limit %+v: read from the live /sys?", m.Cgroup)
	}
}
