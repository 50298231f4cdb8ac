package prom

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"
)

// The three calls memtui makes of Prometheus's HTTP API (/api/v1/query,
// /api/v1/query_range and /api/v1/targets), decoded with encoding/json.
// client_golang's API client would bring protobuf, json-iterator and
// reflect2 into every memtui, about 3 MB of the binary, mapped by the dashboard
// on the very machine that is short of memory, for three GET requests.

// maxBody bounds what one answer may hold in memory: a fleet's hour of
// sparklines is a few hundred KB; a misdirected URL must not cost more.
const maxBody = 32 << 20

// sample is one series of an instant vector.
type sample struct {
	Metric map[string]string `json:"metric"`
	Value  point             `json:"value"`
}

// series is one series of a range matrix, its points oldest first.
type series struct {
	Metric map[string]string `json:"metric"`
	Values []point           `json:"values"`
}

// point is one value of a series at a time in Unix milliseconds, the
// precision Prometheus keeps.
type point struct {
	T int64
	V float64
}

// UnmarshalJSON reads Prometheus's [<unix seconds>, "<value>"] pair.
func (p *point) UnmarshalJSON(b []byte) error {
	var pair [2]json.RawMessage
	if err := json.Unmarshal(b, &pair); err != nil {
		return err
	}
	ts, err := strconv.ParseFloat(string(pair[0]), 64)
	if err != nil {
		return fmt.Errorf("sample time %s: %w", pair[0], err)
	}
	var v string
	if err := json.Unmarshal(pair[1], &v); err != nil {
		return fmt.Errorf("sample value %s: %w", pair[1], err)
	}
	// "NaN", "+Inf" and "-Inf" are what ParseFloat reads too.
	if p.V, err = strconv.ParseFloat(v, 64); err != nil {
		return fmt.Errorf("sample value %q: %w", v, err)
	}
	p.T = int64(math.Round(ts * 1000))
	return nil
}

// target is one active scrape target.
type target struct {
	DiscoveredLabels map[string]string `json:"discoveredLabels"`
	Labels           map[string]string `json:"labels"`
}

// apiError is Prometheus's own error answer, e.g. a PromQL parse error.
type apiError struct {
	Type, Msg string
}

func (e *apiError) Error() string { return e.Type + ": " + e.Msg }

type apiClient struct {
	base *url.URL // without credentials; the transport adds them
	hc   *http.Client
}

// get calls one API endpoint and decodes its data into out.
func (a *apiClient) get(ctx context.Context, path string, params url.Values, out any) error {
	u := a.base.JoinPath(path)
	u.RawQuery = params.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return err
	}
	if len(body) > maxBody {
		return fmt.Errorf("%s: answer larger than %d MB", path, maxBody>>20)
	}
	var env struct {
		Status    string          `json:"status"`
		Data      json.RawMessage `json:"data"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Status == "" {
		// Not the API: a proxy's error page, or the wrong URL.
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("%s: HTTP %s", path, resp.Status)
		}
		return fmt.Errorf("%s: not a Prometheus API answer (%s)", path, firstLine(body))
	}
	if env.Status != "success" {
		return &apiError{Type: env.ErrorType, Msg: env.Error}
	}
	return json.Unmarshal(env.Data, out)
}

// firstLine is the start of an unexpected body, for an error message.
func firstLine(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	if len(b) > 80 {
		b = b[:80]
	}
	return strconv.Quote(string(b))
}

// result is a query's answer, read once its type is known.
type result struct {
	ResultType string          `json:"resultType"`
	Result     json.RawMessage `json:"result"`
}

// query runs an instant query that must answer a vector.
func (a *apiClient) query(ctx context.Context, q string, at time.Time) ([]sample, error) {
	var data result
	err := a.get(ctx, "api/v1/query", url.Values{"query": {q}, "time": {unixSeconds(at)}}, &data)
	if err != nil {
		return nil, err
	}
	if data.ResultType != "vector" {
		return nil, fmt.Errorf("query %s: want a vector, got %s", q, data.ResultType)
	}
	var vec []sample
	if err := json.Unmarshal(data.Result, &vec); err != nil {
		return nil, fmt.Errorf("query %s: %w", q, err)
	}
	return vec, nil
}

// queryRange runs a range query that must answer a matrix.
func (a *apiClient) queryRange(ctx context.Context, q string, from, to time.Time, step time.Duration) ([]series, error) {
	var data result
	params := url.Values{"query": {q}, "start": {unixSeconds(from)}, "end": {unixSeconds(to)},
		"step": {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)}}
	if err := a.get(ctx, "api/v1/query_range", params, &data); err != nil {
		return nil, err
	}
	if data.ResultType != "matrix" {
		return nil, fmt.Errorf("range query %s: want a matrix, got %s", q, data.ResultType)
	}
	var mat []series
	if err := json.Unmarshal(data.Result, &mat); err != nil {
		return nil, fmt.Errorf("range query %s: %w", q, err)
	}
	return mat, nil
}

// activeTargets lists the targets Prometheus scrapes now.
func (a *apiClient) activeTargets(ctx context.Context) ([]target, error) {
	var data struct {
		Active []target `json:"activeTargets"`
	}
	if err := a.get(ctx, "api/v1/targets", url.Values{"state": {"active"}}, &data); err != nil {
		return nil, err
	}
	return data.Active, nil
}

func unixSeconds(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixNano())/1e9, 'f', 3, 64)
}

// promDuration is PromQL's spelling of a duration in a range selector
// ("5m", "90s"); sub-second parts are dropped.
func promDuration(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + "s"
}

var durationRE = regexp.MustCompile(`^(?:([0-9]+)y)?(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?$`)

// parseDuration reads a duration as Prometheus writes one (its
// configuration's "15s", "1m30s", "1d").
func parseDuration(s string) (time.Duration, error) {
	m := durationRE.FindStringSubmatch(s)
	if s == "" || m == nil {
		return 0, fmt.Errorf("not a Prometheus duration: %q", s)
	}
	units := []time.Duration{365 * 24 * time.Hour, 7 * 24 * time.Hour, 24 * time.Hour, time.Hour, time.Minute, time.Second, time.Millisecond}
	var d time.Duration
	for i, u := range units {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.ParseInt(m[i+1], 10, 64)
		if err != nil || n > int64(math.MaxInt64/u) {
			return 0, fmt.Errorf("duration %q out of range", s)
		}
		d += time.Duration(n) * u
	}
	return d, nil
}
