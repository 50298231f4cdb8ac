// memtui watch: the runbook's automated response, headless.

package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/memtui/memtui/probes/procfs"
	"github.com/spf13/cobra"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/actions/run"
	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/incident/notify"
	"github.com/memtui/memtui/incident/store"
	"github.com/memtui/memtui/internal/fsread"
	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/host"
	"github.com/memtui/memtui/watch"
)

// exitError ends memtui with a given status (watch --once's outcomes); an
// empty message prints nothing.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// watchBinary is memtui watch built alone (go build -tags memtui_watch):
// the same command and flags without the dashboard, the fleet and the
// other subcommands. A watcher runs for months on the host it guards, and
// every page of code a Go binary links is mapped as it runs: memtui-watch
// is 3.0 MB smaller and its watch 1.6–1.8 MiB smaller in RSS.
const watchBinary = "memtui-watch"

// watchOptions are the flags of memtui watch.
type watchOptions struct {
	cfg             watch.Config
	once            bool
	cgroup, unit    string
	githubRepo      string
	githubAPI       string
	githubTokenFile string
	githubLabels    []string
	webhook         string
	memo            string
	listen          string
	listenTokenFile string
	instances       []string
}

func newWatchCmd(o *options, stderr io.Writer) *cobra.Command {
	w := &watchOptions{cfg: watch.Defaults}
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Run the runbook's automated response with no screen: detect, clear caches, re-check, open a GitHub issue",
		Long: `memtui watch is the runbook's automated response, for a systemd service or a
timer. When memory holds at or above --threshold for --for (an OOM kill starts
it at once), it opens an incident on the host's timeline (a dashboard opened
meanwhile shows it live), runs the runbook's automated steps in order, waits
--recheck-after, and re-checks. If memory is still at or above the threshold,
it opens a GitHub issue whose body is the incident report so far, and posts
to --webhook; later escalation stages and the recovery are comments on that
issue. No second automated response starts within --cooldown.

Automated steps are the runbook actions marked auto = true. Only low-risk
actions that need no choice may be (a medium or high one is refused with its
file and line). The built-in step is clear-page-cache: sync, then drop the
clean page cache only (echo 1 > /proc/sys/vm/drop_caches); set auto = false on
it in the runbook to turn it off, or mark your own actions auto.

Scope: the whole host by default, or one memory cgroup measured against its
own limit: --cgroup DIR (a v1 or v2 cgroup directory) or --unit NAME (a
systemd unit's cgroup). A container or a MemoryMax= service runs out of
memory long before the host does.

Logs go to stderr, one key=value line per event (the journal keeps them):
  grep event=remediation_failed, event=triggered, event=notification …

Exit status of --once (for cron and timers):
  0  memory below the threshold: nothing to do
  1  remediated: the steps ran and memory is below the threshold at the re-check
  2  remediation failed: still at or above it (or no step to run); people were told
  3  error: bad flags, memory unreadable, the incident directory unusable
  4  a response was due and nothing ran: --dry-run, or within --cooldown
Without --once, memtui watch runs until SIGTERM or SIGINT and exits 0.`,
		Example: `  memtui watch                                        # the whole host, runbook defaults
  memtui watch --once --dry-run                       # what would happen now, run nothing
  memtui watch --unit odoo --threshold 90 \
      --github-repo acme/ops --github-token-file /etc/memtui/github-token
  memtui watch --cgroup /sys/fs/cgroup/memory/batch --for 30s --webhook https://hooks.slack.com/services/…`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// When memtui-watch runs, this process becomes it (it checks
			// the flags itself) and nothing below runs.
			execWatchBinary(stderr)
			code, err := runWatch(cmd.Context(), o, w, stderr)
			if err != nil {
				return &exitError{code: int(watch.ErrorOutcome), msg: err.Error()}
			}
			if code != 0 {
				return &exitError{code: code}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.Float64Var(&w.cfg.Threshold, "threshold", w.cfg.Threshold, "memory used, in percent of the host's memory (or of the cgroup's limit), at or above which to act")
	f.DurationVar(&w.cfg.For, "for", w.cfg.For, "how long memory must hold at or above the threshold before acting (an OOM kill acts at once)")
	f.DurationVar(&w.cfg.RecheckAfter, "recheck-after", w.cfg.RecheckAfter, "wait between the automated steps and the re-check")
	f.DurationVar(&w.cfg.Cooldown, "cooldown", w.cfg.Cooldown, "no second automated response within this time of the last one (kept across restarts)")
	f.BoolVar(&w.once, "once", false, "check once (over --for at most), respond if needed, and exit with the status below")
	f.BoolVar(&w.cfg.DryRun, "dry-run", false, "decide and record on the timeline, run no step, send no message")
	f.StringVar(&w.cgroup, "cgroup", "", "watch this memory cgroup against its own limit (a v1 or v2 cgroup directory)")
	f.StringVar(&w.unit, "unit", "", "watch a systemd unit's memory cgroup against its limit (odoo, postgresql@15-main.service)")
	f.StringVar(&w.githubRepo, "github-repo", "", "open a GitHub issue in OWNER/NAME when a remediation fails (token: GITHUB_TOKEN or --github-token-file)")
	f.StringVar(&w.githubAPI, "github-api", notify.DefaultGitHubAPI, "GitHub REST API base URL (GitHub Enterprise: https://HOST/api/v3)")
	f.StringVar(&w.githubTokenFile, "github-token-file", "", "file holding the GitHub token alone (mode 0600); instead of GITHUB_TOKEN")
	f.StringSliceVar(&w.githubLabels, "github-label", []string{"memtui", "incident"}, "labels of the issue (repeat or comma-separate)")
	f.StringVar(&w.webhook, "webhook", "", "also POST each message as JSON {\"text\": …} here (Slack, Mattermost incoming webhooks); the URL is a secret: prefer MEMTUI_WEBHOOK")
	f.StringVar(&w.listen, "listen", "", "also take Alertmanager's webhook notifications (version 4) on this address, e.g. 127.0.0.1:9876; a firing alert for this host starts the response at once")
	f.StringVar(&w.listenTokenFile, "listen-token-file", "", "file holding the bearer token Alertmanager must send (its http_config.authorization.credentials_file); required with --listen")
	f.StringSliceVar(&w.instances, "instance", nil, "the Prometheus instance label's host part(s) that mean this host (default: the host name); with --listen")
	f.StringVar(&w.memo, "state", "", "file keeping the cooldown and the messages sent across restarts (default: watch-HOST.json in the incident directory)")
	return cmd
}

// runWatch builds the watcher from the flags and runs it; the int is the
// exit status.
func runWatch(ctx context.Context, o *options, w *watchOptions, stderr io.Writer) (int, error) {
	if err := o.validate(); err != nil {
		return 0, err
	}
	if err := w.cfg.Validate(); err != nil {
		return 0, err
	}
	if w.cgroup != "" && w.unit != "" {
		return 0, errors.New("--cgroup and --unit both given: choose one")
	}
	if w.listen != "" && w.once {
		return 0, errors.New("--listen with --once: a receiver for Alertmanager keeps running; drop --once")
	}
	if w.listen != "" && w.listenTokenFile == "" {
		return 0, errors.New("--listen needs --listen-token-file: Alertmanager must prove who it is (http_config.authorization.credentials_file on its side)")
	}
	if w.listen == "" && (w.listenTokenFile != "" || len(w.instances) > 0) {
		return 0, errors.New("--listen-token-file and --instance go with --listen")
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(16 << 20)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	// Secrets handed to the log handler are masked wherever they appear.
	token, tokenSource, err := w.githubToken()
	if err != nil {
		return 0, err
	}
	var listenToken string
	if w.listenTokenFile != "" {
		t, warn, err := notify.ReadTokenFile(w.listenTokenFile)
		if err != nil {
			return 0, fmt.Errorf("--listen-token-file: %w", err)
		}
		if warn != "" {
			fmt.Fprintln(os.Stderr, "memtui: warning:", warn)
		}
		listenToken = t
	}
	webhook := w.webhook
	if webhook == "" {
		webhook = os.Getenv("MEMTUI_WEBHOOK")
	}
	log := slog.New(notify.NewLogHandler(stderr, slog.LevelInfo, token, webhook, listenToken))

	h := o.openHost()
	defer h.Close()
	if err := h.CanAct(); err != nil && h.Kind() != host.KindLive {
		return 0, fmt.Errorf("memtui watch acts on the live host only: %w", err)
	}
	scope, err := w.openScope(ctx, o, h)
	if err != nil {
		return 0, err
	}
	first, err := scope.Read(ctx)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", scopeWords(scope), err)
	}

	svc, err := newActionService(o, h, os.Getenv("SUDO_USER"))
	if err != nil {
		return 0, err
	}
	// The runner's before/after and re-check figures are the scope's.
	svc.Runner.Memory = scopeSampler{scope}
	// The watcher is the last process the OOM killer should take on the
	// host it watches; its steps get the old score back.
	before, now, perr := run.ProtectSelf(run.WatchOOMScoreAdj)
	switch {
	case perr != nil:
		log.Warn("not_protected", "error", perr, "effect", "the OOM killer may pick memtui watch like any process")
	case now != before:
		svc.Runner.ChildOOMScoreAdj = &before
	}
	var steps []actions.Action
	for _, a := range svc.Runbook.Actions {
		if a.Auto {
			steps = append(steps, a)
		}
	}

	info := readFacts(h)
	n, oerr := recordOrphans(o, info.Name)
	if n > 0 {
		log.Info("orphans_recorded", "runs", n, "why", "these runs ended while no memtui was running; their ends are now on their timelines")
	}
	if oerr != nil {
		log.Warn("orphans_not_recorded", "error", oerr)
	}
	sess, closeSession := newIncidentSession(o, h, detectorFacts(info), probes.DefaultThresholds())
	defer closeSession()
	svc.Runner.Keeper = newKeeper(o, sess)
	followOdooLog(ctx, readOdoo(o), sess)
	facts := incident.HostFacts{Host: info.Name, Kernel: info.Kernel, CPUs: info.CPUs, BootID: h.BootID(), MemTotalBytes: first.TotalBytes}
	sess.SetHost(facts)
	sess.Sync(ctx) // loads the incident to continue and takes the writer lock if free

	fan, err := w.notifiers(token, tokenSource, webhook, o)
	if err != nil {
		return 0, err
	}
	memoPath := w.memo
	if memoPath == "" {
		dir, err := incidentDir(o)
		if err != nil {
			return 0, fmt.Errorf("no directory for the watch state: %w (pass --state FILE)", err)
		}
		memoPath = filepath.Join(dir, "watch-"+safeName(info.Name)+scopeSuffix(scope)+".json")
	}
	deps := watch.Deps{
		Config: w.cfg, Scope: scope, Host: info.Name, Steps: steps, Runner: svc, Session: sess,
		Memo: fileMemo(memoPath), Log: log, Interval: o.interval,
		Report: func(ctx context.Context) (string, error) { return incidentReport(sess, relatedLinks(svc.Runbook)) },
	}
	if len(fan) > 0 && !w.cfg.DryRun {
		deps.Notify = fan.Notify
	}
	wt := watch.New(deps)
	if w.once {
		out, err := wt.Once(ctx)
		if err != nil {
			return 0, err
		}
		return int(out), nil
	}
	if w.listen != "" {
		names := w.instances
		if len(names) == 0 {
			names = []string{info.Name}
		}
		stopListening, err := listenAlertmanager(ctx, w.listen, listenToken, names, wt, log)
		if err != nil {
			return 0, err
		}
		defer stopListening()
	}
	wt.Run(ctx)
	return 0, nil
}

// listenAlertmanager serves Alertmanager's webhook receiver on addr: a POST
// with the bearer token and a version 4 payload; the alerts naming this
// host go to the watcher. GET /healthz answers for probes.
func listenAlertmanager(ctx context.Context, addr, token string, names []string, wt *watch.Watcher, log *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--listen %s: %w", addr, err)
	}
	if ap, err := netip.ParseAddrPort(ln.Addr().String()); err == nil && !ap.Addr().IsLoopback() {
		log.Warn("listening_beyond_loopback", "addr", ln.Addr().String(), "advice", "plain HTTP: keep it on a private network or behind a TLS proxy, the bearer token travels in clear")
	}
	want := []byte("Bearer " + token)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, _ *http.Request) { io.WriteString(rw, "ok\n") })
	mux.HandleFunc("POST /", func(rw http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			log.Warn("alert_refused", "from", r.RemoteAddr, "why", "missing or wrong bearer token")
			http.Error(rw, "missing or wrong bearer token", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, watch.MaxWebhookBytes))
		if err != nil {
			http.Error(rw, "body too large or unreadable", http.StatusRequestEntityTooLarge)
			return
		}
		hook, err := watch.ParseWebhook(body)
		if err != nil {
			log.Warn("alert_refused", "from", r.RemoteAddr, "why", err)
			http.Error(rw, err.Error(), http.StatusBadRequest)
			return
		}
		mine, others := hook.ForHost(names)
		if len(others) > 0 {
			log.Info("alerts_for_other_hosts", "count", len(others), "instance", others[0].Labels["instance"], "this_host", strings.Join(names, ","))
		}
		if len(mine) > 0 && !wt.Alert(mine) {
			http.Error(rw, "busy: try again", http.StatusServiceUnavailable)
			return
		}
		rw.WriteHeader(http.StatusOK)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "for", "alertmanager webhook", "instances", strings.Join(names, ","))
	return func() {
		c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(c)
	}, nil
}

// githubToken is the token and where it came from: --github-token-file,
// else GITHUB_TOKEN; none without --github-repo.
func (w *watchOptions) githubToken() (token, source string, err error) {
	if w.githubRepo == "" {
		if w.githubTokenFile != "" {
			return "", "", errors.New("--github-token-file without --github-repo: say which repository gets the issues")
		}
		return "", "", nil
	}
	if w.githubTokenFile != "" {
		t, warn, err := notify.ReadTokenFile(w.githubTokenFile)
		if err != nil {
			return "", "", err
		}
		if warn != "" {
			fmt.Fprintln(os.Stderr, "memtui: warning:", warn)
		}
		return t, "--github-token-file " + w.githubTokenFile, nil
	}
	return os.Getenv("GITHUB_TOKEN"), "GITHUB_TOKEN", nil
}

// notifiers are GitHub then the webhook, so the chat message can link the
// issue.
func (w *watchOptions) notifiers(token, tokenSource, webhook string, o *options) (notify.Fanout, error) {
	var fan notify.Fanout
	if w.githubRepo != "" {
		var ledger notify.IssueLedger
		if dir, err := incidentDir(o); err == nil {
			ledger = notify.NewFileLedger(filepath.Join(dir, "github-issues.json"))
		}
		g, err := notify.NewGitHub(notify.GitHubConfig{API: w.githubAPI, Repo: w.githubRepo, Token: token, TokenSource: tokenSource,
			Labels: w.githubLabels, Ledger: ledger})
		if err != nil {
			return nil, err
		}
		fan = append(fan, g)
	}
	if webhook != "" {
		wh, err := notify.NewWebhook(notify.WebhookConfig{URL: webhook})
		if err != nil {
			return nil, fmt.Errorf("--webhook: %w", err)
		}
		fan = append(fan, wh)
	}
	return fan, nil
}

// openScope is the host's memory, or the cgroup of --cgroup or --unit.
func (w *watchOptions) openScope(ctx context.Context, o *options, h host.Host) (watch.Scope, error) {
	dir := w.cgroup
	if w.unit != "" {
		d, err := procfs.NewFS(o.proc, o.sys).UnitCgroup(ctx, w.unit, procfs.SystemctlControlGroup)
		if err != nil {
			return nil, fmt.Errorf("--unit: %w", err)
		}
		dir = d
	}
	if dir == "" {
		return hostScope{src: h.Memory()}, nil
	}
	m, err := procfs.OpenMemcg(dir)
	if err != nil {
		return nil, err
	}
	r, err := m.Read()
	if err != nil {
		return nil, err
	}
	if !r.Limited() {
		return nil, fmt.Errorf("cgroup %s has no memory limit: there is no percentage to watch (set MemoryMax= / memory.limit_in_bytes, or watch the host)", m.Dir())
	}
	return cgroupScope{m: m}, nil
}

// hostScope is the whole host's memory, the dashboard's definition:
// 1 − MemAvailable/MemTotal.
type hostScope struct{ src host.MemorySource }

func (hostScope) Name() string { return "" }

func (s hostScope) Read(context.Context) (watch.Sample, error) {
	m := s.src.Read()
	if m.MeminfoErr != nil {
		return watch.Sample{}, m.MeminfoErr
	}
	pct, ok := m.UsedPercent()
	if !ok {
		return watch.Sample{}, errors.New("memory: used percent unknown (no MemTotal or MemAvailable)")
	}
	mi := m.Meminfo
	out := watch.Sample{At: m.Time, UsedPct: pct, UsedBytes: mi.Used().Or(0), TotalBytes: mi.MemTotal.Or(0)}
	if m.VMStatErr == nil && m.VMStat.OOMKill.OK {
		out.OOMKills, out.OOMKnown = m.VMStat.OOMKill.V, true
	}
	return out, nil
}

// cgroupScope is one memory cgroup against its own limit.
type cgroupScope struct{ m *procfs.Memcg }

func (s cgroupScope) Name() string { return "cgroup " + s.m.Dir() }

func (s cgroupScope) Read(context.Context) (watch.Sample, error) {
	r, err := s.m.Read()
	if err != nil {
		return watch.Sample{}, err
	}
	pct, ok := r.UsedPercent()
	if !ok {
		return watch.Sample{}, fmt.Errorf("cgroup %s: no memory limit now: there is no percentage to watch", s.m.Dir())
	}
	out := watch.Sample{At: time.Now(), UsedPct: pct, UsedBytes: r.Usage.V, TotalBytes: r.Limit.V}
	if r.OOMKills.OK {
		out.OOMKills, out.OOMKnown = r.OOMKills.V, true
	}
	return out, nil
}

// scopeSampler gives the runner the scope's memory for its before, after
// and re-check figures.
type scopeSampler struct{ s watch.Scope }

func (s scopeSampler) SampleMemory(ctx context.Context) (actions.Memory, error) {
	r, err := s.s.Read(ctx)
	if err != nil {
		return actions.Memory{}, err
	}
	return actions.Memory{At: r.At, TotalBytes: r.TotalBytes, UsedBytes: r.UsedBytes,
		AvailableBytes: r.TotalBytes - min(r.UsedBytes, r.TotalBytes), UsedPercent: r.UsedPct}, nil
}

func scopeWords(s watch.Scope) string {
	if n := s.Name(); n != "" {
		return n
	}
	return "host memory"
}

// scopeSuffix keeps a cgroup watcher's state apart from the host's.
func scopeSuffix(s watch.Scope) string {
	if s.Name() == "" {
		return ""
	}
	return "-" + safeName(strings.TrimPrefix(s.Name(), "cgroup "))
}

// safeName is s usable in a file name.
func safeName(s string) string {
	s = strings.Trim(s, "/")
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
			return r
		}
		return '_'
	}, s)
}

// incidentReport is the markdown report of the session's incident as it
// is on disk now, listing related.
func incidentReport(sess *incident.Session, related []incident.Link) (string, error) {
	p, _, _ := sess.Incident()
	if p == "" {
		return "", errors.New("no timeline file yet")
	}
	l, err := store.Load(p)
	if err != nil {
		return "", err
	}
	return string(incident.Render(l, time.Now(), related...)), nil
}

// fileMemo keeps watch.Memory in a JSON file, written atomically.
type fileMemo string

func (f fileMemo) Load() (watch.Memory, error) {
	var m watch.Memory
	r, err := fsread.OpenRegular(string(f))
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return m, err
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, 1<<16))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return watch.Memory{}, fmt.Errorf("%s: %w", string(f), err)
	}
	return m, nil
}

func (f fileMemo) Save(m watch.Memory) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(string(f)), 0o700); err != nil {
		return err
	}
	return store.WriteFileAtomic(string(f), append(b, '\n'))
}
