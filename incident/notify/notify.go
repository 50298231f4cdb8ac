// Package notify tells people away from the host about an incident: one
// GitHub issue per incident (later events are comments on it) and a
// generic JSON webhook (Slack, Mattermost). It also formats the greppable
// key=value lines `memtui watch` writes to stderr.
//
// Nothing here reads flags or the environment: tokens and URLs are handed
// in. Nothing here writes to the timeline either: every send returns a
// Delivery, a plain value the session records (Delivery.Note) and logs
// (Delivery.LogAttrs). Secrets — the GitHub token, the webhook URL, whose
// path is Slack's token — never reach an error, a log line, a Delivery or a
// request body.
//
// Dependency rule: notify never imports ui, Bubble Tea, Lip Gloss or
// ntcharts.
package notify

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/memtui/memtui/incident"
)

// Event says why a message is sent.
type Event string

// The events watch notifies about.
const (
	// EventRemediationFailed: the automated steps ran and memory is still
	// high (the runbook's "create a GitHub issue").
	EventRemediationFailed Event = "remediation_failed"
	// EventEscalated: an escalation stage was reached (30 min, 1 h, 2 h).
	EventEscalated Event = "escalated"
	// EventRemediation: a later remediation ran; Detail says how it went.
	EventRemediation Event = "remediation"
	// EventRecovered: memory is back below the threshold.
	EventRecovered Event = "recovered"
)

// Message is one thing worth telling people about one incident.
type Message struct {
	// Incident identifies the incident across restarts of the watcher
	// (e.g. the timeline path and its Started time); every message of
	// one incident must carry the same value.
	Incident string
	Event    Event
	At       time.Time
	Host     string
	// Scope is what was measured: "" for the whole host, else e.g.
	// "cgroup /system.slice/odoo.service".
	Scope string
	// UsedPct is memory used, in percent of the host's memory or of the
	// cgroup's limit.
	UsedPct float64
	// Headline finishes the title: "after automated cache clearing".
	Headline string
	// Detail is a short markdown paragraph: what just happened. It is a
	// comment's body and the webhook's text.
	Detail string
	// Report is the markdown post-incident report so far (incident.Render
	// of the log): the body, and folded into comments.
	Report string
	// Link is a public URL to point at (the GitHub issue); Fanout fills it
	// for the notifiers after GitHub.
	Link string
}

// Title is the issue title: "High memory on db1: 93 % after automated
// cache clearing".
func (m Message) Title() string {
	where := m.Host
	if m.Scope != "" {
		where += " (" + m.Scope + ")"
	}
	t := fmt.Sprintf("High memory on %s: %.0f %%", where, m.UsedPct)
	if m.Headline != "" {
		t += " " + m.Headline
	}
	return oneLine(t, 200)
}

// Notifier sends messages somewhere. Notify never panics and never returns
// a secret; its Delivery says what happened.
type Notifier interface {
	Notify(ctx context.Context, m Message) Delivery
}

// Delivery is the outcome of one notification, ready for the timeline
// (Note) and the log (LogAttrs). It holds no secret.
type Delivery struct {
	// Channel is "github" or "webhook".
	Channel string
	// Target is where it went, in words safe to print: "memtui/memtui#42",
	// "hooks.slack.com".
	Target string
	// Action is what was done: "issue opened", "commented", "posted".
	Action string
	// URL is the public page of the issue or comment, when there is one.
	URL string
	// Attempts counts the requests made (retries included).
	Attempts int
	// Err is why it failed; nil when it was delivered.
	Err error
	// Warning is a problem that did not stop delivery (the issue number
	// could not be saved, so a restart would open a second issue).
	Warning string
}

// OK reports whether the message was delivered.
func (d Delivery) OK() bool { return d.Err == nil }

// String is the outcome in one line for a person.
func (d Delivery) String() string {
	var b strings.Builder
	b.WriteString(d.Channel)
	b.WriteString(" notification")
	if d.Target != "" {
		b.WriteString(" to " + d.Target)
	}
	if d.Err != nil {
		fmt.Fprintf(&b, " failed after %d %s: %v", d.Attempts, plural(d.Attempts, "try", "tries"), d.Err)
	} else {
		b.WriteString(": " + d.Action)
		if d.URL != "" {
			b.WriteString(" " + d.URL)
		}
	}
	if d.Warning != "" {
		b.WriteString(" (" + d.Warning + ")")
	}
	return b.String()
}

// Note is the delivery as a timeline note, so a failed notification is on
// the record of the incident it was about.
func (d Delivery) Note() incident.Note {
	return incident.Note{Author: "memtui watch", Text: d.String()}
}

// LogAttrs are the delivery's fields for a log line.
func (d Delivery) LogAttrs() []slog.Attr {
	outcome := "ok"
	if d.Err != nil {
		outcome = "failed"
	}
	as := []slog.Attr{
		slog.String("channel", d.Channel),
		slog.String("target", d.Target),
		slog.String("outcome", outcome),
		slog.Int("attempts", d.Attempts),
	}
	// "sent", not "action": action= on watch's lines is the runbook
	// action, and a grep for it must not match notifications.
	if d.Action != "" {
		as = append(as, slog.String("sent", d.Action))
	}
	if d.URL != "" {
		as = append(as, slog.String("url", d.URL))
	}
	if d.Err != nil {
		as = append(as, slog.String("error", d.Err.Error()))
	}
	if d.Warning != "" {
		as = append(as, slog.String("warning", d.Warning))
	}
	return as
}

// Fanout sends each message to every notifier in order. A notifier that
// gives back a URL (the GitHub issue) has it put in Link for the ones
// after it, so a chat message can point at the issue.
type Fanout []Notifier

// Notify sends m to every notifier and returns one Delivery each.
func (f Fanout) Notify(ctx context.Context, m Message) []Delivery {
	out := make([]Delivery, 0, len(f))
	for _, n := range f {
		d := n.Notify(ctx, m)
		if m.Link == "" && d.OK() && d.URL != "" {
			m.Link = d.URL
		}
		out = append(out, d)
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// oneLine folds whitespace runs (newlines included) into single spaces
// and bounds s to max bytes on a rune boundary.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	return cut(s, max)
}

// cut bounds s to max bytes on a rune boundary, marked with "…".
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}
