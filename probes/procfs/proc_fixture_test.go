package procfs

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// writeSyntheticTree writes root/proc/<pid>/{stat,status,cmdline} for n
// processes shaped like an Odoo + PostgreSQL host's, plus root/etc/passwd.
func writeSyntheticTree(tb testing.TB, root string, n int) {
	tb.Helper()
	must := func(err error) {
		if err != nil {
			tb.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "etc"), 0o755))
	must(os.WriteFile(filepath.Join(root, "etc", "passwd"), []byte(
		"root:x:0:0:root:/root:/bin/bash\nodoo:x:110:117::/opt/odoo:/bin/false\npostgres:x:111:118::/var/lib/postgresql:/bin/bash\n"), 0o644))
	for i := 0; i < n; i++ {
		pid := 1000 + i
		comm, cmd, ppid := "postgres", "postgres: odoo odoo 10.0.0.5(51234) idle\x00", 999
		switch i % 4 {
		case 1:
			comm, cmd, ppid = "odoo-bin", "/usr/bin/python3\x00/opt/odoo/odoo-bin\x00-c\x00/etc/odoo.conf\x00", 998
		case 2:
			comm, cmd, ppid = "python3", "/usr/bin/python3\x00/opt/odoo/odoo-bin\x00gevent\x00", 998
		case 3:
			comm, cmd, ppid = "php-fpm8.1", "php-fpm: pool www\x00", 997
		}
		rss := 1000 + i*7%50000
		dir := filepath.Join(root, "proc", fmt.Sprint(pid))
		must(os.MkdirAll(dir, 0o755))
		stat := fmt.Sprintf("%d (%s) S %d %d %d 0 -1 4194560 2412 0 0 0 12 4 0 0 20 0 1 0 %d 183631872 %d 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
			pid, comm, ppid, pid, pid, 26707+i, rss)
		must(os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644))
		status := fmt.Sprintf("Name:\t%s\nState:\tS (sleeping)\nPid:\t%d\nPPid:\t%d\nUid:\t110\t110\t110\t110\nGid:\t117\t117\t117\t117\nVmRSS:\t%d kB\nRssAnon:\t%d kB\nRssFile:\t100 kB\nRssShmem:\t0 kB\nVmSwap:\t%d kB\nThreads:\t1\n",
			comm, pid, ppid, rss*4, rss*4-100, i%300)
		must(os.WriteFile(filepath.Join(dir, "status"), []byte(status), 0o644))
		must(os.WriteFile(filepath.Join(dir, "cmdline"), []byte(cmd), 0o644))
	}
}
