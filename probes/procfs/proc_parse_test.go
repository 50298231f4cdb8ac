package procfs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/memtui/memtui/probes"
)

const procFixtures = "../testdata/procs"

func TestParseProcStat(t *testing.T) {
	real := "1043 (bash) S 1042 1043 1043 0 -1 4194560 22315 2125853 0 79 6 14 4643 957 20 0 1 0 3862 5517312 1057 18446744073709551615 94086714675200 0\n"
	tests := []struct {
		name    string
		in      string
		want    probes.ProcStat
		wantErr bool
	}{
		{"captured bash", real, probes.ProcStat{PID: 1043, Comm: []byte("bash"), State: 'S', PPID: 1042, Flags: 4194560, Threads: 1, StartTime: 3862, VSize: 5517312, RSSPages: 1057}, false},
		{"comm with space", "1600 (tmux: server) S 1 1600 1600 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 7000 100 5 0\n", probes.ProcStat{PID: 1600, Comm: []byte("tmux: server"), State: 'S', PPID: 1, Flags: 4194560, Threads: 1, StartTime: 7000, VSize: 100, RSSPages: 5}, false},
		{"comm with parens", "302 (a) b (c) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 4 0 102 100 5\n", probes.ProcStat{PID: 302, Comm: []byte("a) b (c"), State: 'S', PPID: 1, Threads: 4, StartTime: 102, VSize: 100, RSSPages: 5}, false},
		{"kernel thread", "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0 18446744073709551615 0\n", probes.ProcStat{PID: 2, Comm: []byte("kthreadd"), State: 'S', Flags: 2129984, Threads: 1, StartTime: 5}, false},
		{"negative rss", "9 (x) Z 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 -1\n", probes.ProcStat{PID: 9, Comm: []byte("x"), State: 'Z', PPID: 1, Threads: 1, StartTime: 5}, false},
		{"truncated", "9 (x) S 1 0 0 0 -1 0 0 0\n", probes.ProcStat{}, true},
		{"no comm", "9 x S 1 0\n", probes.ProcStat{}, true},
		{"bad number", "9 (x) S one 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0\n", probes.ProcStat{}, true},
		{"empty", "", probes.ProcStat{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := probes.ParseProcStat([]byte(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if err != nil {
				if !errors.Is(err, probes.ErrParse) {
					t.Errorf("error %v does not wrap ErrParse", err)
				}
				return
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestParseProcStatStatmAgree(t *testing.T) {
	// The fixtures' stat and statm must say the same RSS, as the kernel's do.
	dirs, _ := filepath.Glob(filepath.Join(procFixtures, "odoo-postgres-busy/proc/[0-9]*"))
	for _, d := range dirs {
		sb, err1 := os.ReadFile(filepath.Join(d, "stat"))
		mb, err2 := os.ReadFile(filepath.Join(d, "statm"))
		if err1 != nil || err2 != nil {
			continue
		}
		st, err := probes.ParseProcStat(sb)
		if err != nil {
			t.Fatal(err)
		}
		m, err := parseStatm(mb, 4096)
		if err != nil {
			t.Fatal(err)
		}
		if st.RSSPages*4096 != m.Resident {
			t.Errorf("%s: stat rss %d pages, statm resident %d bytes", d, st.RSSPages, m.Resident)
		}
	}
}

func TestParseStatm(t *testing.T) {
	got, err := parseStatm([]byte("1347 1120 783 193 0 366 0\n"), 4096)
	if err != nil {
		t.Fatal(err)
	}
	want := probes.Statm{Size: 1347 * 4096, Resident: 1120 * 4096, Shared: 783 * 4096, Text: 193 * 4096, Data: 366 * 4096}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	for _, bad := range []string{"", "1 2 3", "1 2 x 4 5 6 7"} {
		if _, err := parseStatm([]byte(bad), 4096); !errors.Is(err, probes.ErrParse) {
			t.Errorf("parseStatm(%q) err = %v, want ErrParse", bad, err)
		}
	}
}

func TestParseProcStatus(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(procFixtures, "odoo-postgres-busy/proc/820/status"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseProcStatus(b)
	if err != nil {
		t.Fatal(err)
	}
	want := procStatus{UID: 110, EUID: 110, UIDOK: true, Threads: 1,
		VmRSS: 1126 << 20, VmRSSOK: true, VmSwap: 210 << 20, VmSwapOK: true,
		RssAnon: 864768 << 10, RssFile: 216192 << 10, RssShmem: 72064 << 10, RssOK: true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	t.Run("kernel thread has no Vm lines", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(procFixtures, "odoo-postgres-busy/proc/2/status"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseProcStatus(b)
		if err != nil {
			t.Fatal(err)
		}
		if got.VmSwapOK || got.VmRSSOK || got.RssOK {
			t.Errorf("absent fields read as present: %+v", got)
		}
	})
	t.Run("bad unit", func(t *testing.T) {
		if _, err := parseProcStatus([]byte("VmSwap:\t12 MB\n")); !errors.Is(err, probes.ErrParse) {
			t.Errorf("err = %v, want ErrParse", err)
		}
	})
}

func TestParseSmapsRollup(t *testing.T) {
	real := `55cec0f55000-7ffe0b8ae000 ---p 00000000 00:00 0                          [rollup]
Rss:                1692 kB
Pss:                 370 kB
Pss_Dirty:           112 kB
Pss_Anon:            112 kB
Pss_File:            258 kB
Pss_Shmem:             0 kB
Shared_Clean:       1512 kB
Shared_Dirty:          0 kB
Private_Clean:        68 kB
Private_Dirty:       112 kB
Referenced:         1692 kB
Anonymous:           112 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
`
	got, err := parseSmapsRollup([]byte(real))
	if err != nil {
		t.Fatal(err)
	}
	want := probes.SmapsRollup{Rss: 1692 << 10, Pss: 370 << 10, PssAnon: 112 << 10, PssFile: 258 << 10,
		SharedClean: 1512 << 10, PrivateClean: 68 << 10, PrivateDirty: 112 << 10,
		RssOK: true, PssOK: true, PssSplitOK: true, SwapOK: true, SwapPssOK: true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	t.Run("old kernel without the Pss split", func(t *testing.T) {
		got, err := parseSmapsRollup([]byte("Rss: 8 kB\nPss: 4 kB\n"))
		if err != nil {
			t.Fatal(err)
		}
		if got.PssSplitOK || got.SwapOK || !got.PssOK {
			t.Errorf("flags wrong: %+v", got)
		}
	})
	t.Run("kernel thread: empty", func(t *testing.T) {
		if _, err := parseSmapsRollup(nil); !errors.Is(err, probes.ErrUnavailable) {
			t.Errorf("err = %v, want ErrUnavailable", err)
		}
	})
}

func TestCmdline(t *testing.T) {
	raw := []byte("/usr/bin/python3\x00/opt/odoo/odoo-bin\x00-c\x00/etc/odoo.conf\x00")
	if diff := cmp.Diff([]string{"/usr/bin/python3", "/opt/odoo/odoo-bin", "-c", "/etc/odoo.conf"}, parseCmdline(raw)); diff != "" {
		t.Errorf("parseCmdline (-want +got)\n%s", diff)
	}
	if got := probes.JoinCmdline(raw); got != "/usr/bin/python3 /opt/odoo/odoo-bin -c /etc/odoo.conf" {
		t.Errorf("joinCmdline = %q", got)
	}
	if got := probes.JoinCmdline([]byte("evil\x1b[2J\nline\x00")); got != "evil?[2J?line" {
		t.Errorf("control characters not neutralised: %q", got)
	}
	if parseCmdline([]byte("\x00\x00")) != nil {
		t.Error("empty cmdline should give nil")
	}
}

func TestScriptName(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"/usr/bin/python3", "/opt/odoo/odoo-bin", "-c", "x"}, "odoo-bin"},
		{[]string{"python3", "-u", "-W", "ignore", "manage.py", "runserver"}, "manage.py"},
		{[]string{"python3", "-m", "celery", "worker"}, "celery"},
		{[]string{"python3", "-c", "print(1)"}, ""},
		{[]string{"java", "-Xmx2g", "-jar", "/srv/app.jar"}, "app.jar"},
		{[]string{"java", "-cp", "lib/*", "com.example.Main"}, "com.example.Main"},
		{[]string{"bash"}, ""},
		{[]string{"perl", "/usr/sbin/munin-node"}, "munin-node"},
		{[]string{"bash", "/dev/fd/3"}, ""},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			if got := scriptName(tc.args); got != tc.want {
				t.Errorf("scriptName = %q, want %q", got, tc.want)
			}
		})
	}
	for comm, want := range map[string]bool{"python3": true, "python3.11": true, "perl5.36": true, "odoo-bin": false, "php-fpm8.1": false, "php": true} {
		if got := isInterpreter(comm); got != want {
			t.Errorf("isInterpreter(%q) = %v", comm, got)
		}
	}
}

func TestParsePasswd(t *testing.T) {
	in := "root:x:0:0:root:/root:/bin/bash\n# comment\nbroken line\nodoo:x:110:117::/opt/odoo:/bin/false\nbad:x:notanumber:1::/:/bin/false\nroot2:x:0:0::/:/bin/sh\n\n"
	want := map[uint32]string{0: "root", 110: "odoo"}
	if diff := cmp.Diff(want, parsePasswd(strings.NewReader(in))); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestUserCacheReloads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(path, []byte("root:x:0:0::/:/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := newUserCache(path)
	now := time.Date(2026, 11, 28, 14, 0, 0, 0, time.UTC)
	if got := c.name(1001, now); got != "1001" {
		t.Fatalf("unknown uid = %q, want the number", got)
	}
	if err := os.WriteFile(path, []byte("root:x:0:0::/:/bin/sh\nalice:x:1001:1001::/:/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	_ = os.Chtimes(path, later, later)
	if got := c.name(1001, now.Add(5*time.Second)); got != "1001" {
		t.Errorf("re-read before 10 s: %q", got)
	}
	if got := c.name(1001, now.Add(11*time.Second)); got != "alice" {
		t.Errorf("after the file changed: %q, want alice", got)
	}
}

func TestParseCgroup(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"v2", "0::/system.slice/odoo.service\n", "/system.slice/odoo.service"},
		{"hybrid: v1 memory wins", "9:name=systemd:/\n4:memory:/process_api/e812\n0::/\n", "/process_api/e812"},
		{"v1 joined controllers", "3:cpu,memory:/docker/abc\n", "/docker/abc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseProcCgroup(strings.NewReader(tc.in))
			if err != nil || got != tc.want {
				t.Errorf("parseCgroup = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if _, err := parseProcCgroup(strings.NewReader("garbage\n")); !errors.Is(err, probes.ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
}
