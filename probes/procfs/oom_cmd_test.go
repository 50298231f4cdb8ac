package procfs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memtui/memtui/internal/golden"
	"github.com/memtui/memtui/probes"
)

func TestRunOOMCommand(t *testing.T) {
	// An hour after the 6.8 kmsg fixture's kill (btime + 912 s).
	now := time.Date(2026, 11, 28, 15, 8, 22, 0, time.UTC)
	noSource := probes.OOMConfig{
		KmsgPath:  "/nonexistent/kmsg",
		Dmesg:     []string{"sh", "-c", "echo 'dmesg: read kernel buffer failed: Operation not permitted' >&2; exit 1"},
		Journal:   []string{"sh", "-c", "echo '-- No entries --'"},
		Location:  time.UTC,
		Userspace: []string{},
	}
	kmsg := probes.OOMConfig{KmsgPath: filepath.Join("..", "testdata", "oom", "linux-6.8-global.kmsg"), Location: time.UTC, Userspace: []string{}}
	tests := []struct {
		name    string
		cmd     probes.OOMCommand
		stdin   string
		wantErr error
	}{
		{name: "file-table", cmd: probes.OOMCommand{File: filepath.Join("..", "testdata", "oom", "linux-5.15-cgroup-v2-several-kills.dmesg")}},
		{name: "file-json", cmd: probes.OOMCommand{File: filepath.Join("..", "testdata", "oom", "linux-6.1-cgroup-v2-journal-short-iso.log"), JSON: true}},
		{name: "stdin-table", cmd: probes.OOMCommand{File: "-"}, stdin: "Nov 28 13:30:00 h kernel: Out of memory: Killed process 12 (evil\x1b[2Jcomm) total-vm:10kB, anon-rss:2048kB, file-rss:0kB\n"},
		{name: "kmsg-table", cmd: probes.OOMCommand{Config: kmsg}},
		{name: "restricted-table", cmd: probes.OOMCommand{Config: noSource}, wantErr: probes.ErrKernelLogRestricted},
		{name: "restricted-json", cmd: probes.OOMCommand{Config: noSource, JSON: true}, wantErr: probes.ErrKernelLogRestricted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cmd.Now = now
			tc.cmd.Config.Location = time.UTC
			var out bytes.Buffer
			err := oomFixtureFS().RunOOMCommand(context.Background(), tc.cmd, strings.NewReader(tc.stdin), &out)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if tc.cmd.JSON {
				var v []map[string]any
				if err := json.Unmarshal(out.Bytes(), &v); err != nil || v == nil {
					t.Fatalf("not a JSON array: %v\n%s", err, out.String())
				}
			}
			golden.Assert(t, filepath.Join("..", "testdata", "TestRunOOMCommand", tc.name+".golden"), out.String())
		})
	}
}

func TestFormatAge(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{{-time.Second, "0s"}, {40 * time.Second, "40s"}, {12*time.Minute + 5*time.Second, "12m"}, {3 * time.Hour, "3h"}, {47 * time.Hour, "47h"}, {72 * time.Hour, "3d"}} {
		t.Run(tc.want, func(t *testing.T) {
			if got := probes.FormatAge(tc.d); got != tc.want {
				t.Errorf("FormatAge(%v) = %q, want %q", tc.d, got, tc.want)
			}
		})
	}
}
