// memtui man: the manual pages, generated from the commands themselves so
// they never drift from --help. Hidden: packagers run it (goreleaser's
// before hook), users read `man memtui`.
//
// The pages are written here as roff, not through cobra/doc: that package
// renders markdown with blackfriday and links YAML, 0.3 MB of the binary that
// every memtui would map for a command only packagers run.

package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
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
			// The date is the commit's when the release build sets
			// SOURCE_DATE_EPOCH, so packages are reproducible.
			date := time.Now()
			if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
				sec, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					return fmt.Errorf("SOURCE_DATE_EPOCH %q: want seconds since 1970", s)
				}
				date = time.Unix(sec, 0).UTC()
			}
			hdr := manHeader{date: date.Format("Jan 2006"), source: "memtui " + version, manual: "memtui manual"}
			if err := writeManTree(cmd.Root(), hdr, dir); err != nil {
				return fmt.Errorf("man pages into %s: %w", dir, err)
			}
			fmt.Fprintf(stdout, "man pages written to %s\n", dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "man", "directory to write the pages into")
	return cmd
}

type manHeader struct{ date, source, manual string }

// manCommands are the commands with a page of their own: not hidden, not
// help topics.
func manCommands(cmd *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() && !c.IsAdditionalHelpTopicCommand() {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// writeManTree writes cmd's page and its subcommands' (memtui-snapshot.1, …).
func writeManTree(cmd *cobra.Command, hdr manHeader, dir string) error {
	for _, c := range manCommands(cmd) {
		if err := writeManTree(c, hdr, dir); err != nil {
			return err
		}
	}
	f, err := os.Create(filepath.Join(dir, manName(cmd)+".1"))
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	writeMan(w, cmd, hdr)
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func manName(cmd *cobra.Command) string { return strings.ReplaceAll(cmd.CommandPath(), " ", "-") }

// writeMan writes one page in man(7) macros.
func writeMan(w io.Writer, cmd *cobra.Command, hdr manHeader) {
	cmd.InitDefaultHelpFlag()
	name := manName(cmd)
	fmt.Fprintf(w, ".TH %q \"1\" %q %q %q\n", strings.ToUpper(name), hdr.date, hdr.source, hdr.manual)
	fmt.Fprintf(w, ".nh\n.ad l\n.SH NAME\n%s \\- %s\n", roff(name), roff(cmd.Short))
	fmt.Fprintf(w, ".SH SYNOPSIS\n\\fB%s\\fP\n", roff(cmd.UseLine()))
	desc := cmd.Long
	if desc == "" {
		desc = cmd.Short
	}
	fmt.Fprintf(w, ".SH DESCRIPTION\n%s", roffText(desc))
	if fs := cmd.NonInheritedFlags(); fs.HasAvailableFlags() {
		fmt.Fprint(w, ".SH OPTIONS\n")
		writeManFlags(w, fs)
	}
	if fs := cmd.InheritedFlags(); fs.HasAvailableFlags() {
		fmt.Fprint(w, ".SH OPTIONS INHERITED FROM PARENT COMMANDS\n")
		writeManFlags(w, fs)
	}
	if cmd.Example != "" {
		fmt.Fprintf(w, ".SH EXAMPLE\n.PP\n.nf\n.RS\n%s\n.RE\n.fi\n", roffLines(cmd.Example))
	}
	var see []string
	if cmd.HasParent() {
		see = append(see, "\\fB"+roff(manName(cmd.Parent()))+"(1)\\fP")
	}
	for _, c := range manCommands(cmd) {
		see = append(see, "\\fB"+roff(manName(c))+"(1)\\fP")
	}
	if len(see) > 0 {
		fmt.Fprintf(w, ".SH SEE ALSO\n%s\n", strings.Join(see, ", "))
	}
}

func writeManFlags(w io.Writer, fs *pflag.FlagSet) {
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Deprecated != "" {
			return
		}
		tag := "\\fB--" + f.Name + "\\fP"
		if f.Shorthand != "" && f.ShorthandDeprecated == "" {
			tag = "\\fB-" + f.Shorthand + "\\fP, " + tag
		}
		switch {
		case f.Value.Type() == "bool":
		case f.Value.Type() == "string":
			tag += "=" + strconv.Quote(f.DefValue)
		default:
			tag += "=" + f.DefValue
		}
		// .TP's body is one filled paragraph; a blank line in a usage
		// would end the item, so it becomes a break.
		body := strings.ReplaceAll(roffLines(strings.TrimSpace(f.Usage)), "\n\n", "\n.br\n")
		fmt.Fprintf(w, ".TP\n%s\n%s\n", strings.ReplaceAll(tag, "-", `\-`), body)
	})
}

// roff escapes text for one line of a page: backslashes; hyphens, so that
// options copy out of the page as the ASCII '-' a shell needs; and any
// other than ASCII as \[uXXXX], which groff and mandoc read whatever the
// page's encoding is taken to be.
func roff(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\e`)
		case r == '-':
			b.WriteString(`\-`)
		case r > 0x7e:
			fmt.Fprintf(&b, `\[u%04X]`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// roffLines escapes each line, and keeps a line from being read as a
// request when it starts with a dot or a quote.
func roffLines(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		l = roff(l)
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			l = `\&` + l
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n")
}

// roffText is running text: paragraphs at blank lines, the lines filled.
func roffText(s string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.TrimSpace(s), "\n\n") {
		b.WriteString(".PP\n")
		b.WriteString(roffLines(strings.TrimSpace(para)))
		b.WriteString("\n")
	}
	return b.String()
}
