package pgprobe

import (
	"fmt"

	"github.com/jackc/pgservicefile"

	"github.com/memtui/memtui/probes"
)

// ReadService reads one service's settings from the pg_service.conf file at
// path with pgx's own parser (a probes.PGServiceReader). It lives here, not
// in probes, because the ui imports probes and must not reach any pgx package.
func ReadService(path, name string) (map[string]string, error) {
	sf, err := pgservicefile.ReadServicefile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", probes.ErrUnavailable, err)
	}
	svc, err := sf.GetService(name)
	if err != nil {
		return nil, fmt.Errorf("not in %s", path)
	}
	out := make(map[string]string, len(svc.Settings))
	for k, v := range svc.Settings {
		// libpq accepts "database" for "dbname"; memtui's settings use dbname.
		if k == "database" {
			k = "dbname"
		}
		out[k] = v
	}
	return out, nil
}
