package notify

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/memtui/memtui/internal/redact/redacttest"
)

// TestRedactionMatrix feeds every secret form through each surface notify
// writes to — the issue's title and body, a comment, the webhook's text,
// a log line — by their real code paths.
func TestRedactionMatrix(t *testing.T) {
	gh := newFakeGitHub(t)
	g, _ := newTestGitHub(t, gh, nil)
	hook := newFakeHook(t)
	w, _ := newTestWebhook(t, hook)
	var logBuf bytes.Buffer
	log := slog.New(NewLogHandler(&logBuf, slog.LevelInfo))
	for i, c := range redacttest.Matrix {
		m := msg(EventRemediationFailed, "step ran: "+c.Text)
		m.Incident = c.Name
		m.Headline = c.Text
		m.Report = "# Report\n\n" + c.Text + "\n"
		if d := g.Notify(context.Background(), m); !d.OK() {
			t.Fatal(d)
		}
		m.Event = EventRecovered
		if d := g.Notify(context.Background(), m); !d.OK() {
			t.Fatal(d)
		}
		if d := w.Notify(context.Background(), m); !d.OK() {
			t.Fatal(d)
		}
		logBuf.Reset()
		log.Info("remediation_failed", "cmd", c.Text)

		calls, _ := gh.recorded()
		issue, comment := calls[2*i].Body, calls[2*i+1].Body
		redacttest.CheckAbsent(t, "issue title", c, issue["title"].(string))
		redacttest.Check(t, "issue body", c, issue["body"].(string))
		redacttest.Check(t, "comment", c, comment["body"].(string))
		redacttest.Check(t, "webhook text", c, hook.texts()[i])
		redacttest.CheckAbsent(t, "log line", c, logBuf.String())
	}
	for _, clean := range redacttest.Clean {
		logBuf.Reset()
		if got := (&sender{}).scrub(clean); got != clean {
			t.Errorf("clean text changed: %q → %q", clean, got)
		}
	}
}
