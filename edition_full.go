//go:build !memtui_watch

// The memtui binary: the dashboard and every subcommand. The same package
// built with -tags memtui_watch is memtui-watch (edition_watch.go).

package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/memtui/memtui/incident/notify"
)

func addCommands(root *cobra.Command, o *options, stdout, stderr io.Writer) {
	root.AddCommand(newSnapshotCmd(o, stdout), newVersionCmd(stdout))
	root.AddCommand(newOOMCmd(o, os.Stdin, stdout))
	root.AddCommand(newActionsCmd(o, stdout))
	root.AddCommand(newReportCmd(o, stdout))
	root.AddCommand(newManCmd(stdout))
	root.AddCommand(newConfigCmd(o, stdout))
	root.AddCommand(newCaptureCmd(o, stdout))
	root.AddCommand(newRecordCmd(o, stdout))
	root.AddCommand(newReplayCmd(o))
	root.AddCommand(newFleetCmd(o))
	root.AddCommand(newWatchCmd(o, stderr))
	root.AddCommand(newKeepCmd())
}

// runDefault is memtui with no subcommand: the dashboard.
func runDefault(o *options) error { return runDashboard(o) }

// execWatchBinary replaces this process with memtui-watch, with the same
// arguments and environment (so the same PID for systemd), when it is
// installed beside memtui's executable and is the same version. It returns
// when it did not: none installed (go install, a copied binary), another
// version, a file anyone may write, or exec refused; the watch then runs
// in memtui itself, and all but the first case are logged as an event.
func execWatchBinary(stderr io.Writer) {
	exe, err := os.Executable()
	if err != nil {
		return
	}
	path := filepath.Join(filepath.Dir(exe), watchBinary)
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return
	}
	log := slog.New(notify.NewLogHandler(stderr, slog.LevelInfo))
	const effect = "the watch runs in memtui itself"
	why := ""
	switch {
	case st.Mode().Perm()&0o022 != 0:
		why = "writable by its group or by anyone"
	case !ownedBySelfOrRoot(st):
		why = "owned by neither root nor this user"
	}
	if why != "" {
		log.Warn("watch_binary_refused", "path", path, "why", why, "effect", effect)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "version").Output()
	if got := strings.TrimSpace(string(out)); err != nil || got != versionLine() {
		if err != nil {
			got = err.Error()
		}
		log.Warn("watch_binary_mismatch", "path", path, "version", got, "want", versionLine(), "effect", effect)
		return
	}
	err = syscall.Exec(path, os.Args, os.Environ())
	log.Warn("watch_binary_exec_failed", "path", path, "error", err, "effect", effect)
}

// ownedBySelfOrRoot: a binary memtui would run as itself is root's (a
// package) or the user's own (a build in their home).
func ownedBySelfOrRoot(st os.FileInfo) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return false
	}
	return sys.Uid == 0 || int(sys.Uid) == os.Geteuid()
}
