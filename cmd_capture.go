// memtui capture: a replayable proc/sys tree of this host.

package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/memtui/memtui/internal/units"
	"github.com/memtui/memtui/probes/capture"
)

// newCaptureCmd is `memtui capture -o DIR [--force]`.
func newCaptureCmd(o *options, stdout io.Writer) *cobra.Command {
	var out string
	var force bool
	cmd := &cobra.Command{
		Use:   "capture -o DIR",
		Short: "Write a replayable proc/sys tree of this host (secrets masked)",
		Long: `capture copies the files memtui reads from this host — memory, paging,
pressure, every process's status files, the memory cgroup, user names and the
OOM-relevant part of the kernel log — into DIR, so that

  memtui --proc DIR/proc --sys DIR/sys

shows this moment again, anywhere. Secrets in command lines and the kernel log
are masked; process environments and password hashes are never copied. Files
are private to you (0600). Run it as root for every process and the kernel log.`,
		Example: `  memtui capture -o /tmp/host-$(date +%F)`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("capture needs -o DIR")
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			res, err := capture.Write(ctx, out, capture.Options{Proc: o.proc, Sys: o.sys, Force: force})
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "captured %d processes (%d files, %s) into %s\n", res.PIDs, res.Files, units.Bytes(uint64(res.Bytes)), out)
			if res.Vanished > 0 {
				fmt.Fprintf(stdout, "%d processes exited while being read and were skipped\n", res.Vanished)
			}
			if res.LogErr != nil {
				fmt.Fprintf(stdout, "kernel log not saved (OOM kills will not replay): %v\n", res.LogErr)
			}
			fmt.Fprintf(stdout, "replay: memtui --proc %s --sys %s\n", filepath.Join(out, "proc"), filepath.Join(out, "sys"))
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "directory to write (created 0700; must be empty unless --force)")
	cmd.Flags().BoolVar(&force, "force", false, "write into a non-empty directory, replacing a previous capture there")
	return cmd
}
