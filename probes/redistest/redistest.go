// Package redistest starts a real, throwaway redis-server for tests: the
// distribution's binary, listening on a unix socket in a temporary
// directory and on a free loopback TCP port, with no persistence, stopped
// when the test ends. It never uses a system server (apt may have started
// one on 6379): every test gets its own port and socket.
//
// Without redis-server on the machine a test is skipped with the reason,
// except under CI=true, where it fails: CI must not pass by skipping.
package redistest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ErrNoBinary says there is no redis-server on the machine.
var ErrNoBinary = errors.New("no redis-server in PATH or /usr/bin; install the redis-server package")

// Option changes how a test server is started.
type Option func(*Server)

// Password makes the server require a password (requirepass).
func Password(pw string) Option { return func(s *Server) { s.password = pw } }

// Server is one running (or stopped) throwaway redis-server.
type Server struct {
	bin      string
	dir      string
	port     int
	password string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has been reaped
}

// Start starts a server for one test and stops it, removing its files,
// when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{}
	for _, o := range opts {
		o(s)
	}
	if err := s.start(); err != nil {
		if s.dir != "" {
			_ = os.RemoveAll(s.dir)
		}
		skipOrFail(t, err)
		return nil
	}
	t.Cleanup(func() {
		s.Stop()
		_ = os.RemoveAll(s.dir)
	})
	return s
}

func skipOrFail(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ErrNoBinary) && os.Getenv("CI") != "true" {
		t.Skipf("redistest: %v", err)
		return
	}
	t.Fatalf("redistest: %v", err)
}

func findBinary() (string, error) {
	if p, err := exec.LookPath("redis-server"); err == nil {
		return p, nil
	}
	if fi, err := os.Stat("/usr/bin/redis-server"); err == nil && !fi.IsDir() {
		return "/usr/bin/redis-server", nil
	}
	return "", ErrNoBinary
}

func (s *Server) start() error {
	bin, err := findBinary()
	if err != nil {
		return err
	}
	s.bin = bin
	// A short path: unix socket paths are limited to ~107 bytes, and
	// t.TempDir() carries the test's name.
	if s.dir, err = os.MkdirTemp("", "redistest-"); err != nil {
		return err
	}
	var last error
	for attempt := 0; attempt < 3; attempt++ {
		if s.port, err = freePort(); err != nil {
			return err
		}
		if last = s.Restart(); last == nil {
			return nil
		}
	}
	return last
}

// Restart starts a stopped server again on the same port and socket.
func (s *Server) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	args := []string{
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--unixsocket", s.Socket(), "--unixsocketperm", "700",
		"--save", "", "--appendonly", "no", "--dir", s.dir,
		"--daemonize", "no", "--logfile", filepath.Join(s.dir, "log"),
	}
	if s.password != "" {
		args = append(args, "--requirepass", s.password)
	}
	cmd := exec.Command(s.bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.DialTimeout("unix", s.Socket(), 200*time.Millisecond); err == nil {
			_ = c.Close()
			break
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(s.dir, "log"))
			return fmt.Errorf("redis-server exited at start on port %d:\n%s%s", s.port, out.String(), log)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return errors.New("redis-server did not open its socket within 10s")
		}
	}
	s.cmd, s.exited = cmd, exited
	return nil
}

// Stop kills the server (an outage, as a crash would cause) and waits for
// it to be gone.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-exited
	_ = os.Remove(s.Socket())
}

// Port is the TCP port on 127.0.0.1.
func (s *Server) Port() int { return s.port }

// Addr is 127.0.0.1:Port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Socket is the unix socket's path.
func (s *Server) Socket() string { return filepath.Join(s.dir, "redis.sock") }

// Password is the requirepass, "" for none.
func (s *Server) Password() string { return s.password }

// URL is a redis:// URL for TCP with the password, as --redis takes it.
func (s *Server) URL() string {
	if s.password != "" {
		return "redis://:" + s.password + "@" + s.Addr()
	}
	return "redis://" + s.Addr()
}

// SocketURL is a unix:// URL for the socket, without the password.
func (s *Server) SocketURL() string { return "unix://" + s.Socket() }

// Fill writes n keys of size bytes each into database db, pipelined over
// one connection.
func (s *Server) Fill(db, n, size int) error {
	cmds := [][]string{{"SELECT", strconv.Itoa(db)}}
	val := strings.Repeat("x", size)
	for i := 0; i < n; i++ {
		cmds = append(cmds, []string{"SET", fmt.Sprintf("memtui:test:%d:%d", db, i), val})
	}
	_, err := s.Do(cmds...)
	return err
}

// Do sends commands over one new connection (AUTH first when the server
// has a password) and returns the first line of each reply; an error reply
// is an error.
func (s *Server) Do(cmds ...[]string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", s.Socket())
	if err != nil {
		return nil, err
	}
	defer c.Close()
	dl, _ := ctx.Deadline()
	_ = c.SetDeadline(dl)
	if s.password != "" {
		cmds = append([][]string{{"AUTH", s.password}}, cmds...)
	}
	var w bytes.Buffer
	for _, cmd := range cmds {
		fmt.Fprintf(&w, "*%d\r\n", len(cmd))
		for _, a := range cmd {
			fmt.Fprintf(&w, "$%d\r\n%s\r\n", len(a), a)
		}
	}
	if _, err := c.Write(w.Bytes()); err != nil {
		return nil, err
	}
	r := bufio.NewReader(c)
	out := make([]string, 0, len(cmds))
	for range cmds {
		line, err := r.ReadString('\n')
		if err != nil {
			return out, err
		}
		line = strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(line, "-") {
			return out, errors.New(line[1:])
		}
		if strings.HasPrefix(line, "$") {
			// A bulk reply: keep its text, not the length line.
			n, _ := strconv.Atoi(line[1:])
			if n >= 0 {
				b := make([]byte, n+2)
				if _, err := io.ReadFull(r, b); err != nil {
					return out, err
				}
				line = string(b[:n])
			}
		}
		out = append(out, line)
	}
	return out, nil
}

// Info is the text of INFO section, as the server says it now.
func (s *Server) Info(section string) (string, error) {
	out, err := s.Do([]string{"INFO", section})
	if err != nil {
		return "", err
	}
	return out[len(out)-1], nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
