package probes

import (
	"sort"
	"strconv"
	"strings"
)

// RedisInfo is one reading of a Redis server's INFO sections memory, stats,
// keyspace and server. Each field names its INFO field; absence is not
// zero (an old server, or a section the reply did not carry).
type RedisInfo struct {
	Version         string // server: redis_version
	UsedMemory      Val    // memory: used_memory (bytes the allocator holds for data)
	UsedMemoryRSS   Val    // memory: used_memory_rss (what the kernel counts)
	UsedMemoryPeak  Val    // memory: used_memory_peak
	MaxMemory       Val    // memory: maxmemory; 0 means no limit
	MaxMemoryPolicy string // memory: maxmemory_policy ("noeviction", "allkeys-lru" …)
	// FragmentationRatio is memory: mem_fragmentation_ratio (RSS / used);
	// FragmentationOK is false when the server did not say.
	FragmentationRatio float64
	FragmentationOK    bool
	// LazyfreePending is memory: lazyfree_pending_objects, the objects an
	// asynchronous FLUSHALL/FLUSHDB has yet to free.
	LazyfreePending Val
	EvictedKeys     Val       // stats: evicted_keys
	Keyspace        []RedisDB // keyspace: one per database that holds keys, by index
}

// RedisDB is one line of INFO keyspace: "db3:keys=120,expires=4,avg_ttl=0".
type RedisDB struct {
	Index   int    `json:"db"`
	Keys    uint64 `json:"keys"`
	Expires uint64 `json:"expires"`
}

// Name is "db3", the key of the snapshot's keys map.
func (d RedisDB) Name() string { return "db" + strconv.Itoa(d.Index) }

// TotalKeys adds up the keys of every database.
func (in RedisInfo) TotalKeys() uint64 {
	var n uint64
	for _, d := range in.Keyspace {
		n += d.Keys
	}
	return n
}

// KeysIn is the key count of database db (0 when it holds none: INFO
// keyspace leaves empty databases out).
func (in RedisInfo) KeysIn(db int) uint64 {
	for _, d := range in.Keyspace {
		if d.Index == db {
			return d.Keys
		}
	}
	return 0
}

// MaxRedisDBs bounds the keyspace lines kept: Redis has 16 databases unless
// configured otherwise, and a reply listing millions is not a real server.
const MaxRedisDBs = 1024

// ParseRedisInfo reads the text of one or more INFO sections ("# Memory",
// then "field:value" lines, CRLF or LF). Unknown fields and malformed lines
// are skipped: a newer server adds fields, and a reading with fewer figures
// is better than none. It is pure; the fuzz test holds it to never panic.
func ParseRedisInfo(s string) RedisInfo {
	var in RedisInfo
	for len(s) > 0 {
		var line string
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			line, s = s, ""
		}
		line = strings.TrimRight(line, "\r")
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch k {
		case "redis_version":
			in.Version = PGText(v)
		case "used_memory":
			in.UsedMemory = parseRedisUint(v)
		case "used_memory_rss":
			in.UsedMemoryRSS = parseRedisUint(v)
		case "used_memory_peak":
			in.UsedMemoryPeak = parseRedisUint(v)
		case "maxmemory":
			in.MaxMemory = parseRedisUint(v)
		case "maxmemory_policy":
			in.MaxMemoryPolicy = PGText(v)
		case "mem_fragmentation_ratio":
			if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f < 1e9 {
				in.FragmentationRatio, in.FragmentationOK = f, true
			}
		case "lazyfree_pending_objects":
			in.LazyfreePending = parseRedisUint(v)
		case "evicted_keys":
			in.EvictedKeys = parseRedisUint(v)
		default:
			if db, ok := parseRedisKeyspace(k, v); ok && len(in.Keyspace) < MaxRedisDBs {
				in.Keyspace = append(in.Keyspace, db)
			}
		}
	}
	sort.SliceStable(in.Keyspace, func(i, j int) bool { return in.Keyspace[i].Index < in.Keyspace[j].Index })
	return in
}

func parseRedisUint(v string) Val {
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return Val{}
	}
	return Some(n)
}

// parseRedisKeyspace reads "db3" and "keys=120,expires=4,avg_ttl=0".
func parseRedisKeyspace(k, v string) (RedisDB, bool) {
	num, ok := strings.CutPrefix(k, "db")
	if !ok {
		return RedisDB{}, false
	}
	idx, err := strconv.Atoi(num)
	if err != nil || idx < 0 || num != strconv.Itoa(idx) {
		return RedisDB{}, false
	}
	db := RedisDB{Index: idx}
	haveKeys := false
	for _, f := range strings.Split(v, ",") {
		name, val, _ := strings.Cut(f, "=")
		n, err := strconv.ParseUint(val, 10, 64)
		if err != nil {
			continue
		}
		switch name {
		case "keys":
			db.Keys, haveKeys = n, true
		case "expires":
			db.Expires = n
		}
	}
	return db, haveKeys
}
