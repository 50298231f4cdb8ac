package procfs

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/memtui/memtui/probes"
)

func TestParseBootTime(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int64
		wantErr error
	}{
		{"among the other lines", "cpu  1 2 3\nintr 5 0 0\nctxt 9\nbtime 1795873990\nprocesses 42\n", 1795873990, nil},
		{"tab separated", "btime\t1795873990\n", 1795873990, nil},
		{"first line", "btime 1\n", 1, nil},
		{"zero is not a boot time", "btime 0\n", 0, probes.ErrParse},
		{"not a number", "btime yesterday\n", 0, probes.ErrParse},
		{"negative", "btime -5\n", 0, probes.ErrParse},
		{"beyond int64 is not a time", "btime 18446744073709551615\n", 0, probes.ErrParse},
		{"another key with the prefix", "btimex 5\n", 0, probes.ErrParse},
		{"trailing junk", "btime 5 6\n", 0, probes.ErrParse},
		{"cut short", "cpu 1\nbtime 17958", 0, probes.ErrParse},
		{"missing", "cpu 1\n", 0, probes.ErrParse},
		{"empty", "", 0, probes.ErrParse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := probes.ParseBootTime([]byte(tt.in))
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if err == nil && got.Unix() != tt.want {
				t.Errorf("boot time = %d, want %d", got.Unix(), tt.want)
			}
		})
	}
}

func TestFSBootTimeAndRelease(t *testing.T) {
	tests := []struct {
		fixture string
		btime   int64
		btErr   errWant
		release string
		relErr  errWant
	}{
		{fixture: "healthy", btime: 1795873990, release: "6.18.44-fc-v657"},
		{fixture: "swap-thrash", btime: 1794621600, release: "5.15.0-91-generic"},
		{fixture: "old-kernel-no-memavailable", btime: 1790000000, release: "3.13.0-170-generic"},
		{fixture: "no-psi", btime: 1795200000, release: "4.19.0-26-amd64"},
		{fixture: "broken-missing-fields",
			btErr:  errWant{probes.ErrParse, filepath.Join("broken-missing-fields", "proc", "stat")},
			relErr: errWant{probes.ErrUnavailable, filepath.Join("broken-missing-fields", "proc", "sys", "kernel", "osrelease")}},
		{fixture: "broken-truncated", release: "5.15.0-91-gener",
			btErr: errWant{probes.ErrParse, filepath.Join("broken-truncated", "proc", "stat")}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			fs := fixtureFS(tt.fixture)
			bt, err := fs.BootTime()
			checkErr(t, "BootTime", err, tt.btErr)
			if err == nil && !bt.Equal(time.Unix(tt.btime, 0)) {
				t.Errorf("BootTime = %v, want %v", bt.UTC(), time.Unix(tt.btime, 0).UTC())
			}
			rel, err := fs.KernelRelease()
			checkErr(t, "KernelRelease", err, tt.relErr)
			if rel != tt.release {
				t.Errorf("KernelRelease = %q, want %q", rel, tt.release)
			}
		})
	}
}
