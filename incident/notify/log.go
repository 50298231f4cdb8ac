package notify

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// NewLogHandler returns the slog handler for watch's stderr: one line per
// event, key=value, values quoted when they hold spaces, quotes or
// newlines, so `grep event=remediation_failed` and `journalctl -o cat`
// both work:
//
//	ts=2026-12-03T09:00:00.000Z level=warn event=remediation_failed host=db1 used_pct=93.2 action=drop-caches outcome=unchanged
//
// The message is the event name. Every string, error and Stringer value
// goes through the redactor and has the given secrets masked, so a token
// handed to a log call by mistake still never reaches the journal.
func NewLogHandler(w io.Writer, level slog.Leveler, secrets ...string) slog.Handler {
	var keep []string
	for _, s := range secrets {
		if len(s) >= 4 {
			keep = append(keep, s)
		}
	}
	scrub := (&sender{secrets: keep}).scrub
	return slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 {
				switch a.Key {
				case slog.TimeKey:
					if t, ok := a.Value.Any().(time.Time); ok {
						return slog.String("ts", t.UTC().Format("2006-01-02T15:04:05.000Z"))
					}
				case slog.LevelKey:
					if l, ok := a.Value.Any().(slog.Level); ok {
						return slog.String("level", levelWord(l))
					}
				case slog.MessageKey:
					return slog.String("event", scrub(a.Value.String()))
				}
			}
			return slog.Attr{Key: a.Key, Value: logValue(a.Key, a.Value, scrub)}
		},
	})
}

// logValue scrubs text values and writes percentages with one decimal.
func logValue(key string, v slog.Value, scrub func(string) string) slog.Value {
	switch v.Kind() {
	case slog.KindString:
		return slog.StringValue(scrub(v.String()))
	case slog.KindFloat64:
		if strings.HasSuffix(key, "_pct") {
			return slog.StringValue(strconv.FormatFloat(v.Float64(), 'f', 1, 64))
		}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.StringValue(scrub(x.Error()))
		case fmt.Stringer:
			return slog.StringValue(scrub(x.String()))
		default:
			return slog.StringValue(scrub(fmt.Sprint(x)))
		}
	}
	return v
}

// levelWord is the level in lower case: debug, info, warn, error.
func levelWord(l slog.Level) string {
	switch {
	case l < slog.LevelInfo:
		return "debug"
	case l < slog.LevelWarn:
		return "info"
	case l < slog.LevelError:
		return "warn"
	}
	return "error"
}
