// Command resident shows where a running memtui's resident memory is: its
// binary's pages by section (text, rodata, pclntab, data) and, for code
// and initialised data, by Go package; and its anonymous mappings (the Go
// heap arena, the runtime's own memory). It reads /proc/PID/maps and
// /proc/PID/pagemap, so it needs root (or the process's owner with
// CAP_SYS_ADMIN) on Linux.
//
//	go run ./scripts/resident PID             # sections and mappings
//	go run ./scripts/resident -syms BIN PID   # and packages, from BIN's symbols
//
// A release binary is stripped (-s -w), so packages need -syms: a build of
// the same tree with the same flags but without -s -w. Stripping removes
// only sections that are never loaded, so the loaded layout is the same;
// resident checks that the two agree on every loaded section.
//
// The kernel maps a file's pages around each fault (fault-around, 64 KB by
// default) when they are in the page cache, so a package with one touched
// function often shows whole: that is the point, RSS counts those pages.
package main

import (
	"bufio"
	"debug/elf"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

func main() {
	syms := flag.String("syms", "", "an unstripped build of the running binary, for packages")
	top := flag.Int("top", 25, "packages listed per section")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: resident [-syms BIN] [-top N] PID|self")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	pid, err := strconv.Atoi(flag.Arg(0))
	if flag.Arg(0) == "self" {
		pid, err = os.Getpid(), nil
	}
	if err != nil || pid <= 0 {
		fail(fmt.Errorf("%q is not a process id", flag.Arg(0)))
	}
	if err := run(os.Stdout, pid, *syms, *top); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "resident:", err)
	os.Exit(1)
}

// pageSize is the unit of the page map (4 KiB on amd64; 16 or 64 KiB on
// some arm64 kernels).
var pageSize = uint64(os.Getpagesize())

// mapping is one line of /proc/PID/maps.
type mapping struct {
	lo, hi uint64
	path   string
}

func run(w io.Writer, pid int, symsPath string, top int) error {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		return err
	}
	maps, err := readMaps(pid)
	if err != nil {
		return err
	}
	pm, err := os.Open(fmt.Sprintf("/proc/%d/pagemap", pid))
	if err != nil {
		return err
	}
	defer pm.Close()

	exeBin, err := elf.Open(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		return fmt.Errorf("%s: %w", exe, err)
	}
	defer exeBin.Close()

	// Resident pages of the binary's file mappings, and the anonymous ones.
	resident := map[uint64]bool{}
	var filePages, anonPages uint64
	type anon struct {
		m     mapping
		pages uint64
	}
	var anons []anon
	for _, m := range maps {
		pages, err := present(pm, m)
		if err != nil {
			return fmt.Errorf("pagemap (needs root): %w", err)
		}
		switch {
		case m.path == exe:
			for _, a := range pages {
				resident[a] = true
			}
			filePages += uint64(len(pages))
		case m.path == "" || m.path == "[heap]":
			anonPages += uint64(len(pages))
			if len(pages) > 0 {
				anons = append(anons, anon{m, uint64(len(pages))})
			}
		}
	}
	fmt.Fprintf(w, "pid %d (%s)\n\n", pid, exe)
	fmt.Fprintf(w, "binary's pages resident: %s MiB\n", mib(filePages*pageSize))
	fmt.Fprintf(w, "  %-14s %9s %9s\n", "section", "resident", "size")
	for _, s := range exeBin.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Type == elf.SHT_NOBITS || s.Size < pageSize {
			continue
		}
		var n uint64
		for a := s.Addr &^ (pageSize - 1); a < s.Addr+s.Size; a += pageSize {
			if resident[a] {
				n++
			}
		}
		fmt.Fprintf(w, "  %-14s %9s %9s MiB\n", s.Name, mib(n*pageSize), mib(s.Size))
	}
	fmt.Fprintf(w, "\nanonymous pages resident: %s MiB\n", mib(anonPages*pageSize))
	sort.Slice(anons, func(i, j int) bool { return anons[i].pages > anons[j].pages })
	for i, a := range anons {
		if i == 8 {
			break
		}
		fmt.Fprintf(w, "  %x-%x %9s MiB of %s\n", a.m.lo, a.m.hi, mib(a.pages*pageSize), mib(a.m.hi-a.m.lo))
	}
	fmt.Fprintln(w, "  (the largest is the Go heap arena; the others are the runtime's own: spans, stacks, metadata)")

	if symsPath == "" {
		return nil
	}
	sb, err := elf.Open(symsPath)
	if err != nil {
		return err
	}
	defer sb.Close()
	if err := sameLayout(exeBin, sb); err != nil {
		return fmt.Errorf("%s is not a build of the running binary: %w", symsPath, err)
	}
	symbols, err := sb.Symbols()
	if err != nil {
		return fmt.Errorf("%s: %w (build it without -s -w)", symsPath, err)
	}
	// Not .rodata: its type descriptors, strings and function data are a
	// few large symbols with no package in their names.
	for _, name := range []string{".text", ".noptrdata"} {
		s := sb.Section(name)
		if s == nil {
			continue
		}
		byPkg(w, s, symbols, resident, top)
	}
	return nil
}

// byPkg prints, for the symbols in section s, each package's bytes on
// resident pages against its bytes in all.
func byPkg(w io.Writer, s *elf.Section, symbols []elf.Symbol, resident map[uint64]bool, top int) {
	res, all := map[string]uint64{}, map[string]uint64{}
	for _, y := range symbols {
		if y.Size == 0 || y.Value < s.Addr || y.Value >= s.Addr+s.Size {
			continue
		}
		pkg := pkgOf(y.Name)
		for a, end := y.Value, y.Value+y.Size; a < end; {
			next := min((a&^(pageSize-1))+pageSize, end)
			all[pkg] += next - a
			if resident[a&^(pageSize-1)] {
				res[pkg] += next - a
			}
			a = next
		}
	}
	pkgs := make([]string, 0, len(all))
	for p := range all {
		pkgs = append(pkgs, p)
	}
	sort.Slice(pkgs, func(i, j int) bool {
		if res[pkgs[i]] != res[pkgs[j]] {
			return res[pkgs[i]] > res[pkgs[j]]
		}
		return pkgs[i] < pkgs[j]
	})
	fmt.Fprintf(w, "\n%s by package: resident KiB of linked KiB\n", s.Name)
	var restRes, restAll uint64
	for i, p := range pkgs {
		if i >= top {
			restRes += res[p]
			restAll += all[p]
			continue
		}
		fmt.Fprintf(w, "  %7.0f %7.0f  %s\n", float64(res[p])/1024, float64(all[p])/1024, p)
	}
	if restAll > 0 {
		fmt.Fprintf(w, "  %7.0f %7.0f  (%d more)\n", float64(restRes)/1024, float64(restAll)/1024, len(pkgs)-top)
	}
}

// pkgOf is the package of a Go symbol: "net/http.(*Client).Do" is
// net/http, "type:*net/http.Client" is too, "go:string.*" stays whole.
func pkgOf(name string) string {
	for _, p := range []string{"type:", "go:itab.", "*"} {
		name = strings.TrimPrefix(name, p)
	}
	slash := strings.LastIndex(name, "/")
	if dot := strings.Index(name[slash+1:], "."); dot >= 0 {
		return name[:slash+1+dot]
	}
	return name
}

// sameLayout checks that two builds load the same sections at the same
// addresses with the same sizes.
func sameLayout(a, b *elf.File) error {
	for _, s := range a.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 {
			continue
		}
		t := b.Section(s.Name)
		if t == nil || t.Addr != s.Addr || t.Size != s.Size {
			return fmt.Errorf("section %s differs", s.Name)
		}
	}
	return nil
}

func readMaps(pid int) ([]mapping, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ms []mapping
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 5 {
			continue
		}
		lo, hi, ok := strings.Cut(fs[0], "-")
		if !ok {
			continue
		}
		var m mapping
		if m.lo, err = strconv.ParseUint(lo, 16, 64); err != nil {
			return nil, fmt.Errorf("maps: %q", sc.Text())
		}
		if m.hi, err = strconv.ParseUint(hi, 16, 64); err != nil {
			return nil, fmt.Errorf("maps: %q", sc.Text())
		}
		if len(fs) >= 6 {
			m.path = fs[5]
		}
		ms = append(ms, m)
	}
	return ms, sc.Err()
}

// present returns the addresses of m's pages that are in memory (pagemap
// bit 63). Swapped pages do not count, as they do not in RSS.
func present(pm *os.File, m mapping) ([]uint64, error) {
	if strings.HasPrefix(m.path, "[v") { // [vsyscall], [vvar], [vdso]
		return nil, nil
	}
	const chunk = 1 << 16 // pages per read: reservations can be gigabytes
	buf := make([]byte, 8*chunk)
	var out []uint64
	for lo := m.lo; lo < m.hi; lo += chunk * pageSize {
		n := min(chunk, (m.hi-lo)/pageSize)
		if _, err := pm.ReadAt(buf[:8*n], int64(lo/pageSize*8)); err != nil {
			return nil, err
		}
		for i := uint64(0); i < n; i++ {
			if binary.LittleEndian.Uint64(buf[i*8:])&(1<<63) != 0 {
				out = append(out, lo+i*pageSize)
			}
		}
	}
	return out, nil
}

func mib(b uint64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 2, 64) }
