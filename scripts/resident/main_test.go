package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"testing"
)

// TestOwnPages builds resident without stripping it (go test strips its
// test binaries) and runs it on itself: its runtime's code is running, so
// some of it is resident and named, and it has a heap arena.
func TestOwnPages(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	if os.Getuid() != 0 {
		t.Skip("pagemap needs root")
	}
	bin := filepath.Join(t.TempDir(), "resident")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "-syms", bin, "-top", "40", "self").CombinedOutput()
	if err != nil {
		t.Fatalf("resident: %v\n%s", err, out)
	}
	for _, re := range []string{
		`binary's pages resident: [0-9.]+ MiB`,
		`\.text +[0-9.]+ +[0-9.]+ MiB`,
		`\.gopclntab +[0-9.]+ +[0-9.]+ MiB`,
		`anonymous pages resident: [0-9.]+ MiB`,
		`\n +[1-9][0-9]* +[1-9][0-9]* +runtime\n`,
	} {
		if !regexp.MustCompile(re).Match(out) {
			t.Errorf("output lacks %s:\n%s", re, out)
		}
	}
}

// TestNotThisBinary: symbols from another binary are refused, since every
// address would be attributed to the wrong package.
func TestNotThisBinary(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	sh := "/bin/sh"
	if _, err := os.Stat(sh); err != nil {
		t.Skip(err)
	}
	err := run(&bytes.Buffer{}, os.Getpid(), sh, 10)
	if os.Getuid() != 0 && err != nil {
		t.Skipf("pagemap needs root: %v", err)
	}
	if err == nil || !regexp.MustCompile(`not a build of the running binary`).MatchString(err.Error()) {
		t.Errorf("symbols of %s accepted for pid %s: %v", sh, strconv.Itoa(os.Getpid()), err)
	}
}

func TestPkgOf(t *testing.T) {
	for name, want := range map[string]string{
		"net/http.(*Client).Do":               "net/http",
		"type:*net/http.Client":               "net/http",
		"go:itab.*os.File,io.Writer":          "os",
		"runtime.mallocgc":                    "runtime",
		"github.com/jackc/pgx/v5/pgtype.init": "github.com/jackc/pgx/v5/pgtype",
		"main.main":                           "main",
	} {
		if got := pkgOf(name); got != want {
			t.Errorf("pkgOf(%q) = %q, want %q", name, got, want)
		}
	}
}
