package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestArchitecture holds the package boundaries of HOUSE-STYLE.md: data
// flows probes → ui/incident, the ui does no I/O of its own, and nothing
// below the ui knows about the terminal.
func TestArchitecture(t *testing.T) {
	const mod = "github.com/memtui/memtui"
	ui := []string{"github.com/charmbracelet/", "github.com/NimbleMarkets/ntcharts", mod + "/ui"}
	rules := []struct {
		pkg       string
		forbidden []string
		allowed   []string // prefixes allowed outside the standard library (nil: anything)
	}{
		// The ui imports probes for its types and pure parsers: nothing
		// outside the standard library and memtui's pure helpers.
		{pkg: mod + "/probes", forbidden: append(ui, mod+"/actions", mod+"/incident", mod+"/probes/", mod+"/internal/fsread"),
			allowed: []string{mod + "/probes", mod + "/internal/"}},
		// The kernel's files (/proc, /sys, the kernel log) are read in
		// probes/procfs, with host facts through gopsutil.
		{pkg: mod + "/probes/procfs", forbidden: append(ui, mod+"/actions", mod+"/incident"),
			allowed: []string{mod + "/probes", mod + "/internal/", "golang.org/x/sys", "github.com/shirou/gopsutil",
				// indirect dependencies of gopsutil
				"github.com/tklauser/", "github.com/ebitengine/purego",
				"github.com/go-ole/", "github.com/yusufpapurcu/", "github.com/lufia/", "github.com/power-devops/"}},
		// A host hands sources to the ui, the commands and the actions
		// runner; it knows none of them.
		{pkg: mod + "/probes/host/...", forbidden: append(ui, mod+"/actions", mod+"/incident")},
		// The shared helpers use the standard library only; all are pure
		// but internal/fsread, the file opener of the I/O packages (the
		// ui must not reach it: TestUIReadsNothing).
		{pkg: mod + "/internal/...", allowed: []string{mod + "/internal/",
			// internal/golden is a test helper: its diffs come from go-cmp.
			"github.com/google/go-cmp/"}},
		// The terminal's output layer under Bubble Tea: escape sequences
		// and the terminal's size, nothing of memtui.
		{pkg: mod + "/termdiff", forbidden: []string{mod + "/ui", mod + "/probes", mod + "/actions", mod + "/incident", mod + "/internal", mod + "/watch"},
			allowed: []string{mod + "/termdiff", "github.com/charmbracelet/x/ansi", "github.com/clipperhouse/", "github.com/lucasb-eyer/go-colorful",
				"github.com/mattn/go-runewidth", "github.com/rivo/uniseg", "golang.org/x/sys"}},
		// Redis is spoken in its own package, over the standard library
		// only: no client library.
		{pkg: mod + "/probes/redisprobe", forbidden: append(ui, mod+"/actions", mod+"/incident"),
			allowed: []string{mod + "/probes", mod + "/internal/", "golang.org/x/sys", "github.com/shirou/gopsutil", "github.com/tklauser/", "github.com/ebitengine/purego",
				"github.com/go-ole/", "github.com/yusufpapurcu/", "github.com/lufia/", "github.com/power-devops/"}},
		// The fleet source speaks Prometheus's HTTP API with the standard
		// library (read-only, no agent of our own): no client library,
		// whose protobuf and json-iterator every memtui would carry.
		{pkg: mod + "/probes/prom/...", forbidden: append(ui, mod+"/actions", mod+"/incident"),
			allowed: []string{mod + "/probes", mod + "/internal/", "golang.org/x/sys", "github.com/shirou/gopsutil", "github.com/tklauser/", "github.com/ebitengine/purego",
				"github.com/go-ole/", "github.com/yusufpapurcu/", "github.com/lufia/", "github.com/power-devops/",
				// through probes/host, whose Host seam the Prometheus host implements
				"github.com/jackc/", "golang.org/x/text", "golang.org/x/sync", "golang.org/x/crypto"}},
		// The pure cores never reach their I/O halves (TestPureCores checks
		// they read nothing at all).
		{pkg: mod + "/actions", forbidden: append(ui, mod+"/actions/run", mod+"/incident/store", mod+"/probes")},
		{pkg: mod + "/incident", forbidden: append(ui, mod+"/incident/store", mod+"/actions", mod+"/probes")},
		{pkg: mod + "/actions/run", forbidden: ui},
		{pkg: mod + "/incident/store", forbidden: append(ui, mod+"/actions")},
		// Notifications run headless in watch, beside the session.
		{pkg: mod + "/incident/notify", forbidden: ui},
		// watch decides and sequences; the machine and the runner reach it
		// through interfaces main.go fills.
		{pkg: mod + "/watch", forbidden: append(ui, mod+"/actions/run", mod+"/probes")},
		// The ui reaches Postgres only through Deps: not even a transitive
		// path to pgx (the pgx code lives in probes/pgprobe and actions/pgexec).
		{pkg: mod + "/ui", forbidden: []string{"github.com/jackc/", mod + "/probes/pgprobe", mod + "/actions/pgexec",
			"github.com/redis/", mod + "/probes/redisprobe", mod + "/incident/store", mod + "/actions/run", mod + "/actions/redisexec",
			mod + "/termdiff"}},
	}
	for _, r := range rules {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", r.pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", r.pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range r.forbidden {
				if strings.HasPrefix(dep, f) {
					t.Errorf("%s imports %s, which the architecture forbids", r.pkg, dep)
				}
			}
			if r.allowed == nil {
				continue
			}
			ok := false
			for _, a := range r.allowed {
				ok = ok || strings.HasPrefix(dep, a)
			}
			if !ok {
				t.Errorf("%s depends on %s, outside what the architecture allows it", r.pkg, dep)
			}
		}
	}
}

// TestUIDoesNoIO checks the ui's own imports: no files, processes, network
// or database. Its I/O arrives through Deps (a dependency such as Bubble Tea
// may use os itself; the ui may not).
func TestUIDoesNoIO(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, "github.com/memtui/memtui/ui").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, imp := range strings.Fields(string(out)) {
		switch imp {
		case "os", "os/exec", "os/signal", "net", "net/http", "database/sql", "io/ioutil", "syscall", "golang.org/x/sys/unix",
			"github.com/memtui/memtui/internal/fsread", "github.com/memtui/memtui/incident/store", "github.com/memtui/memtui/actions/run":
			t.Errorf("ui imports %s: the ui must get its I/O through Deps", imp)
		}
		// gopsutil reads the machine (TestUIReadsNothing keeps it out
		// of the ui's dependencies altogether).
		if strings.HasPrefix(imp, "github.com/shirou/gopsutil") {
			t.Errorf("ui imports %s: the ui must get its I/O through Deps", imp)
		}
	}
}
