package redisprobe

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/memtui/memtui/probes"
)

// ResolveRedisTarget reads the --redis value: "none" turns Redis off;
// redis://, rediss:// and unix:// URLs as redis-cli -u takes
// them; a bare host:port or socket path is accepted too. envAuth is
// REDISCLI_AUTH (main.go reads it), used when the URL has no password, as
// redis-cli does. It is pure, and its errors never quote the input, which
// may hold the password.
func ResolveRedisTarget(raw, envAuth string) (probes.RedisTarget, error) {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		raw = probes.DefaultRedisURL
	case strings.EqualFold(raw, "none"):
		return probes.RedisTarget{Disabled: true}, nil
	case strings.HasPrefix(raw, "/"):
		raw = "unix://" + raw
	case !strings.Contains(raw, "://"):
		raw = "redis://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return probes.RedisTarget{}, errors.New("--redis is not a URL: " + probes.RedisConfigHelp)
	}
	t := probes.RedisTarget{}
	if u.User != nil {
		t.Username = u.User.Username()
		t.Password, _ = u.User.Password()
	}
	q := u.Query()
	switch strings.ToLower(u.Scheme) {
	case "redis", "rediss":
		t.Network, t.TLS = "tcp", strings.EqualFold(u.Scheme, "rediss")
		host, port := u.Hostname(), u.Port()
		if host == "" {
			host = "localhost"
		}
		if port == "" {
			port = "6379"
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return probes.RedisTarget{}, errors.New("--redis: the port is not a number from 1 to 65535")
		}
		t.Addr = net.JoinHostPort(host, port)
		if p := strings.Trim(u.Path, "/"); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil || n < 0 {
				return probes.RedisTarget{}, errors.New("--redis: the path is not a database number (redis://host:6379/0)")
			}
			t.DB = n
		}
	case "unix":
		if u.Path == "" || u.Host != "" {
			return probes.RedisTarget{}, errors.New("--redis: a unix socket URL is unix:///path/to/redis.sock (three slashes)")
		}
		t.Network, t.Addr = "unix", u.Path
	default:
		return probes.RedisTarget{}, fmt.Errorf("--redis: scheme %q is not redis, rediss or unix", probes.PGText(u.Scheme))
	}
	for k := range q {
		switch k {
		case "db":
			n, err := strconv.Atoi(q.Get("db"))
			if err != nil || n < 0 {
				return probes.RedisTarget{}, errors.New("--redis: db= is not a database number")
			}
			t.DB = n
		case "password":
			t.Password = q.Get("password")
		default:
			return probes.RedisTarget{}, fmt.Errorf("--redis: unknown parameter %q (known: db, password)", probes.PGText(k))
		}
	}
	if t.Password == "" {
		t.Password = envAuth
	}
	return t, nil
}
