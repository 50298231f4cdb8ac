package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/memtui/memtui/internal/redact"
)

// Retry bounds how hard a notifier tries. The zero value is the default:
// 4 tries, waiting 1 s, 2 s, 4 s between them, each try under 20 s.
type Retry struct {
	Tries   int           // total requests, first included
	Backoff time.Duration // wait before the second try; doubled each time
	Timeout time.Duration // one request, connection to last byte
}

func (r Retry) withDefaults() Retry {
	if r.Tries <= 0 {
		r.Tries = 4
	}
	if r.Backoff <= 0 {
		r.Backoff = time.Second
	}
	if r.Timeout <= 0 {
		r.Timeout = 20 * time.Second
	}
	return r
}

// maxRetryAfter caps a server's Retry-After: a watcher on a host in
// trouble does not sit out a long ban, it reports the failure.
const maxRetryAfter = 30 * time.Second

// Response bodies are read bounded: a proxy's error page or a hostile
// endpoint must not grow the watcher on a host short of memory.
const (
	maxResponse  = 1 << 20
	maxErrorBody = 64 << 10
)

// StatusError is a non-2xx answer. Message is the server's own words,
// redacted and on one line.
type StatusError struct {
	Code    int
	Message string
	Header  http.Header
}

func (e *StatusError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%d %s", e.Code, http.StatusText(e.Code))
	}
	return fmt.Sprintf("%d %s", e.Code, e.Message)
}

// request is one POST as a notifier wants it sent.
type request struct {
	url    string
	header http.Header
	body   []byte
	// where names the endpoint in errors without any secret ("POST
	// https://hooks.slack.com/…").
	where string
}

// sender posts with retries and keeps secrets out of what it returns.
type sender struct {
	client  *http.Client
	retry   Retry
	secrets []string
	sleep   func(ctx context.Context, d time.Duration) error // tests shorten it
}

func newSender(c *http.Client, r Retry, secrets ...string) *sender {
	if c == nil {
		c = &http.Client{}
	}
	s := &sender{client: c, retry: r.withDefaults(), sleep: sleepCtx}
	for _, x := range secrets {
		// A very short "secret" would mask ordinary words everywhere;
		// validation refuses such tokens before we get here.
		if len(x) >= 4 {
			s.secrets = append(s.secrets, x)
		}
	}
	return s
}

// scrub masks the known secrets verbatim (a token need not look like
// one), then anything else the project's one redactor recognises.
func (s *sender) scrub(t string) string {
	for _, x := range s.secrets {
		t = strings.ReplaceAll(t, x, redact.Mask)
	}
	return redact.Redact(t)
}

// post sends req until it succeeds, fails for good, or ctx ends. It
// returns the 2xx body (bounded), the number of tries, and an error whose
// text holds no secret. Retried: network errors, 5xx and 429. Not
// retried: every other 4xx, which a second try would only repeat.
//
// A POST that timed out after reaching the server may have been applied;
// retrying it can then open a second issue. One duplicate issue is a
// smaller harm than no issue about a host running out of memory.
func (s *sender) post(ctx context.Context, req request) ([]byte, int, error) {
	var last error
	wait := s.retry.Backoff
	for try := 1; try <= s.retry.Tries; try++ {
		body, retryAfter, err := s.once(ctx, req)
		if err == nil {
			return body, try, nil
		}
		last = err
		var se *StatusError
		if errors.As(err, &se) && se.Code < 500 && se.Code != http.StatusTooManyRequests {
			return nil, try, err
		}
		if ctx.Err() != nil || try == s.retry.Tries {
			return nil, try, last
		}
		d := wait
		if retryAfter > d {
			d = min(retryAfter, maxRetryAfter)
		}
		// No point waiting for a try the deadline will not allow.
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			return nil, try, last
		}
		if s.sleep(ctx, d) != nil {
			return nil, try, last
		}
		wait *= 2
	}
	return nil, s.retry.Tries, last
}

// once makes one request.
func (s *sender) once(ctx context.Context, req request) ([]byte, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, s.retry.Timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, req.url, bytes.NewReader(req.body))
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %s", req.where, s.scrub(unwrapURL(err).Error()))
	}
	hr.Header = req.header.Clone()
	hr.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(hr)
	if err != nil {
		// url.Error quotes the whole URL, which for a webhook is the
		// secret: keep only the cause.
		return nil, 0, fmt.Errorf("%s: %s", req.where, s.scrub(unwrapURL(err).Error()))
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
		if err != nil {
			return nil, 0, fmt.Errorf("%s: reading the answer: %s", req.where, s.scrub(unwrapURL(err).Error()))
		}
		return b, 0, nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	return nil, retryAfter(resp.Header), &StatusError{Code: resp.StatusCode, Message: s.scrub(errorMessage(b)), Header: resp.Header}
}

// unwrapURL drops url.Error's "Post \"URL\":" wrapper.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if errors.Is(ue.Err, context.DeadlineExceeded) {
			return errors.New("no answer in time")
		}
		var ne net.Error
		if errors.As(ue.Err, &ne) && ne.Timeout() {
			return errors.New("no answer in time")
		}
		return ue.Err
	}
	return err
}

// errorMessage takes the "message" of a JSON error body (GitHub's
// shape), else the body's text, on one short line.
func errorMessage(b []byte) string {
	var m struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(b, &m) == nil && m.Message != "" {
		return oneLine(m.Message, 200)
	}
	return oneLine(strings.ToValidUTF8(string(b), "?"), 200)
}

// retryAfter reads a Retry-After given in seconds (the form GitHub and
// Slack send); anything else is ignored.
func retryAfter(h http.Header) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// checkBase validates an endpoint URL. Plain http is accepted only on
// loopback (tests, a local relay): elsewhere it would send the secret in
// clear over the network.
func checkBase(raw, what string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%s: not an absolute http(s) URL", what)
	}
	switch u.Scheme {
	case "https":
	case "http":
		host := u.Hostname()
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return nil, fmt.Errorf("%s: plain http to %s would send the secret unencrypted; use https", what, host)
		}
	default:
		return nil, fmt.Errorf("%s: scheme %q is not http or https", what, u.Scheme)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%s: credentials in the URL are not supported", what)
	}
	return u, nil
}
