package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOOMFileEveryGeneration runs the real binary, `memtui oom --file LOG
// --json`, over the log of every kernel generation in probes/testdata/oom
// and checks it prints the reviewed records of the parser's goldens (who was
// killed, with what, in which cgroup; wall times depend on this machine's
// boot time and are checked by the probes tests).
func TestOOMFileEveryGeneration(t *testing.T) {
	bin := buildBinary(t)
	logs, _ := filepath.Glob(filepath.Join("probes", "testdata", "oom", "*"))
	type rec struct {
		PID        int      `json:"pid"`
		Comm       string   `json:"comm"`
		AnonRSSKB  *int64   `json:"anon_rss_kb"`
		Constraint *string  `json:"constraint"`
		Memcg      *string  `json:"memcg"`
		KernelTime *float64 `json:"kernel_time_s"`
	}
	n := 0
	for _, log := range logs {
		if st, err := os.Stat(log); err != nil || st.IsDir() {
			continue
		}
		n++
		name := filepath.Base(log)
		t.Run(name, func(t *testing.T) {
			out, err := exec.Command(bin, "oom", "--file", log, "--json").Output()
			if err != nil {
				t.Fatalf("memtui oom --file %s --json: %v", log, err)
			}
			var got []rec
			if err := json.Unmarshal(out, &got); err != nil || got == nil {
				t.Fatalf("not a JSON array: %v\n%s", err, out)
			}
			b, err := os.ReadFile(filepath.Join("probes", "testdata", "TestParseOOM", name+".golden"))
			if err != nil {
				t.Fatal(err)
			}
			var want struct {
				Kills []rec `json:"kills"`
			}
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want.Kills, got); diff != "" {
				t.Errorf("kills (-golden +memtui):\n%s", diff)
			}
		})
	}
	if n < 10 {
		t.Fatalf("only %d fixtures", n)
	}
}
