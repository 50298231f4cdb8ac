package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestConfigPrecedence: a flag beats the environment, which beats the
// user's file, which beats the system file, key by key; the system file is
// read from a temporary path through the layers, the rest for real.
func TestConfigPrecedence(t *testing.T) {
	type want struct{ value, source string }
	for _, c := range []struct {
		name            string
		flags           []string
		env             map[string]string
		user, system    string
		interval, theme want
	}{
		{"defaults", nil, nil, "", "", want{"1s", "default"}, want{"dark", "default"}},
		{"system file", nil, nil, "", "interval = 5\ntheme = \"high-contrast\"\n",
			want{"5s", "SYSTEM"}, want{"high-contrast", "SYSTEM"}},
		{"user beats system", nil, nil, "interval = \"3s\"\n", "interval = 5\ntheme = \"high-contrast\"\n",
			want{"3s", "USER"}, want{"high-contrast", "SYSTEM"}},
		{"environment beats user", nil, map[string]string{"MEMTUI_INTERVAL": "4"}, "interval = \"3s\"\n", "interval = 5\n",
			want{"4s", "environment MEMTUI_INTERVAL"}, want{"dark", "default"}},
		{"flag beats everything", []string{"--interval", "2s", "--theme", "dark"}, map[string]string{"MEMTUI_INTERVAL": "4", "MEMTUI_THEME": "high-contrast"},
			"interval = \"3s\"\n", "interval = 5\n", want{"2s", "flag --interval"}, want{"dark", "flag --theme"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, k := range configKeys {
				t.Setenv("MEMTUI_"+strings.ToUpper(k), "")
			}
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			dir := t.TempDir()
			userPath, sysPath := filepath.Join(dir, "user.toml"), filepath.Join(dir, "system.toml")
			layers := []configLayer{{"environment", envConfig()}}
			for _, f := range []struct{ path, text string }{{userPath, c.user}, {sysPath, c.system}} {
				if f.text != "" {
					if err := os.WriteFile(f.path, []byte(f.text), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				v, err := readConfigFile(f.path)
				if err != nil {
					t.Fatal(err)
				}
				layers = append(layers, configLayer{f.path, v})
			}
			var out bytes.Buffer
			root := newRootCmd(&out, &out)
			if err := root.ParseFlags(c.flags); err != nil {
				t.Fatal(err)
			}
			got, err := applyConfig(root, layers)
			if err != nil {
				t.Fatal(err)
			}
			byKey := map[string]want{}
			for _, s := range got {
				src := strings.NewReplacer(userPath, "USER", sysPath, "SYSTEM").Replace(s.Source)
				byKey[s.Key] = want{s.Value, src}
			}
			if d := cmp.Diff(map[string]want{"interval": c.interval, "theme": c.theme},
				map[string]want{"interval": byKey["interval"], "theme": byKey["theme"]}, cmp.AllowUnexported(want{})); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// TestConfigFileErrors: an unknown key or a value the flag refuses is a
// start-up error naming the file, never a silent default.
func TestConfigFileErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "typo.toml")
	if err := os.WriteFile(bad, []byte("intervall = 5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readConfigFile(bad); err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "intervall") {
		t.Errorf("unknown key: %v", err)
	}
	if v, err := readConfigFile(filepath.Join(dir, "absent.toml")); err != nil || v != nil {
		t.Errorf("a missing file is no layer: %v %v", v, err)
	}
	var out bytes.Buffer
	root := newRootCmd(&out, &out)
	_, err := applyConfig(root, []configLayer{{"/etc/memtui/config.toml", map[string]string{"interval": "soon"}}})
	if err == nil || !strings.Contains(err.Error(), "/etc/memtui/config.toml") {
		t.Errorf("bad value: %v", err)
	}
}

// TestConfigCommandHidesPasswords: memtui config prints the pg DSN only as
// its redacted description.
func TestConfigCommandHidesPasswords(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("MEMTUI_PG", "host=/tmp user=odoo password=Hunter2-secret dbname=odoo")
	t.Setenv("MEMTUI_REDIS", "redis://:R3dis-secret@localhost:6379/0")
	var out bytes.Buffer
	root := newRootCmd(&out, &out)
	root.SetArgs([]string{"config"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"Hunter2", "R3dis"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("memtui config shows a password:\n%s", out.String())
		}
	}
	if !strings.Contains(out.String(), "user odoo, database odoo") || !strings.Contains(out.String(), "environment MEMTUI_PG") {
		t.Errorf("memtui config:\n%s", out.String())
	}
}
