//go:build memtui_watch

// memtui-watch: memtui watch alone, for `memtui watch` to run in its place
// (edition_full.go). Built with -tags memtui_watch, it links none of the
// dashboard's code. The keeper comes along: the watch's command steps run
// under memtui-watch keep.

package main

import (
	"errors"
	"io"

	"github.com/spf13/cobra"
)

func addCommands(root *cobra.Command, o *options, stdout, stderr io.Writer) {
	root.Use = "memtui-watch"
	root.Short = "memtui watch alone, without the dashboard (memtui runs it for memtui watch)"
	root.Long = `memtui-watch is memtui watch built without the dashboard and the other
subcommands, so that a watcher running for months maps less code. memtui
watch runs it when it is installed beside memtui and is the same version;
its flags and behaviour are memtui watch's (memtui watch --help).`
	root.Example = "  memtui-watch watch --once --dry-run"
	root.AddCommand(newWatchCmd(o, stderr), newKeepCmd(), newVersionCmd(stdout))
}

func runDefault(*options) error {
	return errors.New("memtui-watch runs the watch only: memtui-watch watch …, or memtui for the dashboard")
}

// execWatchBinary: this is the watch binary already.
func execWatchBinary(io.Writer) {}
