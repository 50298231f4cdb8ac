// The host the flags name: the local machine or a replay of a captured tree.

package main

import (
	"context"
	"time"

	"github.com/memtui/memtui/probes/host"
	"github.com/memtui/memtui/ui"
)

// openHost is the host every command reads: --proc/--sys elsewhere than
// /proc and /sys replay a captured tree (read-only, nothing live read);
// otherwise the local machine. The caller closes it.
func (o *options) openHost() host.Host {
	return host.Open(host.Options{Proc: o.proc, Sys: o.sys, ReadOnly: o.readOnly, PG: o.pg, PGEnv: pgEnv(), Location: time.Local})
}

// hostInfo gathers the facts the bars and the timeline show.
func hostInfo(h host.Host) ui.HostInfo {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	f := h.Facts(ctx)
	return ui.HostInfo{Name: f.Name, Kernel: f.Kernel, Platform: f.Platform, CPUs: f.CPUs, BootTime: f.BootTime, Kind: string(h.Kind())}
}

// errText is err's message, "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
