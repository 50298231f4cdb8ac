package run

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/memtui/memtui/actions"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		name, in string
		want     procStat
		err      bool
	}{
		{"plain", "1234 (odoo-bin) S 1 1234 1234 0 -1 4194560 100 0 0 0 10 5 0 0 20 0 4 0 98765 123456 789 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0",
			procStat{Comm: "odoo-bin", State: 'S', StartTicks: 98765}, false},
		{"comm with spaces and parens", "77 (a) b (c) R 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 42 0 0",
			procStat{Comm: "a) b (c", State: 'R', StartTicks: 42}, false},
		{"zombie", "9 (x) Z 1 9 9 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7 0 0", procStat{Comm: "x", State: 'Z', StartTicks: 7}, false},
		{"truncated", "9 (x) S 1 9 9", procStat{}, true},
		{"no parens", "9 x S 1", procStat{}, true},
		{"bad number", "9 (x) S 1 9 9 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 zz 0 0", procStat{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStat([]byte(tc.in))
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("1234 (odoo-bin) S 1 1234 1234 0 -1 4194560 100 0 0 0 10 5 0 0 20 0 4 0 98765 123456 789"))
	f.Add([]byte("77 (a) b (c) R 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 42 0 0"))
	if b, err := os.ReadFile("/proc/self/stat"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseStat(b)
		if err == nil && !strings.Contains(string(b), "("+st.Comm+")") {
			t.Fatalf("comm %q is not what the parentheses hold in %q", st.Comm, b)
		}
	})
}

func TestDropCaches(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "sys", "vm", "drop_caches")
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	a, _ := actions.Runbook{Actions: actions.Builtin(actions.Options{ProcRoot: root})}.Find("drop-page-caches")
	var r Runner
	res := r.RunSync(context.Background(), actions.Request{Action: a, Confirmation: "typed drop-page-caches"})
	if res.Status != actions.StatusOK {
		t.Fatalf("%q %q", res.Status, res.Message)
	}
	if b, _ := os.ReadFile(file); string(b) != "3" {
		t.Errorf("wrote %q, want \"3\"", b)
	}
	if diff := cmp.Diff([][]string{{"sync"}, {"write", "3", file}}, res.Argv); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff("$ sync\n$ write 3 > "+file+"\npage cache, dentries and inodes dropped", res.Output); diff != "" {
		t.Error(diff)
	}

	// No such knob: refused in words, and no regular file is created.
	a.File = filepath.Join(root, "nope", "drop_caches")
	res = r.RunSync(context.Background(), actions.Request{Action: a})
	if res.Status != actions.StatusError || !strings.Contains(res.Message, "does not exist: not a Linux /proc") {
		t.Errorf("%q %q", res.Status, res.Message)
	}
}
