package notify

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/memtui/memtui/incident/store"
	"github.com/memtui/memtui/internal/fsread"
)

// Issue is the GitHub issue opened for one incident.
type Issue struct {
	Repo   string    `json:"repo"`
	Number int       `json:"number"`
	URL    string    `json:"url,omitempty"`
	Opened time.Time `json:"opened"`
}

// IssueLedger remembers which issue belongs to which incident, so a
// watcher restarted in the middle of an incident comments on the issue it
// opened instead of opening a second one. FileLedger is the one shipped;
// the session may keep it on the timeline instead by implementing this.
type IssueLedger interface {
	// Issue returns the issue opened in repo for the incident, if any.
	Issue(incidentKey, repo string) (Issue, bool, error)
	// SaveIssue records the issue durably before it returns.
	SaveIssue(incidentKey string, is Issue) error
}

// maxLedger bounds the ledger file read: it holds a few issues.
const maxLedger = 1 << 20

// FileLedger keeps the issues in a small JSON file beside the incident's
// timeline (LedgerPath), replaced atomically on every change.
type FileLedger struct {
	mu   sync.Mutex
	path string
}

// LedgerPath is where FileLedger keeps the issues of the timeline at
// timeline: "<timeline>.notify.json".
func LedgerPath(timeline string) string { return timeline + ".notify.json" }

// NewFileLedger returns a ledger kept in the file at path (created on the
// first SaveIssue).
func NewFileLedger(path string) *FileLedger { return &FileLedger{path: path} }

type ledgerFile struct {
	Issues map[string][]Issue `json:"issues"` // incident → issues (one per repo)
}

func (l *FileLedger) load() (ledgerFile, error) {
	lf := ledgerFile{Issues: map[string][]Issue{}}
	// Not a device or FIFO: a ledger path aimed at one must not block.
	f, err := fsread.OpenRegular(l.path)
	if errors.Is(err, os.ErrNotExist) {
		return lf, nil
	}
	if err != nil {
		return lf, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxLedger))
	if err != nil {
		return lf, err
	}
	if err := json.Unmarshal(b, &lf); err != nil {
		return ledgerFile{Issues: map[string][]Issue{}}, fmt.Errorf("%s: %w", l.path, err)
	}
	if lf.Issues == nil {
		lf.Issues = map[string][]Issue{}
	}
	return lf, nil
}

// Issue implements IssueLedger.
func (l *FileLedger) Issue(incidentKey, repo string) (Issue, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lf, err := l.load()
	if err != nil {
		return Issue{}, false, err
	}
	for _, is := range lf.Issues[incidentKey] {
		if is.Repo == repo {
			return is, true, nil
		}
	}
	return Issue{}, false, nil
}

// SaveIssue implements IssueLedger. The file is replaced atomically
// (store.WriteFileAtomic), so a crash leaves the old ledger or the new
// one, never half of one.
func (l *FileLedger) SaveIssue(incidentKey string, is Issue) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	lf, err := l.load()
	if err != nil {
		// A corrupt ledger is replaced rather than blocking every save.
		lf = ledgerFile{Issues: map[string][]Issue{}}
	}
	list := lf.Issues[incidentKey][:0:0]
	for _, old := range lf.Issues[incidentKey] {
		if old.Repo != is.Repo {
			list = append(list, old)
		}
	}
	lf.Issues[incidentKey] = append(list, is)
	b, err := json.MarshalIndent(lf, "", "  ")
	if err != nil {
		return err
	}
	return store.WriteFileAtomic(l.path, append(b, '\n'))
}
