package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/memtui/memtui/incident"
	"github.com/memtui/memtui/internal/fsread"
)

// ReportRequest says which timeline to report on and where to write it.
type ReportRequest struct {
	// Incident is the timeline file; "" means the newest in Dir.
	Incident string
	// Dir is the incidents directory (see DefaultDir).
	Dir string
	// Out is the markdown file to write; "" or "-" means Stdout.
	Out string
	// Now dates the report of an incident still in progress.
	Now time.Time
	// Related are the runbooks the report lists (the runbook file's
	// [related]; none: the section is left out).
	Related []incident.Link
	Stdout  io.Writer
}

// ReportFile renders the report for `memtui report` and the ui's export: it
// loads the timeline, renders it and writes it to Out (mode 0600, atomically)
// or to Stdout. It returns the file written ("" for stdout) and the timeline
// it read.
func ReportFile(req ReportRequest) (written, timeline string, err error) {
	timeline = req.Incident
	if timeline == "" {
		if req.Dir == "" {
			return "", "", errors.New("report: no timeline given and no incident directory known; pass --incident PATH")
		}
		if timeline, err = Newest(req.Dir); err != nil {
			return "", "", fmt.Errorf("report: %w; pass --incident PATH", err)
		}
	}
	in := incident.NewReportInput()
	in.SetRelated(req.Related)
	l, err := Scan(timeline, in.Add)
	if err != nil {
		return "", timeline, fmt.Errorf("report: %w", err)
	}
	md := in.Render(l.Path, l.Header, l.Problems, req.Now)
	if req.Out == "" || req.Out == "-" {
		if req.Stdout == nil {
			return "", timeline, errors.New("report: nowhere to write")
		}
		_, err := req.Stdout.Write(md)
		return "", timeline, err
	}
	if err := WriteFileAtomic(req.Out, md); err != nil {
		return "", timeline, fmt.Errorf("report: %w", outHint(err))
	}
	return req.Out, timeline, nil
}

// ReportPath is where the ui's export writes by default: next to the
// timeline, with .md for .jsonl.
func ReportPath(timeline string) string {
	return strings.TrimSuffix(timeline, filepath.Ext(timeline)) + ".md"
}

// outHint is hint for the report's own file: the timeline was read fine,
// so the fix is another place for the report, not another --incident.
func outHint(err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return fmt.Errorf("%w (disk full: free space, or write the report elsewhere)", err)
	case errors.Is(err, syscall.EROFS):
		return fmt.Errorf("%w (read-only filesystem: write the report elsewhere)", err)
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("%w (write the report to a directory you can write to)", err)
	}
	return err
}

// WriteFileAtomic writes data to path with mode 0600 through a temporary
// file in the same directory and a rename, so a reader never sees half a
// report and a crash leaves the old file whole.
//
// The rename replaces whatever path names, so a path that exists and is
// not a regular file is refused: as root, -o /dev/null would otherwise
// replace the system's device node with a report, and -o through a symlink
// would replace the link instead of writing where it points.
func WriteFileAtomic(path string, data []byte) error {
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is %s; memtui writes reports only to regular files: %w", path, fsread.FileKind(fi.Mode()), fsread.ErrNotRegular)
	}
	return fsread.WriteAtomic(path, data, 0o600, nil)
}
