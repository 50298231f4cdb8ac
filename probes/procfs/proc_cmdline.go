package procfs

import (
	"bytes"
	"path"
	"strings"

	"github.com/memtui/memtui/internal/redact"
	"github.com/memtui/memtui/probes"
)

// parseCmdline splits /proc/<pid>/cmdline (NUL-separated argv, usually with
// a trailing NUL) into arguments. A process that rewrote its title (postgres
// backends, setproctitle) may use spaces instead of NULs: that comes back as
// one argument, which is what ps shows too.
func parseCmdline(b []byte) []string {
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return nil
	}
	parts := bytes.Split(b, []byte{0})
	args := make([]string, len(parts))
	for i, p := range parts {
		args[i] = string(p)
	}
	return args
}

// maskedCmdline is the command line memtui shows and keeps: argv with its
// secrets masked, joined as joinCmdline does. Masking works on the argv, not
// the joined line, so "--password" "a b" masks all of "a b".
func maskedCmdline(b []byte) string {
	args := redact.RedactArgv(parseCmdline(b))
	return probes.JoinCmdline([]byte(strings.Join(args, "\x00")))
}

// interpreters run a script whose name says more than their own: group and
// label "python3 /opt/odoo/odoo-bin" as odoo-bin.
func isInterpreter(comm string) bool {
	base := strings.TrimRight(comm, "0123456789.")
	switch base {
	case "python", "perl", "ruby", "node", "nodejs", "php", "bash", "sh", "dash", "java":
		return true
	}
	return false
}

// scriptName picks the program an interpreter runs from its argv: the first
// argument that is not an option, or the module of "python -m mod", or the
// jar of "java -jar x.jar". It returns "" when there is none (an interactive
// shell, "python -c …").
func scriptName(args []string) string {
	if len(args) < 2 {
		return ""
	}
	interp := path.Base(args[0])
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-m" || a == "-jar":
			if i+1 < len(args) {
				return path.Base(args[i+1])
			}
			return ""
		case a == "-c" || a == "-e" || a == "-r" || a == "--eval":
			return "" // inline code: no script to name
		case strings.HasPrefix(a, "-"):
			// Options taking a value would swallow the next argument; the
			// common ones for the interpreters above:
			if strings.HasPrefix(interp, "java") && (a == "-cp" || a == "-classpath") {
				i++
			}
			if strings.HasPrefix(interp, "python") && (a == "-W" || a == "-X") {
				i++
			}
			continue
		case strings.HasPrefix(a, "/dev/fd/") || strings.HasPrefix(a, "/proc/self/fd/") || a == "/dev/stdin":
			return "" // a script fed through a descriptor has no useful name
		default:
			return path.Base(a)
		}
	}
	return ""
}
