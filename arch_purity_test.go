package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// machineImports are the standard packages through which code reads or
// changes the machine: files, processes, signals, the network, a database.
var machineImports = []string{"os", "os/exec", "os/signal", "net", "net/http", "syscall", "database/sql"}

// machineModules are the modules that do the same outside the standard
// library: raw syscalls, host facts, PostgreSQL, Redis.
var machineModules = []string{"golang.org/x/sys/", "github.com/shirou/gopsutil/", "github.com/jackc/", "github.com/redis/"}

// readsMachine reports whether importing imp gives a package the machine.
func readsMachine(imp string) bool {
	if slices.Contains(machineImports, imp) {
		return true
	}
	for _, m := range machineModules {
		if strings.HasPrefix(imp, m) {
			return true
		}
	}
	return false
}

// importGraph is `go list -deps pkg`: every package pkg depends on, with
// its imports.
func importGraph(t *testing.T, pkg string) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-json=ImportPath,Imports", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	g := map[string][]string{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		g[p.ImportPath] = p.Imports
	}
	return g
}

// reach is the set of packages reachable from root in g, not walking into
// the packages skip names.
func reach(g map[string][]string, root string, skip func(string) bool) map[string]bool {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(p string) {
		if seen[p] || (p != root && skip(p)) {
			return
		}
		seen[p] = true
		for _, imp := range g[p] {
			walk(imp)
		}
	}
	walk(root)
	return seen
}

// machineReaders checks pkg and everything it depends on: it returns each
// memtui package that imports a machine-reading package (with what it
// imports), and each machine-reading module package in the dependencies.
// It is the check of TestUIReadsNothing, run on its own in
// TestMachineReadersCaught so a broken checker cannot pass in silence.
func machineReaders(g map[string][]string, in map[string]bool) (pkgs map[string][]string, modules []string) {
	const mod = "github.com/memtui/memtui"
	pkgs = map[string][]string{}
	for p := range in {
		if readsMachine(p) && strings.Contains(p, ".") {
			modules = append(modules, p)
		}
		if p != mod && !strings.HasPrefix(p, mod+"/") {
			continue
		}
		for _, imp := range g[p] {
			if readsMachine(imp) {
				pkgs[p] = append(pkgs[p], imp)
			}
		}
	}
	slices.Sort(modules)
	return pkgs, modules
}

// terminalStack are the libraries the ui draws with. Bubble Tea needs the
// terminal (raw mode, size, isatty), so golang.org/x/sys reaches the ui's
// dependencies through them whatever memtui does; x/sys reached any other
// way is memtui's own doing.
var terminalStack = []string{"github.com/charmbracelet/", "github.com/muesli/", "github.com/mattn/", "github.com/NimbleMarkets/"}

func isTerminalStack(p string) bool {
	for _, s := range terminalStack {
		if strings.HasPrefix(p, s) {
			return true
		}
	}
	return false
}

// uiViolations is the check of TestUIReadsNothing on the import graph g of
// ui: each memtui package the ui depends on that imports a machine-reading
// package, and each machine-reading module in its dependencies, except what
// comes in through the terminal libraries.
func uiViolations(g map[string][]string, ui string) []string {
	own := reach(g, ui, isTerminalStack)
	pkgs, modules := machineReaders(g, own)
	var out []string
	for p, imps := range pkgs {
		out = append(out, fmt.Sprintf("the ui depends on %s, which imports %s: the ui must not reach anything that reads the machine", p, strings.Join(imps, ", ")))
	}
	for _, m := range modules {
		out = append(out, fmt.Sprintf("go list -deps ./ui shows %s, not through the terminal libraries", m))
	}
	slices.Sort(out)
	return out
}

// TestUIReadsNothing holds "a UI that only draws": no memtui package the ui
// depends on imports os, exec, signals, the network, syscalls, a database
// driver, x/sys or gopsutil, and `go list -deps ./ui` shows neither
// gopsutil nor golang.org/x/sys except through the terminal libraries.
// The types the ui needs live in pure packages (probes, incident, actions);
// the I/O beside them (probes/procfs, probes/pgprobe, incident/store,
// actions/run) is wired by main.
func TestUIReadsNothing(t *testing.T) {
	const ui = "github.com/memtui/memtui/ui"
	for _, v := range uiViolations(importGraph(t, ui), ui) {
		t.Error(v)
	}
}

// TestUIViolationCaught makes the deliberate violation: the ui's real
// import graph with one more edge, ui → probes/procfs (the /proc reader),
// must fail the check above, naming procfs and gopsutil.
func TestUIViolationCaught(t *testing.T) {
	const mod = "github.com/memtui/memtui"
	g := importGraph(t, mod+"/ui")
	for p, imps := range importGraph(t, mod+"/probes/procfs") {
		g[p] = imps
	}
	g[mod+"/ui"] = append(slices.Clone(g[mod+"/ui"]), mod+"/probes/procfs")
	got := strings.Join(uiViolations(g, mod+"/ui"), "\n")
	for _, want := range []string{"depends on " + mod + "/probes/procfs, which imports", "shows github.com/shirou/gopsutil/v4/host"} {
		if !strings.Contains(got, want) {
			t.Errorf("ui importing probes/procfs: the check did not say %q; it said:\n%s", want, got)
		}
	}
}

// TestPureCores: incident and actions, the packages the ui takes its types
// from, read nothing themselves, whatever the ui does.
func TestPureCores(t *testing.T) {
	const mod = "github.com/memtui/memtui"
	for _, pkg := range []string{mod + "/incident", mod + "/actions", mod + "/probes"} {
		g := importGraph(t, pkg)
		pkgs, modules := machineReaders(g, reach(g, pkg, func(string) bool { return false }))
		for p, imps := range pkgs {
			t.Errorf("%s depends on %s, which imports %s", pkg, p, strings.Join(imps, ", "))
		}
		for _, m := range modules {
			t.Errorf("%s depends on %s", pkg, m)
		}
	}
}

// TestMachineReadersCaught proves the checker above finds what it must: a
// deliberate violation, as data. The I/O halves of incident and actions,
// and probes/procfs and probes/pgprobe, read the machine; the check of TestUIReadsNothing, pointed at
// them, has to say so.
func TestMachineReadersCaught(t *testing.T) {
	const mod = "github.com/memtui/memtui"
	for pkg, want := range map[string]struct {
		imp    string // an import the checker must report of pkg itself
		module string // a machine-reading module it must list ("" none)
	}{
		mod + "/incident/store": {"golang.org/x/sys/unix", "golang.org/x/sys/unix"},
		mod + "/actions/run":    {"os/exec", "golang.org/x/sys/unix"},
		mod + "/probes/procfs":  {"os", "golang.org/x/sys/unix"},
		mod + "/probes/pgprobe": {"net", "github.com/jackc/pgx/v5/pgconn"},
	} {
		g := importGraph(t, pkg)
		pkgs, modules := machineReaders(g, reach(g, pkg, func(string) bool { return false }))
		if !slices.Contains(pkgs[pkg], want.imp) {
			t.Errorf("the checker missed %s importing %s (it reported %v)", pkg, want.imp, pkgs[pkg])
		}
		if want.module != "" && !slices.Contains(modules, want.module) {
			t.Errorf("the checker missed %s in the dependencies of %s (it listed %v)", want.module, pkg, modules)
		}
	}
	// And a pure package passes: the checker does not flag everything.
	g := importGraph(t, mod+"/internal/units")
	if pkgs, modules := machineReaders(g, reach(g, mod+"/internal/units", func(string) bool { return false })); len(pkgs)+len(modules) != 0 {
		t.Errorf("internal/units reported as reading the machine: %v %v", pkgs, modules)
	}
}
