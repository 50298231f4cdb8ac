package run

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memtui/memtui/actions"
	"github.com/memtui/memtui/probes"
)

// seedOdooConf is the runbook's odoo.conf.
const seedOdooConf = `[options]
admin_passwd = hunter2
workers = 4                    # 2 * CPU cores + 1
max_cron_threads = 2          # Dedicated cron workers
limit_memory_hard = 2684354560 # 2.5GB
limit_memory_soft = 2147483648 # 2GB
limit_time_cpu = 60
limit_time_real = 120
`

// odooRunner works on dir/odoo.conf for the runbook's 8 GB, 2-CPU host,
// with a systemctl stand-in that records its arguments in dir/systemctl.log.
func odooRunner(t *testing.T) (*Runner, string, string) {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "odoo.conf")
	if err := os.WriteFile(conf, []byte(seedOdooConf), 0o640); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "systemctl.log")
	fake := filepath.Join(dir, "systemctl")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho \"$@\" >> "+log+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 12, 4, 1, 30, 0, 0, time.UTC)
	r := &Runner{
		OdooConf: conf,
		OdooHost: func(context.Context) probes.OdooHost {
			return probes.OdooHost{MemTotal: 8 << 30, CPUs: 2, PGSharedBuffers: 2 << 30, PGMaxConnections: 100}
		},
		LookPath: func(string) (string, error) { return fake, nil },
		Now:      func() time.Time { clock = clock.Add(time.Second); return clock },
	}
	return r, conf, log
}

func odooAction(t *testing.T, id string) actions.Action {
	t.Helper()
	a, ok := actions.Runbook{Actions: actions.Builtin(actions.Options{})}.Find(id)
	if !ok {
		t.Fatalf("no built-in %s", id)
	}
	return a
}

// TestOdooLimitsWriteWithBackupAndRestore is the runbook's Option 3 done
// for real: the preview shows the arithmetic and the diff; the run writes
// exactly that diff, keeps the old file beside it with its mode, and
// restarts odoo; restore-odoo-conf shows the diff back and puts the old
// file back. A file changed between the preview and the run is left alone.
func TestOdooLimitsWriteWithBackupAndRestore(t *testing.T) {
	r, conf, log := odooRunner(t)
	ctx := context.Background()
	adjust := odooAction(t, "adjust-odoo-workers")
	pv, err := r.Preview(ctx, adjust, nil)
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, row := range pv.Rows {
		rows = append(rows, row[0])
	}
	shown := strings.Join(rows, "\n")
	for _, want := range []string{"limit_memory_hard 2.50 GiB → 832 MiB", "-limit_memory_hard = 2684354560 # 2.5GB", "+limit_memory_hard = 872415232",
		"+limit_memory_soft = 671088640", "+db_maxconn = 12", "@@ "} {
		if !strings.Contains(shown, want) {
			t.Errorf("the preview lacks %q:\n%s", want, shown)
		}
	}
	if pv.Edit == nil || !strings.Contains(pv.Message, "odoo.conf.memtui-<time>") {
		t.Fatalf("preview %+v", pv)
	}

	res := r.RunSync(ctx, actions.Request{Action: adjust, Confirmation: "y", Preview: &pv})
	if res.Status != actions.StatusOK {
		t.Fatalf("run: %s %s\n%s", res.Status, res.Message, res.Output)
	}
	got, _ := os.ReadFile(conf)
	if string(got) != string(pv.Edit.New) {
		t.Errorf("written:\n%s\nshown:\n%s", got, pv.Edit.New)
	}
	backups, _ := filepath.Glob(conf + ".memtui-*")
	if len(backups) != 1 {
		t.Fatalf("backups %v", backups)
	}
	if b, _ := os.ReadFile(backups[0]); string(b) != seedOdooConf {
		t.Errorf("the backup is not the old file:\n%s", b)
	}
	if st, _ := os.Stat(conf); st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, the old file's was 0640", st.Mode().Perm())
	}
	if l, _ := os.ReadFile(log); strings.TrimSpace(string(l)) != "restart odoo" {
		t.Errorf("systemctl ran with %q", l)
	}
	t.Logf("outcome: %s", res.Outcome)
	if !strings.Contains(res.Outcome, "wrote "+conf) || !strings.Contains(res.Outcome, "exit 0") {
		t.Errorf("outcome %q", res.Outcome)
	}

	// Restore: the diff back, then the old file.
	restore := odooAction(t, "restore-odoo-conf")
	rp, err := r.Preview(ctx, restore, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rp.Edit == nil || rp.Edit.From != backups[0] || !strings.Contains(rp.Edit.Diff, "+limit_memory_hard = 2684354560 # 2.5GB") {
		t.Fatalf("restore preview %+v", rp.Edit)
	}
	if res := r.RunSync(ctx, actions.Request{Action: restore, Confirmation: "y", Preview: &rp}); res.Status != actions.StatusOK {
		t.Fatalf("restore: %s %s", res.Status, res.Message)
	}
	if got, _ := os.ReadFile(conf); string(got) != seedOdooConf {
		t.Errorf("restored:\n%s", got)
	}
	if b, _ := filepath.Glob(conf + ".memtui-*"); len(b) != 2 {
		t.Errorf("backups after the restore %v, want the proposal's too", b)
	}

	// Changed behind the preview's back: nothing written.
	pv, _ = r.Preview(ctx, adjust, nil)
	edited := seedOdooConf + "db_name = prod\n"
	os.WriteFile(conf, []byte(edited), 0o640)
	res = r.RunSync(ctx, actions.Request{Action: adjust, Confirmation: "y", Preview: &pv})
	if res.Status != actions.StatusRefused || !strings.Contains(res.Message, "changed since the diff was shown") {
		t.Errorf("run over a changed file: %s %s", res.Status, res.Message)
	}
	if got, _ := os.ReadFile(conf); string(got) != edited {
		t.Error("a file changed since the preview was overwritten")
	}
}

// TestOdooLimitsThroughASymlink: an odoo.conf reached through a link is
// written where the link points, and the link stays a link.
func TestOdooLimitsThroughASymlink(t *testing.T) {
	r, conf, _ := odooRunner(t)
	link := filepath.Join(filepath.Dir(conf), "etc-odoo.conf")
	if err := os.Symlink(conf, link); err != nil {
		t.Fatal(err)
	}
	r.OdooConf = link
	a := odooAction(t, "adjust-odoo-workers")
	pv, err := r.Preview(context.Background(), a, nil)
	if err != nil || pv.Edit == nil || pv.Edit.Path != conf {
		t.Fatalf("preview %+v %v", pv.Edit, err)
	}
	if res := r.RunSync(context.Background(), actions.Request{Action: a, Confirmation: "y", Preview: &pv}); res.Status != actions.StatusOK {
		t.Fatalf("run: %s %s", res.Status, res.Message)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi, err)
	}
	if b, _ := os.ReadFile(link); string(b) == seedOdooConf {
		t.Error("the file the link points to was not written")
	}
}

// TestOdooLimitsNothingToChange: limits that already fit are said to fit,
// and the preview carries no edit to run.
func TestOdooLimitsNothingToChange(t *testing.T) {
	r, conf, _ := odooRunner(t)
	os.WriteFile(conf, []byte("[options]\nworkers = 2\nmax_cron_threads = 1\nlimit_memory_hard = 805306368\nlimit_memory_soft = 536870912\ndb_maxconn = 16\n"), 0o640)
	pv, err := r.Preview(context.Background(), odooAction(t, "adjust-odoo-workers"), nil)
	if err != nil || pv.Edit != nil || !strings.Contains(pv.Message, "already fit") {
		t.Errorf("preview %+v %v", pv, err)
	}
}
