package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// maxWebhookText keeps a chat message readable and under Slack's
// 4,000-character advice for a message's text.
const maxWebhookText = 3500

// WebhookConfig is what a webhook notifier is built from.
type WebhookConfig struct {
	// URL is the incoming webhook. It is a secret (Slack's path is the
	// token): only its host is ever shown.
	URL string
	// Client is the HTTP client (nil: a default one).
	Client *http.Client
	// Retry bounds the tries (zero: 4 tries, 1 s/2 s/4 s).
	Retry Retry
}

// Webhook posts each message as JSON {"text": …}, the shape Slack and
// Mattermost incoming webhooks take.
type Webhook struct {
	url   string
	host  string
	where string // "POST https://host/…": the URL as errors may show it
	send  *sender
}

// NewWebhook checks cfg and returns the notifier. Its errors show the
// URL's host only.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	u, err := checkBase(cfg.URL, "webhook URL")
	if err != nil {
		return nil, err
	}
	secrets := []string{cfg.URL}
	// The path and query carry the token; an error quoting them without
	// the scheme and host is masked too.
	if p := strings.TrimPrefix(u.RequestURI(), "/"); len(p) >= 8 {
		secrets = append(secrets, p)
	}
	return &Webhook{url: cfg.URL, host: u.Host, where: "POST " + u.Scheme + "://" + u.Host + "/…", send: newSender(cfg.Client, cfg.Retry, secrets...)}, nil
}

// Host is the webhook's host, the only part of its URL safe to show.
func (w *Webhook) Host() string { return w.host }

// Notify posts m's title, detail and link.
func (w *Webhook) Notify(ctx context.Context, m Message) Delivery {
	d := Delivery{Channel: "webhook", Target: w.host, Action: "posted"}
	b, err := json.Marshal(struct {
		Text string `json:"text"`
	}{w.send.scrub(Text(m))})
	if err != nil {
		d.Err = err
		return d
	}
	_, tries, err := w.send.post(ctx, request{url: w.url, header: http.Header{}, body: b, where: w.where})
	d.Attempts = tries
	if err != nil {
		d.Err = fmt.Errorf("webhook at %s: %w", w.host, err)
	}
	return d
}

// Text is m as a chat message: the title, what happened, and the link.
func Text(m Message) string {
	var b strings.Builder
	b.WriteString(m.Title())
	if m.Detail != "" {
		b.WriteString("\n" + m.Detail)
	}
	if m.Link != "" {
		b.WriteString("\n" + m.Link)
	}
	return cut(b.String(), maxWebhookText)
}
