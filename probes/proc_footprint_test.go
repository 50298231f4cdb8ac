package probes

import (
	"testing"
)

const fpMiB = 1 << 20

// fpProc is a process of program prog with RSS and, when pssMiB >= 0, PSS.
func fpProc(pid, ppid int32, prog string, rssMiB uint64, pssMiB int) Proc {
	p := Proc{PID: pid, PPID: ppid, Comm: prog, Program: prog, RSS: rssMiB * fpMiB}
	if pssMiB >= 0 {
		p.PSS, p.PSSOK = uint64(pssMiB)*fpMiB, true
	}
	return p
}

// fpTable is an Odoo host's process table: seven programs, of which the
// five largest by RSS hold 4096 + 1536 + 256 + 128 + 100 = 6116 MiB and
// the two smallest 12 MiB. PSS equals RSS here (nothing shared), so the
// figures are those the RSS-based footprint gave: its ranking is kept.
func fpTable(workerMiB uint64) []Proc {
	w := int(workerMiB)
	return []Proc{
		fpProc(812, 1, "odoo-bin", workerMiB, w), fpProc(820, 812, "odoo-bin", workerMiB, w),
		fpProc(821, 812, "odoo-bin", workerMiB, w), fpProc(822, 812, "odoo-bin", workerMiB, w),
		fpProc(900, 1, "postgres", 512, 512), fpProc(903, 900, "postgres", 512, 512), fpProc(904, 900, "postgres", 512, 512),
		fpProc(950, 1, "redis-server", 256, 256),
		fpProc(960, 1, "nginx", 64, 64), fpProc(961, 960, "nginx", 64, 64),
		fpProc(970, 1, "php-fpm8.1", 100, 100),
		fpProc(980, 1, "sshd", 8, 8), fpProc(990, 980, "bash", 4, 4),
	}
}

func TestFootprintOf(t *testing.T) {
	noProgram := fpProc(5, 1, "cron", 30, 30)
	noProgram.Program = ""
	tests := []struct {
		name      string
		procs     []Proc
		want      uint64
		estimated int
	}{
		{"no processes", nil, 0, 0},
		{"fewer programs than followed, program falls back to comm", []Proc{noProgram, fpProc(6, 1, "cron", 10, 10)}, 40 * fpMiB, 0},
		{"the five largest programs", fpTable(1024), 6116 * fpMiB, 0},
		// Odoo shrunk to 4 × 1 MiB drops out of the five and sshd (8 MiB)
		// comes in: the sum follows the largest five, whoever they are.
		{"ranks swap", fpTable(1), (1536 + 256 + 128 + 100 + 8) * fpMiB, 0},
		{"PSS unknown counts at RSS, said", []Proc{fpProc(1, 0, "a", 10, -1), fpProc(2, 0, "a", 10, 4)}, 14 * fpMiB, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FootprintOf(tt.procs)
			if got.Bytes != tt.want || got.Estimated != tt.estimated {
				t.Errorf("footprint %d MiB (%d estimated), want %d MiB (%d)", got.Bytes/fpMiB, got.Estimated, tt.want/fpMiB, tt.estimated)
			}
		})
	}
}

// TestFootprintScale: a host using 2.5 GiB whose 40 PostgreSQL backends
// each map 400 MiB of shared buffers, plus Odoo workers sharing their code.
// Summed RSS read 17.5 GiB; the footprint must stay within used memory.
func TestFootprintScale(t *testing.T) {
	const usedMiB = 2560
	var procs []Proc
	procs = append(procs, fpProc(900, 1, "postgres", 420, 410)) // the postmaster holds the buffers' first touch
	for i := range 40 {
		// Each backend's RSS is mostly the shared buffers it touched; its
		// PSS is its share of them plus its own ~10 MiB.
		procs = append(procs, fpProc(int32(1000+i), 900, "postgres", 400, 20))
	}
	procs = append(procs, fpProc(812, 1, "odoo-bin", 300, 250))
	for i := range 8 {
		procs = append(procs, fpProc(int32(820+i), 812, "odoo-bin", 180, 110))
	}
	procs = append(procs, fpProc(950, 1, "redis-server", 60, 58), fpProc(980, 1, "sshd", 8, 3))
	var rss uint64
	for _, p := range procs {
		rss += p.RSS
	}
	fp := FootprintOf(procs)
	if rss/fpMiB < 17000 {
		t.Fatalf("the table should reproduce the 17 GiB of summed RSS, has %d MiB", rss/fpMiB)
	}
	if fp.Bytes > usedMiB*fpMiB || fp.Bytes < usedMiB*fpMiB/2 {
		t.Errorf("footprint %d MiB on a host using %d MiB (summed RSS %d MiB): not the host's scale", fp.Bytes/fpMiB, usedMiB, rss/fpMiB)
	}
}
