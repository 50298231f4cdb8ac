package record

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/memtui/memtui/probes"
)

// WriterOptions bound a block: whichever limit comes first closes it.
type WriterOptions struct {
	// BlockLines closes a block after this many lines (default 120).
	BlockLines int
	// BlockBytes closes a block once its uncompressed lines reach this
	// size (default 256 KiB): the writer's memory stays under it.
	BlockBytes int
	// BlockAge closes a block this long after its first line (default
	// 30 s): at most this much is lost when memtui itself is killed.
	BlockAge time.Duration
	// Now is the clock for BlockAge (nil: time.Now).
	Now func() time.Time
}

func (o WriterOptions) withDefaults() WriterOptions {
	if o.BlockLines <= 0 {
		o.BlockLines = 120
	}
	if o.BlockBytes <= 0 {
		o.BlockBytes = 256 << 10
	}
	if o.BlockAge <= 0 {
		o.BlockAge = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Writer appends samples to a recording. It is not safe for concurrent
// use: the recorder calls it from one goroutine.
type Writer struct {
	f     *os.File
	o     WriterOptions
	block bytes.Buffer // this block's lines, uncompressed
	lines int
	first time.Time // when this block's first line came
	zbuf  bytes.Buffer
	enc   *json.Encoder
	size  int64 // bytes written to the file
}

// Create starts a new recording at path (0600; an existing file is an
// error, never overwritten) and writes its header as a block of its own,
// so even a recording cut at once says what it is.
func Create(path string, h Header, o WriterOptions) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	w := &Writer{f: f, o: o.withDefaults()}
	w.enc = json.NewEncoder(&w.block)
	h.Version = Version
	if err := w.put(line{T: kindHeader, TS: h.Started.UnixMilli(), Header: &h}); err != nil {
		f.Close()
		return nil, err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

// Size is the recording's size on disk so far.
func (w *Writer) Size() int64 { return w.size }

// put appends one line and closes the block when it is full.
func (w *Writer) put(l line) error {
	if w.lines == 0 {
		w.first = w.o.Now()
	}
	if err := w.enc.Encode(l); err != nil { // Encode ends the line with \n
		return err
	}
	w.lines++
	if w.lines >= w.o.BlockLines || w.block.Len() >= w.o.BlockBytes || w.o.Now().Sub(w.first) >= w.o.BlockAge {
		return w.Flush()
	}
	return nil
}

// Memory records a memory reading.
func (w *Writer) Memory(m probes.Memory) error { return w.put(memLine(m)) }

// Processes records the top n processes of a scan.
func (w *Writer) Processes(t probes.ProcTable, n int) error { return w.put(procsLine(t, n)) }

// Handed records the top n processes of a table another reader handed in.
func (w *Writer) Handed(h Handed, n int) error { return w.put(handedLine(h, n)) }

// Postgres records a PostgreSQL reading (its query texts are masked by
// the probe already).
func (w *Writer) Postgres(r probes.PGReading) error {
	return w.put(line{T: kindPG, TS: r.Time.UnixMilli(), PG: encodePG(r)})
}

// Kill records an OOM kill at the moment it was seen (at); the kill keeps
// the log's own time. The kernel's stamp, turned into wall-clock time
// through the whole-second boot time, can be a second off the samples'
// clock, which would put the kill before the samples it ended.
func (w *Writer) Kill(k probes.OOMKill, at time.Time) error {
	return w.put(line{T: kindKill, TS: at.UnixMilli(), Kill: &k})
}

// Event records an event (severity change, action, note).
func (w *Writer) Event(e Event) error {
	return w.put(line{T: kindEvent, TS: e.At.UnixMilli(), Event: &e})
}

// Flush compresses the open block into one gzip member, writes it and
// fsyncs the file: from then on those samples survive a crash.
func (w *Writer) Flush() error {
	if w.lines == 0 {
		return nil
	}
	w.zbuf.Reset()
	// A compressor per block rather than one kept: flate's state is 0.8 MB,
	// held for the dashboard's whole run to be used once every 30 s.
	zw, _ := gzip.NewWriterLevel(&w.zbuf, gzip.BestCompression)
	if _, err := zw.Write(w.block.Bytes()); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	n, err := w.f.Write(w.zbuf.Bytes())
	w.size += int64(n)
	if err != nil {
		return fmt.Errorf("recording %s: %w", w.f.Name(), err)
	}
	w.block.Reset()
	w.lines = 0
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("recording %s: %w", w.f.Name(), err)
	}
	// A block's buffers grow to the largest block; keep them from holding
	// on to a rare huge one.
	if w.block.Cap() > 2*w.o.BlockBytes {
		w.block = bytes.Buffer{}
		w.enc = json.NewEncoder(&w.block)
	}
	return nil
}

// Close writes the open block and closes the file.
func (w *Writer) Close() error {
	err := w.Flush()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}
