package host_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/memtui/memtui/probes"
	"github.com/memtui/memtui/probes/host"
	"github.com/memtui/memtui/probes/oomtest"
	"github.com/memtui/memtui/probes/record"
)

// TestHelperOOMChild is the child TestRecordOOMKill has killed, not a test.
func TestHelperOOMChild(t *testing.T) {
	if os.Getenv("MEMTUI_TEST_OOM_CHILD") != "1" {
		t.Skip("the child of TestRecordOOMKill")
	}
	oomtest.AllocUntilKilled()
}

// TestRecordOOMKill records the live host while the kernel OOM-kills a
// child of the test in a small memory cgroup: the recording keeps the
// kill, ] jumps to it, and the replayed OOM source shows it from then on.
func TestRecordOOMKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real OOM kill")
	}
	live := host.NewLocal(host.Options{PG: "none"})
	defer live.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	oom := live.OOM(ctx, true)
	if st := oom.Status(); st.Source != probes.OOMSourceKmsg || !st.Following {
		t.Skipf("the live kernel log cannot be followed: %s", st)
	}
	_, _, add := oomtest.Memcg(t, "memtui-recoom", 8<<20)
	path := filepath.Join(t.TempDir(), "rec")
	w, err := record.Create(path, record.Header{Host: live.Name(), Started: time.Now()}, record.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- record.Run(rctx, w, record.Sources{Memory: live.Memory(), OOM: oom}, record.Config{Interval: 100 * time.Millisecond})
	}()
	time.Sleep(300 * time.Millisecond)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperOOMChild$")
	cmd.Env = append(os.Environ(), "MEMTUI_TEST_OOM_CHILD=1")
	pid := oomtest.RunKilled(t, cmd, add)
	time.Sleep(1500 * time.Millisecond) // the kernel log reaches the follower
	rcancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rec, err := record.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var kill *probes.OOMKill
	for i := range rec.Kills {
		if rec.Kills[i].PID == pid {
			kill = &rec.Kills[i]
		}
	}
	if kill == nil {
		t.Fatalf("the kill of pid %d is not in the recording (kills: %+v)", pid, rec.Kills)
	}
	cur := record.NewCursor(rec, nil)
	h := host.NewRecording(path, rec, cur)
	src := h.OOM(ctx, true)
	for _, k := range src.Kills() {
		if k.PID == pid {
			t.Errorf("the kill shows before it happened")
		}
	}
	for {
		e, ok := cur.JumpEvent(1)
		if !ok {
			t.Fatalf("] never reached the kill of pid %d", pid)
		}
		if e.Kind == record.EventKill {
			break
		}
	}
	found := false
	for _, k := range src.Kills() {
		found = found || k.PID == pid
	}
	if !found {
		t.Errorf("after ] the replayed OOM source lacks pid %d", pid)
	}
}
