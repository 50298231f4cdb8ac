package probes

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/memtui/memtui/internal/termtext"
	"github.com/memtui/memtui/internal/units"
)

// OOMCommand is what `memtui oom [--file PATH|-] [--json]` was asked; main
// fills it from the flags.
type OOMCommand struct {
	File   string    // "" reads the kernel log; "-" reads stdin; else a saved log
	JSON   bool      // print the kills as a JSON array, oldest first
	Config OOMConfig // where the kernel log is
	Now    time.Time // for ages; zero means time.Now()
}

// WriteOOMJSON writes kills as an indented JSON array, oldest first; an
// empty list is [] so scripts can always index it.
func WriteOOMJSON(w io.Writer, kills []OOMKill) error {
	if kills == nil {
		kills = []OOMKill{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(kills)
}

// WriteOOMTable writes kills as a table for people, oldest first, with
// times in loc and ages from now.
func WriteOOMTable(w io.Writer, kills []OOMKill, now time.Time, loc *time.Location) error {
	if len(kills) == 0 {
		_, err := fmt.Fprintln(w, "no OOM kills found")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tAGE\tPID\tCOMM\tANON-RSS\tCONSTRAINT\tCGROUP\tTRIGGER\tBY")
	for _, k := range kills {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n",
			OOMKillTime(k, loc), OOMKillAge(k, now), k.PID, termtext.Printable(k.Comm), OOMKillRSS(k),
			orDash(k.Constraint), termtext.Printable(deref2(k.Memcg)), OOMKillTrigger(k), k.Source)
	}
	return tw.Flush()
}

// OOMKillTime renders when a kill happened: the wall time, else the kernel
// stamp as seconds since boot.
func OOMKillTime(k OOMKill, loc *time.Location) string {
	switch {
	case k.Time != nil:
		return k.Time.In(loc).Format("2006-01-02 15:04:05")
	case k.KernelTimeS != nil:
		return "boot+" + strconv.FormatFloat(*k.KernelTimeS, 'f', 1, 64) + "s"
	}
	return "-"
}

// OOMKillAge renders how long ago a kill was, "-" when unknown.
func OOMKillAge(k OOMKill, now time.Time) string {
	if k.Time == nil {
		return "-"
	}
	return FormatAge(now.Sub(*k.Time))
}

// FormatAge renders a duration the way people say it: "40s", "12m", "3h",
// "2d".
func FormatAge(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + "d"
}

// OOMKillRSS renders the victim's anonymous RSS (earlyoom gives VmRSS).
func OOMKillRSS(k OOMKill) string {
	switch {
	case k.AnonRSSKB != nil:
		return units.KiB(uint64(max(0, *k.AnonRSSKB)))
	case k.RSSKB != nil:
		return units.KiB(uint64(max(0, *k.RSSKB))) + " rss"
	}
	return "-"
}

// OOMKillTrigger renders who asked for the memory: "comm[pid]".
func OOMKillTrigger(k OOMKill) string {
	if k.TriggerComm == nil {
		return "-"
	}
	s := termtext.Printable(*k.TriggerComm)
	if k.TriggerPID != nil {
		s += "[" + strconv.Itoa(*k.TriggerPID) + "]"
	}
	return s
}

// OOMKillUnit shortens a cgroup path to what people call it: the last
// element ("odoo.service", "docker-abc.scope"), "/" for the root.
func OOMKillUnit(k OOMKill) string {
	if k.Memcg == nil {
		return "-"
	}
	p := strings.TrimRight(*k.Memcg, "/")
	if p == "" {
		return "/"
	}
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[i+1:]
	}
	return termtext.Printable(p)
}

func orDash(p *string) string {
	if p == nil {
		return "-"
	}
	return termtext.Printable(*p)
}

func deref2(p *string) string {
	if p == nil {
		return "-"
	}
	return *p
}
