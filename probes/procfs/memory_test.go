package procfs

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/memtui/memtui/probes"
)

// fixtureFS roots an FS at probes/testdata/fixtures/<name>.
func fixtureFS(name string) FS {
	root := filepath.Join("..", "testdata", "fixtures", name)
	return NewFS(filepath.Join(root, "proc"), filepath.Join(root, "sys"))
}

// kb turns a meminfo kB figure into the bytes the probe reports.
func kb(n uint64) probes.Val { return probes.Some(n * 1024) }

// reading is the part of a Memory a person sees, flattened so one cmp.Diff
// shows every field that differs.
type reading struct {
	Total, Free, Avail, Used, Buffers, Cached, SwapCached probes.Val
	SwapTotal, SwapUsed, Shmem, SReclaimable, Dirty       probes.Val
	CommitLimit, Committed                                probes.Val
	AvailEstimated                                        bool
	UsedPct                                               float64
	Severity                                              string // "unknown" without a percentage
	SwapPct                                               float64
	SwapPctOK                                             bool
	VMStat                                                probes.VMStat
	PSI                                                   probes.PSI
	Cgroup                                                probes.Cgroup
}

func flatten(m probes.Memory) reading {
	mi := m.Meminfo
	avail, est := mi.Available()
	r := reading{
		Total: mi.MemTotal, Free: mi.MemFree, Avail: avail, Used: mi.Used(), Buffers: mi.Buffers,
		Cached: mi.Cached, SwapCached: mi.SwapCached, SwapTotal: mi.SwapTotal, SwapUsed: mi.SwapUsed(),
		Shmem: mi.Shmem, SReclaimable: mi.SReclaimable, Dirty: mi.Dirty,
		CommitLimit: mi.CommitLimit, Committed: mi.CommittedAS,
		AvailEstimated: est, Severity: "unknown",
		VMStat: m.VMStat, PSI: m.PSI, Cgroup: m.Cgroup,
	}
	if pct, ok := m.UsedPercent(); ok {
		r.UsedPct = pct
		r.Severity = probes.SeverityOf(pct, probes.DefaultThresholds()).String()
	}
	r.SwapPct, r.SwapPctOK = mi.SwapPercent()
	return r
}

// errWant is what an error must be: nil when is is nil, else wrapping is
// and naming path (so a person knows which file to look at).
type errWant struct {
	is   error
	path string
}

func checkErr(t *testing.T, what string, got error, want errWant) {
	t.Helper()
	if want.is == nil {
		if got != nil {
			t.Errorf("%s: unexpected error %v", what, got)
		}
		return
	}
	if got == nil {
		t.Errorf("%s: no error, want one wrapping %v", what, want.is)
		return
	}
	if !errors.Is(got, want.is) {
		t.Errorf("%s: error %q does not wrap %v", what, got, want.is)
	}
	if want.path != "" && !strings.Contains(got.Error(), want.path) {
		t.Errorf("%s: error %q does not name %s", what, got, want.path)
	}
}

// approx compares floats to a part in a billion: least-squares fits and
// decimal fractions are not bit-exact.
var approx = cmpopts.EquateApprox(1e-9, 1e-9)

func TestMemProbeReadFixtures(t *testing.T) {
	psi := func(s10, s60, s300 float64, st uint64, f10, f60, f300 float64, ft uint64) probes.PSI {
		return probes.PSI{
			Some: probes.PSILine{Avg10: s10, Avg60: s60, Avg300: s300, TotalMicros: st, OK: true},
			Full: probes.PSILine{Avg10: f10, Avg60: f60, Avg300: f300, TotalMicros: ft, OK: true},
		}
	}
	vm := func(in, out, maj uint64, oom probes.Val) probes.VMStat {
		return probes.VMStat{PswpIn: probes.Some(in), PswpOut: probes.Some(out), PgMajFault: probes.Some(maj), OOMKill: oom}
	}
	tests := []struct {
		fixture                       string
		want                          reading
		meminfo, vmstat, psiE, cgroup errWant
	}{
		{
			fixture: "healthy", // captured on this machine: 24 GiB, no swap, cgroup v1 without a limit
			want: reading{
				Total: kb(24731708), Free: kb(22708136), Avail: kb(23718404), Used: kb(1013304),
				Buffers: kb(66956), Cached: kb(1112068), SwapCached: kb(0), SwapTotal: kb(0), SwapUsed: kb(0),
				Shmem: kb(8856), SReclaimable: kb(112444), Dirty: kb(346424),
				CommitLimit: kb(12365852), Committed: kb(692312),
				UsedPct: 4.097186, Severity: "normal",
				VMStat: vm(0, 0, 268, probes.Some(1)),
				PSI:    psi(0, 0, 0, 2882, 0, 0, 0, 2539),
				Cgroup: probes.Cgroup{Version: 1, Path: "/process_api/e88c6433ad5b46be4f78ed7ca9bc0edc", Usage: probes.Some(3653632)},
			},
		},
		{
			fixture: "swap-thrash",
			want: reading{
				Total: kb(16332788), Free: kb(163540), Avail: kb(653311), Used: kb(15679477),
				Buffers: kb(2104), Cached: kb(587932), SwapCached: kb(213480),
				SwapTotal: kb(4194300), SwapUsed: kb(3355440),
				Shmem: kb(182256), SReclaimable: kb(118720), Dirty: kb(1288),
				CommitLimit: kb(12360694), Committed: kb(24386012),
				UsedPct: 96.000003, Severity: "critical", SwapPct: 80, SwapPctOK: true,
				VMStat: vm(48213377, 61839214, 9531287, probes.Some(3)),
				PSI:    psi(62.17, 55.43, 41.08, 1839204471, 38.90, 33.12, 24.56, 1102938817),
				Cgroup: probes.Cgroup{Version: 2, Path: "/user.slice/user-0.slice/session-4.scope", Usage: probes.Some(52490240)},
			},
		},
		{
			fixture: "odoo-high",
			want: reading{
				Total: kb(32863368), Free: kb(1010404), Avail: kb(4272238), Used: kb(28591130),
				Buffers: kb(48212), Cached: kb(4180000), SwapCached: kb(96240),
				SwapTotal: kb(8388604), SwapUsed: kb(1258400),
				Shmem: kb(1288412), SReclaimable: kb(402116), Dirty: kb(5124),
				CommitLimit: kb(24820288), Committed: kb(41208732),
				UsedPct: 87.000000, Severity: "high", SwapPct: 15.001304, SwapPctOK: true,
				VMStat: vm(112408, 389115, 1432871, probes.Some(0)),
				PSI:    psi(8.42, 6.15, 3.07, 284019337, 3.11, 2.04, 0.97, 118730214),
				Cgroup: probes.Cgroup{Version: 2, Path: "/user.slice/user-1000.slice/session-12.scope", Usage: probes.Some(41943040)},
			},
		},
		{
			fixture: "no-swap", // SwapTotal 0: no swap percentage at all, not 0 %
			want: reading{
				Total: kb(8039364), Free: kb(3124408), Avail: kb(4883204), Used: kb(3156160),
				Buffers: kb(91232), Cached: kb(1711848), SwapCached: kb(0), SwapTotal: kb(0), SwapUsed: kb(0),
				Shmem: kb(28740), SReclaimable: kb(135660), Dirty: kb(640),
				CommitLimit: kb(4019682), Committed: kb(4914212),
				UsedPct: 39.258827, Severity: "normal",
				VMStat: vm(0, 0, 18233, probes.Some(0)),
				PSI:    psi(0, 0, 0, 1203, 0, 0, 0, 981),
			},
			// In the root cgroup there is no memory.max to read.
			cgroup: errWant{probes.ErrUnavailable, filepath.Join("no-swap", "sys", "fs", "cgroup")},
		},
		{
			fixture: "container-cgroup-v2",
			want: reading{
				Total: kb(65842988), Free: kb(38211004), Avail: kb(45012336), Used: kb(20830652),
				Buffers: kb(412308), Cached: kb(7203660), SwapCached: kb(0),
				SwapTotal: kb(1048572), SwapUsed: kb(0),
				Shmem: kb(154496), SReclaimable: kb(1020424), Dirty: kb(2212),
				CommitLimit: kb(33970066), Committed: kb(21408776),
				UsedPct: 31.636857, Severity: "normal", SwapPct: 0, SwapPctOK: true,
				VMStat: vm(0, 0, 40211, probes.Some(2)),
				PSI:    psi(0.31, 0.12, 0.04, 8021377, 0.18, 0.07, 0.02, 5119420),
				Cgroup: probes.Cgroup{Version: 2, Path: "/", Limit: probes.Some(2 << 30), Usage: probes.Some(1825361920), SwapMax: probes.Some(0)},
			},
		},
		{
			fixture: "cgroup-v2-unlimited", // memory.max "max": no limit, usage still known
			want: reading{
				Total: kb(16331308), Free: kb(9412876), Avail: kb(12870432), Used: kb(3460876),
				Buffers: kb(220412), Cached: kb(3318540), SwapCached: kb(0),
				SwapTotal: kb(2097148), SwapUsed: kb(0),
				Shmem: kb(70032), SReclaimable: kb(330508), Dirty: kb(312),
				CommitLimit: kb(10262802), Committed: kb(5412300),
				UsedPct: 21.191665, Severity: "normal", SwapPct: 0, SwapPctOK: true,
				VMStat: vm(0, 0, 7731, probes.Some(0)),
				PSI:    psi(0, 0, 0, 51200, 0, 0, 0, 40960),
				Cgroup: probes.Cgroup{Version: 2, Path: "/", Usage: probes.Some(524288000)},
			},
		},
		{
			fixture: "cgroup-v1", // host path /docker/<id> is not under our /sys: the mount root is read
			want: reading{
				Total: kb(16396412), Free: kb(4012388), Avail: kb(9804112), Used: kb(6592300),
				Buffers: kb(310220), Cached: kb(5620340), SwapCached: kb(1020),
				SwapTotal: kb(2097148), SwapUsed: kb(6144),
				Shmem: kb(92060), SReclaimable: kb(612404), Dirty: kb(880),
				CommitLimit: kb(10295354), Committed: kb(9812300),
				UsedPct: 40.205747, Severity: "normal", SwapPct: 0.292969, SwapPctOK: true,
				VMStat: vm(1536, 2048, 88104, probes.Some(1)),
				PSI:    psi(1.02, 0.77, 0.41, 40112387, 0.55, 0.40, 0.21, 21009512),
				Cgroup: probes.Cgroup{Version: 1, Path: "/docker/3f2a9c1e7b5d4e60a8b1c2d3e4f5061728394a5b6c7d8e9f0a1b2c3d4e5f6071",
					Limit: probes.Some(4 << 30), Usage: probes.Some(3 << 30)},
			},
		},
		{
			fixture: "old-kernel-no-memavailable",
			want: reading{
				// MemFree + Buffers + Cached + SReclaimable − Shmem
				// = 312540 + 187364 + 1623908 + 104512 − 41280 = 2187044 kB.
				Total: kb(4046284), Free: kb(312540), Avail: kb(2187044), Used: kb(1859240), AvailEstimated: true,
				Buffers: kb(187364), Cached: kb(1623908), SwapCached: kb(2364),
				SwapTotal: kb(4191228), SwapUsed: kb(18720),
				Shmem: kb(41280), SReclaimable: kb(104512), Dirty: kb(372),
				CommitLimit: kb(6214370), Committed: kb(3412868),
				UsedPct: 45.949320, Severity: "normal", SwapPct: 0.446647, SwapPctOK: true,
				VMStat: vm(1210, 4680, 23011, probes.Val{}), // oom_kill arrived in 4.13
				// 9223372036854775807 is the old kernels' "no limit".
				Cgroup: probes.Cgroup{Version: 1, Path: "/", Usage: probes.Some(3325681664)},
			},
			psiE: errWant{probes.ErrUnavailable, filepath.Join("old-kernel-no-memavailable", "proc", "pressure", "memory")},
		},
		{
			fixture: "no-psi",
			want: reading{
				Total: kb(8152748), Free: kb(1204448), Avail: kb(5301208), Used: kb(2851540),
				Buffers: kb(240112), Cached: kb(3801224), SwapCached: kb(412),
				SwapTotal: kb(999420), SwapUsed: kb(2560),
				Shmem: kb(80984), SReclaimable: kb(240384), Dirty: kb(204),
				CommitLimit: kb(5075794), Committed: kb(4102336),
				UsedPct: 34.976428, Severity: "normal", SwapPct: 0.256149, SwapPctOK: true,
				VMStat: vm(104, 640, 12931, probes.Some(0)),
				Cgroup: probes.Cgroup{Version: 1, Path: "/user.slice", Usage: probes.Some(2843148288)},
			},
			psiE: errWant{probes.ErrUnavailable, filepath.Join("no-psi", "proc", "pressure", "memory")},
		},
		{
			fixture: "broken-missing-fields",
			want: reading{
				// Lines that are not there stay unknown, never 0.
				Total: kb(8039364), Free: kb(2101220), Avail: kb(3311408), Used: kb(4727956),
				Shmem: kb(30112), SReclaimable: kb(120448), Dirty: kb(412),
				UsedPct: 58.810075, Severity: "normal",
				VMStat: probes.VMStat{PgMajFault: probes.Some(268), OOMKill: probes.Some(1)},
				PSI:    probes.PSI{Full: probes.PSILine{TotalMicros: 1203, OK: true}},
				Cgroup: probes.Cgroup{Version: 2, Path: "/", Limit: probes.Some(1 << 30)},
			},
			psiE:   errWant{probes.ErrParse, filepath.Join("broken-missing-fields", "proc", "pressure", "memory")},
			cgroup: errWant{probes.ErrUnavailable, filepath.Join("broken-missing-fields", "sys", "fs", "cgroup", "memory.current")},
		},
		{
			fixture: "broken-truncated",
			want: reading{
				// "MemAvailable:      21" is cut before its unit: not 21 bytes
				// (which would read as 100 % used), but unknown, and with no
				// Buffers/Cached to estimate from, no percentage at all.
				Total: kb(16332788), Free: kb(9120332), Severity: "unknown",
				// "pswpout 61" is cut mid-number and must not count; the
				// counters after it were never written.
				VMStat: probes.VMStat{PswpIn: probes.Some(48213377)},
				PSI:    probes.PSI{Some: probes.PSILine{Avg10: 12.40, Avg60: 10.11, Avg300: 7.02, TotalMicros: 98812734, OK: true}},
				Cgroup: probes.Cgroup{Version: 2, Path: "/", Limit: probes.Some(2 << 30), Usage: probes.Some(1825361920)},
			},
			meminfo: errWant{probes.ErrParse, filepath.Join("broken-truncated", "proc", "meminfo")},
		},
		{
			fixture: "broken-garbage",
			want: reading{
				Severity: "unknown",
				Cgroup:   probes.Cgroup{Version: 2, Path: "/"},
			},
			meminfo: errWant{probes.ErrParse, filepath.Join("broken-garbage", "proc", "meminfo")},
			vmstat:  errWant{probes.ErrParse, filepath.Join("broken-garbage", "proc", "vmstat")},
			psiE:    errWant{probes.ErrParse, filepath.Join("broken-garbage", "proc", "pressure", "memory")},
			cgroup:  errWant{probes.ErrParse, filepath.Join("broken-garbage", "sys", "fs", "cgroup", "memory.max")},
		},
	}
	at := time.Date(2026, 11, 28, 14, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			m := NewMemProbe(fixtureFS(tt.fixture), func() time.Time { return at }).Read()
			if !m.Time.Equal(at) {
				t.Errorf("Time = %v, want the injected clock %v", m.Time, at)
			}
			got := flatten(m)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateApprox(0, 1e-6)); diff != "" {
				t.Errorf("reading (-want +got):\n%s", diff)
			}
			checkErr(t, "MeminfoErr", m.MeminfoErr, tt.meminfo)
			checkErr(t, "VMStatErr", m.VMStatErr, tt.vmstat)
			checkErr(t, "PSIErr", m.PSIErr, tt.psiE)
			checkErr(t, "CgroupErr", m.CgroupErr, tt.cgroup)
		})
	}
}

// TestMemProbeReadAgain reads twice with the same probe: the reused buffer
// and the cached cgroup paths must give the same answer the second time.
func TestMemProbeReadAgain(t *testing.T) {
	for _, name := range []string{"healthy", "swap-thrash", "container-cgroup-v2", "cgroup-v1"} {
		t.Run(name, func(t *testing.T) {
			p := NewMemProbe(fixtureFS(name), nil)
			first, second := flatten(p.Read()), flatten(p.Read())
			if diff := cmp.Diff(first, second, approx); diff != "" {
				t.Errorf("second reading differs (-first +second):\n%s", diff)
			}
		})
	}
}

// TestMemProbeMissingRoot points the probe at a directory with nothing in
// it: every source says it is unavailable and names its path; nothing panics.
func TestMemProbeMissingRoot(t *testing.T) {
	dir := t.TempDir()
	m := NewMemProbe(NewFS(filepath.Join(dir, "proc"), filepath.Join(dir, "sys")), nil).Read()
	checkErr(t, "MeminfoErr", m.MeminfoErr, errWant{probes.ErrUnavailable, filepath.Join(dir, "proc", "meminfo")})
	checkErr(t, "VMStatErr", m.VMStatErr, errWant{probes.ErrUnavailable, filepath.Join(dir, "proc", "vmstat")})
	checkErr(t, "PSIErr", m.PSIErr, errWant{probes.ErrUnavailable, filepath.Join(dir, "proc", "pressure", "memory")})
	checkErr(t, "CgroupErr", m.CgroupErr, errWant{probes.ErrUnavailable, filepath.Join(dir, "proc", "self", "cgroup")})
	if _, ok := m.UsedPercent(); ok {
		t.Error("UsedPercent ok without meminfo")
	}
	if _, ok := probes.PointOf(m); ok {
		t.Error("PointOf ok without meminfo")
	}
}

func TestRatesBetween(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 14, 0, 0, 0, time.UTC)
	reading := func(at time.Duration, in, out, maj uint64) probes.Memory {
		return probes.Memory{Time: t0.Add(at), VMStat: probes.VMStat{PswpIn: probes.Some(in), PswpOut: probes.Some(out), PgMajFault: probes.Some(maj)}}
	}
	tests := []struct {
		name      string
		prev, cur probes.Memory
		want      probes.Rates
	}{
		{"two seconds apart", reading(0, 100, 1000, 50), reading(2*time.Second, 300, 1600, 51),
			probes.Rates{SwapInPerSec: 100, SwapOutPerSec: 300, MajFaultPerSec: 0.5, OK: true}},
		{"quiet", reading(0, 7, 7, 7), reading(time.Second, 7, 7, 7), probes.Rates{OK: true}},
		{"sub-second", reading(0, 0, 0, 0), reading(250*time.Millisecond, 10, 20, 1),
			probes.Rates{SwapInPerSec: 40, SwapOutPerSec: 80, MajFaultPerSec: 4, OK: true}},
		{"zero interval", reading(0, 0, 0, 0), reading(0, 10, 10, 10), probes.Rates{}},
		{"clock went backwards", reading(time.Second, 0, 0, 0), reading(0, 10, 10, 10), probes.Rates{}},
		{"counter reset", reading(0, 500, 500, 500), reading(time.Second, 10, 600, 600), probes.Rates{}},
		{"first reading is the zero Memory", probes.Memory{}, reading(time.Second, 1, 1, 1), probes.Rates{}},
		{"counter unknown", reading(0, 1, 1, 1),
			probes.Memory{Time: t0.Add(time.Second), VMStat: probes.VMStat{PswpIn: probes.Some(2), PgMajFault: probes.Some(2)}}, probes.Rates{}},
		{"vmstat unreadable", reading(0, 1, 1, 1),
			func() probes.Memory {
				m := reading(time.Second, 2, 2, 2)
				m.VMStatErr = probes.ErrUnavailable
				return m
			}(), probes.Rates{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := probes.RatesBetween(tt.prev, tt.cur)
			if !tt.want.OK {
				// Without two usable readings only OK matters: callers
				// must not read the figures.
				if got.OK {
					t.Errorf("RatesBetween OK = true, want false: %+v", got)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got, approx); diff != "" {
				t.Errorf("RatesBetween (-want +got):\n%s", diff)
			}
			if math.IsInf(got.SwapInPerSec, 0) || math.IsNaN(got.SwapInPerSec) {
				t.Errorf("non-finite rate %v", got.SwapInPerSec)
			}
		})
	}
}

// TestRatesBetweenFixtures takes two readings of the same fixture a second
// apart: nothing moved, so every rate is a known 0.
func TestRatesBetweenFixtures(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 14, 0, 0, 0, time.UTC)
	now := t0
	p := NewMemProbe(fixtureFS("swap-thrash"), func() time.Time { return now })
	a := p.Read()
	now = now.Add(time.Second)
	b := p.Read()
	if diff := cmp.Diff(probes.Rates{OK: true}, probes.RatesBetween(a, b)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// permRootEnv hands the permission-denied tree to the unprivileged copy of
// this test binary that TestPermissionDenied starts when it runs as root.
const permRootEnv = "MEMTUI_TEST_PERMISSION_ROOT"

// TestPermissionDenied makes a copy of the healthy fixture with meminfo,
// pressure/memory and the cgroup limit file at mode 000 (git keeps no
// modes, so this is built at run time). Root reads such files anyway, so as
// root the test re-runs itself as nobody (uid 65534) on that tree; where
// that is not possible it skips and says why.
func TestPermissionDenied(t *testing.T) {
	if dir := os.Getenv(permRootEnv); dir != "" {
		checkPermissionDenied(t, dir)
		return
	}
	dir, err := os.MkdirTemp("", "memtui-perm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "testdata", "fixtures", "healthy"))); err != nil {
		t.Fatal(err)
	}
	// The copy must be traversable by nobody; only the chosen files are shut.
	if err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.Chmod(p, 0o755)
		}
		return os.Chmod(p, 0o644)
	}); err != nil {
		t.Fatal(err)
	}
	for _, p := range permDenied {
		if err := os.Chmod(filepath.Join(dir, p), 0); err != nil {
			t.Fatal(err)
		}
	}
	if os.Geteuid() != 0 {
		checkPermissionDenied(t, dir)
		return
	}
	bin := filepath.Join(dir, "probes.test")
	if err := copyExecutable(os.Args[0], bin); err != nil {
		t.Skipf("running as root, and cannot copy the test binary for an unprivileged run: %v", err)
	}
	cmd := exec.Command(bin, "-test.run=^TestPermissionDenied$", "-test.v")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), permRootEnv+"="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Skipf("running as root, and cannot start the test as nobody: %v", err)
		}
		t.Fatalf("unprivileged run failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestPermissionDenied") {
		t.Fatalf("unprivileged run did not pass:\n%s", out)
	}
	t.Logf("ran as uid 65534:\n%s", out)
}

// permDenied are the files shut in the permission-denied tree.
var permDenied = []string{
	"proc/meminfo",
	"proc/pressure/memory",
	"sys/fs/cgroup/memory/process_api/e88c6433ad5b46be4f78ed7ca9bc0edc/memory.limit_in_bytes",
}

func checkPermissionDenied(t *testing.T, dir string) {
	if f, err := os.Open(filepath.Join(dir, permDenied[0])); err == nil {
		f.Close()
		t.Skip("this user reads files at mode 000 (CAP_DAC_OVERRIDE): nothing to test")
	}
	m := NewMemProbe(NewFS(filepath.Join(dir, "proc"), filepath.Join(dir, "sys")), nil).Read()
	checkErr(t, "MeminfoErr", m.MeminfoErr, errWant{fs.ErrPermission, filepath.Join(dir, permDenied[0])})
	checkErr(t, "PSIErr", m.PSIErr, errWant{fs.ErrPermission, filepath.Join(dir, permDenied[1])})
	checkErr(t, "CgroupErr", m.CgroupErr, errWant{fs.ErrPermission, filepath.Join(dir, permDenied[2])})
	// vmstat is still readable: one shut file does not blank the others.
	checkErr(t, "VMStatErr", m.VMStatErr, errWant{})
	if !m.VMStat.PgMajFault.OK {
		t.Error("vmstat counters lost with the other files")
	}
	if _, ok := m.UsedPercent(); ok {
		t.Error("UsedPercent ok with meminfo unreadable")
	}
}

func copyExecutable(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o755)
}

// TestReadHeldRegenerates checks the premise of keeping files open: a
// pread at offset 0 of a procfs file gives fresh text, not the first
// reading again. /proc/uptime (a seq_file like meminfo) moves every 10 ms.
func TestReadHeldRegenerates(t *testing.T) {
	if _, err := os.Stat("/proc/uptime"); err != nil {
		t.Skip("no /proc/uptime on this machine")
	}
	p := NewMemProbe(NewFS("", ""), nil)
	defer p.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	first, err := p.readHeld("/proc/uptime", nil)
	if err != nil {
		t.Fatal(err)
	}
	first = append([]byte(nil), first...)
	var again []byte
	for range 50 {
		time.Sleep(20 * time.Millisecond)
		if again, err = p.readHeld("/proc/uptime", again); err != nil {
			t.Fatal(err)
		}
		if len(p.held) != 1 {
			t.Fatalf("%d files held, want the one", len(p.held))
		}
		if string(again) != string(first) {
			return
		}
	}
	t.Fatalf("/proc/uptime read through a held file stayed %q for a second", first)
}

// TestMemProbeHeldFiles: a fixture file rewritten in place is seen by the
// next reading, a file that vanishes makes that source unavailable, and
// Close leaves the probe usable.
func TestMemProbeHeldFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "testdata", "fixtures", "container-cgroup-v2"))); err != nil {
		t.Fatal(err)
	}
	p := NewMemProbe(NewFS(filepath.Join(dir, "proc"), filepath.Join(dir, "sys")), nil)
	if m := p.Read(); m.Cgroup.Usage != probes.Some(1825361920) {
		t.Fatalf("usage %v", m.Cgroup.Usage)
	}
	cur := filepath.Join(dir, "sys", "fs", "cgroup", "memory.current")
	if err := os.WriteFile(cur, []byte("2000000000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if m := p.Read(); m.Cgroup.Usage != probes.Some(2000000000) || m.CgroupErr != nil {
		t.Errorf("after rewrite: usage %v, err %v", m.Cgroup.Usage, m.CgroupErr)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "proc", "pressure", "memory")); err != nil {
		t.Fatal(err)
	}
	m := p.Read()
	checkErr(t, "PSIErr", m.PSIErr, errWant{probes.ErrUnavailable, filepath.Join(dir, "proc", "pressure", "memory")})
	checkErr(t, "MeminfoErr", m.MeminfoErr, errWant{})
}
