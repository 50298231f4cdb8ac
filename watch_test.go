package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/incident/store"
	"github.com/memtui/memtui/probes/oomtest"
	"github.com/memtui/memtui/probes/prom/promtest"
)

// TestHelperWatchHog is the allocating child of TestWatchCgroupEndToEnd,
// not a test: it touches MEMTUI_HOG_MIB of anonymous memory (which no
// cache drop frees), says so, and holds it until stdin closes.
func TestHelperWatchHog(t *testing.T) {
	mib, _ := strconv.Atoi(os.Getenv("MEMTUI_HOG_MIB"))
	if mib == 0 {
		t.Skip("the child of TestWatchCgroupEndToEnd")
	}
	// Allocate only once the test has moved this process into the
	// cgroup: pages touched before are charged to the cgroup it came from.
	in := bufio.NewReader(os.Stdin)
	if _, err := in.ReadString('\n'); err != nil {
		os.Exit(1)
	}
	keep := make([]byte, mib<<20)
	for i := 0; i < len(keep); i += 4096 {
		keep[i] = 1
	}
	os.Stdout.WriteString("ready\n")
	_, _ = in.ReadString('\n')
	keep[0]++
	os.Exit(0)
}

// fakeGitHub is GitHub's REST API as watch uses it, on loopback: it
// records every call and answers like GitHub.
type fakeGitHub struct {
	mu    sync.Mutex
	calls []ghCall
	fail  int // answer 502 to this many calls first
}

type ghCall struct {
	Method, Path, Auth string
	Body               map[string]any
}

func (g *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(b, &body)
	g.mu.Lock()
	g.calls = append(g.calls, ghCall{r.Method, r.URL.Path, r.Header.Get("Authorization"), body})
	fail := g.fail > 0
	if fail {
		g.fail--
	}
	g.mu.Unlock()
	if fail {
		http.Error(w, `{"message":"Server Error"}`, http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/issues"):
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"number":7,"html_url":"https://github.com/acme/ops/issues/7"}`)
	case r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/comments"):
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"html_url":"https://github.com/acme/ops/issues/7#issuecomment-1"}`)
	default:
		http.NotFound(w, r)
	}
}

func (g *fakeGitHub) snapshot() []ghCall {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]ghCall(nil), g.calls...)
}

// TestWatchCgroupEndToEnd is the runbook's automated response on the real
// binary: a hog holds 220 MiB of a 256 MiB memory cgroup (86 %, with
// room left below the limit so the kernel does not reclaim it to a
// borderline figure); `memtui watch --cgroup --once --threshold 75` detects it, runs the built-in automated step (sync and
// drop the clean page cache, which cannot free a hog's anonymous memory),
// waits, re-checks, and opens one GitHub issue whose body is the report —
// after a 502 it retries. A dashboard open on the same incident directory
// shows the watcher's incident as it happens. A second run within the
// cooldown runs nothing; --dry-run runs nothing.
func TestWatchCgroupEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	dir, _, add := oomtest.Memcg(t, "memtui-watch", 256<<20)
	bin := buildWithWatch(t) // as installed: memtui watch runs memtui-watch
	state := t.TempDir()
	incidents := filepath.Join(state, "memtui", "incidents")

	gh := &fakeGitHub{fail: 1}
	srv := httptest.NewServer(gh)
	defer srv.Close()
	const token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"

	// The dashboard first, as an engineer paged at the same time would.
	needTmux(t)
	dash := startTmux(t, 120, 40, "env", "XDG_STATE_HOME="+state, bin, "--pg", "none", "--redis", "none")
	dash.waitFor(10*time.Second, "Memory & swap")

	hog := exec.Command(os.Args[0], "-test.run=^TestHelperWatchHog$")
	hog.Env = append(os.Environ(), "MEMTUI_HOG_MIB=220")
	stdin, _ := hog.StdinPipe()
	stdout, _ := hog.StdoutPipe()
	if err := hog.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); _ = hog.Wait() }()
	if err := add(hog.Process.Pid); err != nil {
		t.Fatal(err)
	}
	io.WriteString(stdin, "go\n")
	if l, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || l != "ready\n" {
		t.Fatalf("hog: %q %v", l, err)
	}

	watchRun := func(extra ...string) (int, string) {
		args := append([]string{"watch", "--cgroup", dir, "--once", "--threshold", "75", "--for", "1s", "--recheck-after", "2s", "--interval", "250ms",
			"--pg", "none", "--redis", "none", "--github-repo", "acme/ops", "--github-api", srv.URL}, extra...)
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+state, "GITHUB_TOKEN="+token)
		var errb strings.Builder
		cmd.Stderr = &errb
		err := cmd.Run()
		var ee *exec.ExitError
		switch {
		case err == nil:
			return 0, errb.String()
		case errors.As(err, &ee):
			return ee.ExitCode(), errb.String()
		}
		t.Fatalf("memtui watch: %v", err)
		return 0, ""
	}

	// --dry-run: the decision is recorded, nothing runs, nobody is told.
	code, log := watchRun("--dry-run", "--state", filepath.Join(state, "dry.json"))
	if code != 4 || !strings.Contains(log, "event=dry_run") || strings.Contains(log, "event=action_started") {
		t.Fatalf("--dry-run: exit %d (want 4)\n%s", code, log)
	}
	if n := len(gh.snapshot()); n != 0 {
		t.Fatalf("--dry-run sent %d requests to GitHub", n)
	}

	start := time.Now()
	code, log = watchRun()
	took := time.Since(start)
	t.Logf("watch --once: exit %d after %v\n%s", code, took.Round(time.Millisecond), log)
	if code != 2 {
		t.Fatalf("exit %d, want 2 (remediation failed): the hog's anonymous memory cannot be dropped", code)
	}
	for _, want := range []string{"event=triggered", "event=action_started", "action=clear-page-cache", "event=action_finished",
		"event=remediation_failed", "event=notification", "channel=github", "outcome=ok", "attempts=2"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %s", want)
		}
	}
	if strings.Contains(log, token) {
		t.Errorf("the token is in the log")
	}

	// GitHub: a 502, then the issue, exactly once.
	calls := gh.snapshot()
	if len(calls) != 2 {
		t.Fatalf("%d calls to GitHub, want 2 (a 502, then the issue): %+v", len(calls), calls)
	}
	c := calls[1]
	if c.Method != "POST" || c.Path != "/repos/acme/ops/issues" || c.Auth != "Bearer "+token {
		t.Errorf("call %s %s auth %q", c.Method, c.Path, c.Auth)
	}
	title, _ := c.Body["title"].(string)
	body, _ := c.Body["body"].(string)
	labels, _ := json.Marshal(c.Body["labels"])
	if !strings.HasPrefix(title, "High memory on ") || !strings.Contains(title, "(cgroup "+dir+")") || !strings.HasSuffix(title, "after automated cache clearing") {
		t.Errorf("title %q", title)
	}
	if string(labels) != `["memtui","incident"]` {
		t.Errorf("labels %s", labels)
	}
	// "opened by memtui watch: cgroup …", or, when an incident was open
	// already (OOM kills of the last hour open one at start), the note
	// "memtui watch: cgroup …: …; starting the automated response".
	trigger := "memtui watch: cgroup " + dir + ": memory"
	for _, want := range []string{"# Memory Incident Report", "clear-page-cache", trigger, "remediation failed"} {
		if !strings.Contains(body, want) {
			t.Errorf("the issue body lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, token) {
		t.Errorf("the token is in the issue body")
	}

	// The timeline: every step with its real outcome, the delivery.
	files, _ := filepath.Glob(filepath.Join(incidents, "*.jsonl"))
	if len(files) != 1 {
		t.Fatalf("incident files %v, want one (the dashboard's and the watcher's are the same incident)", files)
	}
	l, err := store.Load(files[0])
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[incident.Kind]int{}
	var notes []string
	for _, ev := range l.Events {
		kinds[ev.Kind()]++
		if n, ok := ev.Data.(incident.Note); ok {
			notes = append(notes, n.Text)
		}
		if f, ok := ev.Data.(incident.ActionFinished); ok && f.Action == "clear-page-cache" && f.Outcome == "" {
			t.Errorf("clear-page-cache finished with no outcome: %+v", f)
		}
	}
	for _, k := range []incident.Kind{incident.KindStarted, incident.KindActionStarted, incident.KindActionFinished, incident.KindActionRechecked} {
		if kinds[k] != 1 {
			t.Errorf("%d %s events, want 1 (%v)", kinds[k], k, kinds)
		}
	}
	joined := strings.Join(notes, "\n")
	if !strings.Contains(joined, "memtui watch: remediation failed") || !strings.Contains(joined, "issue opened https://github.com/acme/ops/issues/7") {
		t.Errorf("notes:\n%s", joined)
	}
	raw, _ := os.ReadFile(files[0])
	if strings.Contains(string(raw), token) {
		t.Errorf("the token is on the timeline")
	}

	// The dashboard shows the watcher's incident and its step.
	// The lower panel's tabs: Processes, PostgreSQL, OOM kills, Timeline.
	dash.keys("Tab", "Tab", "Tab", "Tab")
	screen := dash.waitFor(10*time.Second, "clear-page-cache", "memtui watch: cgroup "+dir)
	t.Logf("the dashboard meanwhile:\n%s", screen)

	// Within the cooldown: nothing runs, nobody is told again.
	code, log = watchRun()
	if code != 4 || !strings.Contains(log, "event=cooling_down") || strings.Contains(log, "event=action_started") {
		t.Errorf("second run: exit %d (want 4, cooling down)\n%s", code, log)
	}
	if n := len(gh.snapshot()); n != 2 {
		t.Errorf("%d calls to GitHub after the second run, want still 2", n)
	}
}

// TestWatchListensToAlertmanager: the shipped alerting rule (its threshold
// lowered so this idle machine fires it, its hold cut to 0s) in a real
// Prometheus scraping a real node_exporter, the shipped Alertmanager route
// (its URL and token file pointed at the test's), and `memtui watch
// --listen`: the firing alert starts the response at once, which runs the
// runbook's automated step. A request without the token is refused.
func TestWatchListensToAlertmanager(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus, node_exporter and Alertmanager")
	}
	promtest.Need(t, promtest.PrometheusBin, promtest.NodeExporterBin, promtest.AlertmanagerBin)
	dir := t.TempDir()
	token := filepath.Join(dir, "watch.token")
	if err := os.WriteFile(token, []byte("s3cret-alertmanager-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	port := promtest.FreePort(t)
	rules, _ := os.ReadFile("examples/prometheus/memtui-rules.yml")
	route, _ := os.ReadFile("examples/alertmanager/alertmanager.yml")
	fired := strings.NewReplacer("> 85", "> 0", "for: 5m", "for: 0s").Replace(string(rules))
	am := strings.NewReplacer("http://127.0.0.1:9876/alertmanager", "http://127.0.0.1:"+strconv.Itoa(port)+"/alertmanager",
		"/etc/memtui/watch.token", token, "group_wait: 10s", "group_wait: 1s").Replace(string(route))
	if fired == string(rules) || !strings.Contains(am, token) {
		t.Fatal("the shipped examples changed: update the replacements of this test")
	}

	marker := filepath.Join(dir, "step-ran")
	rb := filepath.Join(dir, "runbook.toml")
	os.WriteFile(rb, []byte(`[[actions]]
id = "clear-page-cache"
auto = false

[[actions]]
id = "mark"
name = "Mark that the automated step ran"
risk = "low"
commands = [["touch", "`+marker+`"]]
auto = true
recheck_after = "1s"
`), 0o644)
	bin := buildWithWatch(t) // the step runs under memtui-watch keep
	cmd := exec.Command(bin, "watch", "--listen", "127.0.0.1:"+strconv.Itoa(port), "--listen-token-file", token, "--instance", "127.0.0.1",
		"--recheck-after", "1s", "--runbook", rb, "--pg", "none", "--redis", "none", "--incident-dir", filepath.Join(dir, "incidents"))
	var errb safeBuffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }()
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/alertmanager"
	promtest.WaitFor(t, 10*time.Second, "memtui watch listening", func(context.Context) bool {
		resp, err := http.Post(url, "application/json", strings.NewReader("{}"))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusUnauthorized // no token: refused
	})

	alerts := promtest.Alertmanager(t, am)
	node := promtest.NodeExporter(t)
	promtest.PrometheusAlerting(t, fired, alerts.Addr, node.Addr)
	start := time.Now()
	promtest.WaitFor(t, 60*time.Second, "the automated step to run", func(context.Context) bool {
		_, err := os.Stat(marker)
		return err == nil && strings.Contains(errb.String(), "event=remediated")
	})
	t.Logf("alert to remediation: %v", time.Since(start).Round(100*time.Millisecond))
	log := errb.String()
	for _, want := range []string{"event=alert_refused", "event=listening", "event=alert_firing alert=HighMemory instance=127.0.0.1:", "event=triggered", "why=\"Alertmanager: HighMemory firing for 127.0.0.1:", "action=mark"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %s:\n%s", want, log)
		}
	}
	if strings.Contains(log, "s3cret-alertmanager-token") {
		t.Errorf("the token is in the log")
	}
}

// safeBuffer is a strings.Builder a child process and the test share.
type safeBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
