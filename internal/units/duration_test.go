package units

import (
	"math"
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	tests := []struct {
		in            time.Duration
		want, compact string
	}{
		{0, "0 s", "0s"},
		{time.Nanosecond, "1 ms", "1ms"},
		{850 * time.Millisecond, "850 ms", "850ms"},
		{time.Second, "1 s", "1s"},
		{4200 * time.Millisecond, "4.2 s", "4.2s"},
		{9960 * time.Millisecond, "10 s", "10s"},
		{45 * time.Second, "45 s", "45s"},
		{59*time.Second + 600*time.Millisecond, "1 min", "1m"},
		{4*time.Minute + 5*time.Second, "4 min 05 s", "4m05s"},
		{7 * time.Minute, "7 min", "7m"},
		{47*time.Minute + 12*time.Second, "47 min", "47m"},
		{time.Hour, "1 h 00 min", "1h00m"},
		{65 * time.Minute, "1 h 05 min", "1h05m"},
		{47*time.Hour + 59*time.Minute, "47 h 59 min", "47h59m"},
		{74 * time.Hour, "3 d 2 h", "3d02h"},
		{-90 * time.Second, "1 min 30 s", "1m30s"},
		{math.MinInt64, "106751 d 23 h", "106751d23h"},
	}
	for _, tc := range tests {
		if got := Duration(tc.in); got != tc.want {
			t.Errorf("Duration(%v) = %q, want %q", tc.in, got, tc.want)
		}
		if got := DurationCompact(tc.in); got != tc.compact {
			t.Errorf("DurationCompact(%v) = %q, want %q", tc.in, got, tc.compact)
		}
	}
}
