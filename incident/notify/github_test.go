package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testToken looks like no known token shape on purpose: it must be masked
// because it is the token, not because of its shape.
const testToken = "s3cr3t-Tok3n-0xCAFE"

// call is one request the fake GitHub received.
type call struct {
	Method, Path, Auth, Accept, APIVersion string
	Body                                   map[string]any
}

// fakeGitHub answers the REST calls a GitHub notifier makes, checking
// nothing itself: tests compare the calls it recorded. answer, when set,
// decides the status for the n-th call (from 1); 0 means the normal answer.
type fakeGitHub struct {
	mu     sync.Mutex
	calls  []call
	raw    []string
	answer func(n int, w http.ResponseWriter) bool
	srv    *httptest.Server
}

func newFakeGitHub(t *testing.T) *fakeGitHub {
	f := &fakeGitHub{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		json.Unmarshal(b, &body)
		f.mu.Lock()
		f.calls = append(f.calls, call{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Accept"), r.Header.Get("X-GitHub-Api-Version"), body})
		f.raw = append(f.raw, string(b))
		n := len(f.calls)
		f.mu.Unlock()
		if f.answer != nil && f.answer(n, w) {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		if strings.HasSuffix(r.URL.Path, "/comments") {
			io.WriteString(w, `{"id": 7, "html_url": "https://github.example/o/r/issues/42#issuecomment-7"}`)
			return
		}
		io.WriteString(w, `{"number": 42, "html_url": "https://github.example/o/r/issues/42"}`)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGitHub) recorded() ([]call, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...), append([]string(nil), f.raw...)
}

// newTestGitHub builds a notifier on the fake with waits recorded, not slept.
func newTestGitHub(t *testing.T, f *fakeGitHub, ledger IssueLedger) (*GitHub, *[]time.Duration) {
	t.Helper()
	g, err := NewGitHub(GitHubConfig{API: f.srv.URL + "/api/v3/", Repo: "memtui/ops", Token: testToken, Labels: []string{"incident", "memory"}, Ledger: ledger})
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	g.send.sleep = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return ctx.Err() }
	return g, &waits
}

func msg(ev Event, detail string) Message {
	return Message{
		Incident: "/var/lib/memtui/incidents/db1-20261203T0900Z.jsonl@2026-12-03T09:00:00Z",
		Event:    ev, At: time.Date(2026, 12, 3, 9, 1, 0, 0, time.UTC), Host: "db1", UsedPct: 93.4,
		Headline: "after automated cache clearing", Detail: detail,
		Report: "# Memory Incident Report\n\nPeak memory 96 %.\n",
	}
}

// assertNoToken fails when the token appears in any of texts.
func assertNoToken(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(s, testToken) {
			t.Errorf("the token leaked into %q", s)
		}
	}
}

func deliveryTexts(ds ...Delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.String(), d.Note().Text)
		for _, a := range d.LogAttrs() {
			out = append(out, a.Value.String())
		}
	}
	return out
}

func TestGitHubOneIssuePerIncident(t *testing.T) {
	f := newFakeGitHub(t)
	ledger := NewFileLedger(LedgerPath(filepath.Join(t.TempDir(), "incident.jsonl")))
	g, _ := newTestGitHub(t, f, ledger)
	ctx := context.Background()

	d1 := g.Notify(ctx, msg(EventRemediationFailed, "Cache clearing ran; memory 93 % → 93 % (unchanged)."))
	d2 := g.Notify(ctx, msg(EventEscalated, "**Escalation: senior-devops** — 30 min and memory still growing"))
	// A restarted watcher: a new notifier on the same ledger file.
	g2, _ := newTestGitHub(t, f, NewFileLedger(ledger.path))
	d3 := g2.Notify(ctx, msg(EventRecovered, "Recovered: memory 61 %."))
	// Another incident opens its own issue.
	other := msg(EventRemediationFailed, "again")
	other.Incident = "other"
	d4 := g2.Notify(ctx, other)

	for i, d := range []Delivery{d1, d2, d3, d4} {
		if !d.OK() {
			t.Fatalf("delivery %d failed: %v", i+1, d)
		}
	}
	if d1.Action != "issue opened" || d1.Target != "memtui/ops#42" || d1.URL != "https://github.example/o/r/issues/42" {
		t.Errorf("first delivery = %+v", d1)
	}
	if d2.Action != "commented" || d3.Action != "commented" || d3.Target != "memtui/ops#42" {
		t.Errorf("later deliveries = %+v, %+v", d2, d3)
	}
	calls, raw := f.recorded()
	want := []struct{ path string }{
		{"/api/v3/repos/memtui/ops/issues"},
		{"/api/v3/repos/memtui/ops/issues/42/comments"},
		{"/api/v3/repos/memtui/ops/issues/42/comments"},
		{"/api/v3/repos/memtui/ops/issues"},
	}
	if len(calls) != len(want) {
		t.Fatalf("got %d calls, want %d: %+v", len(calls), len(want), calls)
	}
	for i, c := range calls {
		if c.Method != http.MethodPost || c.Path != want[i].path {
			t.Errorf("call %d: %s %s, want POST %s", i+1, c.Method, c.Path, want[i].path)
		}
		if c.Auth != "Bearer "+testToken || c.Accept != "application/vnd.github+json" || c.APIVersion != "2022-11-28" {
			t.Errorf("call %d headers: Authorization %q, Accept %q, X-GitHub-Api-Version %q", i+1, c.Auth, c.Accept, c.APIVersion)
		}
	}
	wantIssue := map[string]any{
		"title":  "High memory on db1: 93 % after automated cache clearing",
		"body":   "# Memory Incident Report\n\nPeak memory 96 %.\n",
		"labels": []any{"incident", "memory"},
	}
	if diff := cmp.Diff(wantIssue, calls[0].Body); diff != "" {
		t.Errorf("issue JSON (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"body"}, keys(calls[1].Body)); diff != "" {
		t.Errorf("comment JSON keys (-want +got):\n%s", diff)
	}
	if b := calls[1].Body["body"].(string); !strings.HasPrefix(b, "**Escalation: senior-devops**") || !strings.Contains(b, "<details><summary>Report so far</summary>") {
		t.Errorf("comment body = %q", b)
	}
	assertNoToken(t, raw...)
	assertNoToken(t, deliveryTexts(d1, d2, d3, d4)...)
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestGitHubRetriesServerErrors(t *testing.T) {
	f := newFakeGitHub(t)
	f.answer = func(n int, w http.ResponseWriter) bool {
		if n <= 2 {
			w.WriteHeader([]int{http.StatusBadGateway, http.StatusServiceUnavailable}[n-1])
			return true
		}
		return false
	}
	g, waits := newTestGitHub(t, f, nil)
	d := g.Notify(context.Background(), msg(EventRemediationFailed, ""))
	if !d.OK() || d.Attempts != 3 {
		t.Fatalf("delivery = %v (attempts %d), want success on the third try", d, d.Attempts)
	}
	if diff := cmp.Diff([]time.Duration{time.Second, 2 * time.Second}, *waits); diff != "" {
		t.Errorf("backoff (-want +got):\n%s", diff)
	}
	if calls, _ := f.recorded(); len(calls) != 3 {
		t.Errorf("%d calls, want 3", len(calls))
	}
}

func TestGitHubGivesUpAfterFourTries(t *testing.T) {
	f := newFakeGitHub(t)
	f.answer = func(n int, w http.ResponseWriter) bool { w.WriteHeader(http.StatusInternalServerError); return true }
	g, waits := newTestGitHub(t, f, nil)
	d := g.Notify(context.Background(), msg(EventRemediationFailed, ""))
	if d.OK() || d.Attempts != 4 || len(*waits) != 3 {
		t.Fatalf("delivery = %v, attempts %d, waits %v: want failure after 4 tries and 3 waits", d, d.Attempts, *waits)
	}
	if want := "GitHub said 500 Internal Server Error"; !strings.Contains(d.Err.Error(), want) {
		t.Errorf("error %q does not say %q", d.Err, want)
	}
}

func TestGitHubExplainsClientErrors(t *testing.T) {
	cases := []struct {
		code   int
		body   string
		header map[string]string
		want   string
	}{
		// GitHub's real 401 body; the fake echoes the token too, as a
		// careless proxy might, to prove it is masked.
		{401, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`, nil,
			"GitHub said 401 Bad credentials: the token in GITHUB_TOKEN or --github-token-file is invalid or expired"},
		{401, `{"message":"Bad credentials for ` + testToken + `"}`, nil, "GitHub said 401 Bad credentials for ***: the token"},
		{403, `{"message":"Resource not accessible by personal access token"}`, nil, "may not write issues in memtui/ops"},
		{403, `{"message":"API rate limit exceeded"}`, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1796288400"}, "rate limit is used up; it resets at"},
		{404, `{"message":"Not Found"}`, nil, "GitHub said 404 Not Found: memtui/ops does not exist at"},
		{410, `{"message":"Issues are disabled for this repo"}`, nil, "issues are turned off in memtui/ops"},
		{422, `{"message":"Validation Failed"}`, nil, "GitHub said 422 Validation Failed"},
	}
	for _, c := range cases {
		t.Run(http.StatusText(c.code), func(t *testing.T) {
			f := newFakeGitHub(t)
			f.answer = func(n int, w http.ResponseWriter) bool {
				for k, v := range c.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(c.code)
				io.WriteString(w, c.body)
				return true
			}
			g, waits := newTestGitHub(t, f, nil)
			d := g.Notify(context.Background(), msg(EventRemediationFailed, ""))
			if d.OK() {
				t.Fatal("delivered despite the error")
			}
			if d.Attempts != 1 || len(*waits) != 0 {
				t.Errorf("a %d was retried: %d attempts", c.code, d.Attempts)
			}
			if !strings.Contains(d.Err.Error(), c.want) {
				t.Errorf("error %q\nwant it to contain %q", d.Err, c.want)
			}
			assertNoToken(t, deliveryTexts(d)...)
		})
	}
}

func TestGitHubNetworkErrorsRetryAndStayClean(t *testing.T) {
	f := newFakeGitHub(t)
	f.srv.Close() // connection refused from now on
	g, waits := newTestGitHub(t, f, nil)
	d := g.Notify(context.Background(), msg(EventRemediationFailed, ""))
	if d.OK() || d.Attempts != 4 || len(*waits) != 3 {
		t.Fatalf("delivery = %v, attempts %d", d, d.Attempts)
	}
	if !strings.Contains(d.Err.Error(), "connection refused") {
		t.Errorf("error %q does not say why", d.Err)
	}
	assertNoToken(t, deliveryTexts(d)...)
}

func TestGitHubStopsAtTheDeadline(t *testing.T) {
	f := newFakeGitHub(t)
	f.answer = func(n int, w http.ResponseWriter) bool { w.WriteHeader(http.StatusBadGateway); return true }
	g, err := NewGitHub(GitHubConfig{API: f.srv.URL, Repo: "memtui/ops", Token: testToken, Retry: Retry{Backoff: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	d := g.Notify(ctx, msg(EventRemediationFailed, ""))
	if d.OK() || d.Attempts != 1 || time.Since(start) > time.Second {
		t.Errorf("delivery %v after %d attempts and %v: want one try and no hour-long wait", d, d.Attempts, time.Since(start))
	}
}

func TestNewGitHubRefuses(t *testing.T) {
	cases := []struct {
		name string
		cfg  GitHubConfig
		want string
	}{
		{"no token", GitHubConfig{Repo: "o/n"}, "no GitHub token"},
		{"token with a newline", GitHubConfig{Repo: "o/n", Token: testToken + "\n" + testToken}, "malformed"},
		{"bad repo", GitHubConfig{Repo: "o/n/x", Token: testToken}, `want OWNER/NAME`},
		{"dot repo", GitHubConfig{Repo: "o/..", Token: testToken}, `want OWNER/NAME`},
		{"empty owner", GitHubConfig{Repo: "/n", Token: testToken}, `want OWNER/NAME`},
		{"space in name", GitHubConfig{Repo: "o/my repo", Token: testToken}, `want OWNER/NAME`},
		{"non-ASCII owner", GitHubConfig{Repo: "ö/n", Token: testToken}, `want OWNER/NAME`},
		{"name of 101", GitHubConfig{Repo: "o/" + strings.Repeat("n", 101), Token: testToken}, `want OWNER/NAME`},
		{"plain http off loopback", GitHubConfig{API: "http://ghe.example/api/v3", Repo: "o/n", Token: testToken}, "unencrypted"},
		{"not a URL", GitHubConfig{API: "ghe.example", Repo: "o/n", Token: testToken}, "not an absolute"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewGitHub(c.cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			assertNoToken(t, err.Error())
		})
	}
	if _, err := NewGitHub(GitHubConfig{API: "https://ghe.example/api/v3", Repo: "o/n", Token: testToken}); err != nil {
		t.Errorf("GitHub Enterprise URL refused: %v", err)
	}
	if _, err := NewGitHub(GitHubConfig{Repo: "Acme-Corp/odoo_ops.v2-" + strings.Repeat("x", 88), Token: testToken}); err != nil {
		t.Errorf("a name of 100 of the allowed characters refused: %v", err)
	}
}

func TestIssueBodyIsRedactedAndBounded(t *testing.T) {
	f := newFakeGitHub(t)
	g, _ := newTestGitHub(t, f, nil)
	m := msg(EventRemediationFailed, "")
	m.Report = "ran: psql postgres://odoo:hunter2@db/odoo and token " + testToken + "\n" + strings.Repeat("x", 2*maxIssueBody)
	if d := g.Notify(context.Background(), m); !d.OK() {
		t.Fatal(d)
	}
	calls, raw := f.recorded()
	body := calls[0].Body["body"].(string)
	if strings.Contains(body, "hunter2") || len(body) > maxIssueBody+200 || !strings.Contains(body, "(cut:") {
		t.Errorf("body not redacted or not bounded: %d bytes, starts %q", len(body), body[:80])
	}
	assertNoToken(t, raw...)
}

func TestLedgerSurvivesAndToleratesCorruption(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.notify.json")
	l := NewFileLedger(p)
	if _, ok, err := l.Issue("a", "o/n"); ok || err != nil {
		t.Fatalf("empty ledger: ok %v err %v", ok, err)
	}
	is := Issue{Repo: "o/n", Number: 7, URL: "https://github.com/o/n/issues/7", Opened: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	if err := l.SaveIssue("a", is); err != nil {
		t.Fatal(err)
	}
	got, ok, err := NewFileLedger(p).Issue("a", "o/n")
	if !ok || err != nil || !cmp.Equal(got, is) {
		t.Errorf("reloaded %+v ok %v err %v", got, ok, err)
	}
	if _, ok, _ := l.Issue("a", "other/repo"); ok {
		t.Error("an issue of another repository was reused")
	}
	if err := writeFile(p, "{torn"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.Issue("a", "o/n"); err == nil {
		t.Error("a corrupt ledger read as empty without an error")
	}
	if err := l.SaveIssue("b", is); err != nil {
		t.Errorf("a corrupt ledger blocks saving: %v", err)
	}
}

// TestFanoutLinksTheIssue: the chat message points at the issue GitHub
// just opened.
func TestFanoutLinksTheIssue(t *testing.T) {
	f := newFakeGitHub(t)
	g, _ := newTestGitHub(t, f, nil)
	hook := newFakeHook(t)
	w, err := NewWebhook(WebhookConfig{URL: hook.srv.URL + "/services/T0/B0/xyzzySECRETpath"})
	if err != nil {
		t.Fatal(err)
	}
	ds := Fanout{g, w}.Notify(context.Background(), msg(EventRemediationFailed, "detail"))
	if len(ds) != 2 || !ds[0].OK() || !ds[1].OK() {
		t.Fatalf("deliveries %v", ds)
	}
	if texts := hook.texts(); len(texts) != 1 || !strings.HasSuffix(texts[0], "\nhttps://github.example/o/r/issues/42") {
		t.Errorf("webhook text %q does not end in the issue link", texts)
	}
}
