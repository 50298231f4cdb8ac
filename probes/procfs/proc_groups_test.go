package procfs

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/memtui/memtui/probes"
)

func procScanFixture(t *testing.T, name string, opt probes.ScanOptions) probes.ProcTable {
	t.Helper()
	tab, err := fixtureScanner(t, filepath.Join(procFixtures, name)).Scan(nil, opt)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestGroupProcs(t *testing.T) {
	tab := procScanFixture(t, "odoo-postgres-busy", probes.ScanOptions{AllPSS: true, PSSMaxAge: time.Minute, AllSwap: true, DetailTop: 100})
	type g struct {
		Program        string
		Count          int
		RSSMiB, SwpMiB uint64
		PSSOK          bool
		Users          string
	}
	var got []g
	for _, x := range probes.GroupProcs(tab.Procs)[:4] {
		got = append(got, g{x.Program, x.Count, x.RSS >> 20, x.Swap >> 20, x.PSSOK, x.Users})
	}
	want := []g{
		{"odoo-bin", 7, 310 + 1126 + 950 + 880 + 1638 + 420, 40 + 210 + 120 + 96 + 300 + 12, true, "odoo"}, // the zombie counts as 0, not unknown
		{"postgres", 8, 220 + 180 + 240 + 512 + 388 + 260 + 251 + 301, 0 + 8 + 16 + 0 + 8 + 16, true, "postgres"},
		{"php-fpm8.1", 4, 28 + 64 + 73 + 82, 0, true, "root,www-data"},
		{"systemd", 1, 12, 0, true, "root"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	pg := probes.GroupProcs(tab.Procs)[1]
	if pg.PSS >= pg.RSS || pg.PSS == 0 {
		t.Errorf("postgres PSS %d should be below summed RSS %d", pg.PSS, pg.RSS)
	}
}

func TestBaselineDiff(t *testing.T) {
	before := procScanFixture(t, "restart/before", probes.ScanOptions{})
	after := procScanFixture(t, "restart/after", probes.ScanOptions{})
	b := probes.NewProcBaseline(before)
	if b.IsZero() || !(probes.ProcBaseline{}).IsZero() {
		t.Fatal("IsZero wrong")
	}
	procs, groups := b.Diff(after)
	type pd struct {
		PID    int32
		Status string
		Delta  int64
	}
	var gotP []pd
	for _, d := range procs {
		gotP = append(gotP, pd{d.Key.PID, d.Status.String(), d.Delta() >> 20})
	}
	wantP := []pd{
		{710, "gone", -900}, {700, "gone", -500}, {800, "gone", -300},
		{740, "new", 150}, {733, "new", 120}, {800, "new", 90},
	}
	if diff := cmp.Diff(wantP, gotP); diff != "" {
		t.Errorf("process diff (-want +got)\n%s", diff)
	}
	type gd struct {
		Program       string
		Status        string
		Before, After int
		Delta         int64
	}
	var gotG []gd
	for _, d := range groups {
		gotG = append(gotG, gd{d.Program, d.Status.String(), d.CountBefore, d.CountAfter, d.Delta() >> 20})
	}
	wantG := []gd{{"odoo-bin", "changed", 2, 2, -1130}, {"postgres", "changed", 1, 1, -210}}
	if diff := cmp.Diff(wantG, gotG); diff != "" {
		t.Errorf("group diff (-want +got)\n%s", diff)
	}
	// Against itself: nothing to report.
	if p, g := b.Diff(before); len(p) != 0 || len(g) != 0 {
		t.Errorf("self diff: %v %v", p, g)
	}
}

func TestProcDetail(t *testing.T) {
	root := filepath.Join(procFixtures, "odoo-postgres-busy")
	tab := procScanFixture(t, "odoo-postgres-busy", probes.ScanOptions{DetailTop: 100})
	fs := NewFS(filepath.Join(root, "proc"), "")
	d, err := fs.ProcDetail(probes.ProcKey{PID: 820, Start: 2150}, &tab, filepath.Join(root, "etc", "passwd"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Proc.User != "odoo" || d.Proc.Program != "odoo-bin" || d.Proc.Swap != 210<<20 || !d.Proc.PSSOK {
		t.Errorf("proc: %+v", d.Proc)
	}
	if d.Smaps.Pss != 1010<<20 || !d.Smaps.PssSplitOK || d.SmapsErr != nil {
		t.Errorf("smaps: %+v %v", d.Smaps, d.SmapsErr)
	}
	if d.OOMScore != 712 || d.OOMScoreAdj != 0 || d.OOMErr != nil {
		t.Errorf("oom: %d %d %v", d.OOMScore, d.OOMScoreAdj, d.OOMErr)
	}
	if d.Cgroup != "/system.slice/odoo.service" || d.FDs != 14 {
		t.Errorf("cgroup %q fds %d", d.Cgroup, d.FDs)
	}
	if d.Parent == nil || d.Parent.PID != 812 {
		t.Errorf("parent: %+v", d.Parent)
	}
	if want := time.Unix(1795873990, 0).Add(21500 * time.Millisecond).UTC(); !d.StartedAt.Equal(want) {
		t.Errorf("started at %v, want %v", d.StartedAt, want)
	}
	if d.Proc.Cmdline != "/usr/bin/python3 /opt/odoo/odoo-bin -c /etc/odoo/odoo.conf --db_password=*** --workers=4" {
		t.Errorf("cmdline %q", d.Proc.Cmdline)
	}
	master, err := fs.ProcDetail(probes.ProcKey{PID: 812, Start: 2100}, &tab, filepath.Join(root, "etc", "passwd"))
	if err != nil {
		t.Fatal(err)
	}
	var kids []int32
	for _, c := range master.Children {
		kids = append(kids, c.PID)
	}
	if diff := cmp.Diff([]int32{823, 820, 821, 822, 830, 1500}, kids); diff != "" {
		t.Errorf("children, largest first (-want +got)\n%s", diff)
	}
	if _, err := fs.ProcDetail(probes.ProcKey{PID: 820, Start: 1}, &tab, ""); !errors.Is(err, probes.ErrProcessGone) {
		t.Errorf("other start time: err = %v, want ErrProcessGone", err)
	}
	if _, err := fs.ProcDetail(probes.ProcKey{PID: 31337}, &tab, ""); !errors.Is(err, probes.ErrProcessGone) {
		t.Errorf("missing pid: err = %v, want ErrProcessGone", err)
	}
}

func TestSnapshotProcesses(t *testing.T) {
	root := filepath.Join(procFixtures, "odoo-postgres-busy")
	got, err := SnapshotProcesses(context.Background(), NewFS(filepath.Join(root, "proc"), ""),
		probes.ProcScannerConfig{PasswdPath: filepath.Join(root, "etc", "passwd")}, 3, 0, 16<<30)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"pid":823,"user":"odoo","comm":"odoo-bin","rss_bytes":1717567488,"swap_bytes":314572800,"mem_percent":9.99755859375,"cmdline":"/usr/bin/python3 /opt/odoo/odoo-bin -c /etc/odoo/odoo.conf --db_password=*** --workers=4","program":"odoo-bin"},` +
		`{"pid":820,"user":"odoo","comm":"odoo-bin","rss_bytes":1180696576,"swap_bytes":220200960,"mem_percent":6.87255859375,"cmdline":"/usr/bin/python3 /opt/odoo/odoo-bin -c /etc/odoo/odoo.conf --db_password=*** --workers=4","program":"odoo-bin"},` +
		`{"pid":821,"user":"odoo","comm":"odoo-bin","rss_bytes":996147200,"swap_bytes":125829120,"mem_percent":5.79833984375,"cmdline":"/usr/bin/python3 /opt/odoo/odoo-bin -c /etc/odoo/odoo.conf --db_password=*** --workers=4","program":"odoo-bin"}]`
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := SnapshotProcesses(ctx, NewFS(filepath.Join(root, "proc"), ""), probes.ProcScannerConfig{}, 3, time.Second, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

// TestHoldMemoryHelper is not a test: TestLiveFindsBigChild runs the test
// binary again with only this test and MEMTUI_TEST_HOLD_MIB set, and it
// becomes the child that holds memory. (A helper test rather than TestMain,
// which the package's other test files may need.)
func TestHoldMemoryHelper(t *testing.T) {
	mib := os.Getenv("MEMTUI_TEST_HOLD_MIB")
	if mib == "" {
		t.Skip("helper process for TestLiveFindsBigChild")
	}
	procHoldMemory(mib)
}

// procHoldMemory touches n MiB, says so on stdout, and waits to be killed.
func procHoldMemory(mib string) {
	n, _ := strconv.Atoi(mib)
	buf := make([]byte, n<<20)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = 1
	}
	os.Stdout.WriteString("ready\n")
	time.Sleep(time.Hour)
	buf[0] = 2 // keep buf alive
}

// TestLiveFindsBigChild starts a child holding 768 MiB (far above anything
// else on a build machine) and expects the live scan to rank it first, with
// that RSS.
func TestLiveFindsBigChild(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 768 MiB")
	}
	const mib = 768
	cmd := exec.Command(os.Args[0], "-test.run=^TestHoldMemoryHelper$")
	cmd.Env = append(os.Environ(), "MEMTUI_TEST_HOLD_MIB="+strconv.Itoa(mib))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	ready := make([]byte, 6)
	if _, err := out.Read(ready); err != nil || string(ready) != "ready\n" {
		t.Fatalf("child not ready: %q %v", ready, err)
	}
	s := NewProcScanner(NewFS("", ""), probes.ProcScannerConfig{})
	defer s.Close()
	tab, err := s.Scan(nil, probes.ScanOptions{DetailTop: 5})
	if err != nil {
		t.Fatal(err)
	}
	top := probes.TopKIndexes(tab.Procs, 1, nil, func(a, b *probes.Proc) bool { return a.RSS > b.RSS })
	p := tab.Procs[top[0]]
	if int(p.PID) != cmd.Process.Pid {
		t.Fatalf("top process is %d %q with %d MiB, want the child %d", p.PID, p.Comm, p.RSS>>20, cmd.Process.Pid)
	}
	if lo, hi := uint64(mib)<<20, uint64(mib+64)<<20; p.RSS < lo || p.RSS > hi {
		t.Errorf("child RSS %d MiB, want %d..%d", p.RSS>>20, mib, mib+64)
	}
	if !p.CmdlineOK || p.User != "root" && os.Geteuid() == 0 {
		t.Errorf("detail of the top row: %+v", p)
	}
}
