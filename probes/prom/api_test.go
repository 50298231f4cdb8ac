package prom

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestPointDecodes(t *testing.T) {
	for in, want := range map[string]point{
		`[1764800000.123,"42"]`:   {T: 1764800000123, V: 42},
		`[1764800000,"1.5e9"]`:    {T: 1764800000000, V: 1.5e9},
		`[1764800000.999,"+Inf"]`: {T: 1764800000999, V: math.Inf(1)},
		`[1764800000.001,"-Inf"]`: {T: 1764800000001, V: math.Inf(-1)},
	} {
		var p point
		if err := json.Unmarshal([]byte(in), &p); err != nil || p != want {
			t.Errorf("%s: got %+v, %v; want %+v", in, p, err, want)
		}
	}
	var p point
	if err := json.Unmarshal([]byte(`[1764800000,"NaN"]`), &p); err != nil || !math.IsNaN(p.V) {
		t.Errorf("NaN: got %+v, %v", p, err)
	}
	for _, bad := range []string{`[1764800000,42]`, `["x","1"]`, `[1764800000,"one"]`, `{}`} {
		if err := json.Unmarshal([]byte(bad), &p); err == nil {
			t.Errorf("%s: decoded as %+v, want an error", bad, p)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"15s": 15 * time.Second, "1m": time.Minute, "1m30s": 90 * time.Second, "500ms": 500 * time.Millisecond,
		"2h": 2 * time.Hour, "1d": 24 * time.Hour, "1w": 7 * 24 * time.Hour, "1y": 365 * 24 * time.Hour,
	} {
		if got, err := parseDuration(in); err != nil || got != want {
			t.Errorf("%s: got %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "15", "1.5s", "s", "1s1m", "-1s", "99999999999999999999y"} {
		if d, err := parseDuration(bad); err == nil {
			t.Errorf("%q: parsed as %v, want an error", bad, d)
		}
	}
	for d, want := range map[time.Duration]string{5 * time.Minute: "5m", 90 * time.Second: "90s", time.Hour: "60m"} {
		if got := promDuration(d); got != want {
			t.Errorf("promDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestAPIAnswers: what the client makes of each kind of answer, served on
// loopback as Prometheus (or a proxy in front of it) would give it.
func TestAPIAnswers(t *testing.T) {
	var lastQuery url.Values
	mux := http.NewServeMux()
	mux.HandleFunc("/prom/api/v1/query", func(w http.ResponseWriter, r *http.Request) {
		lastQuery = r.URL.Query()
		switch r.URL.Query().Get("query") {
		case "up":
			w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[
				{"metric":{"__name__":"up","instance":"a:9100"},"value":[1764800000.5,"1"]},
				{"metric":{"__name__":"up","instance":"b:9100"},"value":[1764800000.5,"0"]}]}}`))
		case "scalar(1)":
			w.Write([]byte(`{"status":"success","data":{"resultType":"scalar","result":[1764800000,"1"]}}`))
		case "bad(":
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"status":"error","errorType":"bad_data","error":"1:5: parse error: unclosed left parenthesis"}`))
		case "proxy":
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte("<html>502 Bad Gateway</html>\n"))
		case "page":
			w.Write([]byte("<!doctype html>\n<title>Grafana</title>"))
		}
	})
	mux.HandleFunc("/prom/api/v1/query_range", func(w http.ResponseWriter, r *http.Request) {
		lastQuery = r.URL.Query()
		w.Write([]byte(`{"status":"success","data":{"resultType":"matrix","result":[
			{"metric":{"instance":"a:9100"},"values":[[1764800000,"10"],[1764800060,"11.5"]]}]}}`))
	})
	mux.HandleFunc("/prom/api/v1/targets", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("state") != "active" {
			t.Errorf("targets asked with %q", r.URL.RawQuery)
		}
		w.Write([]byte(`{"status":"success","data":{"activeTargets":[
			{"discoveredLabels":{"__scrape_interval__":"30s"},"labels":{"instance":"a:9100"},"health":"up"}],"droppedTargets":[]}}`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	base, _ := url.Parse(srv.URL + "/prom")
	a := &apiClient{base: base, hc: srv.Client()}
	ctx := context.Background()
	at := time.UnixMilli(1764800000500)

	vec, err := a.query(ctx, "up", at)
	if err != nil || len(vec) != 2 || vec[0].Metric["instance"] != "a:9100" || vec[0].Value.V != 1 || vec[1].Value.V != 0 {
		t.Fatalf("vector: %+v, %v", vec, err)
	}
	if got := lastQuery.Get("time"); got != "1764800000.500" {
		t.Errorf("time sent as %q", got)
	}
	if _, err := a.query(ctx, "scalar(1)", at); err == nil || !strings.Contains(err.Error(), "want a vector, got scalar") {
		t.Errorf("scalar answer: %v", err)
	}
	var ae *apiError
	if _, err := a.query(ctx, "bad(", at); !errors.As(err, &ae) || err.Error() != "bad_data: 1:5: parse error: unclosed left parenthesis" {
		t.Errorf("API error: %v", err)
	}
	if _, err := a.query(ctx, "proxy", at); err == nil || !strings.Contains(err.Error(), "HTTP 502 Bad Gateway") {
		t.Errorf("proxy error: %v", err)
	}
	if _, err := a.query(ctx, "page", at); err == nil || !strings.Contains(err.Error(), `not a Prometheus API answer ("<!doctype html>")`) {
		t.Errorf("wrong URL: %v", err)
	}

	m, err := a.queryRange(ctx, "mem", at.Add(-time.Hour), at, time.Minute)
	if err != nil || len(m) != 1 || len(m[0].Values) != 2 || m[0].Values[1] != (point{T: 1764800060000, V: 11.5}) {
		t.Fatalf("matrix: %+v, %v", m, err)
	}
	if got := lastQuery.Get("step"); got != "60" {
		t.Errorf("step sent as %q", got)
	}
	tg, err := a.activeTargets(ctx)
	if err != nil || len(tg) != 1 || tg[0].DiscoveredLabels["__scrape_interval__"] != "30s" || tg[0].Labels["instance"] != "a:9100" {
		t.Fatalf("targets: %+v, %v", tg, err)
	}
}
