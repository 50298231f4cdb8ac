// The PostgreSQL target, as the libpq environment and --pg name it.

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/memtui/memtui/internal/units"
	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/host"
)

// pgEnv reads the libpq environment that --pg falls back to (only main
// reads the environment). Without PGPASSFILE, ~/.pgpass is used as libpq does.
func pgEnv() map[string]string {
	env := map[string]string{}
	for _, k := range probes.PGEnvKeys {
		if v, ok := os.LookupEnv(k); ok {
			env[k] = v
		}
	}
	if env["PGPASSFILE"] == "" {
		if home, err := os.UserHomeDir(); err == nil {
			env["PGPASSFILE"] = filepath.Join(home, ".pgpass")
		}
	}
	return env
}

// pgSnapshotBudget bounds the snapshot's PostgreSQL reading so that, with
// the server down or hung, the whole snapshot still ends within 5 s.
const pgSnapshotBudget = 3500 * time.Millisecond

// pgSnapshot is the postgres section: one reading (the session ends when
// the host closes).
func pgSnapshot(h host.Host) probes.PGSnapshot {
	src, why := h.Postgres()
	if src == nil {
		return probes.PGSnapshot{Error: why, ByState: map[string]int{}}
	}
	ctx, cancel := context.WithTimeout(context.Background(), pgSnapshotBudget)
	defer cancel()
	return src.Read(ctx).Snapshot()
}

// writePGText is the postgres section of the human snapshot.
func writePGText(b *strings.Builder, p probes.PGSnapshot) {
	b.WriteString("\nPostgreSQL\n")
	if p.Target != "" {
		fmt.Fprintf(b, "  target     %s\n", p.Target)
	}
	if !p.Connected {
		fmt.Fprintf(b, "  not connected: %s\n", p.Error)
		if p.Hint != "" {
			fmt.Fprintf(b, "  %s\n", p.Hint)
		}
		return
	}
	fmt.Fprintf(b, "  server     %s, up %s\n", p.ServerVersion, time.Duration(*p.UptimeSeconds*float64(time.Second)).Round(time.Second))
	res := ""
	if p.Reserved != nil {
		res = fmt.Sprintf(" + %d reserved", *p.Reserved)
	}
	fmt.Fprintf(b, "  sessions   %d of max_connections %d (%d for superusers%s; memtui holds one more)\n",
		*p.Total, *p.MaxConnections, *p.SuperuserReserved, res)
	for _, st := range probes.PGStates {
		if n := p.ByState[st]; n > 0 || st == "active" || st == "idle" {
			fmt.Fprintf(b, "    %-30s %d\n", st, n)
		}
	}
	idle := time.Duration(p.IdleThresholdSeconds * float64(time.Second))
	idleText := idle.String()
	switch {
	case idle > 0 && idle%time.Hour == 0:
		idleText = fmt.Sprintf("%d h", idle/time.Hour)
	case idle > 0 && idle%time.Minute == 0:
		idleText = fmt.Sprintf("%d min", idle/time.Minute)
	}
	fmt.Fprintf(b, "  idle over %s: %d\n", idleText, *p.IdleOver30m)
	if m := p.Memory; m != nil {
		fmt.Fprintf(b, "  memory     RSS sum %s in %d processes (ps-style, counts shared memory per process); own ≈ %s\n",
			units.Bytes(m.RSSSumBytes), m.Processes, units.Bytes(m.EstimateBytes))
	} else if p.MemoryNote != "" {
		fmt.Fprintf(b, "  memory     %s\n", p.MemoryNote)
	}
	for _, g := range p.Guidance {
		fmt.Fprintf(b, "  %-20s %s\n", g.Setting, g.Text)
	}
}
