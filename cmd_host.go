// The host the flags name: the local machine or a replay of a captured tree.

package main

import (
	"context"
	"time"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/probes/host"
)

// openHost is the host every command reads: --proc/--sys elsewhere than
// /proc and /sys replay a captured tree (read-only, nothing live read);
// otherwise the local machine. The caller closes it.
func (o *options) openHost() host.Host {
	return host.Open(host.Options{Proc: o.proc, Sys: o.sys, ReadOnly: o.readOnly, PG: o.pg, PGEnv: pgEnv(), Location: time.Local})
}

// readFacts gathers the facts the bars, the timeline and the watch's
// messages show, waiting 2 s at most.
func readFacts(h host.Host) host.Facts {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return h.Facts(ctx)
}

// detectorFacts are the facts the incident detector names the host by.
func detectorFacts(f host.Facts) incident.HostFacts {
	return incident.HostFacts{Host: f.Name, Kernel: f.Kernel, CPUs: f.CPUs}
}

// errText is err's message, "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
