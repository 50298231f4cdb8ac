package procfs

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/memtui/memtui/probes"
)

func TestParseMeminfo(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    probes.Meminfo
		wantErr error
	}{
		{
			name: "kB to bytes, unknown lines ignored",
			in: "MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    4000000 kB\n" +
				"Buffers:           20000 kB\nCached:          3000000 kB\nSwapCached:          512 kB\n" +
				"Active(anon):    9000000 kB\nSwapTotal:       2000000 kB\nSwapFree:        1500000 kB\n" +
				"Dirty:               64 kB\nWriteback:             0 kB\nAnonPages:       8000000 kB\n" +
				"Shmem:            300000 kB\nSReclaimable:     200000 kB\nSUnreclaim:        50000 kB\n" +
				"CommitLimit:    10000000 kB\nCommitted_AS:   12000000 kB\nVmallocTotal:   34359738367 kB\n" +
				"HugePages_Total:       4\nHugePages_Free:        4\nHugepagesize:       2048 kB\n",
			want: probes.Meminfo{
				MemTotal: kb(16000000), MemFree: kb(1000000), MemAvailable: kb(4000000),
				Buffers: kb(20000), Cached: kb(3000000), SwapCached: kb(512),
				SwapTotal: kb(2000000), SwapFree: kb(1500000), Dirty: kb(64), Writeback: kb(0),
				AnonPages: kb(8000000), Shmem: kb(300000), SReclaimable: kb(200000), SUnreclaim: kb(50000),
				CommitLimit: kb(10000000), CommittedAS: kb(12000000), HugeTotal: kb(4 * 2048),
			},
		},
		{
			name: "tabs and no padding",
			in:   "MemTotal:\t1000 kB\nMemAvailable:10 kB\n",
			want: probes.Meminfo{MemTotal: kb(1000), MemAvailable: kb(10)},
		},
		{
			name: "value without its unit is unknown",
			in:   "MemTotal: 1000 kB\nMemAvailable: 21\nMemFree: 5 MB\nBuffers: 1 kB\nCached: 1 kB\n",
			want: probes.Meminfo{MemTotal: kb(1000), Buffers: kb(1), Cached: kb(1)},
			// No MemAvailable and no MemFree to estimate from.
			wantErr: probes.ErrParse,
		},
		{
			name:    "last line cut short is dropped",
			in:      "MemTotal: 1000 kB\nMemAvailable: 400 kB\nSwapTotal: 5",
			want:    probes.Meminfo{MemTotal: kb(1000), MemAvailable: kb(400)},
			wantErr: nil,
		},
		{
			name: "HugePages_Total cut short is dropped",
			in:   "MemTotal: 1000 kB\nMemAvailable: 400 kB\nHugepagesize: 2048 kB\nHugePages_Total: 1",
			want: probes.Meminfo{MemTotal: kb(1000), MemAvailable: kb(400)},
		},
		{
			name: "a kB figure too big for 64-bit bytes is unknown",
			in:   "MemTotal: 1000 kB\nMemAvailable: 400 kB\nCommitted_AS: 18014398509481984 kB\n",
			want: probes.Meminfo{MemTotal: kb(1000), MemAvailable: kb(400)},
		},
		{
			name: "negative and non-decimal numbers are unknown",
			in:   "MemTotal: 1000 kB\nMemAvailable: 400 kB\nMemFree: -5 kB\nCached: 0x10 kB\nBuffers: 1e3 kB\n",
			want: probes.Meminfo{MemTotal: kb(1000), MemAvailable: kb(400)},
		},
		{
			name:    "no MemTotal",
			in:      "MemFree: 1000 kB\nMemAvailable: 400 kB\n",
			want:    probes.Meminfo{MemFree: kb(1000), MemAvailable: kb(400)},
			wantErr: probes.ErrParse,
		},
		{
			name:    "MemTotal 0",
			in:      "MemTotal: 0 kB\nMemAvailable: 0 kB\n",
			want:    probes.Meminfo{MemTotal: kb(0), MemAvailable: kb(0)},
			wantErr: probes.ErrParse,
		},
		{name: "empty", in: "", wantErr: probes.ErrParse},
		{name: "no newline at all", in: "MemTotal: 1000 kB", wantErr: probes.ErrParse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := probes.ParseMeminfo([]byte(tt.in))
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseMeminfo (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMeminfoDerived(t *testing.T) {
	type derived struct {
		Avail     probes.Val
		Estimated bool
		Used      probes.Val
		Pct       float64
		PctOK     bool
		SwapUsed  probes.Val
		SwapPct   float64
		SwapPctOK bool
	}
	tests := []struct {
		name string
		m    probes.Meminfo
		want derived
	}{
		{
			name: "used percent is 100 × (MemTotal − MemAvailable) / MemTotal",
			m:    probes.Meminfo{MemTotal: probes.Some(1000), MemAvailable: probes.Some(150), MemFree: probes.Some(10), SwapTotal: probes.Some(400), SwapFree: probes.Some(100)},
			want: derived{Avail: probes.Some(150), Used: probes.Some(850), Pct: 85, PctOK: true, SwapUsed: probes.Some(300), SwapPct: 75, SwapPctOK: true},
		},
		{
			name: "MemAvailable wins over the estimate",
			m:    probes.Meminfo{MemTotal: probes.Some(1000), MemAvailable: probes.Some(100), MemFree: probes.Some(900), Buffers: probes.Some(0), Cached: probes.Some(0)},
			want: derived{Avail: probes.Some(100), Used: probes.Some(900), Pct: 90, PctOK: true},
		},
		{
			name: "estimate without MemAvailable: free + buffers + cached + sreclaimable − shmem",
			m: probes.Meminfo{MemTotal: probes.Some(1000), MemFree: probes.Some(100), Buffers: probes.Some(50), Cached: probes.Some(300),
				SReclaimable: probes.Some(40), Shmem: probes.Some(90)},
			want: derived{Avail: probes.Some(400), Estimated: true, Used: probes.Some(600), Pct: 60, PctOK: true},
		},
		{
			name: "estimate without the optional slab and shmem lines",
			m:    probes.Meminfo{MemTotal: probes.Some(1000), MemFree: probes.Some(100), Buffers: probes.Some(50), Cached: probes.Some(300)},
			want: derived{Avail: probes.Some(450), Estimated: true, Used: probes.Some(550), Pct: 55, PctOK: true},
		},
		{
			name: "estimate needs Cached: MemFree alone would overstate use",
			m:    probes.Meminfo{MemTotal: probes.Some(1000), MemFree: probes.Some(100), Buffers: probes.Some(50)},
			want: derived{},
		},
		{
			name: "shmem above the rest clamps the estimate at 0",
			m:    probes.Meminfo{MemTotal: probes.Some(1000), MemFree: probes.Some(10), Buffers: probes.Some(0), Cached: probes.Some(20), Shmem: probes.Some(500)},
			want: derived{Avail: probes.Some(0), Estimated: true, Used: probes.Some(1000), Pct: 100, PctOK: true},
		},
		{
			name: "estimate above MemTotal clamps to MemTotal",
			m:    probes.Meminfo{MemTotal: probes.Some(1000), MemFree: probes.Some(900), Buffers: probes.Some(100), Cached: probes.Some(100)},
			want: derived{Avail: probes.Some(1000), Estimated: true, Used: probes.Some(0), Pct: 0, PctOK: true},
		},
		{
			name: "MemAvailable above MemTotal is 0 used, not a wrapped huge number",
			m:    probes.Meminfo{MemTotal: probes.Some(1000), MemAvailable: probes.Some(2000)},
			want: derived{Avail: probes.Some(2000), Used: probes.Some(0), Pct: 0, PctOK: true},
		},
		{
			name: "no swap: used 0, no percentage",
			m:    probes.Meminfo{MemTotal: probes.Some(1000), MemAvailable: probes.Some(500), SwapTotal: probes.Some(0), SwapFree: probes.Some(0)},
			want: derived{Avail: probes.Some(500), Used: probes.Some(500), Pct: 50, PctOK: true, SwapUsed: probes.Some(0)},
		},
		{
			name: "SwapFree above SwapTotal",
			m:    probes.Meminfo{MemTotal: probes.Some(1000), MemAvailable: probes.Some(500), SwapTotal: probes.Some(10), SwapFree: probes.Some(20)},
			want: derived{Avail: probes.Some(500), Used: probes.Some(500), Pct: 50, PctOK: true, SwapUsed: probes.Some(0), SwapPct: 0, SwapPctOK: true},
		},
		{
			name: "swap lines missing",
			m:    probes.Meminfo{MemTotal: probes.Some(1000), MemAvailable: probes.Some(500), SwapTotal: probes.Some(10)},
			want: derived{Avail: probes.Some(500), Used: probes.Some(500), Pct: 50, PctOK: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got derived
			got.Avail, got.Estimated = tt.m.Available()
			got.Used = tt.m.Used()
			got.Pct, got.PctOK = tt.m.UsedPercent()
			got.SwapUsed = tt.m.SwapUsed()
			got.SwapPct, got.SwapPctOK = tt.m.SwapPercent()
			if diff := cmp.Diff(tt.want, got, approx); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestFSMeminfo goes through the --proc root: a parse error names the file.
func TestFSMeminfo(t *testing.T) {
	m, err := fixtureFS("swap-thrash").Meminfo()
	if err != nil {
		t.Fatal(err)
	}
	if pct, _ := m.UsedPercent(); probes.SeverityOf(pct, probes.DefaultThresholds()) != probes.Critical {
		t.Errorf("swap-thrash at %.2f %% is not critical", pct)
	}
	_, err = fixtureFS("broken-garbage").Meminfo()
	checkErr(t, "broken-garbage", err, errWant{probes.ErrParse, filepath.Join("broken-garbage", "proc", "meminfo")})
	_, err = NewFS(t.TempDir(), "").Meminfo()
	checkErr(t, "missing", err, errWant{probes.ErrUnavailable, "meminfo"})
}

// TestLiveMeminfoAgrees is the check behind "memtui snapshot agrees with
// /proc/meminfo": the probe's reading of the real machine against a tiny
// parser written here independently of the probe's.
func TestLiveMeminfoAgrees(t *testing.T) {
	if _, err := os.Stat("/proc/meminfo"); err != nil {
		t.Skip("no /proc/meminfo on this machine")
	}
	m := NewMemProbe(NewFS("", ""), nil).Read()
	raw, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Fatal(err)
	}
	if m.MeminfoErr != nil {
		t.Fatalf("probe: %v", m.MeminfoErr)
	}
	ref := map[string]uint64{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		f := strings.Fields(rest)
		if !ok || len(f) != 2 || f[1] != "kB" {
			continue
		}
		n, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			t.Fatalf("/proc/meminfo line %q: %v", sc.Text(), err)
		}
		ref[name] = n * 1024
	}
	if got, want := m.Meminfo.MemTotal, probes.Some(ref["MemTotal"]); got != want {
		t.Errorf("MemTotal = %d, /proc/meminfo says %d", got.V, want.V)
	}
	// The two reads are microseconds apart; a busy shared machine moves
	// MemAvailable, so allow 64 MiB or 1 % of MemTotal, whichever is more.
	tol := max(uint64(64<<20), ref["MemTotal"]/100)
	if want, ok := ref["MemAvailable"]; ok {
		got := m.Meminfo.MemAvailable
		if !got.OK || diff(got.V, want) > tol {
			t.Errorf("MemAvailable = %v, /proc/meminfo says %d (tolerance %d)", got, want, tol)
		}
		pct, ok := m.UsedPercent()
		refPct := 100 * float64(ref["MemTotal"]-want) / float64(ref["MemTotal"])
		if !ok || pct < refPct-1 || pct > refPct+1 {
			t.Errorf("UsedPercent = %.2f (ok %v), /proc/meminfo gives %.2f", pct, ok, refPct)
		}
	}
	if got, want := m.Meminfo.SwapTotal, probes.Some(ref["SwapTotal"]); got != want {
		t.Errorf("SwapTotal = %v, /proc/meminfo says %d", got, want.V)
	}
}

func diff(a, b uint64) uint64 {
	if a > b {
		return a - b
	}
	return b - a
}
