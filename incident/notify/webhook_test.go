package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const hookPath = "/services/T0/B0/xyzzySECRETpath"

type fakeHook struct {
	mu     sync.Mutex
	paths  []string
	bodies []map[string]any
	answer func(n int, w http.ResponseWriter) bool
	srv    *httptest.Server
}

func newFakeHook(t *testing.T) *fakeHook {
	h := &fakeHook{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		json.Unmarshal(b, &body)
		h.mu.Lock()
		h.paths = append(h.paths, r.Method+" "+r.URL.Path+" "+r.Header.Get("Content-Type"))
		h.bodies = append(h.bodies, body)
		n := len(h.paths)
		h.mu.Unlock()
		if h.answer != nil && h.answer(n, w) {
			return
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *fakeHook) texts() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, b := range h.bodies {
		s, _ := b["text"].(string)
		out = append(out, s)
	}
	return out
}

func newTestWebhook(t *testing.T, h *fakeHook) (*Webhook, *[]time.Duration) {
	t.Helper()
	w, err := NewWebhook(WebhookConfig{URL: h.srv.URL + hookPath})
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	w.send.sleep = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	return w, &waits
}

// assertNoHookSecret fails when the webhook's secret path shows in texts.
func assertNoHookSecret(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(s, "xyzzySECRETpath") || strings.Contains(s, "B0/") {
			t.Errorf("the webhook URL leaked into %q", s)
		}
	}
}

func TestWebhookPostsText(t *testing.T) {
	h := newFakeHook(t)
	w, _ := newTestWebhook(t, h)
	m := msg(EventEscalated, "**Escalation: maintenance-mode** — 1 h")
	d := w.Notify(context.Background(), m)
	if !d.OK() || d.Attempts != 1 || d.Target != h.srv.Listener.Addr().String() {
		t.Fatalf("delivery %+v", d)
	}
	if diff := cmp.Diff([]string{"POST " + hookPath + " application/json"}, h.paths); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	want := []map[string]any{{"text": "High memory on db1: 93 % after automated cache clearing\n**Escalation: maintenance-mode** — 1 h"}}
	if diff := cmp.Diff(want, h.bodies); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
	assertNoHookSecret(t, deliveryTexts(d)...)
}

func TestWebhookRetriesThenSucceeds(t *testing.T) {
	h := newFakeHook(t)
	h.answer = func(n int, w http.ResponseWriter) bool {
		if n == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			return true
		}
		if n == 2 {
			// Slack's rate limit: retried, after the server's wait.
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		}
		return false
	}
	w, waits := newTestWebhook(t, h)
	d := w.Notify(context.Background(), msg(EventRecovered, "Recovered."))
	if !d.OK() || d.Attempts != 3 {
		t.Fatalf("delivery %v, attempts %d", d, d.Attempts)
	}
	if diff := cmp.Diff([]time.Duration{time.Second, 3 * time.Second}, *waits); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

func TestWebhookClientErrorIsFinalAndClean(t *testing.T) {
	h := newFakeHook(t)
	h.answer = func(n int, w http.ResponseWriter) bool {
		w.WriteHeader(http.StatusForbidden)
		// A server quoting the request line back, secret included.
		io.WriteString(w, "invalid_token for POST "+hookPath)
		return true
	}
	w, _ := newTestWebhook(t, h)
	d := w.Notify(context.Background(), msg(EventRecovered, ""))
	if d.OK() || d.Attempts != 1 || !strings.Contains(d.Err.Error(), "403 invalid_token") {
		t.Fatalf("delivery %v (attempts %d)", d, d.Attempts)
	}
	assertNoHookSecret(t, deliveryTexts(d)...)
}

func TestWebhookNetworkErrorShowsHostOnly(t *testing.T) {
	h := newFakeHook(t)
	h.srv.Close()
	w, _ := newTestWebhook(t, h)
	d := w.Notify(context.Background(), msg(EventRecovered, ""))
	if d.OK() || d.Attempts != 4 {
		t.Fatalf("delivery %v (attempts %d)", d, d.Attempts)
	}
	if !strings.Contains(d.Err.Error(), h.srv.Listener.Addr().String()) {
		t.Errorf("error %q does not name the host", d.Err)
	}
	assertNoHookSecret(t, deliveryTexts(d)...)
}

func TestNewWebhookRefusesWithoutShowingTheURL(t *testing.T) {
	for _, u := range []string{"http://hooks.example" + hookPath, "ftp://hooks.example" + hookPath, "hooks.example" + hookPath} {
		_, err := NewWebhook(WebhookConfig{URL: u})
		if err == nil {
			t.Errorf("%s accepted", u)
			continue
		}
		assertNoHookSecret(t, err.Error())
	}
}

func writeFile(p, s string) error { return os.WriteFile(p, []byte(s), 0o600) }
