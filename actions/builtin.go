package actions

import (
	"path/filepath"
	"time"
)

// Options are the host-specific parts of the built-in runbook. The runbook
// file's [builtin] table sets them; main.go supplies ProcRoot from --proc.
type Options struct {
	AppUnit      string // systemd unit of the application; default "odoo"
	AppDatabase  string // database the Odoo cache SQL is for; default "odoo_production"
	PostgresUnit string // systemd unit of PostgreSQL; default "postgresql"
	ProcRoot     string // /proc root; default "/proc"
	// RedisCacheDB is the Redis database that holds only the application's
	// cache ([builtin] redis_cache_db); nil: none configured, so
	// clear-redis-cache-db is refused rather than guessing (db0 often
	// holds sessions).
	RedisCacheDB *int
}

// WithDefaults fills the seed's values for anything left empty.
func (o Options) WithDefaults() Options {
	if o.AppUnit == "" {
		o.AppUnit = "odoo"
	}
	if o.AppDatabase == "" {
		o.AppDatabase = "odoo_production"
	}
	if o.PostgresUnit == "" {
		o.PostgresUnit = "postgresql"
	}
	if o.ProcRoot == "" {
		o.ProcRoot = "/proc"
	}
	return o
}

// Seed SQL for "Clear Odoo caches via database" (Option 1), verbatim.
const (
	clearOdooCachesSQL     = "DELETE FROM ir_cache; DELETE FROM ir_attachment WHERE name LIKE '%cache%';"
	clearOdooCachesPreview = "SELECT 'ir_cache' AS rows_to_delete_from, count(*) AS rows FROM ir_cache " +
		"UNION ALL SELECT 'ir_attachment (name LIKE ''%cache%'')', count(*) FROM ir_attachment WHERE name LIKE '%cache%'"
)

// Builtin returns the built-in runbook: the seed's remediation options with
// the seed's risk levels (clear-redis raised to medium), plus "signal the
// selected process" and "add a note". The palette keeps this order: the
// note first, then the seed's order.
func Builtin(o Options) []Action {
	o = o.WithDefaults()
	const src = "built-in"
	return []Action{
		{
			// First, so the entry the palette opens on is harmless: Enter
			// twice must never delete or restart anything.
			ID: "add-note", Name: "Add a note", Risk: RiskLow, Kind: KindNote,
			Description: "Write a note on the incident timeline.",
			Source:      src,
		},
		{
			// Seed Option 1 (Low Risk): "Clear Redis cache (if used)", narrowed
			// to the database only the cache uses, so sessions survive.
			ID: "clear-redis-cache-db", Name: "Clear the Redis cache database", Risk: RiskLow, Kind: KindRedisFlushDB,
			Description: "FLUSHDB of the Redis database set as [builtin] redis_cache_db; every other database is kept.",
			RedisDB:     redisCacheDB(o),
			Timeout:     30 * time.Second, RecheckAfter: DefaultRecheckAfter, Source: src,
		},
		{
			// The seed's `redis-cli FLUSHALL`, on the server memtui reads. Medium,
			// not the seed's low: it deletes every database, sessions included.
			ID: "clear-redis", Name: "Clear all of Redis (FLUSHALL)", Risk: RiskMedium, Kind: KindRedisFlushAll,
			Description: "Flush every Redis database: caches and sessions (users are logged out). Cached data is rebuilt on demand.",
			Timeout:     30 * time.Second, RecheckAfter: DefaultRecheckAfter, Source: src,
		},
		{
			// Seed Option 1 (Low Risk): the DELETE statements, run on memtui's
			// own connection instead of `sudo -u postgres psql odoo_production`;
			// Database makes the runner refuse if connected to another database.
			// It deletes data (every attachment whose name holds "cache"), so it
			// asks as a medium: its preview counts the rows first.
			ID: "clear-odoo-caches", Name: "Clear Odoo caches (SQL)", Risk: RiskMedium, Kind: KindSQL,
			Description: "Delete Odoo's cache rows (ir_cache, cache attachments) in database " + o.AppDatabase + ".",
			SQL:         clearOdooCachesSQL, Preview: clearOdooCachesPreview, Database: o.AppDatabase,
			Timeout: 60 * time.Second, RecheckAfter: DefaultRecheckAfter, Source: src,
		},
		{
			// Seed Option 1 (Low Risk): "Restart Odoo to release memory".
			ID: "restart-odoo", Name: "Restart " + o.AppUnit, Risk: RiskLow, Kind: KindCommands,
			Description: "Restart the application service to release its memory (brief downtime).",
			Commands:    [][]string{{"systemctl", "restart", o.AppUnit}},
			Timeout:     120 * time.Second, RecheckAfter: DefaultRecheckAfter, Source: src,
		},
		{
			// The seed's automated response: "Clear caches" when memory
			// passes 85 %. Only the page cache (echo 1): clean pages the
			// kernel refills from disk, never dentries and inodes, so it is
			// low risk and the one built-in step memtui watch runs alone.
			ID: "clear-page-cache", Name: "Clear the page cache (sync, drop clean pages)", Risk: RiskLow, Kind: KindDropCaches,
			Description: "sync, then drop the clean page cache only (echo 1 > drop_caches); the automated response's cache clearing.",
			File:        filepath.Join(o.ProcRoot, "sys", "vm", "drop_caches"), DropLevel: 1, Auto: true,
			Timeout: 120 * time.Second, RecheckAfter: DefaultRecheckAfter, Source: src,
		},
		{
			// Seed Option 2 (Low Risk): "Kill idle connections" older than 30 min.
			ID: "terminate-idle-postgres", Name: "Terminate idle PostgreSQL connections", Risk: RiskLow, Kind: KindTerminateIdle,
			Description: "Terminate client backends idle for more than 30 minutes; shows exactly which first.",
			IdleAfter:   DefaultIdleAfter, Timeout: 30 * time.Second, RecheckAfter: DefaultRecheckAfter, Source: src,
		},
		{
			// Seed Option 3 (Medium Risk): "Adjust Odoo worker limits", with
			// limits computed for this host instead of the seed's fixed
			// values, the diff shown before anything is written, a backup,
			// and the restart.
			ID: "adjust-odoo-workers", Name: "Adjust Odoo worker memory limits", Risk: RiskMedium, Kind: KindOdooLimits,
			Description: "Compute odoo.conf worker limits that fit this host (RAM, CPUs, PostgreSQL), show the diff, write it with a backup, restart " + o.AppUnit + ".",
			Commands:    [][]string{{"systemctl", "restart", o.AppUnit}},
			Timeout:     120 * time.Second, RecheckAfter: DefaultRecheckAfter, Source: src,
		},
		{
			ID: "restore-odoo-conf", Name: "Restore odoo.conf from memtui's backup", Risk: RiskMedium, Kind: KindOdooRestore,
			Description: "Put back the odoo.conf that adjust-odoo-workers replaced (its newest backup), showing the diff first, then restart " + o.AppUnit + ".",
			Commands:    [][]string{{"systemctl", "restart", o.AppUnit}},
			Timeout:     120 * time.Second, RecheckAfter: DefaultRecheckAfter, Source: src,
		},
		{
			// Seed Option 4 (High Risk): `sync; echo 3 | sudo tee
			// /proc/sys/vm/drop_caches`, done with sync(2) and a write from Go.
			ID: "drop-page-caches", Name: "Drop page caches", Risk: RiskHigh, Kind: KindDropCaches,
			Description: "sync, then drop the page cache, dentries and inodes; disk reads are slow until the cache refills.",
			File:        filepath.Join(o.ProcRoot, "sys", "vm", "drop_caches"),
			Timeout:     120 * time.Second, RecheckAfter: DefaultRecheckAfter, Source: src,
		},
		{
			// Seed Option 4 (High Risk): "If desperate: restart PostgreSQL
			// (causes brief downtime)", followed by the application.
			ID: "restart-postgresql", Name: "Restart PostgreSQL and " + o.AppUnit, Risk: RiskHigh, Kind: KindCommands,
			Description: "Restart PostgreSQL, then the application (brief downtime of both).",
			Commands:    [][]string{{"systemctl", "restart", o.PostgresUnit}, {"systemctl", "restart", o.AppUnit}},
			Timeout:     180 * time.Second, RecheckAfter: DefaultRecheckAfter, Source: src,
		},
		{
			// Seed Option 5 (If Cloud-Hosted): the seed gives no risk level;
			// medium because a resize reboots the machine. Runs nothing.
			ID: "scale-resources", Name: "Scale resources (cloud resize)", Risk: RiskMedium, Kind: KindChecklist,
			Description: "The seed's cloud resize commands, to run by hand from a workstation.",
			Steps: []string{
				"DigitalOcean: doctl compute droplet-action resize DROPLET_ID --size s-4vcpu-8gb",
				"AWS: aws ec2 modify-instance-attribute --instance-id i-xxxxx --instance-type t3.large",
			},
			Source: src,
		},
		{
			ID: "signal-process", Name: "Signal the selected process", Risk: RiskMedium, Kind: KindSignal,
			Description: "Send TERM to the selected process, then KILL if it is still running after the grace period.",
			Grace:       DefaultGrace, Timeout: 30 * time.Second, RecheckAfter: DefaultRecheckAfter, Source: src,
		},
	}

}

// redisCacheDB is the configured cache database, or NoRedisDB.
func redisCacheDB(o Options) int {
	if o.RedisCacheDB == nil {
		return NoRedisDB
	}
	return *o.RedisCacheDB
}
