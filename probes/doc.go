// Package probes is what memtui knows about a machine, as values: memory
// and swap, the process table and its growth, PostgreSQL and Redis
// readings, OOM kills, severity and trends, with the pure parsers that turn
// the kernel's and the servers' text into them. It reads nothing itself, so
// the ui can import it for its types without reaching the machine.
//
// The reading is done by the packages beside it, one per source:
// procfs (the kernel's files: /proc, /sys and the kernel log), pgprobe
// (PostgreSQL), redisprobe (Redis), prom (Prometheus), record (a recording
// on disk); host puts them behind one seam per machine.
package probes
