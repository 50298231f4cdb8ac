package store

import (
	"bytes"
	"time"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/incident/incidenttest"
	"github.com/memtui/memtui/internal/fsread"
)

// t0 and the pointer helpers are the incident tests' own (incidenttest),
// under the short names the tests were written with.
var (
	t0 = incidenttest.T0
	ip = incidenttest.IP
	up = incidenttest.UP
	tp = incidenttest.TP
)

// testClock is a clock the test moves.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

func ptr[T any](v T) *T { return &v }

// parseLog is Load over bytes, for tests and the fuzzer.
func parseLog(path string, b []byte) (*incident.Log, error) {
	return incident.ScanReader(path, bytes.NewReader(b), nil)
}

// loadChunk is Load reading chunk bytes at a time (0: Load itself).
func loadChunk(path string, chunk int) (*incident.Log, error) {
	return scanChunk(path, chunk, nil)
}

// scanChunk is Scan reading chunk bytes at a time (0: Scan itself), so
// lines cross chunk boundaries.
func scanChunk(path string, chunk int, each func(incident.Event)) (*incident.Log, error) {
	if chunk == 0 {
		return Scan(path, each)
	}
	f, err := fsread.OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return incident.ScanReaderSize(path, f, each, chunk)
}
