// Package prom reads a fleet of hosts from a Prometheus server: every
// node_exporter instance in one batched set of queries per refresh, never
// one query per host, so the cost grows with the series Prometheus scans and
// not with round trips.
package prom

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/memtui/memtui/probes"
)

// Config says how to reach Prometheus.
type Config struct {
	URL           string // may carry user:password for basic auth
	BearerFile    string // a file holding a bearer token
	BasicAuthFile string // a file holding "user:password"
	CAFile        string // a PEM bundle to verify the server with
	Timeout       time.Duration
}

// Client is a read-only Prometheus fleet source.
type Client struct {
	api     *apiClient
	addr    string // the URL without credentials, for messages
	timeout time.Duration
}

// New builds a client; it makes no request, so a Prometheus that is down at
// start shows in the screen rather than refusing to start.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("--prometheus %q: want a URL such as http://prometheus:9090", cfg.URL)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("--prometheus-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--prometheus-ca %s: no PEM certificate in it", cfg.CAFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	auth := authTransport{next: tr}
	if u.User != nil {
		auth.user = u.User.Username()
		auth.pass, _ = u.User.Password()
		auth.basic = true
		u.User = nil
	}
	if cfg.BasicAuthFile != "" {
		b, err := os.ReadFile(cfg.BasicAuthFile)
		if err != nil {
			return nil, fmt.Errorf("--prometheus-basic-auth-file: %w", err)
		}
		user, pass, ok := strings.Cut(strings.TrimSpace(string(b)), ":")
		if !ok {
			return nil, fmt.Errorf("--prometheus-basic-auth-file %s: want one line user:password", cfg.BasicAuthFile)
		}
		auth.user, auth.pass, auth.basic = user, pass, true
	}
	if cfg.BearerFile != "" {
		b, err := os.ReadFile(cfg.BearerFile)
		if err != nil {
			return nil, fmt.Errorf("--prometheus-bearer-file: %w", err)
		}
		auth.bearer = strings.TrimSpace(string(b))
	}
	to := cfg.Timeout
	if to <= 0 {
		to = 5 * time.Second
	}
	a := &apiClient{base: u, hc: &http.Client{Transport: auth}}
	return &Client{api: a, addr: u.String(), timeout: to}, nil
}

// authTransport adds the credentials to every request; the token is read
// once at start so a rotated file needs a restart, as with Prometheus itself.
type authTransport struct {
	next       http.RoundTripper
	bearer     string
	basic      bool
	user, pass string
}

func (a authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if a.bearer != "" {
		r.Header.Set("Authorization", "Bearer "+a.bearer)
	} else if a.basic {
		r.SetBasicAuth(a.user, a.pass)
	}
	return a.next.RoundTrip(r)
}

// Addr is the server's URL without credentials.
func (c *Client) Addr() string { return c.addr }

// The fleet queries. Each is over all instances at once; by (instance) so
// a host scraped by two jobs stays one row.
const (
	qKnown   = `max by (instance) (last_over_time(node_memory_MemTotal_bytes[1h]))`
	qUp      = `max by (instance) (up)`
	qMem     = `max by (instance) (100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes))`
	qAge     = `min by (instance) (time() - timestamp(node_memory_MemTotal_bytes))`
	qSwapUse = `max by (instance) (node_memory_SwapTotal_bytes - node_memory_SwapFree_bytes)`
	qSwapTot = `max by (instance) (node_memory_SwapTotal_bytes)`
	qSome    = `max by (instance) (100 * rate(node_pressure_memory_waiting_seconds_total[1m]))`
	qFull    = `max by (instance) (100 * rate(node_pressure_memory_stalled_seconds_total[1m]))`
	qOOM     = `max by (instance) (increase(node_vmstat_oom_kill[1h]))`
)

// SparkStep is the step of the hour's range query: 60 points per host.
const SparkStep = time.Minute

// Fleet reads every instance in one batch: the instant queries run side by
// side, plus one range query for the sparklines and one targets call for
// the scrape intervals, all under the client's timeout.
func (c *Client) Fleet(ctx context.Context, now time.Time) probes.FleetReading {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	start := time.Now()
	queries := []string{qKnown, qUp, qMem, qAge, qSwapUse, qSwapTot, qSome, qFull, qOOM}
	results := make([]map[string]float64, len(queries))
	errs := make([]error, len(queries)+2)
	var spark map[string][]float64
	var intervals map[string]time.Duration
	var wg sync.WaitGroup
	for i, q := range queries {
		wg.Go(func() { results[i], errs[i] = c.instant(ctx, q, now) })
	}
	wg.Go(func() {
		spark, errs[len(queries)] = c.rangeByInstance(ctx, qMem, now.Add(-time.Hour), now, SparkStep)
	})
	wg.Go(func() { intervals, errs[len(queries)+1] = c.scrapeIntervals(ctx) })
	wg.Wait()
	took := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return probes.FleetReading{At: now, Took: took, Err: c.explain(err)}
		}
	}
	known, up, mem, age, swapUse, swapTot, some, full, oom := results[0], results[1], results[2], results[3], results[4], results[5], results[6], results[7], results[8]
	for inst := range mem { // an instance can be new within the hour's lookback
		if _, ok := known[inst]; !ok {
			known[inst] = 0
		}
	}
	rows := make([]probes.FleetRow, 0, len(known))
	for inst := range known {
		r := probes.FleetRow{Instance: inst, MemPct: ptr(mem, inst), SwapUsed: ptr(swapUse, inst), SwapTotal: ptr(swapTot, inst),
			PSISome: ptr(some, inst), PSIFull: ptr(full, inst), OOM1h: ptr(oom, inst), Spark: spark[inst]}
		u, ok := up[inst]
		r.Up = ok && u == 1
		iv := intervals[inst]
		if iv <= 0 {
			iv = 15 * time.Second // Prometheus's default scrape interval
		}
		if a, ok := age[inst]; ok {
			r.Age = time.Duration(a * float64(time.Second))
			r.Stale = r.Age > 2*iv
		} else {
			r.Stale = true // no memory sample within the lookback: the exporter went away
		}
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Instance < rows[j].Instance })
	return probes.FleetReading{Rows: rows, At: now, Took: took}
}

// explain turns a client error into words a person can act on.
func (c *Client) explain(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("Prometheus at %s: timeout after %s", c.addr, c.timeout)
	}
	return fmt.Errorf("Prometheus at %s: %w", c.addr, err)
}

func (c *Client) instant(ctx context.Context, q string, at time.Time) (map[string]float64, error) {
	vec, err := c.api.query(ctx, q, at)
	if err != nil {
		return nil, err
	}
	out := make(map[string]float64, len(vec))
	for _, s := range vec {
		out[s.Metric["instance"]] = s.Value.V
	}
	return out, nil
}

func (c *Client) rangeByInstance(ctx context.Context, q string, from, to time.Time, step time.Duration) (map[string][]float64, error) {
	m, err := c.api.queryRange(ctx, q, from, to, step)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]float64, len(m))
	for _, s := range m {
		vals := make([]float64, len(s.Values))
		for i, p := range s.Values {
			vals[i] = p.V
		}
		out[s.Metric["instance"]] = vals
	}
	return out, nil
}

func (c *Client) scrapeIntervals(ctx context.Context) (map[string]time.Duration, error) {
	active, err := c.api.activeTargets(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]time.Duration{}
	for _, a := range active {
		// The interval is a discovered label (the API has no field for it).
		d, err := parseDuration(a.DiscoveredLabels["__scrape_interval__"])
		if err != nil {
			continue
		}
		out[a.Labels["instance"]] = d
	}
	return out, nil
}

func ptr(m map[string]float64, k string) *float64 {
	v, ok := m[k]
	if !ok {
		return nil
	}
	return &v
}

// hostSelector matches every exporter of the instance's host: their
// instance labels have other ports than node_exporter's, so the host is
// matched by the name before the port.
func hostSelector(instance string) string {
	name := instance
	if i := strings.LastIndex(name, ":"); i > 0 {
		name = name[:i]
	}
	return `instance=~` + strconv.Quote(regexpQuote(name)+`(:[0-9]+)?`)
}

// sumBy runs an instant query and sums its samples by one label ("" puts
// every sample under "").
func (c *Client) sumBy(ctx context.Context, q, label string, now time.Time) (map[string]float64, error) {
	vec, err := c.api.query(ctx, q, now)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, s := range vec {
		out[s.Metric[label]] += s.Value.V
	}
	return out, nil
}

// regexpQuote escapes a host name for a PromQL regular expression (RE2);
// strconv.Quote then escapes it for the string around it.
func regexpQuote(s string) string { return regexp.QuoteMeta(s) }
