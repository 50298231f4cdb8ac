package main

import (
	"bufio"
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestBinaryStaysLean guards what the binary's size rests on; every page of
// it that the dashboard maps counts in its RSS on a machine short of memory
// (README, Performance).
//
//   - No reachable reflective method lookup (reflect.Value.MethodByName, as
//     text/template and reflect2 do): one makes the linker keep every
//     exported method of every type that reaches an interface: 2.8 MB of
//     the release binary when cobra's version template brought one in.
//   - None of the libraries dropped for their weight comes back through a
//     new import: protobuf and json-iterator (Prometheus's client library),
//     YAML and blackfriday (cobra's doc generator). With the template, they
//     took the release binary from 16.7 MB to 23.0 MB.
//   - PostgreSQL through pgconn, not a pgx.Conn: the pgx package reaches
//     pgtype's Map, whose codecs for every PostgreSQL type (and
//     encoding/xml) were 2.9 MB of the release binary (15.9 → 13.1 MB).
//     pgconn imports pgtype for a constant, so only its initialisers may
//     be linked.
func TestBinaryStaysLean(t *testing.T) {
	if testing.Short() {
		t.Skip("links the whole binary; not in -short")
	}
	deps, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, deps)
	}
	for _, p := range strings.Fields(string(deps)) {
		if p == "github.com/jackc/pgx/v5" {
			t.Errorf("memtui links %s (a pgx.Conn) again; pgconn is enough", p)
		}
		for _, heavy := range []string{"google.golang.org/protobuf/", "github.com/json-iterator/", "github.com/modern-go/",
			"go.yaml.in/", "gopkg.in/yaml", "github.com/russross/blackfriday", "github.com/prometheus/"} {
			if strings.HasPrefix(p, heavy) {
				t.Errorf("memtui links %s again", p)
			}
		}
	}
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-dumpdep", "-o", "/dev/null", ".")
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%.2000s", err, out)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	lines := 0
	for sc.Scan() {
		lines++
		l := sc.Text()
		if strings.Contains(l, "<ReflectMethod>") {
			t.Errorf("reflective method lookup reachable, so the linker keeps every exported method: %s", l)
		}
		if strings.Contains(l, "-> github.com/jackc/pgx/v5/pgtype.NewMap") {
			t.Errorf("pgtype's type map is reachable, and with it every codec: %s", l)
		}
	}
	if lines < 10000 {
		t.Fatalf("the linker printed %d lines of its dependency graph; want the whole graph to check", lines)
	}
}

// TestWatchBinaryLinksNoScreen: memtui-watch (-tags memtui_watch) is the
// watch without the screen. A package main file that the watch needs and
// that imports the ui (or a subcommand's file without the build tag) brings
// the ui and the Charm libraries back, and with them their initialisers,
// which every process of the binary runs. The fleet's Prometheus source
// is the dashboard's too: its initialiser (a compiled regexp, a map) ran in
// every watch while a constant of its was named on the watch's path.
func TestWatchBinaryLinksNoScreen(t *testing.T) {
	if testing.Short() {
		t.Skip("lists the watch binary's packages; not in -short")
	}
	deps, err := exec.Command("go", "list", "-deps", "-tags", "memtui_watch", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, deps)
	}
	pkgs := strings.Fields(string(deps))
	if !slices.Contains(pkgs, "github.com/memtui/memtui/watch") {
		t.Fatalf("memtui-watch does not link the watch package: %v", pkgs)
	}
	for _, p := range pkgs {
		for _, dashboardOnly := range []string{"github.com/memtui/memtui/ui", "github.com/memtui/memtui/termdiff", "github.com/charmbracelet/",
			"github.com/NimbleMarkets/", "github.com/muesli/", "github.com/lucasb-eyer/", "github.com/rivo/uniseg", "github.com/mattn/go-runewidth",
			"github.com/memtui/memtui/probes/prom"} {
			if strings.HasPrefix(p, dashboardOnly) {
				t.Errorf("memtui-watch links %s", p)
			}
		}
	}
}
