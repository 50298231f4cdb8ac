package notify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadTokenFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, mode)
		return p
	}
	tok, warn, err := ReadTokenFile(write("ok", testToken+"\n", 0o600))
	if err != nil || tok != testToken || warn != "" {
		t.Errorf("0600 file: %q, %q, %v", tok, warn, err)
	}
	if _, warn, _ := ReadTokenFile(write("open", testToken, 0o644)); !strings.Contains(warn, "chmod 600") {
		t.Errorf("world-readable file not warned about: %q", warn)
	}
	for name, content := range map[string]string{
		"empty": "  \n",
		"two":   testToken + "\nGITHUB_TOKEN=" + testToken + "\n",
		"big":   strings.Repeat(testToken, 1000),
	} {
		_, _, err := ReadTokenFile(write(name, content, 0o600))
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		assertNoToken(t, err.Error())
	}
	if _, _, err := ReadTokenFile("/dev/zero"); err == nil {
		t.Error("/dev/zero read as a token file")
	}
}
