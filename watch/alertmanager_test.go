package watch

import (
	"strings"
	"testing"
)

// payload is an Alertmanager 0.25 webhook notification as it sends it.
const payload = `{"receiver":"memtui-watch","status":"firing","alerts":[
{"status":"firing","labels":{"alertname":"HighMemory","instance":"db1.example.com:9100","job":"node","severity":"page"},"annotations":{"summary":"db1.example.com:9100: memory used 93 % for 5 minutes"},"startsAt":"2026-12-03T09:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus:9090/graph","fingerprint":"a1b2"},
{"status":"resolved","labels":{"alertname":"OOMKill","instance":"db1:9100"},"annotations":{"summary":"db1:9100: the kernel killed a process\nfor memory"},"startsAt":"2026-12-03T08:00:00Z","endsAt":"2026-12-03T08:05:00Z","fingerprint":"c3d4"},
{"status":"firing","labels":{"alertname":"HighMemory","instance":"db10:9100"},"annotations":{},"startsAt":"2026-12-03T09:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"e5f6"},
{"status":"firing","labels":{"alertname":"HighMemory","instance":"[::1]:9100"},"annotations":{},"startsAt":"2026-12-03T09:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"0708"}],
"groupLabels":{"alertname":"HighMemory"},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am:9093","version":"4","groupKey":"{}:{alertname=\"HighMemory\"}","truncatedAlerts":0}`

func TestParseWebhook(t *testing.T) {
	w, err := ParseWebhook([]byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	mine, others := w.ForHost([]string{"DB1", "::1"})
	var got []string
	for _, a := range mine {
		got = append(got, a.Text())
	}
	want := []string{
		"HighMemory firing for db1.example.com:9100: db1.example.com:9100: memory used 93 % for 5 minutes",
		"HighMemory firing for [::1]:9100",
		"OOMKill resolved for db1:9100: db1:9100: the kernel killed a process for memory",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("mine:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(others) != 1 || others[0].Instance() != "db10" {
		t.Errorf("others %+v: db10 is not db1", others)
	}
	for _, bad := range []string{`{"version":"3","alerts":[{}]}`, `{"version":"4","alerts":[]}`, `not json`} {
		if _, err := ParseWebhook([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
