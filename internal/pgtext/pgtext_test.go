package pgtext

import (
	"strings"
	"testing"
	"time"
)

// TestRow: a row as the server sends it in text reads into Go values; a
// value that does not parse, a NULL where none may be, or a row of the
// wrong width is an error that names the column, never a zero read as a
// fact, and the first error is the one kept.
func TestRow(t *testing.T) {
	vals := [][]byte{[]byte("4242"), []byte("odoo"), []byte("1801.5"), []byte("1733320800123456"), []byte("t"), nil, []byte("9000000000")}
	r := NewRow(vals, 7)
	pid, user, idle, at, ok, n := r.Int32(0), r.Text(1), r.Float(2), r.Time(3), r.Bool(4), r.Int(6)
	if d := r.Seconds(2); d != 1801500*time.Millisecond {
		t.Errorf("seconds %v, want 30m1.5s", d)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if pid != 4242 || user != "odoo" || idle != 1801.5 || !at.Equal(time.UnixMicro(1733320800123456)) || !ok || n != 9000000000 || !r.Null(5) || r.Null(4) {
		t.Errorf("read %d %q %v %v %v %d", pid, user, idle, at, ok, n)
	}
	for name, c := range map[string]struct {
		read func(*Row)
		want string
	}{
		"null":          {func(r *Row) { r.Text(5) }, "column 6 is NULL"},
		"not an int4":   {func(r *Row) { r.Int32(6) }, `column 7 ("9000000000")`},
		"not an int":    {func(r *Row) { r.Int(1) }, `column 2 ("odoo")`},
		"not a number":  {func(r *Row) { r.Float(1) }, `column 2 ("odoo")`},
		"not a bool":    {func(r *Row) { r.Bool(2) }, `column 3 ("1801.5"): not t or f`},
		"a null bool":   {func(r *Row) { r.Bool(5) }, "column 6 is NULL"},
		"not a time":    {func(r *Row) { r.Time(2) }, `column 3 ("1801.5")`},
		"no such":       {func(r *Row) { r.Int(7) }, "no column 8"},
		"first kept":    {func(r *Row) { r.Int(1); r.Text(5) }, `column 2 ("odoo")`},
		"after a good":  {func(r *Row) { r.Int(0); r.Float(5) }, "column 6 is NULL"},
		"another width": {nil, "7 columns, want 6"},
	} {
		r := NewRow(vals, 7)
		if c.read == nil {
			r = NewRow(vals, 6)
		} else {
			c.read(&r)
		}
		if err := r.Err(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}
