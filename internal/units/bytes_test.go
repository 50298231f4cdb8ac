package units

import (
	"math"
	"testing"
)

func TestBytes(t *testing.T) {
	tests := []struct {
		in   uint64
		want string
	}{
		{0, "0 B"},
		{1, "1 B"},
		{1023, "1023 B"},
		{1024, "1.00 KiB"},
		{1025, "1.00 KiB"},
		{1536, "1.50 KiB"},
		{10 << 10, "10.0 KiB"},
		{812 << 20, "812 MiB"},
		{1170378588, "1.09 GiB"},
		{13_900 << 20, "13.6 GiB"},
		{1 << 40, "1.00 TiB"},
		{3<<40 + 1<<39, "3.50 TiB"},
		{1 << 50, "1.00 PiB"},
		{math.MaxUint64, "16.0 EiB"},
	}
	for _, tc := range tests {
		if got := Bytes(tc.in); got != tc.want {
			t.Errorf("Bytes(%d) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestKiB(t *testing.T) {
	for in, want := range map[uint64]string{0: "0 B", 1: "1.00 KiB", 2_800_000: "2.67 GiB", math.MaxUint64: "16.0 EiB"} {
		if got := KiB(in); got != want {
			t.Errorf("KiB(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestSignedBytes(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 1536: "+1.50 KiB", -1536: "-1.50 KiB", -1: "-1 B", math.MinInt64: "-8.00 EiB", math.MaxInt64: "+8.00 EiB"} {
		if got := SignedBytes(in); got != want {
			t.Errorf("SignedBytes(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestSignedRate(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 1023: "0", -1023: "0", math.NaN(): "0", 1024: "+1.00 KiB", -1.5 * (1 << 20): "-1.50 MiB", 12.5 * (1 << 20): "+12.5 MiB", math.Inf(1): "+16.0 EiB", math.Inf(-1): "-16.0 EiB"} {
		if got := SignedRate(in); got != want {
			t.Errorf("SignedRate(%v) = %q, want %q", in, got, want)
		}
	}
}
