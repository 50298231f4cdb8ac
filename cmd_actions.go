// memtui actions, and the runbook and runner the dashboard uses.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/user"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/actions/pgexec"
	"github.com/memtui/memtui/actions/run"
	"github.com/memtui/memtui/internal/redact"
	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/host"
	"github.com/memtui/memtui/probes/pgprobe"
)

// newActionsCmd is `memtui actions`: the effective runbook (built-in plus
// --runbook), one entry per action with its id, risk and what it runs.
func newActionsCmd(o *options, stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "actions",
		Short: "List the runbook's actions: id, risk, what each runs",
		Long: `List the runbook's actions: the built-in ones (the seed runbook's
remediation steps) with the overrides and additions of --runbook FILE.
Each shows its id, its risk (low, medium, high) and exactly what it runs.
A runbook file with any mistake is refused with its file, line and reason.`,
		Example: `  memtui actions
  memtui actions --runbook /etc/memtui/runbook.toml`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			rb, err := loadRunbook(o)
			if err != nil {
				return err
			}
			return actions.WriteList(stdout, rb)
		},
	}
}

// loadRunbook reads the built-in runbook and the --runbook file.
func loadRunbook(o *options) (actions.Runbook, error) {
	rb, err := run.LoadRunbook(o.runbook, actions.Options{ProcRoot: o.proc})
	if err == nil {
		return rb, nil
	}
	var fe *actions.FileError
	if !errors.As(err, &fe) {
		return rb, err
	}
	// One problem per line, under a heading that says nothing was loaded.
	return rb, fmt.Errorf("--runbook %s refused, fix it and start again:\n  %s",
		o.runbook, strings.ReplaceAll(err.Error(), "\n", "\n  "))
}

// newActionService builds the runbook and its runner for the dashboard.
// sudoUser comes from main.go, the one place that reads the environment.
// The runner asks the host whether it may act, so a replay refuses even
// an action that reached it without the palette.
func newActionService(o *options, h host.Host, sudoUser string) (run.Service, error) {
	rb, err := loadRunbook(o)
	if err != nil {
		return run.Service{}, err
	}
	actErr := h.CanAct()
	r := &run.Runner{
		// A reader of its own: the memory panel reads its own concurrently.
		Memory:      &memSampler{p: h.Memory()},
		Who:         actions.Who{User: userName(), SudoUser: sudoUser},
		ReadOnly:    actErr != nil,
		ReadOnlyWhy: errText(actErr),
		ProcRoot:    o.proc,
	}
	if actErr != nil && h.Kind() != host.KindLive {
		// No session to a server for a host nothing may act on: the
		// environment's server is the live one, not the replayed one's.
		return run.Service{Runbook: rb, Runner: r}, nil
	}
	r.Redis = o.redisActions()
	r.OdooConf = o.odooConf
	r.OdooHost = odooHostFacts(h)
	// The same server the PostgreSQL panel watches, through a session of
	// its own (named memtui-actions) opened on first use.
	t, err := pgprobe.ResolvePGTargetWith(o.pg, pgEnv(), pgprobe.ReadService)
	switch {
	case err != nil:
		r.PG = pgexec.Unavailable{Err: err}
	case !t.Disabled:
		// No statement_timeout: an action's SQL is bounded by its own timeout.
		conn, _ := t.DriverSettings(10*time.Second, 0)
		pg, err := pgexec.NewLazyConn(conn)
		if err != nil {
			r.PG = pgexec.Unavailable{Err: fmt.Errorf("PostgreSQL settings (%s): %s", t.Redacted(), t.Scrub(redact.Redact(err.Error())))}
		} else {
			r.PG = pgexec.Session{C: pg}
		}
	}
	return run.Service{Runbook: rb, Runner: r}, nil
}

// odooHostFacts gives the odoo.conf proposal this host's RAM and CPUs and,
// when PostgreSQL answers, its shared_buffers and max_connections.
func odooHostFacts(h host.Host) func(context.Context) probes.OdooHost {
	return func(ctx context.Context) probes.OdooHost {
		var oh probes.OdooHost
		oh.MemTotal = h.Memory().Read().Meminfo.MemTotal.Or(0)
		fctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		oh.CPUs = h.Facts(fctx).CPUs
		cancel()
		if pg, _ := h.Postgres(); pg != nil {
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			r := pg.Read(pctx)
			cancel()
			if r.Connected && r.Stats != nil {
				oh.PGSharedBuffers = r.Stats.Settings.SharedBuffers.Or(0)
				oh.PGMaxConnections = r.Stats.Settings.MaxConnections
			}
		}
		return oh
	}
}

// userName is the effective user's login name, from the user database
// rather than $USER, which sudo and su may leave stale.
func userName() string {
	u, err := user.Current()
	if err != nil {
		return "unknown"
	}
	return u.Username
}

// memSampler adapts a host's memory reader to the runner's before/after readings.
type memSampler struct {
	mu sync.Mutex
	p  host.MemorySource
}

// SampleMemory reads memory once; unknown figures are an error, never 0.
func (s *memSampler) SampleMemory(context.Context) (actions.Memory, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.p.Read()
	if m.MeminfoErr != nil {
		return actions.Memory{}, m.MeminfoErr
	}
	mi := m.Meminfo
	pct, ok := mi.UsedPercent()
	if !ok {
		return actions.Memory{}, errors.New("memory: used percent unknown")
	}
	avail, _ := mi.Available()
	return actions.Memory{
		At: m.Time, TotalBytes: mi.MemTotal.V, UsedBytes: mi.Used().V, AvailableBytes: avail.V,
		UsedPercent: pct, SwapUsedBytes: mi.SwapUsed().V,
	}, nil
}
