// Package promtest starts a real Prometheus and node_exporters on loopback
// for tests, from the distribution's packages. Without the binaries the test
// is skipped with the reason, except under CI=true, where it fails: CI must
// not pass by skipping.
package promtest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The binaries as Debian installs them.
const (
	PrometheusBin   = "/usr/bin/prometheus"
	NodeExporterBin = "/usr/bin/prometheus-node-exporter"
	PGExporterBin   = "/usr/bin/prometheus-postgres-exporter"
	ProcExporterBin = "/usr/bin/prometheus-process-exporter"
)

// Need skips (or under CI fails) t when a binary is missing.
func Need(t testing.TB, bins ...string) {
	t.Helper()
	for _, b := range bins {
		if _, err := os.Stat(b); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("promtest: %s missing under CI=true: %v", b, err)
			}
			t.Skipf("promtest: %s missing; install prometheus and prometheus-node-exporter to run this test", b)
		}
	}
}

// FreePort is a free TCP port on 127.0.0.1.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Proc is a started process; Stop ends it (also done at cleanup).
type Proc struct {
	Addr string // 127.0.0.1:PORT
	cmd  *exec.Cmd
}

// Stop ends the process and waits for it.
func (p *Proc) Stop() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	}
}

func start(t testing.TB, addr, ready string, name string, args ...string) *Proc {
	t.Helper()
	return startEnv(t, nil, addr, ready, name, args...)
}

func startEnv(t testing.TB, env []string, addr, ready string, name string, args ...string) *Proc {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	log, err := os.Create(filepath.Join(t.TempDir(), filepath.Base(name)+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &Proc{Addr: addr, cmd: cmd}
	t.Cleanup(p.Stop)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + ready)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	b, _ := os.ReadFile(log.Name())
	t.Fatalf("promtest: %s did not come up on %s:\n%s", name, addr, b)
	return nil
}

// NodeExporter starts node_exporter on a free loopback port with only the
// memory collectors (the others are slow and beside the point).
func NodeExporter(t testing.TB) *Proc {
	t.Helper()
	Need(t, NodeExporterBin)
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	return start(t, addr, "/metrics", NodeExporterBin, "--web.listen-address="+addr,
		"--collector.disable-defaults", "--collector.meminfo", "--collector.pressure", "--collector.vmstat")
}

// PostgresExporter starts postgres_exporter on a free loopback port over
// dsn (a postgres:// URL), with the default metrics (pg_stat_activity_count,
// pg_settings_max_connections).
func PostgresExporter(t testing.TB, dsn string) *Proc {
	t.Helper()
	Need(t, PGExporterBin)
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	return startEnv(t, []string{"DATA_SOURCE_NAME=" + dsn}, addr, "/metrics", PGExporterBin, "--web.listen-address="+addr)
}

// ProcessExporter starts process-exporter on a free loopback port
// grouping the processes named in names (comma-separated, as -procnames).
func ProcessExporter(t testing.TB, names string) *Proc {
	t.Helper()
	Need(t, ProcExporterBin)
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	return start(t, addr, "/metrics", ProcExporterBin, "-web.listen-address="+addr, "-procnames="+names)
}

// Prometheus starts Prometheus on a free loopback port scraping targets
// (host:port of exporters) every second under job "node".
func Prometheus(t testing.TB, targets ...string) *Proc {
	t.Helper()
	Need(t, PrometheusBin)
	dir := t.TempDir()
	quoted := make([]string, len(targets))
	for i, tg := range targets {
		quoted[i] = fmt.Sprintf("%q", tg)
	}
	cfg := fmt.Sprintf("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: [%s]\n", strings.Join(quoted, ", "))
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	return start(t, addr, "/-/ready", PrometheusBin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr)
}

// PrometheusWithData starts Prometheus on a free loopback port over an
// existing data directory (blocks made by promtool) and scrapes nothing.
func PrometheusWithData(t testing.TB, data string) *Proc {
	t.Helper()
	Need(t, PrometheusBin)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte("global:\n  scrape_interval: 15s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	return start(t, addr, "/-/ready", PrometheusBin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+data, "--web.listen-address="+addr)
}

// WaitFor polls cond every 200 ms until it holds or the timeout passes.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func(ctx context.Context) bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		ok := cond(ctx)
		cancel()
		if ok {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("promtest: timed out after %s waiting for %s", timeout, what)
}

// AlertmanagerBin is Alertmanager as Debian installs it.
const AlertmanagerBin = "/usr/bin/prometheus-alertmanager"

// Alertmanager starts Alertmanager on a free loopback port with the given
// configuration (YAML), clustering off.
func Alertmanager(t testing.TB, config string) *Proc {
	t.Helper()
	Need(t, AlertmanagerBin)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "alertmanager.yml"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	return start(t, addr, "/-/ready", AlertmanagerBin, "--config.file="+filepath.Join(dir, "alertmanager.yml"),
		"--storage.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr, "--cluster.listen-address=")
}

// PrometheusAlerting starts Prometheus like Prometheus, evaluating the
// rule file rules (YAML) every second and sending alerts to alertmanager
// (host:port).
func PrometheusAlerting(t testing.TB, rules, alertmanager string, targets ...string) *Proc {
	t.Helper()
	Need(t, PrometheusBin)
	dir := t.TempDir()
	quoted := make([]string, len(targets))
	for i, tg := range targets {
		quoted[i] = fmt.Sprintf("%q", tg)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [%q]\n"+
		"alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: [%q]\n"+
		"scrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: [%s]\n",
		filepath.Join(dir, "rules.yml"), alertmanager, strings.Join(quoted, ", "))
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	return start(t, addr, "/-/ready", PrometheusBin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr)
}
