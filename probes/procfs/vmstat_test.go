package procfs

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/memtui/memtui/probes"
)

func TestParseVMStat(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    probes.VMStat
		wantErr error
	}{
		{
			name: "the four counters among others",
			in:   "nr_free_pages 40885\npswpin 48213377\npswpout 61839214\npgfault 1\npgmajfault 9531287\noom_kill 3\n",
			want: probes.VMStat{PswpIn: probes.Some(48213377), PswpOut: probes.Some(61839214), PgMajFault: probes.Some(9531287), OOMKill: probes.Some(3)},
		},
		{
			name: "old kernel without oom_kill",
			in:   "pswpin 1\npswpout 2\npgmajfault 3\n",
			want: probes.VMStat{PswpIn: probes.Some(1), PswpOut: probes.Some(2), PgMajFault: probes.Some(3)},
		},
		{
			name: "zero is known, not absent",
			in:   "pswpin 0\npswpout 0\npgmajfault 0\noom_kill 0\n",
			want: probes.VMStat{PswpIn: probes.Some(0), PswpOut: probes.Some(0), PgMajFault: probes.Some(0), OOMKill: probes.Some(0)},
		},
		{
			name: "cut last line does not count",
			in:   "pgmajfault 3\npswpin 1\npswpout 61",
			want: probes.VMStat{PswpIn: probes.Some(1), PgMajFault: probes.Some(3)},
		},
		{
			name: "prefix names are other counters",
			in:   "pswpin_total 5\npgmajfault_x 1\npgmajfault 2\n",
			want: probes.VMStat{PgMajFault: probes.Some(2)},
		},
		{
			name: "bad numbers and extra fields are skipped",
			in:   "pswpin -1\npswpout 1 2\npgmajfault 18446744073709551616\noom_kill 7\n",
			want: probes.VMStat{OOMKill: probes.Some(7)},
		},
		{name: "none of the counters", in: "nr_free_pages 1\n", wantErr: probes.ErrParse},
		{name: "empty", in: "", wantErr: probes.ErrParse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := probes.ParseVMStat([]byte(tt.in))
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseVMStat (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFSVMStat reads the OOM counter through the --proc root, as the OOM
// panel does.
func TestFSVMStat(t *testing.T) {
	tests := []struct {
		fixture string
		oom     probes.Val
		err     errWant
	}{
		{"swap-thrash", probes.Some(3), errWant{}},
		{"old-kernel-no-memavailable", probes.Val{}, errWant{}},
		{"broken-garbage", probes.Val{}, errWant{probes.ErrParse, filepath.Join("broken-garbage", "proc", "vmstat")}},
		{"does-not-exist", probes.Val{}, errWant{probes.ErrUnavailable, filepath.Join("does-not-exist", "proc", "vmstat")}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			s, err := fixtureFS(tt.fixture).VMStat()
			checkErr(t, "VMStat", err, tt.err)
			if s.OOMKill != tt.oom {
				t.Errorf("OOMKill = %v, want %v", s.OOMKill, tt.oom)
			}
		})
	}
}
