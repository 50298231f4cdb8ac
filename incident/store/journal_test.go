package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/memtui/memtui/incident"
)

func kinds(evs []incident.Event) string {
	var k []string
	for _, ev := range evs {
		k = append(k, string(ev.Kind()))
	}
	return strings.Join(k, ",")
}

func note(at time.Time, text string) incident.Event {
	return incident.Event{At: at, Data: incident.Note{Text: text}}
}

func started(at time.Time) incident.Event {
	return incident.Event{At: at, Data: incident.Started{Host: "db1", Levels: incident.DefaultLevels, Reason: "test"}}
}

// TestJournalDriverAndObserver: two memtui processes on one host share one
// incident file; each sees the other's events and never its own twice.
func TestJournalDriverAndObserver(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	driver, observer := NewJournal(dir, "", "db1"), NewJournal(dir, "", "db1")
	defer driver.Close()
	defer observer.Close()

	if l, err := observer.Resume(); l != nil || err != nil {
		t.Fatalf("resume with no incident: %v %v", l, err)
	}
	if _, n, err := driver.Record(ctx, []incident.Event{note(t0, "too early")}); !errors.Is(err, ErrNoIncidentOpen) || n != 0 {
		t.Fatalf("note with no incident: %v", err)
	}
	rec, _, err := driver.Record(ctx, []incident.Event{started(t0), note(t0.Add(time.Second), "driver")})
	if err != nil || kinds(rec) != "started,note" {
		t.Fatalf("record: %v %v", kinds(rec), err)
	}
	if want := filepath.Join(dir, FileName("db1", t0)); driver.Path() != want {
		t.Errorf("file %s, want %s", driver.Path(), want)
	}
	// The observer finds the new incident and reads all of it.
	evs, _, err := observer.Poll()
	if err != nil || kinds(evs) != "started,note" {
		t.Fatalf("observer poll: %v %v", kinds(evs), err)
	}
	if _, _, err := observer.Record(ctx, []incident.Event{note(t0.Add(2*time.Second), "observer")}); err != nil {
		t.Fatal(err)
	}
	evs, _, _ = driver.Poll()
	if kinds(evs) != "note" || evs[0].Data.(incident.Note).Text != "observer" {
		t.Fatalf("driver sees %v", evs)
	}
	if evs, _, _ = observer.Poll(); len(evs) != 0 {
		t.Fatalf("observer sees its own events: %v", kinds(evs))
	}
	// Ending closes the file; the next incident gets a new one.
	driver.Record(ctx, []incident.Event{{At: t0.Add(time.Hour), Data: incident.Ended{Reason: "done"}}})
	first := driver.Path()
	if _, _, err := driver.Record(ctx, []incident.Event{started(t0.Add(2 * time.Hour))}); err != nil {
		t.Fatal(err)
	}
	if driver.Path() == first {
		t.Error("a second incident went into the first one's file")
	}
	l, _ := Load(first)
	if kinds(l.Events) != "started,note,note,ended" {
		t.Errorf("first file holds %s", kinds(l.Events))
	}
}

// TestJournalDiscoversOnlyThisHost: a host whose name extends this one's
// ("db1-old") never hides this host's new incident from an observer.
func TestJournalDiscoversOnlyThisHost(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	observer := NewJournal(dir, "", "db1")
	defer observer.Close()
	if evs, _, _ := observer.Poll(); len(evs) != 0 {
		t.Fatal("events from an empty directory")
	}
	other := NewJournal(dir, "", "db1-old")
	other.Record(ctx, []incident.Event{started(t0.Add(time.Hour))})
	other.Close()
	driver := NewJournal(dir, "", "db1")
	defer driver.Close()
	driver.Record(ctx, []incident.Event{started(t0), note(t0, "ours")})
	evs, _, err := observer.Poll()
	if err != nil || kinds(evs) != "started,note" || observer.Path() != driver.Path() {
		t.Fatalf("observer polled %s from %s, %v", kinds(evs), observer.Path(), err)
	}
}

// TestJournalListsOnlyWhenTheDirectoryChanged: while no incident is open,
// every poll looks for one another process opened. In a directory of a
// year's incidents that must not mean a listing a second: the directory is
// listed again only when its modification time changed, or is too recent
// to trust (racyWindow), and a new incident is still found at once.
func TestJournalListsOnlyWhenTheDirectoryChanged(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		age  time.Duration // of the directory's modification time
		hide bool          // set it back after the new file, as a coarse clock would leave it
	}{
		{"changed", time.Hour, false},
		{"within the racy window, unchanged", time.Second / 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for i := range 100 {
				p := filepath.Join(dir, FileName("db1", t0.AddDate(-1, 0, 3*i)))
				if err := os.WriteFile(p, []byte(`{"format":"memtui-incident","version":1,"host":"db1"}`+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			mod := time.Now().Add(-tc.age)
			if err := os.Chtimes(dir, mod, mod); err != nil {
				t.Fatal(err)
			}
			observer := NewJournal(dir, "", "db1")
			defer observer.Close()
			if evs, _, _ := observer.Poll(); len(evs) != 0 {
				t.Fatalf("events from past incidents: %s", kinds(evs))
			}
			if tc.age > racyWindow {
				// A stat of the directory (its path's bytes) and an lseek of
				// its newest incident; no listing.
				if n := testing.AllocsPerRun(20, func() { observer.Poll() }); n > 1 {
					t.Errorf("a poll of an unchanged directory of 100 incidents: %.0f allocations, want at most 1", n)
				}
			}
			driver := NewJournal(dir, "", "db1")
			defer driver.Close()
			if _, _, err := driver.Record(ctx, []incident.Event{started(t0.AddDate(1, 0, 0)), note(t0, "ours")}); err != nil {
				t.Fatal(err)
			}
			if tc.hide {
				if err := os.Chtimes(dir, mod, mod); err != nil {
					t.Fatal(err)
				}
			}
			evs, _, err := observer.Poll()
			if err != nil || kinds(evs) != "started,note" || observer.Path() != driver.Path() {
				t.Fatalf("observer polled %s from %s, %v", kinds(evs), observer.Path(), err)
			}
		})
	}
}

// TestJournalJoinsAFileThatGrew: a timeline's header is written before its
// first event, so an observer may find another process's new file before
// its Started is in it. The file grows but the directory does not change:
// the observer must still join it.
func TestJournalJoinsAFileThatGrew(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, FileName("db1", t0))
	st, err := Open(p, "db1", t0)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(dir, old, old); err != nil {
		t.Fatal(err)
	}
	observer := NewJournal(dir, "", "db1")
	defer observer.Close()
	if evs, _, _ := observer.Poll(); len(evs) != 0 || observer.Path() != "" {
		t.Fatalf("joined a file with no incident in it: %s %s", kinds(evs), observer.Path())
	}
	if _, err := st.Append(started(t0)); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(dir, old, old); err != nil {
		t.Fatal(err)
	}
	evs, _, err := observer.Poll()
	if err != nil || kinds(evs) != "started" || observer.Path() != p {
		t.Fatalf("observer polled %s from %s, %v", kinds(evs), observer.Path(), err)
	}
}

// TestJournalJoinsRecentIncident: two processes crossing the threshold at
// the same time write one incident, not two.
func TestJournalJoinsRecentIncident(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, b := NewJournal(dir, "", "db1"), NewJournal(dir, "", "db1")
	defer a.Close()
	defer b.Close()
	a.Record(ctx, []incident.Event{started(t0)})
	rec, n, err := b.Record(ctx, []incident.Event{started(t0.Add(3 * time.Second)), {At: t0.Add(3 * time.Second), Data: incident.SeverityChanged{From: incident.LevelWarning, To: incident.LevelHigh, UsedPct: 86}}})
	if err != nil || kinds(rec) != "severity_changed" || n != 2 {
		t.Fatalf("b recorded %s, %v", kinds(rec), err)
	}
	if a.Path() != b.Path() {
		t.Fatalf("two files: %s and %s", a.Path(), b.Path())
	}
	l, _ := Load(a.Path())
	if kinds(l.Events) != "started,severity_changed" {
		t.Errorf("file holds %s", kinds(l.Events))
	}
	// b learns of a's Started through Poll.
	if evs, _, _ := b.Poll(); kinds(evs) != "started" {
		t.Errorf("b polled %s", kinds(evs))
	}
}

func TestJournalResume(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	j := NewJournal(dir, "", "db1")
	j.Record(ctx, []incident.Event{started(t0), note(t0, "before the crash")})
	j.Close()

	// memtui restarted: it continues the open incident.
	j2 := NewJournal(dir, "", "db1")
	defer j2.Close()
	l, err := j2.Resume()
	if err != nil || l == nil || kinds(l.Events) != "started,note" {
		t.Fatalf("resume: %v %v", l, err)
	}
	if _, _, err := j2.Record(ctx, []incident.Event{note(t0.Add(time.Minute), "after")}); err != nil {
		t.Fatal(err)
	}
	if evs, _, _ := j2.Poll(); len(evs) != 0 {
		t.Errorf("resumed journal re-reads %s", kinds(evs))
	}
	j2.Record(ctx, []incident.Event{{At: t0.Add(time.Hour), Data: incident.Ended{Reason: "x"}}})

	// An ended incident is not resumed, nor another host's.
	if l, _ := NewJournal(dir, "", "db1").Resume(); l != nil {
		t.Error("resumed an ended incident")
	}
	o := NewJournal(dir, "", "other")
	o.Record(ctx, []incident.Event{started(t0.Add(3 * time.Hour))})
	o.Close()
	if l, _ := NewJournal(dir, "", "db1").Resume(); l != nil {
		t.Error("resumed another host's incident")
	}
}

func TestJournalFixedPathAndExport(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "sub", "mine.jsonl")
	j := NewJournal("", p, "db1")
	defer j.Close()
	if _, err := j.Export(ctx, t0); err == nil {
		t.Error("exported with no incident")
	}
	if l, err := j.Resume(); l != nil || err != nil {
		t.Fatalf("resume of a missing --incident file: %v %v", l, err)
	}
	if _, _, err := j.Record(ctx, []incident.Event{started(t0), note(t0, "x")}); err != nil {
		t.Fatal(err)
	}
	if j.Path() != p {
		t.Fatalf("path %s, want %s", j.Path(), p)
	}
	out, err := j.Export(ctx, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(out)
	if err != nil || out != strings.TrimSuffix(p, ".jsonl")+".md" || fi.Mode().Perm() != 0o600 {
		t.Fatalf("export to %s: %v %v", out, fi, err)
	}
	// A cancelled context records nothing more and says how much is left.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	rec, n, err := j.Record(cctx, []incident.Event{note(t0, "a"), note(t0, "b")})
	if len(rec) != 0 || n != 0 || err == nil || !strings.Contains(err.Error(), "2 event(s) not recorded") {
		t.Errorf("cancelled: %v %v", rec, err)
	}
}

// TestResumeThinsSamples: resuming a day-long incident hands back the events
// a Summary needs, not every sample, and the Summary comes out the same.
func TestResumeThinsSamples(t *testing.T) {
	dir := t.TempDir()
	j := NewJournal(dir, "", "db1")
	evs := []incident.Event{started(t0)}
	for i := 0; i < 17280; i++ { // a day at one sample per 5 s
		pct := 86 + float64(i%100)/10
		if i == 5000 {
			pct = 99.5
		}
		evs = append(evs, incident.Event{At: t0.Add(time.Duration(i) * 5 * time.Second), Data: incident.MemSample{UsedPct: pct, SwapTotalBytes: 1 << 30, SwapUsedBytes: uint64(i) << 10}})
		if i%1000 == 0 {
			evs = append(evs, note(t0.Add(time.Duration(i)*5*time.Second), "hourly note"))
		}
	}
	// Written straight, not through Record: 17,000 fsyncs would take seconds.
	var b bytes.Buffer
	b.WriteString(`{"format":"memtui-incident","version":1,"host":"db1","created":"2026-11-28T09:00:00Z"}` + "\n")
	for _, ev := range evs {
		line, _ := ev.MarshalJSON()
		b.Write(append(line, '\n'))
	}
	if err := os.WriteFile(filepath.Join(dir, FileName("db1", t0)), b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := j.Resume()
	if err != nil || l == nil {
		t.Fatal(err)
	}
	if len(l.Events) > 200 {
		t.Errorf("resume kept %d events", len(l.Events))
	}
	var full, thin incident.Summary
	for _, ev := range evs {
		full.Add(ev)
	}
	for _, ev := range l.Events {
		thin.Add(ev)
	}
	if full.Peak != thin.Peak || !full.PeakAt.Equal(thin.PeakAt) || full.Last != thin.Last || full.Notes != thin.Notes {
		t.Errorf("thinned summary differs: peak %v/%v last %v/%v notes %d/%d", full.Peak, thin.Peak, full.Last, thin.Last, full.Notes, thin.Notes)
	}
	if diff := cmp.Diff(full.Criteria(), thin.Criteria()); diff != "" {
		t.Errorf("criteria differ:\n%s", diff)
	}
}
