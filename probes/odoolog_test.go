package probes

import (
	"testing"
	"time"
)

// odooLogLines are Odoo 16/17 log lines as odoo/service/server.py and a
// request's traceback write them.
var odooLogLines = []struct {
	line string
	kind OdooLogKind
}{
	{"2026-12-04 01:20:13,512 4243 INFO prod odoo.service.server: Worker (4243) virtual memory limit (2214592512) reached.", OdooLogRecycled},
	{"2026-12-04 01:21:02,004 4244 INFO prod odoo.service.server: Worker (4244) CPU time limit (60) reached.", OdooLogCPULimit},
	{"2026-12-04 01:22:40,100 4242 ERROR ? odoo.service.server: WorkerHTTP (4245) timeout after 120s", OdooLogTimeout},
	{"2026-12-04 01:23:00,001 4246 ERROR prod odoo.http: Exception during request handling.", ""},
	{"Traceback (most recent call last):", ""},
	{"  File \"/opt/odoo/odoo/http.py\", line 2189, in __call__", ""},
	{"MemoryError", OdooLogMemoryError},
	{"2026-12-04 01:24:00,001 4242 INFO prod werkzeug: 127.0.0.1 - - \"POST /web/dataset/call_kw HTTP/1.1\" 200 - 12 0.01 0.04", ""},
}

func TestParseOdooLogLine(t *testing.T) {
	var last time.Time
	for _, tc := range odooLogLines {
		ev, ok := ParseOdooLogLine(tc.line, time.UTC, last)
		if ok != (tc.kind != "") || ev.Kind != tc.kind {
			t.Errorf("%q: kind %q ok %v, want %q", tc.line, ev.Kind, ok, tc.kind)
		}
		last = LastPrefixedTime(tc.line, time.UTC, last)
		if ok && tc.kind == OdooLogMemoryError && !ev.At.Equal(time.Date(2026, 12, 4, 1, 23, 0, 0, time.UTC)) {
			t.Errorf("a traceback's MemoryError dated %v, want its request's line", ev.At)
		}
		if ok && tc.kind == OdooLogRecycled && (ev.PID != 4243 || ev.Lvl != "INFO" || ev.DB != "prod" || ev.Text != "Worker (4243) virtual memory limit (2214592512) reached.") {
			t.Errorf("recycled line read as %+v", ev)
		}
	}
	var s OdooLogSummary
	s.Since = time.Date(2026, 12, 4, 1, 21, 0, 0, time.UTC)
	last = time.Time{}
	for _, tc := range odooLogLines {
		if ev, ok := ParseOdooLogLine(tc.line, time.UTC, last); ok {
			s.Add(ev)
		}
		last = LastPrefixedTime(tc.line, time.UTC, last)
	}
	if s.Recycled != 0 || s.CPULimit != 1 || s.Killed != 1 || s.MemoryError != 1 || len(s.Recent) != 3 {
		t.Errorf("since 01:21: %+v", s)
	}
}
