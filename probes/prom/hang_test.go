package prom_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// hangingServer accepts requests and answers none until the test ends: a
// Prometheus stuck on a heavy query.
func hangingServer(t *testing.T) string {
	done := make(chan struct{})
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Listener = l
	s.Start()
	t.Cleanup(func() { close(done); s.Close() })
	return l.Addr().String()
}
