package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"debug/buildinfo"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestManAndCompletionsGenerate runs what goreleaser's before hooks run:
// every package ships these files, so a command that breaks the generators
// must fail here rather than in a release.
func TestManAndCompletionsGenerate(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	root := newRootCmd(&out, &errb)
	root.SetArgs([]string{"man", "--dir", dir})
	if err := root.Execute(); err != nil {
		t.Fatalf("memtui man: %v\n%s", err, errb.String())
	}
	page, err := os.ReadFile(filepath.Join(dir, "memtui.1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{".TH \"MEMTUI\" \"1\"", `\fB\-\-pg\fP`, `memtui\-snapshot(1)`} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("memtui.1 lacks %q", want)
		}
	}
	for _, sub := range []string{"snapshot", "report", "oom", "actions", "version"} {
		if _, err := os.Stat(filepath.Join(dir, "memtui-"+sub+".1")); err != nil {
			t.Errorf("no page for %s: %v", sub, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "memtui-man.1")); err == nil {
		t.Error("the hidden man command has a page of its own")
	}
	// Every page typesets without a warning (a line read as a request, a
	// character troff cannot take) where groff is installed, as on Debian.
	if groff, err := exec.LookPath("groff"); err == nil {
		pages, _ := filepath.Glob(filepath.Join(dir, "*.1"))
		for _, p := range pages {
			out, err := exec.Command(groff, "-man", "-Tutf8", "-ww", "-z", p).CombinedOutput()
			if err != nil || len(out) > 0 {
				t.Errorf("groff on %s: %v\n%s", filepath.Base(p), err, out)
			}
		}
	}

	for shell, want := range map[string]string{"bash": "complete -o default -F __start_memtui memtui", "zsh": "#compdef memtui", "fish": "complete -c memtui"} {
		out.Reset()
		root := newRootCmd(&out, &errb)
		root.SetArgs([]string{"completion", shell})
		if err := root.Execute(); err != nil {
			t.Fatalf("completion %s: %v", shell, err)
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("completion %s lacks %q", shell, want)
		}
	}
}

// TestVersionFlag: --version and -v print what `memtui version` prints.
func TestVersionFlag(t *testing.T) {
	var want bytes.Buffer
	root := newRootCmd(&want, &want)
	root.SetArgs([]string{"version"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, flag := range []string{"--version", "-v"} {
		var out bytes.Buffer
		root := newRootCmd(&out, &out)
		root.SetArgs([]string{flag})
		if err := root.Execute(); err != nil {
			t.Fatalf("%s: %v", flag, err)
		}
		if out.String() != want.String() {
			t.Errorf("%s printed %q, memtui version %q", flag, out.String(), want.String())
		}
	}
}

// TestDebContents builds the packages with goreleaser in a copy of the work
// tree (so dist/ and build/ here stay untouched) and looks inside the .deb
// for the man page, the completions and the changelog in Debian's places.
func TestDebContents(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every release target with goreleaser (minutes); not in -short")
	}
	gr, err := exec.LookPath("goreleaser")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("goreleaser is not installed under CI=true; .ci/run installs it")
		}
		t.Skip("goreleaser is not installed (go install github.com/goreleaser/goreleaser/v2@v2.15.1)")
	}
	src, err := exec.Command("git", "ls-files", "-co", "--exclude-standard").Output()
	if err != nil {
		t.Skipf("not a git work tree: %v", err)
	}
	work := t.TempDir()
	for _, f := range strings.Fields(string(src)) {
		data, err := os.ReadFile(f)
		if err != nil {
			continue // listed but deleted in the work tree
		}
		dst := filepath.Join(work, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
			"GIT_AUTHOR_DATE=2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2026-01-01T00:00:00Z")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git("add", "-A")
	git("commit", "-q", "-m", "snapshot")
	git("remote", "add", "origin", "https://github.com/memtui/memtui.git")
	cmd := exec.Command(gr, "release", "--snapshot", "--clean", "--skip=publish")
	cmd.Dir = work
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("goreleaser: %v\n%s", err, out)
	}
	debs, _ := filepath.Glob(filepath.Join(work, "dist", "*_amd64.deb"))
	if len(debs) != 1 {
		t.Fatalf("want one amd64 .deb in dist/, got %v", debs)
	}
	// The Linux archive holds memtui-watch beside memtui; a laptop's, memtui alone.
	for goos, want := range map[string][]string{"linux_amd64": {"memtui", "memtui-watch"}, "darwin_arm64": {"memtui"}} {
		tgz, _ := filepath.Glob(filepath.Join(work, "dist", "memtui_*_"+goos+".tar.gz"))
		if len(tgz) != 1 {
			t.Errorf("want one %s archive in dist/, got %v", goos, tgz)
			continue
		}
		var bins []string
		for _, name := range tarGzFiles(t, tgz[0]) {
			if strings.HasPrefix(name, "memtui") && !strings.ContainsAny(name, "/.") {
				bins = append(bins, name)
			}
		}
		if !slices.Equal(bins, want) {
			t.Errorf("%s holds the programs %v, want %v", filepath.Base(tgz[0]), bins, want)
		}
	}
	// The memtui-watch goreleaser built is the watch edition, not a copy
	// of memtui under another name.
	if bins, _ := filepath.Glob(filepath.Join(work, "dist", "memtui-watch_linux_amd64*", "memtui-watch")); len(bins) != 1 {
		t.Errorf("want one linux/amd64 memtui-watch in dist/, got %v", bins)
	} else if bi, err := buildinfo.ReadFile(bins[0]); err != nil {
		t.Errorf("%s: %v", bins[0], err)
	} else if !slices.Contains(bi.Settings, debug.BuildSetting{Key: "-tags", Value: "memtui_watch"}) {
		t.Errorf("%s was not built with -tags memtui_watch: %v", bins[0], bi.Settings)
	}
	files := debFiles(t, debs[0])
	for _, want := range []string{
		"./usr/bin/memtui",
		"./usr/bin/memtui-watch",
		"./usr/share/man/man1/memtui.1.gz",
		"./usr/share/man/man1/memtui-snapshot.1.gz",
		"./usr/share/bash-completion/completions/memtui",
		"./usr/share/zsh/vendor-completions/_memtui",
		"./usr/share/fish/vendor_completions.d/memtui.fish",
		"./usr/share/doc/memtui/changelog.gz",
		"./usr/share/doc/memtui/copyright",
		"./usr/share/man/man1/memtui-watch.1.gz",
		"./lib/systemd/system/memtui-watch.service",
		"./etc/memtui/watch.env",
	} {
		if !files[want] {
			t.Errorf("%s lacks %s", filepath.Base(debs[0]), want)
		}
	}
}

// debFiles lists the paths in a .deb's data.tar.gz: an ar archive of
// fixed 60-byte headers, read here so the test needs no dpkg.
func debFiles(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("!<arch>\n")) {
		t.Fatalf("%s is not an ar archive", path)
	}
	files := map[string]bool{}
	for off := 8; off+60 <= len(b); {
		name := strings.TrimRight(string(b[off:off+16]), " /")
		var size int
		for _, c := range strings.TrimSpace(string(b[off+48 : off+58])) {
			size = size*10 + int(c-'0')
		}
		body := b[off+60 : off+60+size]
		off += 60 + size + size%2
		if name != "data.tar.gz" {
			continue
		}
		for _, f := range tarGzNames(t, bytes.NewReader(body), path) {
			files[f] = true
		}
	}
	if len(files) == 0 {
		t.Fatalf("%s: no data.tar.gz found", path)
	}
	return files
}

// TestIntervalFlag: --interval takes bare seconds as well as durations.
func TestIntervalFlag(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{"5", 5 * time.Second, false},
		{"0.5", 500 * time.Millisecond, false},
		{"2s", 2 * time.Second, false},
		{"250ms", 250 * time.Millisecond, false},
		{"NaN", 0, true},
		{"1e300", 0, true},
		{"abc", 0, true},
	} {
		var d secondsDuration
		err := d.Set(c.in)
		if (err != nil) != c.bad || (!c.bad && time.Duration(d) != c.want) {
			t.Errorf("Set(%q) = %v, %v; want %v (error: %v)", c.in, time.Duration(d), err, c.want, c.bad)
		}
	}
}

// tarGzFiles lists the paths in a .tar.gz file, sorted.
func tarGzFiles(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return tarGzNames(t, f, path)
}

// tarGzNames lists the paths in gzipped tar data (what, for errors), sorted.
func tarGzNames(t *testing.T, r io.Reader, what string) []string {
	t.Helper()
	zr, err := gzip.NewReader(r)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	var names []string
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		names = append(names, h.Name)
	}
	slices.Sort(names)
	return names
}
