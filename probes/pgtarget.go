package probes

import (
	"sort"
)

// PGEnvKeywords maps each libpq environment variable to its keyword: the
// same table pgconn.ParseConfig reads (pgx v5 parseEnvSettings), so every
// variable psql and pgx honour is honoured here too, not just the common ones.
var PGEnvKeywords = map[string]string{
	"PGHOST": "host", "PGPORT": "port", "PGDATABASE": "dbname", "PGUSER": "user",
	"PGPASSWORD": "password", "PGPASSFILE": "passfile", "PGAPPNAME": "application_name",
	"PGCONNECT_TIMEOUT": "connect_timeout", "PGSSLMODE": "sslmode", "PGSSLKEY": "sslkey",
	"PGSSLCERT": "sslcert", "PGSSLCERTMODE": "sslcertmode", "PGSSLSNI": "sslsni",
	"PGSSLROOTCERT": "sslrootcert", "PGSSLPASSWORD": "sslpassword", "PGSSLNEGOTIATION": "sslnegotiation",
	"PGTARGETSESSIONATTRS": "target_session_attrs", "PGSERVICE": "service", "PGSERVICEFILE": "servicefile",
	"PGTZ": "timezone", "PGOPTIONS": "options", "PGMINPROTOCOLVERSION": "min_protocol_version",
	"PGMAXPROTOCOLVERSION": "max_protocol_version", "PGCHANNELBINDING": "channel_binding",
	"PGREQUIREAUTH": "require_auth",
}

// PGEnvKeys are the environment variables memtui honours for PostgreSQL:
// every libpq variable pgconn knows, and DATABASE_URL. main reads them (only
// main reads the environment) and passes their values to ResolvePGTarget.
var PGEnvKeys = func() []string {
	keys := []string{"DATABASE_URL"}
	for k := range PGEnvKeywords {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}()

// PGConfigHelp is the plain-words "how to configure" line used in every
// connection error.
const PGConfigHelp = "configure with --pg 'host=… port=… user=… dbname=…' (or a postgres:// URL), or the libpq environment (PGHOST, PGPORT, PGUSER, PGSERVICE, …), ~/.pg_service.conf and ~/.pgpass; --pg none turns PostgreSQL off"

// PGServiceReader reads one service's settings from a pg_service.conf file
// (pgprobe.ReadService). It is handed in rather than called here so that
// probes, which the ui imports for its types, depends on no pgx package.
type PGServiceReader func(path, name string) (map[string]string, error)
