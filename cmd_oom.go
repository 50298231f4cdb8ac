// memtui oom: the OOM kills of the kernel log or of a saved log.

package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/memtui/memtui/probes/procfs"
	"github.com/spf13/cobra"

	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/host"
)

// oomRecentInSnapshot is how many of the last kills the snapshot carries.
const oomRecentInSnapshot = 10

// newOOMCmd is `memtui oom [--file PATH|-] [--json]`.
func newOOMCmd(o *options, stdin io.Reader, stdout io.Writer) *cobra.Command {
	var file string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "oom",
		Short: "List the OOM kills in the kernel log or in a saved log",
		Long: `List the processes killed because memory ran out, one line per killed
process: when, pid, command, anonymous RSS, the constraint (global, memcg,
cpuset, mempolicy), the memory cgroup and what triggered the kill.

Without --file the kernel log is read from /dev/kmsg, else dmesg, else
journalctl -k; the first line says which one and why not the others. With
--proc replaying a captured tree, the tree's saved log (dmesg or kmsg beside
its proc/) is read instead, never this machine's. When
the kernel log is restricted (kernel.dmesg_restrict=1) it says so and still
prints the oom_kill counter of /proc/vmstat.

--file reads a saved log: dmesg (plain, -T or --time-format iso), syslog or
kern.log, journalctl output or /dev/kmsg records, even mixed; "-" reads
standard input. earlyoom kills in a journal are listed too.

With --json the output is the array of kills of docs/DESIGN.md, oldest first,
with null where the log does not say.`,
		Example: `  memtui oom                         # kills in this machine's kernel log
  memtui oom --json | jq '.[-1]'      # the latest kill, for scripts
  memtui oom --file /var/log/kern.log
  journalctl -k -b -1 -o short-iso | memtui oom --file -   # the previous boot`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			fs := procfs.NewFS(o.proc, o.sys)
			if file == "" && (host.Options{Proc: o.proc, Sys: o.sys}).IsReplay() {
				// A replay's kills are in its own saved log, never in this
				// machine's kernel log (other kills, another boot).
				r := host.NewReplay(host.Options{Proc: o.proc, Sys: o.sys})
				if file = r.KernelLog(); file == "" {
					return fmt.Errorf("--proc %s: no kernel log in this capture (save dmesg output as %s)",
						o.proc, filepath.Join(r.Tree(), host.KernelLogFiles[0]))
				}
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return fs.RunOOMCommand(ctx, probes.OOMCommand{File: file, JSON: asJSON}, stdin, stdout)
		},
	}
	cmd.Flags().StringVar(&file, "file", "", `read a saved log instead of the kernel log ("-" for standard input)`)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array of kills, oldest first (the contract in docs/DESIGN.md)")
	return cmd
}

// oomSnapshotSection reads the oom section of the snapshot: the oom_kill
// counter and the last kills, each source bounded by its own timeout (the
// live kernel log, or a replayed tree's saved one).
func oomSnapshotSection(h host.Host) probes.OOMSection {
	return host.OOMSection(h.OOM(context.Background(), false), oomRecentInSnapshot)
}

// writeOOMText is the OOM part of the snapshot's human form.
func writeOOMText(b *strings.Builder, s probes.OOMSection) {
	b.WriteString("\nOOM kills\n")
	if s.KillsSinceBoot != nil {
		fmt.Fprintf(b, "  since boot %d\n", *s.KillsSinceBoot)
	} else {
		b.WriteString("  since boot unknown\n")
	}
	fmt.Fprintf(b, "  source     %s\n", s.Source)
	if s.Error != "" && s.Error != s.Source {
		fmt.Fprintf(b, "  error      %s\n", s.Error)
	}
	if len(s.Recent) == 0 {
		return
	}
	var t strings.Builder
	_ = probes.WriteOOMTable(&t, s.Recent, time.Now(), time.Local)
	for _, line := range strings.Split(strings.TrimRight(t.String(), "\n"), "\n") {
		b.WriteString("  " + line + "\n")
	}
}
