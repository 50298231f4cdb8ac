package procfs

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/memtui/memtui/probes"
)

func TestParsePSI(t *testing.T) {
	line := func(a10, a60, a300 float64, total uint64) probes.PSILine {
		return probes.PSILine{Avg10: a10, Avg60: a60, Avg300: a300, TotalMicros: total, OK: true}
	}
	tests := []struct {
		name    string
		in      string
		want    probes.PSI
		wantErr error
	}{
		{
			name: "some and full",
			in:   "some avg10=62.17 avg60=55.43 avg300=41.08 total=1839204471\nfull avg10=38.90 avg60=33.12 avg300=24.56 total=1102938817\n",
			want: probes.PSI{Some: line(62.17, 55.43, 41.08, 1839204471), Full: line(38.90, 33.12, 24.56, 1102938817)},
		},
		{
			name: "some only (kernels before 5.x containers)",
			in:   "some avg10=0.50 avg60=0.10 avg300=0.00 total=12\n",
			want: probes.PSI{Some: line(0.5, 0.1, 0, 12)},
		},
		{
			name: "keys in another order",
			in:   "some total=9 avg300=3.00 avg60=2.00 avg10=1.00\n",
			want: probes.PSI{Some: line(1, 2, 3, 9)},
		},
		{
			name: "100 % stalled is the top",
			in:   "some avg10=100.00 avg60=100 avg300=99.99 total=1\n",
			want: probes.PSI{Some: line(100, 100, 99.99, 1)},
		},
		{
			name:    "above 100 % is not a share of time",
			in:      "some avg10=100.50 avg60=1.00 avg300=1.00 total=1\n",
			wantErr: probes.ErrParse,
		},
		{
			name:    "a key given twice leaves another out",
			in:      "some avg10=1.00 avg10=1.00 avg300=1.00 total=1\n",
			wantErr: probes.ErrParse,
		},
		{
			name:    "full without some",
			in:      "full avg10=0.00 avg60=0.00 avg300=0.00 total=1203\n",
			want:    probes.PSI{Full: line(0, 0, 0, 1203)},
			wantErr: probes.ErrParse,
		},
		{
			name: "cut last line does not count",
			in:   "some avg10=12.40 avg60=10.11 avg300=7.02 total=98812734\nfull avg10=5.1",
			want: probes.PSI{Some: line(12.40, 10.11, 7.02, 98812734)},
		},
		{
			name:    "non-numbers",
			in:      "some avg10=abc avg60=1.00 avg300=1.00 total=x\n",
			wantErr: probes.ErrParse,
		},
		{
			name:    "negative",
			in:      "some avg10=-1.00 avg60=1.00 avg300=1.00 total=1\n",
			wantErr: probes.ErrParse,
		},
		{
			name:    "missing value after the dot",
			in:      "some avg10=1. avg60=1.00 avg300=1.00 total=1\n",
			wantErr: probes.ErrParse,
		},
		{name: "empty", in: "", wantErr: probes.ErrParse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := probes.ParsePSI([]byte(tt.in))
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got, approx); diff != "" {
				t.Errorf("parsePSI (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFSPSI(t *testing.T) {
	p, err := fixtureFS("swap-thrash").PSI()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(62.17, p.Some.Avg10, approx); diff != "" {
		t.Errorf("some avg10 (-want +got):\n%s", diff)
	}
	_, err = fixtureFS("no-psi").PSI()
	checkErr(t, "no-psi", err, errWant{probes.ErrUnavailable, filepath.Join("no-psi", "proc", "pressure", "memory")})
	_, err = fixtureFS("broken-garbage").PSI()
	checkErr(t, "broken-garbage", err, errWant{probes.ErrParse, filepath.Join("broken-garbage", "proc", "pressure", "memory")})
}
