package probes

import "time"

// FleetRow is one node_exporter instance as a fleet source saw it. The
// pointers are nil when the source has no sample (no swap metrics, no PSI on
// an old kernel, an exporter that never exported it): absence is not zero.
type FleetRow struct {
	Instance string
	Up       bool // the last scrape of the instance succeeded
	// Stale: no memory sample in the last two scrape intervals (a stopped
	// exporter whose up series has not been written yet, or a dropped target).
	Stale     bool
	Age       time.Duration // since the last memory sample, when known
	MemPct    *float64      // 100 × (1 − MemAvailable / MemTotal), as the local panel
	SwapUsed  *float64      // bytes
	SwapTotal *float64      // bytes; 0 means no swap
	PSISome   *float64      // % of time some task stalled on memory (1 m rate)
	PSIFull   *float64      // % of time all tasks stalled on memory (1 m rate)
	OOM1h     *float64      // OOM kills in the last hour
	Spark     []float64     // memory used % over the last hour, oldest first
}

// FleetReading is one refresh of the whole fleet. Err is set when the
// source failed as a whole (timeout, unreachable); Rows then is empty and
// the caller keeps its previous reading.
type FleetReading struct {
	Rows []FleetRow
	At   time.Time
	Took time.Duration // wall time of the batched queries
	Err  error
}
