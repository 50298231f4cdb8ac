package watch

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// MaxWebhookBytes bounds an Alertmanager notification read from the
// network: a group of alerts is a few KiB.
const MaxWebhookBytes = 1 << 20

// Alert is one alert of an Alertmanager webhook notification (payload
// version 4), the fields memtui uses.
type Alert struct {
	Status      string            `json:"status"` // "firing" or "resolved"
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      time.Time         `json:"endsAt"`
	Fingerprint string            `json:"fingerprint"`
}

// Firing says whether the alert is firing (not resolved).
func (a Alert) Firing() bool { return a.Status == "firing" }

// Name is the alert's alertname label.
func (a Alert) Name() string { return a.Labels["alertname"] }

// Instance is the host part of the instance label: "db1" of "db1:9100".
func (a Alert) Instance() string {
	in := a.Labels["instance"]
	if strings.HasPrefix(in, "[") { // [::1]:9100
		if i := strings.Index(in, "]"); i > 0 {
			return in[1:i]
		}
	}
	if strings.Count(in, ":") == 1 {
		return in[:strings.Index(in, ":")]
	}
	return in
}

// Text is the alert in words for the timeline: `HighMemory firing for
// db1:9100: db1:9100: memory used 93 % for 5 minutes`.
func (a Alert) Text() string {
	s := fmt.Sprintf("%s %s for %s", oneLine(a.Name()), a.Status, oneLine(a.Labels["instance"]))
	if sum := oneLine(a.Annotations["summary"]); sum != "" {
		s += ": " + sum
	}
	return s
}

// Webhook is the notification Alertmanager POSTs to a webhook receiver.
type Webhook struct {
	Version  string  `json:"version"`
	Status   string  `json:"status"`
	Receiver string  `json:"receiver"`
	Alerts   []Alert `json:"alerts"`
}

// ParseWebhook reads an Alertmanager webhook body (version 4).
func ParseWebhook(b []byte) (Webhook, error) {
	var w Webhook
	if err := json.Unmarshal(b, &w); err != nil {
		return Webhook{}, fmt.Errorf("not an Alertmanager webhook notification: %w", err)
	}
	if w.Version != "4" {
		return Webhook{}, fmt.Errorf("Alertmanager webhook version %q: memtui reads version 4", w.Version)
	}
	if len(w.Alerts) == 0 {
		return Webhook{}, errors.New("Alertmanager webhook with no alerts")
	}
	return w, nil
}

// ForHost keeps the alerts whose instance names this host: one of names
// (the host name, its other names, the addresses Prometheus scrapes it
// at), compared without case; alerts without an instance label are about
// no host in particular and kept out.
func (w Webhook) ForHost(names []string) (mine, others []Alert) {
	for _, a := range w.Alerts {
		in := strings.ToLower(a.Instance())
		match := false
		for _, n := range names {
			n = strings.ToLower(n)
			if n != "" && (in == n || strings.HasPrefix(in, n+".")) {
				match = true
			}
		}
		if match {
			mine = append(mine, a)
		} else {
			others = append(others, a)
		}
	}
	sort.SliceStable(mine, func(i, j int) bool { return mine[i].Firing() && !mine[j].Firing() })
	return mine, others
}

// oneLine folds a label or annotation into one bounded line: they come
// from the network.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) > 200 {
		i := 200
		for i > 0 && s[i]&0xC0 == 0x80 {
			i--
		}
		s = s[:i] + "…"
	}
	return s
}
