// memtui man: the manual pages, generated from the commands themselves so
// they never drift from --help. Hidden: packagers run it (goreleaser's
// before hook), users read `man memtui`.

package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

func newManCmd(stdout io.Writer) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:    "man",
		Short:  "Write the manual pages (memtui.1, memtui-snapshot.1, …) into a directory",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			root := cmd.Root()
			// No "auto generated" footer with today's date: packages are
			// reproducible, and cobra takes the header date from
			// SOURCE_DATE_EPOCH, which the release build sets to the commit's.
			root.DisableAutoGenTag = true
			hdr := &doc.GenManHeader{Title: "MEMTUI", Section: "1", Source: "memtui " + version, Manual: "memtui manual"}
			if err := doc.GenManTree(root, hdr, dir); err != nil {
				return fmt.Errorf("man pages into %s: %w", dir, err)
			}
			fmt.Fprintf(stdout, "man pages written to %s\n", dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "man", "directory to write the pages into")
	return cmd
}
