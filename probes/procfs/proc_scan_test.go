package procfs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/memtui/memtui/probes"
	"golang.org/x/sys/unix"
)

var procNow = time.Date(2026, 11, 28, 14, 0, 0, 0, time.UTC)

// fixtureScanner scans the fixture tree called name.
func fixtureScanner(t *testing.T, root string) *ProcScanner {
	t.Helper()
	s := NewProcScanner(NewFS(filepath.Join(root, "proc"), ""), probes.ProcScannerConfig{
		PasswdPath: filepath.Join(root, "etc", "passwd"),
		Now:        func() time.Time { return procNow },
	})
	t.Cleanup(func() { s.Close() })
	return s
}

// procRow is the part of a Proc a fixture test compares.
type procRow struct {
	PID     int32
	PPID    int32
	User    string
	Comm    string
	Program string
	State   string
	RSSMiB  uint64
	Swap    string
	Cmdline string
}

func procRows(procs []probes.Proc) []procRow {
	out := make([]procRow, 0, len(procs))
	for _, p := range procs {
		r := procRow{PID: p.PID, PPID: p.PPID, User: p.User, Comm: p.Comm, Program: p.Program, State: string(p.State), RSSMiB: p.RSS >> 20, Swap: "?", Cmdline: p.Cmdline}
		if p.SwapOK {
			r.Swap = procFmtMiB(p.Swap)
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	return out
}

func procFmtMiB(b uint64) string { return string(rune('0'+0)) + "" + procItoa(b>>20) + "M" }

func procItoa(v uint64) string {
	if v == 0 {
		return "0"
	}
	var b []byte
	for v > 0 {
		b = append([]byte{byte('0' + v%10)}, b...)
		v /= 10
	}
	return string(b)
}

func TestScanOdooPostgres(t *testing.T) {
	s := fixtureScanner(t, filepath.Join(procFixtures, "odoo-postgres-busy"))
	tab, err := s.Scan(nil, probes.ScanOptions{DetailTop: 5})
	if err != nil {
		t.Fatal(err)
	}
	if tab.KernelThreads != 2 || tab.Vanished != 0 || tab.Denied != 0 {
		t.Errorf("kthreads %d vanished %d denied %d, want 2 0 0", tab.KernelThreads, tab.Vanished, tab.Denied)
	}
	if len(tab.Procs) != 28 {
		t.Errorf("%d processes, want 28", len(tab.Procs))
	}
	// The top five by RSS got swap and the masked command line; their
	// user comes from status (the fixture files are all owned by root).
	var top []probes.Proc
	for _, p := range tab.Procs {
		if p.CmdlineOK {
			top = append(top, p)
		}
	}
	odoo := "/usr/bin/python3 /opt/odoo/odoo-bin -c /etc/odoo/odoo.conf --db_password=*** --workers=4"
	want := []procRow{
		{820, 812, "odoo", "odoo-bin", "odoo-bin", "S", 1126, "0210M", odoo},
		{821, 812, "odoo", "odoo-bin", "odoo-bin", "S", 950, "0120M", odoo},
		{822, 812, "odoo", "odoo-bin", "odoo-bin", "S", 880, "096M", odoo},
		{823, 812, "odoo", "odoo-bin", "odoo-bin", "S", 1638, "0300M", odoo},
		{903, 900, "postgres", "postgres", "postgres", "S", 512, "08M", "postgres: 15/main: odoo odoo 127.0.0.1(50001) idle in transaction"},
	}
	if diff := cmp.Diff(want, procRows(top)); diff != "" {
		t.Errorf("detail rows (-want +got)\n%s", diff)
	}
	byPID := map[int32]probes.Proc{}
	for _, p := range tab.Procs {
		byPID[p.PID] = p
	}
	if p := byPID[830]; p.Program != "odoo-bin" || p.Comm != "python3" {
		t.Errorf("interpreter not grouped by its script: %+v", p)
	}
	if p := byPID[1500]; p.State != 'Z' || p.RSS != 0 {
		t.Errorf("zombie: %+v", p)
	}
	if p := byPID[1600]; p.Comm != "tmux: server" {
		t.Errorf("comm with a space: %q", p.Comm)
	}
	if p := byPID[1601]; p.Comm != "(sd-pam)" {
		t.Errorf("comm with parentheses: %q", p.Comm)
	}
	if p := byPID[823]; p.MemPercent(16<<30) < 9.99 || p.MemPercent(16<<30) > 10.0 {
		t.Errorf("%%mem of 1638 MiB in 16 GiB = %.3f", p.MemPercent(16<<30))
	}
	if (probes.Proc{RSS: 1}).MemPercent(0) != 0 {
		t.Error("%mem with an unknown total must be 0, not a division by zero")
	}

	t.Run("secrets of every detail row are masked", func(t *testing.T) {
		tab, err := s.Scan(nil, probes.ScanOptions{DetailTop: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range tab.Procs {
			for _, secret := range []string{"S3cretOdoo", "Pg5ecret", "Hunter2", "tok3n", "T0kenValue"} {
				if procContainsFold(p.Cmdline, secret) {
					t.Errorf("pid %d shows %q: %q", p.PID, secret, p.Cmdline)
				}
			}
		}
	})
	t.Run("all swap", func(t *testing.T) {
		tab, err := s.Scan(nil, probes.ScanOptions{AllSwap: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range tab.Procs {
			if !p.SwapOK {
				t.Errorf("pid %d: swap unknown with AllSwap", p.PID)
			}
			if p.CmdlineOK {
				t.Errorf("pid %d: command line read without DetailTop", p.PID)
			}
		}
	})
	t.Run("all PSS", func(t *testing.T) {
		tab, err := s.Scan(nil, probes.ScanOptions{AllPSS: true, PSSMaxAge: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range tab.Procs {
			if p.State != 'Z' && (!p.PSSOK || p.PSS >= p.RSS || !p.SwapOK) {
				t.Errorf("pid %d: PSS %d ok %v RSS %d swap ok %v", p.PID, p.PSS, p.PSSOK, p.RSS, p.SwapOK)
			}
		}
	})
}

func procContainsFold(s, sub string) bool {
	return len(sub) > 0 && len(s) >= len(sub) && (func() bool {
		for i := 0; i+len(sub) <= len(s); i++ {
			if procEqualFold(s[i:i+len(sub)], sub) {
				return true
			}
		}
		return false
	})()
}

func procEqualFold(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 32
		}
		if 'A' <= y && y <= 'Z' {
			y += 32
		}
		if x != y {
			return false
		}
	}
	return true
}

func TestScanEdgeCases(t *testing.T) {
	tests := []struct {
		name                       string
		want                       []procRow
		kthreads, vanished, denied int
	}{
		{"comm-spaces-parens", []procRow{
			{1, 0, "root", "systemd", "systemd", "S", 12, "00M", "/sbin/init"},
			{300, 1, "root", "tmux: server", "tmux: server", "S", 6, "00M", "tmux"},
			{301, 1, "root", "(sd-pam)", "(sd-pam)", "S", 3, "00M", "(sd-pam)"},
			{302, 1, "1000", "a) b (c", "a) b (c", "S", 2, "00M", "./weird"},
			{303, 1, "root", "))", "))", "S", 1, "00M", "./paren"},
		}, 0, 0, 0},
		{"vanishing-pid", []procRow{
			{1, 0, "root", "systemd", "systemd", "S", 12, "00M", "/sbin/init"},
			{4243, 1, "root", "cron", "cron", "S", 3, "00M", "/usr/sbin/cron -f"},
			// status and cmdline vanished after stat was read: shown, detail unknown.
			{4244, 1, "root", "rsyslogd", "rsyslogd", "S", 5, "?", ""},
		}, 0, 3, 0},
		{"zombies-kthreads", []procRow{
			{1, 0, "root", "systemd", "systemd", "S", 12, "00M", "/sbin/init"},
			{700, 1, "root", "supervisord", "supervisord", "S", 20, "00M", "/usr/bin/python3 /usr/bin/supervisord"},
			{701, 700, "root", "worker", "worker", "Z", 0, "00M", ""},
			{702, 700, "root", "worker", "worker", "Z", 0, "00M", ""},
			{703, 700, "root", "worker", "worker", "S", 40, "00M", "./worker"},
		}, 3, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := fixtureScanner(t, filepath.Join(procFixtures, tc.name))
			tab, err := s.Scan(nil, probes.ScanOptions{DetailTop: 100})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, procRows(tab.Procs)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			if tab.KernelThreads != tc.kthreads || tab.Vanished != tc.vanished || tab.Denied != tc.denied {
				t.Errorf("kthreads/vanished/denied = %d/%d/%d, want %d/%d/%d",
					tab.KernelThreads, tab.Vanished, tab.Denied, tc.kthreads, tc.vanished, tc.denied)
			}
		})
	}
}

func TestScanMissingRoot(t *testing.T) {
	s := NewProcScanner(NewFS(filepath.Join(t.TempDir(), "nope"), ""), probes.ProcScannerConfig{})
	defer s.Close()
	_, err := s.Scan(nil, probes.ScanOptions{})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want not-exist", err)
	}
}

// procCopyTree copies a fixture tree so a test can change modes.
func procCopyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestScanPermissionDenied makes files unreadable. Root reads anything, so
// when running as root the scan runs on a thread whose filesystem uid is
// nobody's (setfsuid also drops CAP_DAC_OVERRIDE for that thread).
func TestScanPermissionDenied(t *testing.T) {
	root := procCopyTree(t, filepath.Join(procFixtures, "permission-denied"))
	// t.TempDir makes 0700 directories: let nobody through them.
	for d := root; d != filepath.Dir(d) && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"proc/201/stat", "proc/202/status", "proc/202/cmdline", "proc/202/smaps_rollup", "proc/202/fd"} {
		if err := os.Chmod(filepath.Join(root, f), 0); err != nil {
			t.Fatal(err)
		}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if os.Geteuid() == 0 {
		if err := unix.Setfsuid(65534); err != nil {
			t.Fatalf("setfsuid: %v", err)
		}
		defer unix.Setfsuid(0)
	}
	s := fixtureScanner(t, root)
	tab, err := s.Scan(nil, probes.ScanOptions{DetailTop: 10})
	if err != nil {
		t.Fatal(err)
	}
	want := []procRow{
		{1, 0, "root", "systemd", "systemd", "S", 12, "00M", "/sbin/init"},
		{202, 1, "root", "odoo-bin", "odoo-bin", "S", 500, "?", ""},
	}
	if diff := cmp.Diff(want, procRows(tab.Procs)); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if tab.Denied != 3 {
		t.Errorf("denied = %d, want 3 (201 stat, 202 status, 202 cmdline)", tab.Denied)
	}
	d, err := NewFS(filepath.Join(root, "proc"), "").ProcDetail(probes.ProcKey{PID: 202, Start: 401}, &tab, filepath.Join(root, "etc", "passwd"))
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(d.SmapsErr, fs.ErrPermission) || !errors.Is(d.FDsErr, fs.ErrPermission) {
		t.Errorf("smaps err %v, fd err %v: want permission denied", d.SmapsErr, d.FDsErr)
	}
	if d.OOMErr != nil || d.OOMScore != 0 {
		t.Errorf("oom readable, got %d %v", d.OOMScore, d.OOMErr)
	}
}

func TestScanSteadyStateReusesStrings(t *testing.T) {
	s := fixtureScanner(t, filepath.Join(procFixtures, "odoo-postgres-busy"))
	a, err := s.Scan(nil, probes.ScanOptions{DetailTop: 20})
	if err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := s.Scan(a.Procs, probes.ScanOptions{DetailTop: 20}); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Errorf("%.1f allocations per steady scan of %d processes, want 0", allocs, len(a.Procs))
	}
}

func TestScanRefreshesReusedPID(t *testing.T) {
	root := procCopyTree(t, filepath.Join(procFixtures, "restart", "before"))
	s := fixtureScanner(t, root)
	if _, err := s.Scan(nil, probes.ScanOptions{}); err != nil {
		t.Fatal(err)
	}
	// pid 800 exits and the pid is taken by another program: a scan that
	// would read only statm for it must still notice through the periodic
	// stat refresh, and the detail rows notice at once.
	stat := "800 (redis-server) S 1 800 800 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 4 0 9999 100 2560 0\n"
	if err := os.WriteFile(filepath.Join(root, "proc/800/stat"), []byte(stat), 0o644); err != nil {
		t.Fatal(err)
	}
	tab, err := s.Scan(nil, probes.ScanOptions{Pinned: []int32{800}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range tab.Procs {
		if p.PID == 800 && (p.Comm != "redis-server" || p.Start != 9999) {
			t.Errorf("pinned reused pid still shows the old process: %+v", p)
		}
	}
	for i := 0; i < refreshEvery; i++ {
		if tab, err = s.Scan(nil, probes.ScanOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range tab.Procs {
		if p.PID == 800 && p.Comm != "redis-server" {
			t.Errorf("after %d scans the reused pid is still %q", refreshEvery, p.Comm)
		}
	}
}

// TestRSSFromStatm: a row's RSS is statm's resident pages whichever way the
// scan reads the process: through statm alone, or in full (stat and owner),
// as it does for new processes, pinned ones and one scan in refreshEvery.
// stat's field 24 lags the kernel's per-CPU counters (1568 kB against
// 1804 kB in statm, status and ps for a sleep on Linux 6.18), and rows that
// took it ranked below their equals and changed places at every refresh.
func TestRSSFromStatm(t *testing.T) {
	root := procCopyTree(t, filepath.Join(procFixtures, "restart", "before"))
	// pid 800's stat says 76,800 pages; its statm says 80,000.
	statm := "232650 80000 19200 193 0 38400 0\n"
	if err := os.WriteFile(filepath.Join(root, "proc/800/statm"), []byte(statm), 0o644); err != nil {
		t.Fatal(err)
	}
	want := uint64(80000 * os.Getpagesize())
	s := fixtureScanner(t, root)
	for i := 0; i <= refreshEvery; i++ {
		opt := probes.ScanOptions{}
		if i%3 == 0 {
			opt.Pinned = []int32{800} // read in full
		}
		tab, err := s.Scan(nil, opt)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, p := range tab.Procs {
			if p.PID == 800 {
				found = true
				if p.RSS != want {
					t.Errorf("scan %d (pinned %v): pid 800 RSS %d, want statm's %d", i, opt.Pinned != nil, p.RSS, want)
				}
			}
		}
		if !found {
			t.Fatalf("scan %d: pid 800 missing", i)
		}
	}
	got, err := s.Matching(func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range got {
		if p.PID == 800 && p.RSS != want {
			t.Errorf("Matching: pid 800 RSS %d, want statm's %d", p.RSS, want)
		}
	}
	d, err := NewFS(filepath.Join(root, "proc"), "").ProcDetail(probes.ProcKey{PID: 800}, nil, filepath.Join(root, "etc", "passwd"))
	if err != nil || d.Proc.RSS != want {
		t.Errorf("ProcDetail: pid 800 RSS %d (%v), want statm's %d", d.Proc.RSS, err, want)
	}
}

func TestTopKIndexes(t *testing.T) {
	procs := make([]probes.Proc, 50)
	for i := range procs {
		procs[i] = probes.Proc{PID: int32(i), RSS: uint64((i * 37) % 50)}
	}
	got := probes.TopKIndexes(procs, 5, nil, func(a, b *probes.Proc) bool { return a.RSS > b.RSS })
	var rss []uint64
	for _, i := range got {
		rss = append(rss, procs[i].RSS)
	}
	if diff := cmp.Diff([]uint64{49, 48, 47, 46, 45}, rss); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if got := probes.TopKIndexes(procs[:3], 10, nil, func(a, b *probes.Proc) bool { return a.RSS > b.RSS }); len(got) != 3 {
		t.Errorf("k beyond n: %v", got)
	}
}

// TestMatchingAgreesWithScan: the one-off search ReadOdoo uses finds the
// same Odoo processes as a full scan of a synthetic Odoo host (odoo-bin by
// comm, python3 running odoo-bin by command line), with the same figures,
// and a search that keeps nothing finds nothing.
func TestMatchingAgreesWithScan(t *testing.T) {
	root := t.TempDir()
	writeSyntheticTree(t, root, 400)
	fs := NewFS(filepath.Join(root, "proc"), "")
	full := NewProcScanner(fs, probes.ProcScannerConfig{PasswdPath: filepath.Join(root, "etc", "passwd")})
	defer full.Close()
	tab, err := full.Scan(nil, probes.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		PID, PPID     int32
		Start         uint64
		RSS, VM       uint64
		Program, Comm string
	}
	var want []row
	for _, p := range tab.Procs {
		if probes.IsOdoo(p.Program) {
			want = append(want, row{p.PID, p.PPID, p.Start, p.RSS, p.VM, p.Program, p.Comm})
		}
	}
	if len(want) != 200 {
		t.Fatalf("the full scan found %d Odoo processes in the fixture, want 200", len(want))
	}
	s := NewProcScanner(fs, probes.ProcScannerConfig{})
	defer s.Close()
	procs, err := s.Matching(probes.IsOdoo)
	if err != nil {
		t.Fatal(err)
	}
	var got []row
	for _, p := range procs {
		got = append(got, row{p.PID, p.PPID, p.Start, p.RSS, p.VM, p.Program, p.Comm})
	}
	sort.Slice(got, func(i, j int) bool { return got[i].PID < got[j].PID })
	sort.Slice(want, func(i, j int) bool { return want[i].PID < want[j].PID })
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Matching(IsOdoo) differs from the full scan (-scan +matching):\n%s", d)
	}
	if none, err := s.Matching(func(string) bool { return false }); err != nil || len(none) != 0 {
		t.Errorf("Matching(nothing) = %d rows, %v; want none", len(none), err)
	}
	if len(s.entries) != 0 {
		t.Errorf("Matching kept %d scanner entries; it keeps nothing", len(s.entries))
	}
}
