package procfs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/memtui/memtui/internal/termtext"
	"github.com/memtui/memtui/probes"
)

// procClockTicks is USER_HZ, the unit of stat's starttime. It is 100 on every
// Linux architecture memtui targets (the kernel fixes it for userspace ABI).
const procClockTicks = 100

// ProcDetail reads the detail of k (pid and start time, so a reused pid is
// not mistaken for the process the user selected). tab, when given,
// supplies the parent and the children. Secrets in the command line are
// masked.
func (fs FS) ProcDetail(k probes.ProcKey, tab *probes.ProcTable, passwdPath string) (probes.ProcDetail, error) {
	var d probes.ProcDetail
	b, err := readSmall(fs.procPath(k.PID, "stat"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return d, fmt.Errorf("process %d: %w", k.PID, probes.ErrProcessGone)
		}
		return d, fmt.Errorf("process %d: %w", k.PID, err)
	}
	st, err := probes.ParseProcStat(b)
	if err != nil {
		return d, fmt.Errorf("process %d: %w", k.PID, err)
	}
	if k.Start != 0 && st.StartTime != k.Start {
		return d, fmt.Errorf("process %d (started at tick %d): %w", k.PID, k.Start, probes.ErrProcessGone)
	}
	pageSize := uint64(os.Getpagesize())
	p := probes.Proc{PID: k.PID, PPID: st.PPID, Threads: st.Threads, State: st.State, Start: st.StartTime,
		RSS: st.RSSPages * pageSize, Comm: termtext.Printable(string(st.Comm)), Program: termtext.Printable(string(st.Comm))}
	if fi, err := os.Stat(fs.procPath(k.PID)); err == nil {
		if sys, ok := fi.Sys().(interface{ Uid() uint32 }); ok {
			p.UID = sys.Uid()
		}
	}
	if b, err := readSmall(fs.procPath(k.PID, "status")); err == nil {
		if s, err := parseProcStatus(b); err == nil {
			if s.UIDOK {
				p.UID = s.EUID
			}
			if s.VmSwapOK {
				p.Swap, p.SwapOK = s.VmSwap, true
			}
			if s.Threads > 0 {
				p.Threads = s.Threads
			}
			d.RssAnon, d.RssFile, d.RssShmem, d.RssOK = s.RssAnon, s.RssFile, s.RssShmem, s.RssOK
		}
	}
	if passwdPath == "" {
		passwdPath = "/etc/passwd"
	}
	p.User = newUserCache(passwdPath).name(p.UID, time.Time{})
	if b, err := readSmall(fs.procPath(k.PID, "cmdline")); err == nil {
		p.Cmdline, p.CmdlineOK = maskedCmdline(b), true
		if isInterpreter(p.Comm) {
			if name := scriptName(parseCmdline(b)); name != "" {
				p.Program = name
			}
		}
	}
	if b, err := readSmall(fs.procPath(k.PID, "smaps_rollup")); err == nil {
		d.Smaps, d.SmapsErr = parseSmapsRollup(b)
		if d.SmapsErr == nil && d.Smaps.PssOK {
			p.PSS, p.PSSOK = d.Smaps.Pss, true
		}
	} else {
		d.SmapsErr = err
	}
	if b, err := readSmall(fs.procPath(k.PID, "statm")); err == nil {
		d.Statm, d.StatmErr = parseStatm(b, pageSize)
		if d.StatmErr == nil && d.Statm.Size > 0 {
			p.RSS = d.Statm.Resident // as the scan's rows: stat's field 24 lags (see ProcScanner.statm)
		}
	} else {
		d.StatmErr = err
	}
	d.OOMScore, d.OOMScoreAdj, d.OOMErr = fs.readOOMScore(k.PID)
	if b, err := readSmall(fs.procPath(k.PID, "cgroup")); err == nil {
		d.Cgroup, d.CgroupErr = parseProcCgroup(bytes.NewReader(b))
	} else {
		d.CgroupErr = err
	}
	d.FDs, d.FDsErr = procCountDir(fs.procPath(k.PID, "fd"))
	if bt, err := fs.BootTime(); err == nil {
		d.StartedAt = bt.Add(time.Duration(st.StartTime) * time.Second / procClockTicks)
	}
	if tab != nil {
		for _, q := range tab.Procs {
			if q.PID == p.PPID {
				parent := q
				d.Parent = &parent
			}
			if q.PPID == p.PID {
				d.Children = append(d.Children, q)
			}
			if q.PID == p.PID && q.Start == p.Start {
				p.Growth, p.GrowthOK, p.Mark = q.Growth, q.GrowthOK, q.Mark
			}
		}
		procSortByRSS(d.Children)
	}
	d.Proc = p
	return d, nil
}

func procSortByRSS(ps []probes.Proc) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].RSS > ps[j-1].RSS; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

func (fs FS) readOOMScore(pid int32) (score, adj int, err error) {
	b, err := readSmall(fs.procPath(pid, "oom_score"))
	if err != nil {
		return 0, 0, err
	}
	if score, err = strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
		return 0, 0, fmt.Errorf("oom_score %q: %w", b, probes.ErrParse)
	}
	b, err = readSmall(fs.procPath(pid, "oom_score_adj"))
	if err != nil {
		return 0, 0, err
	}
	if adj, err = strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
		return 0, 0, fmt.Errorf("oom_score_adj %q: %w", b, probes.ErrParse)
	}
	return score, adj, nil
}

// parseProcCgroup reads /proc/<pid>/cgroup: the v1 memory controller's path
// when there is one, else the unified hierarchy's
// ("0::/system.slice/odoo.service").
func parseProcCgroup(r io.Reader) (string, error) {
	sc := bufio.NewScanner(r)
	var v1, v2 string
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			v2 = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == "memory" {
				v1 = parts[2]
			}
		}
	}
	// On a hybrid host the memory controller is still v1: its line is
	// where the limits are, so it wins over the unified one.
	if v1 != "" {
		return v1, nil
	}
	if v2 != "" {
		return v2, nil
	}
	return "", fmt.Errorf("cgroup: no unified or memory line: %w", probes.ErrUnavailable)
}

// procCountDir counts the entries of a directory without building FileInfos.
func procCountDir(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	for {
		names, err := f.Readdirnames(256)
		n += len(names)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
