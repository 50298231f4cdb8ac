package notify

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestLogLines(t *testing.T) {
	var buf bytes.Buffer
	h := NewLogHandler(&buf, slog.LevelInfo, testToken)
	at := time.Date(2026, 12, 3, 10, 0, 0, 5e6, time.FixedZone("CET", 3600))
	emit := func(level slog.Level, event string, attrs ...slog.Attr) {
		if !h.Enabled(context.Background(), level) {
			return
		}
		r := slog.NewRecord(at, level, event, 0)
		r.AddAttrs(attrs...)
		if err := h.Handle(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	emit(slog.LevelWarn, "remediation_failed", slog.String("host", "db1"), slog.Float64("used_pct", 93.4567),
		slog.String("action", "drop-caches"), slog.String("outcome", "unchanged"))
	emit(slog.LevelError, "notify_failed", slog.String("host", "db1"),
		slog.Any("error", errors.New("GitHub said 401 for "+testToken+"\nsecond line")),
		slog.String("cmd", "psql password=hunter2"))
	emit(slog.LevelDebug, "hidden")

	want := `ts=2026-12-03T09:00:00.005Z level=warn event=remediation_failed host=db1 used_pct=93.5 action=drop-caches outcome=unchanged
ts=2026-12-03T09:00:00.005Z level=error event=notify_failed host=db1 error="GitHub said 401 for ***\nsecond line" cmd="psql password=***"
`
	if got := buf.String(); got != want {
		t.Errorf("log lines:\n%s\nwant:\n%s", got, want)
	}
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		if !strings.HasPrefix(line, "ts=") {
			t.Errorf("an event spans lines: %q", line)
		}
	}
}

// TestDeliveryLogs: a failed delivery logged through the handler is one
// greppable line without the token.
func TestDeliveryLogs(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewLogHandler(&buf, slog.LevelInfo))
	d := Delivery{Channel: "github", Target: "o/n", Action: "issue opened", Attempts: 4, Err: errors.New("GitHub said 502 Bad Gateway")}
	log.LogAttrs(context.Background(), slog.LevelWarn, "notify", d.LogAttrs()...)
	got := buf.String()
	for _, want := range []string{"event=notify", "channel=github", "outcome=failed", "attempts=4", `sent="issue opened"`, `error="GitHub said 502 Bad Gateway"`} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "action=") {
		t.Errorf("%q: action= is for runbook actions", got)
	}
	if n := d.Note(); n.Text != "github notification to o/n failed after 4 tries: GitHub said 502 Bad Gateway" {
		t.Errorf("note %q", n.Text)
	}
}
