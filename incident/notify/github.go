package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultGitHubAPI is the public GitHub REST API. GitHub Enterprise
// Server answers at https://HOST/api/v3.
const DefaultGitHubAPI = "https://api.github.com"

// maxIssueBody keeps bodies under GitHub's 65,536-character limit (a
// longer one is refused with 422, and the issue would not open at all).
const maxIssueBody = 60000

// GitHubConfig is what a GitHub notifier is built from. main fills it
// from --github-repo, --github-api and GITHUB_TOKEN or
// --github-token-file.
type GitHubConfig struct {
	// API is the REST API's base URL ("" is DefaultGitHubAPI).
	API string
	// Repo is "owner/name".
	Repo string
	// Token is the bearer token; it is only ever put in the
	// Authorization header.
	Token string
	// TokenSource says where the token came from, for error messages
	// ("GITHUB_TOKEN", "--github-token-file /etc/memtui/github-token").
	TokenSource string
	// Labels are put on the issue when it is opened.
	Labels []string
	// Ledger remembers each incident's issue number across restarts; nil
	// keeps it in memory only.
	Ledger IssueLedger
	// Client is the HTTP client (nil: a default one).
	Client *http.Client
	// Retry bounds the tries (zero: 4 tries, 1 s/2 s/4 s).
	Retry Retry
}

// GitHub opens one issue per incident and comments on it for every later
// message of that incident.
type GitHub struct {
	api    string // base, without trailing slash
	owner  string
	name   string
	token  string
	source string
	labels []string
	ledger IssueLedger
	send   *sender

	mu     sync.Mutex
	issues map[string]Issue // incident → issue, also when the ledger fails
}

// isRepoPart: an owner or repository name GitHub accepts, 1 to 100 of
// A-Z a-z 0-9 _ . - (a loop, not a regexp: `{1,100}` compiles to a
// hundred copies of the class, 100 KB of heap at every start of memtui).
func isRepoPart(s string) bool {
	if len(s) < 1 || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// A token goes into a header: anything but visible ASCII would split it or
// be refused by net/http with a less helpful message.
var tokenChars = regexp.MustCompile(`^[\x21-\x7e]+$`)

// NewGitHub checks cfg and returns the notifier. Its errors name what to
// fix and never contain the token.
func NewGitHub(cfg GitHubConfig) (*GitHub, error) {
	api := cfg.API
	if api == "" {
		api = DefaultGitHubAPI
	}
	if _, err := checkBase(api, "GitHub API URL"); err != nil {
		return nil, err
	}
	owner, name, ok := strings.Cut(cfg.Repo, "/")
	if !ok || !isRepoPart(owner) || !isRepoPart(name) || name == "." || name == ".." {
		return nil, fmt.Errorf("GitHub repository %q: want OWNER/NAME", cfg.Repo)
	}
	src := cfg.TokenSource
	if src == "" {
		src = "GITHUB_TOKEN or --github-token-file"
	}
	switch {
	case cfg.Token == "":
		return nil, fmt.Errorf("no GitHub token: set GITHUB_TOKEN or pass --github-token-file")
	case len(cfg.Token) < 8 || !tokenChars.MatchString(cfg.Token):
		return nil, fmt.Errorf("the GitHub token in %s is malformed (empty, too short, or holds spaces or control characters)", src)
	}
	ledger := cfg.Ledger
	return &GitHub{
		api: strings.TrimRight(api, "/"), owner: owner, name: name,
		token: cfg.Token, source: src, labels: cfg.Labels, ledger: ledger,
		send:   newSender(cfg.Client, cfg.Retry, cfg.Token),
		issues: map[string]Issue{},
	}, nil
}

// Repo is "owner/name".
func (g *GitHub) Repo() string { return g.owner + "/" + g.name }

// Notify opens the incident's issue on its first message and comments on
// it for every later one.
func (g *GitHub) Notify(ctx context.Context, m Message) Delivery {
	// One incident's messages are serialised: two messages racing past
	// an empty ledger would open two issues.
	g.mu.Lock()
	defer g.mu.Unlock()
	d := Delivery{Channel: "github", Target: g.Repo()}
	is, known, lerr := g.lookup(m.Incident)
	if lerr != nil {
		// Unreadable ledger: better a second issue than none.
		d.Warning = "issue ledger unreadable: " + g.send.scrub(lerr.Error())
	}
	if known {
		return g.comment(ctx, d, is, m)
	}
	return g.open(ctx, d, m)
}

func (g *GitHub) lookup(incident string) (Issue, bool, error) {
	if is, ok := g.issues[incident]; ok {
		return is, true, nil
	}
	if g.ledger == nil {
		return Issue{}, false, nil
	}
	is, ok, err := g.ledger.Issue(incident, g.Repo())
	if ok {
		g.issues[incident] = is
	}
	return is, ok, err
}

func (g *GitHub) open(ctx context.Context, d Delivery, m Message) Delivery {
	body := m.Report
	if body == "" {
		body = m.Detail
	}
	payload := struct {
		Title  string   `json:"title"`
		Body   string   `json:"body"`
		Labels []string `json:"labels,omitempty"`
	}{g.send.scrub(m.Title()), g.send.scrub(cutBody(body)), g.labels}
	var out struct {
		Number  int    `json:"number"`
		HTMLURL string `json:"html_url"`
	}
	path := "/repos/" + url.PathEscape(g.owner) + "/" + url.PathEscape(g.name) + "/issues"
	d.Action = "issue opened"
	if err := g.call(ctx, &d, path, payload, &out); err != nil {
		d.Err = err
		return d
	}
	if out.Number <= 0 {
		d.Err = fmt.Errorf("GitHub answered without an issue number")
		return d
	}
	is := Issue{Repo: g.Repo(), Number: out.Number, URL: safeURL(out.HTMLURL), Opened: m.At}
	g.issues[m.Incident] = is
	d.Target = g.Repo() + "#" + strconv.Itoa(is.Number)
	d.URL = is.URL
	if g.ledger != nil {
		if err := g.ledger.SaveIssue(m.Incident, is); err != nil {
			d.Warning = "issue number not saved, a restart would open a second issue: " + g.send.scrub(err.Error())
		}
	}
	return d
}

func (g *GitHub) comment(ctx context.Context, d Delivery, is Issue, m Message) Delivery {
	body := m.Detail
	if body == "" {
		body = m.Title()
	}
	if m.Report != "" {
		// The report folded away: the comment reads as the event, the
		// full picture is one click away.
		body += "\n\n<details><summary>Report so far</summary>\n\n" + m.Report + "\n\n</details>"
	}
	payload := struct {
		Body string `json:"body"`
	}{g.send.scrub(cutBody(body))}
	var out struct {
		HTMLURL string `json:"html_url"`
	}
	path := "/repos/" + url.PathEscape(g.owner) + "/" + url.PathEscape(g.name) + "/issues/" + strconv.Itoa(is.Number) + "/comments"
	d.Target = g.Repo() + "#" + strconv.Itoa(is.Number)
	d.Action = "commented"
	if err := g.call(ctx, &d, path, payload, &out); err != nil {
		d.Err = err
		return d
	}
	d.URL = safeURL(out.HTMLURL)
	return d
}

// call POSTs payload to the API path and decodes the answer into out.
func (g *GitHub) call(ctx context.Context, d *Delivery, path string, payload, out any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	h := http.Header{}
	h.Set("Authorization", "Bearer "+g.token)
	h.Set("Accept", "application/vnd.github+json")
	h.Set("X-GitHub-Api-Version", "2022-11-28")
	h.Set("User-Agent", "memtui-watch")
	resp, tries, err := g.send.post(ctx, request{url: g.api + path, header: h, body: b, where: "POST " + g.api + path})
	d.Attempts = tries
	if err != nil {
		return g.explain(err)
	}
	if err := json.Unmarshal(resp, out); err != nil {
		return fmt.Errorf("GitHub's answer is not the JSON expected: %v", err)
	}
	return nil
}

// explain turns GitHub's status codes into what the operator should do.
func (g *GitHub) explain(err error) error {
	var se *StatusError
	if !errors.As(err, &se) {
		return err
	}
	said := "GitHub said " + se.Error()
	switch se.Code {
	case http.StatusUnauthorized:
		return fmt.Errorf("%s: the token in %s is invalid or expired", said, g.source)
	case http.StatusForbidden, http.StatusTooManyRequests:
		if se.Header.Get("X-Ratelimit-Remaining") == "0" {
			at := "later"
			if n, err := strconv.ParseInt(se.Header.Get("X-Ratelimit-Reset"), 10, 64); err == nil {
				at = "at " + time.Unix(n, 0).UTC().Format("15:04 UTC")
			}
			return fmt.Errorf("%s: the token's API rate limit is used up; it resets %s", said, at)
		}
		return fmt.Errorf("%s: the token in %s may not write issues in %s (a fine-grained token needs Issues: read and write on it, a classic token the repo scope)", said, g.source, g.Repo())
	case http.StatusNotFound:
		return fmt.Errorf("%s: %s does not exist at %s, or the token cannot see it (GitHub answers 404 for private repositories a token has no access to)", said, g.Repo(), g.api)
	case http.StatusGone:
		return fmt.Errorf("%s: issues are turned off in %s", said, g.Repo())
	case http.StatusUnprocessableEntity:
		return fmt.Errorf("%s: GitHub refused the issue's content (a label it will not create, or the issue is locked)", said)
	}
	return errors.New(said)
}

// safeURL keeps only an http(s) URL from an answer, so a hostile server
// cannot put arbitrary text in the log or on the timeline as a link.
func safeURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return ""
	}
	return cut(u.String(), 500)
}

// cutBody bounds a body to maxIssueBody, saying it was cut.
func cutBody(s string) string {
	if len(s) <= maxIssueBody {
		return s
	}
	return cut(s, maxIssueBody) + "\n\n_(cut: the full report is in `memtui report` on the host)_"
}
