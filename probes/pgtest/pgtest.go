// Package pgtest starts a real, throwaway PostgreSQL server for tests: initdb
// and pg_ctl from the machine's PostgreSQL binaries into a temporary
// directory, listening on a unix socket in that directory and on a free
// loopback TCP port, with password (scram-sha-256) authentication everywhere.
//
// Tests that need their own server (outage tests that Stop and Restart it)
// call Start. Packages whose tests can share one server start it once in
// TestMain, because initdb takes seconds:
//
//	func TestMain(m *testing.M) {
//		stop := pgtest.StartMain()
//		code := m.Run()
//		stop()
//		os.Exit(code)
//	}
//
//	func TestSomething(t *testing.T) {
//		srv := pgtest.Shared(t)
//		...
//	}
//
// Without PostgreSQL binaries on the machine a test is skipped with the reason,
// except under CI=true, where it fails: CI must not pass by skipping.
package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// SuperUser is the name of the bootstrap superuser of every test server.
const SuperUser = "postgres"

// ErrNoBinaries says no PostgreSQL server binaries were found on the machine.
var ErrNoBinaries = errors.New("no PostgreSQL binaries (initdb, pg_ctl) in PATH or /usr/lib/postgresql/*/bin")

// Option changes how a test server is set up.
type Option func(*config)

type config struct {
	settings map[string]string
}

// MaxConnections sets the server's max_connections (default 100). Benchmarks
// that open hundreds of sessions and tests of "too many clients" use it.
func MaxConnections(n int) Option {
	return Setting("max_connections", strconv.Itoa(n))
}

// Setting sets any postgresql.conf parameter, e.g.
// Setting("superuser_reserved_connections", "1").
func Setting(name, value string) Option {
	return func(c *config) { c.settings[name] = value }
}

// Server is one running (or stopped) throwaway PostgreSQL cluster.
type Server struct {
	bin      string // directory holding initdb, pg_ctl and postgres
	base     string // temp dir owned by the server user: data/, sock/, log
	port     int
	password string
	cred     *syscall.Credential // nil when not running as root

	mu      sync.Mutex
	running bool
}

// Start initialises and starts a server for one test and stops and removes it
// when the test ends. It skips the test when there are no PostgreSQL binaries
// (fails under CI=true) and fails it when the server does not come up.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	srv, err := start(opts...)
	if err != nil {
		skipOrFail(t, err)
		return nil
	}
	t.Cleanup(srv.destroy)
	return srv
}

var shared struct {
	srv *Server
	err error
	set bool
}

// StartMain starts one server for a whole test package, to be called from
// TestMain before m.Run; tests get it with Shared. The returned function stops
// the server and removes its files; call it after m.Run. A failure to start is
// not reported here (TestMain has no testing.TB) but by every Shared call.
func StartMain(opts ...Option) (stop func()) {
	srv, err := start(opts...)
	shared.srv, shared.err, shared.set = srv, err, true
	return func() {
		if srv != nil {
			srv.destroy()
		}
	}
}

// Shared returns the package's server started by StartMain. It skips the test
// (fails under CI=true) when there are no binaries, and fails it when the
// server did not start or StartMain was not called. Tests must not Stop or
// Restart the shared server: other tests use it too.
func Shared(t testing.TB) *Server {
	t.Helper()
	if !shared.set {
		t.Fatal("pgtest.Shared: call pgtest.StartMain from TestMain first")
	}
	if shared.err != nil {
		skipOrFail(t, shared.err)
		return nil
	}
	return shared.srv
}

func skipOrFail(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ErrNoBinaries) && os.Getenv("CI") != "true" {
		t.Skipf("pgtest: %v; install PostgreSQL server packages to run this test", err)
		return
	}
	t.Fatalf("pgtest: %v", err)
}

// DSN is a keyword/value connection string for dbname over the unix socket,
// as the superuser with its password. dbname "" means "postgres".
func (s *Server) DSN(dbname string) string {
	return s.DSNFor(SuperUser, s.password, dbname)
}

// DSNFor is like DSN for another user and password (e.g. a wrong password).
func (s *Server) DSNFor(user, password, dbname string) string {
	if dbname == "" {
		dbname = "postgres"
	}
	return fmt.Sprintf("host=%s port=%d user=%s password=%s dbname=%s sslmode=disable",
		quoteKV(s.SocketDir()), s.port, quoteKV(user), quoteKV(password), quoteKV(dbname))
}

// TCPURL is a postgres:// URL for dbname over loopback TCP (127.0.0.1:Port),
// as the superuser with its password.
func (s *Server) TCPURL(dbname string) string {
	if dbname == "" {
		dbname = "postgres"
	}
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(SuperUser, s.password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)),
		Path:     "/" + dbname,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Password is the superuser's password (random per server).
func (s *Server) Password() string { return s.password }

// User is the superuser's name.
func (s *Server) User() string { return SuperUser }

// SocketDir is the directory holding the server's unix socket
// (.s.PGSQL.<Port>).
func (s *Server) SocketDir() string { return filepath.Join(s.base, "sock") }

// Port is the TCP port on 127.0.0.1, also the number in the socket's name.
func (s *Server) Port() int { return s.port }

// HoldIdle opens n sessions to dbname over TCP and leaves them idle until
// the test ends: the load a PostgreSQL view is expected to count.
func (s *Server) HoldIdle(t testing.TB, dbname string, n int) {
	t.Helper()
	for range n {
		conn, err := pgx.Connect(context.Background(), s.TCPURL(dbname))
		if err != nil {
			t.Fatalf("PostgreSQL session %s: %v", dbname, err)
		}
		t.Cleanup(func() { conn.Close(context.Background()) })
	}
}

// DataDir is the cluster's data directory.
func (s *Server) DataDir() string { return filepath.Join(s.base, "data") }

// Stop shuts the server down (fast mode: sessions are terminated), for
// outage tests. It panics on failure: a server that will not stop leaves the
// test meaningless.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.running {
		return
	}
	if out, err := s.run(30*time.Second, "pg_ctl", "-D", s.DataDir(), "-m", "fast", "-w", "-t", "30", "stop"); err != nil {
		panic(fmt.Sprintf("pgtest: pg_ctl stop: %v\n%s", err, out))
	}
	s.running = false
}

// Restart starts a stopped server again on the same port and socket (or
// restarts a running one). It panics on failure, like Stop.
func (s *Server) Restart() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		if out, err := s.run(30*time.Second, "pg_ctl", "-D", s.DataDir(), "-m", "fast", "-w", "-t", "30", "stop"); err != nil {
			panic(fmt.Sprintf("pgtest: pg_ctl stop: %v\n%s", err, out))
		}
		s.running = false
	}
	if err := s.startLocked(); err != nil {
		panic(fmt.Sprintf("pgtest: restart: %v", err))
	}
}

// destroy stops the server immediately and removes its files.
func (s *Server) destroy() {
	s.mu.Lock()
	if s.running {
		// immediate: cleanup must not wait for sessions a failed test left open.
		_, _ = s.run(30*time.Second, "pg_ctl", "-D", s.DataDir(), "-m", "immediate", "-w", "-t", "30", "stop")
		s.running = false
	}
	s.mu.Unlock()
	_ = os.RemoveAll(s.base)
}

func start(opts ...Option) (*Server, error) {
	cfg := config{settings: map[string]string{}}
	for _, o := range opts {
		o(&cfg)
	}
	bin, err := findBinaries()
	if err != nil {
		return nil, err
	}
	cred, err := serverCredential()
	if err != nil {
		return nil, err
	}
	pw, err := randomPassword()
	if err != nil {
		return nil, err
	}
	// A short base path: unix socket paths are limited to ~107 bytes.
	base, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, base: base, password: pw, cred: cred}
	ok := false
	defer func() {
		if !ok {
			s.destroy()
		}
	}()
	if err := s.prepareDirs(); err != nil {
		return nil, err
	}
	if err := s.initdb(cfg); err != nil {
		return nil, err
	}
	// Another process can take a free port between our probe and the server's
	// bind; try a few ports before giving up.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s.port = port
		s.mu.Lock()
		lastErr = s.startLocked()
		s.mu.Unlock()
		if lastErr == nil {
			ok = true
			return s, nil
		}
	}
	return nil, lastErr
}

// findBinaries returns the directory with initdb, pg_ctl and postgres: the one
// initdb in PATH resolves to, else the newest /usr/lib/postgresql/N/bin.
func findBinaries() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dir := filepath.Dir(real)
			if hasServer(dir) {
				return dir, nil
			}
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if hasServer(d) {
			return d, nil
		}
	}
	return "", ErrNoBinaries
}

func versionOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func hasServer(dir string) bool {
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// serverCredential: initdb, pg_ctl and postgres refuse to run as root, so as
// root they run as "postgres" (or "nobody"); otherwise as ourselves (nil).
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		// Groups empty: drop root's supplementary groups.
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, nil
	}
	return nil, errors.New("running as root and neither user postgres nor nobody exists to run the server as")
}

func (s *Server) prepareDirs() error {
	for _, d := range []string{s.base, s.SocketDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
		if s.cred != nil {
			if err := os.Chown(d, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
				return err
			}
		}
	}
	if s.cred == nil {
		return nil
	}
	// The server user must reach base through its parents (they need o+x);
	// os.TempDir is normally /tmp (1777), but TMPDIR may point elsewhere.
	for dir := filepath.Dir(s.base); ; dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("%s is not searchable by others (needs o+x) so the server user cannot reach %s; set TMPDIR to e.g. /tmp", dir, s.base)
		}
		if dir == filepath.Dir(dir) {
			return nil
		}
	}
}

func (s *Server) initdb(cfg config) error {
	pwfile := filepath.Join(s.base, "pwfile")
	if err := os.WriteFile(pwfile, []byte(s.password+"\n"), 0o600); err != nil {
		return err
	}
	if s.cred != nil {
		if err := os.Chown(pwfile, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return err
		}
	}
	out, err := s.run(2*time.Minute, "initdb",
		"-D", s.DataDir(), "-U", SuperUser, "--pwfile", pwfile,
		"--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
		"--encoding=UTF8", "--locale=C", "--no-sync")
	_ = os.Remove(pwfile)
	if err != nil {
		return fmt.Errorf("initdb: %v\n%s", err, out)
	}
	// Speed over durability: this cluster lives for one test run.
	settings := map[string]string{
		"fsync":                      "off",
		"synchronous_commit":         "off",
		"full_page_writes":           "off",
		"shared_buffers":             "16MB",
		"max_wal_size":               "64MB",
		"listen_addresses":           "'127.0.0.1'",
		"unix_socket_directories":    "'" + s.SocketDir() + "'",
		"logging_collector":          "off",
		"log_min_messages":           "warning",
		"password_encryption":        "'scram-sha-256'",
		"dynamic_shared_memory_type": "posix",
	}
	for k, v := range cfg.settings {
		settings[k] = quoteConf(v)
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var conf bytes.Buffer
	conf.WriteString("\n# pgtest\n")
	for _, k := range keys {
		fmt.Fprintf(&conf, "%s = %s\n", k, settings[k])
	}
	f, err := os.OpenFile(filepath.Join(s.DataDir(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.Write(conf.Bytes())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// quoteConf quotes a value unless it is already quoted or a plain word/number.
func quoteConf(v string) string {
	if strings.HasPrefix(v, "'") {
		return v
	}
	for _, r := range v {
		if !(r == '.' || r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return "'" + strings.ReplaceAll(v, "'", "''") + "'"
		}
	}
	return v
}

func (s *Server) startLocked() error {
	logFile := filepath.Join(s.base, "server.log")
	out, err := s.run(60*time.Second, "pg_ctl", "-D", s.DataDir(), "-l", logFile,
		"-o", "-p "+strconv.Itoa(s.port), "-w", "-t", "60", "start")
	if err != nil {
		logTail, _ := os.ReadFile(logFile)
		if len(logTail) > 4000 {
			logTail = logTail[len(logTail)-4000:]
		}
		return fmt.Errorf("pg_ctl start on port %d: %v\n%s\nserver log:\n%s", s.port, err, out, logTail)
	}
	s.running = true
	return nil
}

// run executes one of the PostgreSQL binaries as the server user, with a
// clean PG* environment so the caller's PGDATA/PGPORT cannot interfere.
func (s *Server) run(timeout time.Duration, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...)
	cmd.Dir = s.base
	env := []string{"LC_ALL=C", "LANG=C", "PATH=" + s.bin + ":/usr/bin:/bin"}
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
		env = append(env, "HOME="+s.base)
	} else if home, err := os.UserHomeDir(); err == nil {
		env = append(env, "HOME="+home)
	}
	cmd.Env = env
	// pg_ctl start leaves the postmaster running with our pipes as its
	// stdout/stderr unless told otherwise (-l sends the server's output to the
	// log), so collect output into a buffer and don't wait for the pipes.
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	return buf.Bytes(), err
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomPassword() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "pgtest-" + hex.EncodeToString(b), nil
}

// quoteKV quotes a keyword/value DSN value when it needs it.
func quoteKV(v string) string {
	if v != "" && !strings.ContainsAny(v, " '\\") {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}
