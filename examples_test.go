package main

import (
	"os"
	"os/exec"
	"testing"
)

// TestPrometheusExamples: the shipped alerting rules and Alertmanager route
// pass the tools that will load them, so a copy into /etc never fails.
func TestPrometheusExamples(t *testing.T) {
	for _, c := range []struct{ bin, arg, file string }{
		{"promtool", "rules", "examples/prometheus/memtui-rules.yml"},
		{"amtool", "config", "examples/alertmanager/alertmanager.yml"},
	} {
		t.Run(c.bin, func(t *testing.T) {
			path, err := exec.LookPath(c.bin)
			if err != nil {
				if os.Getenv("CI") == "true" {
					t.Fatalf("%s missing under CI=true", c.bin)
				}
				t.Skipf("%s not installed (apt install prometheus / prometheus-alertmanager)", c.bin)
			}
			args := []string{"check", c.arg, c.file}
			if c.bin == "amtool" {
				args = []string{"check-" + c.arg, c.file}
			}
			out, err := exec.Command(path, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("%s %v: %v\n%s", c.bin, args, err, out)
			}
		})
	}
}
