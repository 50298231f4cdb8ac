// Package pgtext parses a row of PostgreSQL values in the text format, as
// pgconn hands them over: memtui asks the server for text and reads it
// itself rather than link pgx's type system. The PostgreSQL probe and the
// runbook's PostgreSQL steps share it.
package pgtext

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Row reads one row's columns by index (0-based) and keeps the first
// error, which names the column as PostgreSQL numbers them (from 1) and the
// value: a NULL where a figure belongs, or a value that does not parse, is
// an error, never a zero read as a fact.
type Row struct {
	vals [][]byte
	err  error
}

// NewRow reads vals, which must be want columns.
func NewRow(vals [][]byte, want int) Row {
	r := Row{vals: vals}
	if len(vals) != want {
		r.err = fmt.Errorf("%d columns, want %d", len(vals), want)
	}
	return r
}

// Err is the first error met, nil when every column read so far parsed.
func (r *Row) Err() error { return r.err }

// Null says whether column i is NULL (or missing).
func (r *Row) Null(i int) bool { return i >= len(r.vals) || r.vals[i] == nil }

// value is column i, or nil after recording why there is none.
func (r *Row) value(i int) []byte {
	switch {
	case i >= len(r.vals):
		r.fail(fmt.Errorf("no column %d", i+1))
	case r.vals[i] == nil:
		r.fail(fmt.Errorf("column %d is NULL", i+1))
	default:
		return r.vals[i]
	}
	return nil
}

func (r *Row) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *Row) parsed(i int, err error) {
	if err != nil {
		r.fail(fmt.Errorf("column %d (%q): %w", i+1, r.vals[i], err))
	}
}

// Text is column i as a string.
func (r *Row) Text(i int) string {
	return string(r.value(i))
}

// Int is column i as an integer (int2, int4, int8).
func (r *Row) Int(i int) int { return int(r.integer(i, 64)) }

// Int32 is column i as an int4 (a backend's pid).
func (r *Row) Int32(i int) int32 { return int32(r.integer(i, 32)) }

func (r *Row) integer(i, bits int) int64 {
	v := r.value(i)
	if v == nil {
		return 0
	}
	n, err := strconv.ParseInt(string(v), 10, bits)
	r.parsed(i, err)
	return n
}

// Float is column i as a number (float8, numeric).
func (r *Row) Float(i int) float64 {
	v := r.value(i)
	if v == nil {
		return 0
	}
	f, err := strconv.ParseFloat(string(v), 64)
	r.parsed(i, err)
	return f
}

// Seconds is column i, a number of seconds (float8), as a duration.
func (r *Row) Seconds(i int) time.Duration {
	return time.Duration(r.Float(i) * float64(time.Second))
}

// Bool is column i as a boolean: "t" or "f".
func (r *Row) Bool(i int) bool {
	v := r.value(i)
	switch string(v) {
	case "t":
		return true
	case "f":
		return false
	}
	if v != nil {
		r.parsed(i, errors.New("not t or f"))
	}
	return false
}

// Time is column i, microseconds since the epoch (a query's
// extract(epoch …) * 1e6 cast to int8), as a time.
func (r *Row) Time(i int) time.Time {
	us := r.integer(i, 64) // a NULL is recorded as an error there
	if r.Null(i) {
		return time.Time{}
	}
	return time.UnixMicro(us)
}
