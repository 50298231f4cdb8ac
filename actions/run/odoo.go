package run

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/internal/fsread"
	"github.com/memtui/memtui/internal/redact"
	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/procfs"
)

// maxOdooConf bounds the odoo.conf the actions read and write.
const maxOdooConf = 1 << 20

// odooBackupSuffix starts the name of the copies the odoo.conf actions
// keep: odoo.conf.memtui-20261204T011700Z.
const odooBackupSuffix = ".memtui-"

// odooConfPath is the file an odoo.conf action works on: the action's own
// File, else --odoo-conf, else the -c of the running Odoo (or the
// packaged paths).
func (r *Runner) odooConfPath(a actions.Action) (string, error) {
	switch {
	case a.File != "":
		return a.File, nil
	case r.OdooConf != "":
		return r.OdooConf, nil
	}
	o, err := procfs.ReadOdoo(procfs.NewFS(r.procRoot(), ""), "")
	if err != nil {
		return "", err
	}
	if o.Config.Path == "" {
		return "", o.ConfErr
	}
	return o.Config.Path, nil
}

// readBounded reads a regular file of at most maxOdooConf bytes.
func readBounded(path string) ([]byte, os.FileInfo, error) {
	f, err := fsread.OpenRegular(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, maxOdooConf+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > maxOdooConf {
		return nil, nil, fmt.Errorf("%s: larger than %d KiB", path, maxOdooConf>>10)
	}
	return b, st, nil
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// previewOdoo is the confirmation of an odoo.conf action: for a proposal,
// the arithmetic and the diff; for a restore, the diff back to the newest
// backup. Its Edit is exactly what the run writes.
func (r *Runner) previewOdoo(ctx context.Context, a actions.Action) (actions.Preview, error) {
	path, err := r.odooConfPath(a)
	if err != nil {
		return actions.Preview{}, err
	}
	// The file itself, not a link to it: the write renames over its path,
	// which would replace a symlink with a file of its own.
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	cur, _, err := readBounded(path)
	if err != nil {
		return actions.Preview{}, err
	}
	e := &actions.FileEdit{Path: path, OldSum: sum(cur)}
	var why []string
	switch a.Kind {
	case actions.KindOdooRestore:
		backups, _ := filepath.Glob(path + odooBackupSuffix + "*")
		slices.Sort(backups) // the suffix is a UTC time: the newest sorts last
		if len(backups) == 0 {
			return actions.Preview{}, fmt.Errorf("no backup of %s made by memtui (%s%s…): nothing to restore", path, filepath.Base(path), odooBackupSuffix)
		}
		e.From = backups[len(backups)-1]
		if e.New, _, err = readBounded(e.From); err != nil {
			return actions.Preview{}, err
		}
		why = append(why, "put back "+e.From)
	default:
		c, err := probes.ParseOdooConf(cur)
		if err != nil {
			return actions.Preview{}, fmt.Errorf("%s: %w", path, err)
		}
		var h probes.OdooHost
		if r.OdooHost != nil {
			h = r.OdooHost(ctx)
		}
		p, err := probes.ProposeOdooLimits(c, h)
		if err != nil {
			return actions.Preview{}, err
		}
		if len(p.Set) == 0 {
			return actions.Preview{Message: path + ": the limits already fit this host; nothing to change"}, nil
		}
		why = p.Why
		if e.New, err = probes.EditOdooConf(cur, p.Set); err != nil {
			return actions.Preview{}, fmt.Errorf("%s: %w", path, err)
		}
	}
	if bytes.Equal(cur, e.New) {
		return actions.Preview{Message: path + " already reads so; nothing to change"}, nil
	}
	if e.Diff, err = probes.UnifiedDiff(path, path+" (after)", cur, e.New); err != nil {
		return actions.Preview{}, err
	}
	// What is shown is masked (admin_passwd, db_password sit in the
	// diff's context); New, written as is, is not shown.
	e.Diff = redact.Redact(e.Diff)
	pv := actions.Preview{Edit: e, Columns: []string{"the change to " + path}}
	for _, l := range why {
		pv.Rows = append(pv.Rows, []string{l})
	}
	for _, l := range strings.Split(strings.TrimSuffix(e.Diff, "\n"), "\n") {
		pv.Rows = append(pv.Rows, []string{l})
	}
	pv.Message = fmt.Sprintf("%s will be written; the current file is kept as %s%s<time>", path, filepath.Base(path), odooBackupSuffix)
	return pv, nil
}

// runOdoo writes the edit the confirmation showed, keeping the current file
// as a backup, then runs the action's commands (the restart). A file that
// no longer reads as it did at the preview is left alone.
func (r *Runner) runOdoo(ctx context.Context, a actions.Action, req actions.Request, out *tail, res *actions.Result) error {
	if req.Preview == nil || req.Preview.Edit == nil {
		res.Status, res.Message = actions.StatusRefused, "no change was shown before: nothing written"
		out.Line(res.Message)
		return nil
	}
	e := req.Preview.Edit
	step := actions.Step{Argv: []string{"write", e.Path}}
	fail := func(st actions.Status, msg string) error {
		step.Status, step.Message = st, msg
		step.Outcome = "not written: " + msg
		res.Steps = append(res.Steps, step)
		res.Status, res.Message = st, msg
		out.Line(msg)
		return nil
	}
	cur, info, err := readBounded(e.Path)
	if err != nil {
		return fail(actions.StatusError, err.Error())
	}
	if sum(cur) != e.OldSum {
		return fail(actions.StatusRefused, e.Path+" changed since the diff was shown; nothing written (run the action again to see the new diff)")
	}
	backup := e.Path + odooBackupSuffix + r.now().UTC().Format("20060102T150405Z")
	if err := writeNew(backup, cur, info, true); err != nil {
		return fail(actions.StatusError, "keeping the current file: "+err.Error())
	}
	out.Line("kept the current " + e.Path + " as " + backup)
	if err := writeNew(e.Path, e.New, info, false); err != nil {
		return fail(actions.StatusError, "writing "+e.Path+": "+err.Error())
	}
	what := "wrote " + e.Path
	if e.From != "" {
		what += " from " + e.From
	}
	out.Line(what)
	step.Status, step.Message = actions.StatusOK, what
	step.Outcome = what + "; backup " + backup
	res.Steps = append(res.Steps, step)
	res.Status, res.Message = actions.StatusOK, what
	if len(a.Commands) == 0 {
		return nil
	}
	then := a
	then.Kind = actions.KindCommands
	if r.Keeper != nil {
		return r.runKept(ctx, then, out, res)
	}
	return r.runCommands(ctx, then, out, res)
}

// writeNew writes b to path with info's mode and owner, atomically (excl:
// path must not exist yet, for a backup).
func writeNew(path string, b []byte, info os.FileInfo, excl bool) error {
	if excl {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("%s exists", path)
		}
	}
	var owner *fsread.Owner
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		// Odoo reads its file as its own user: keep the owner.
		owner = &fsread.Owner{UID: int(st.Uid), GID: int(st.Gid)}
	}
	return fsread.WriteAtomic(path, b, info.Mode().Perm(), owner)
}
