package notify

import (
	"bytes"
	"fmt"
	"io"

	"github.com/memtui/memtui/internal/fsread"
)

// maxTokenFile bounds a token file: tokens are under 300 bytes, and a
// path aimed at a log file must not be read whole.
const maxTokenFile = 4096

// ReadTokenFile reads a token from the file at path (--github-token-file):
// its only content, surrounding whitespace and a final newline ignored.
// Errors name the file, never its content. A file others may read is
// reported as warn (the token should be 0600), not refused.
func ReadTokenFile(path string) (token, warn string, err error) {
	f, err := fsread.OpenRegular(path)
	if err != nil {
		return "", "", fmt.Errorf("GitHub token file: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		warn = fmt.Sprintf("GitHub token file %s is mode %#o: others on this host may read the token; chmod 600 it", path, fi.Mode().Perm())
	}
	b, err := io.ReadAll(io.LimitReader(f, maxTokenFile+1))
	if err != nil {
		return "", warn, fmt.Errorf("GitHub token file %s: %w", path, err)
	}
	if len(b) > maxTokenFile {
		return "", warn, fmt.Errorf("GitHub token file %s is larger than %d bytes: not a token file", path, maxTokenFile)
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "", warn, fmt.Errorf("GitHub token file %s is empty", path)
	}
	if bytes.ContainsAny(b, " \t\r\n") {
		return "", warn, fmt.Errorf("GitHub token file %s holds more than one word: it should hold the token alone", path)
	}
	return string(b), warn, nil
}
