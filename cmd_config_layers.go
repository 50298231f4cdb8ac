// The configuration files: settings a team writes once instead of typing
// them on every run. Precedence, highest first: a flag, the environment
// (MEMTUI_<KEY>), the user's file, the system file.

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/spf13/cobra"
)

// configKeys are the keys a config file may hold, each the name of a shared
// flag with "_" for "-" (read_only is --read-only). A key whose flag this
// build lacks is accepted and reported as such by `memtui config`, so one
// file serves a fleet running different versions.
var configKeys = []string{"proc", "sys", "pg", "redis", "odoo_conf", "incident", "incident_dir", "runbook", "read_only", "interval", "theme", "war_room"}

// systemConfigPath is the file an administrator writes for every user.
const systemConfigPath = "/etc/memtui/config.toml"

// userConfigPath is $XDG_CONFIG_HOME/memtui/config.toml, else
// ~/.config/memtui/config.toml; "" when neither can be found.
func userConfigPath() string {
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "memtui", "config.toml")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".config", "memtui", "config.toml")
	}
	return ""
}

// setting is one key's effective value and where it came from.
type setting struct {
	Key, Value, Source string
}

// configLayer is one source of values below the flags.
type configLayer struct {
	name   string // how `memtui config` names it
	values map[string]string
}

// readConfigFile reads one TOML file into key → value text. A missing file
// is no layer at all; anything else wrong with it is a start-up error that
// names the file, so a typo never silently falls back to a default.
func readConfigFile(path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	raw := map[string]any{}
	if _, err := toml.DecodeFile(path, &raw); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	out := map[string]string{}
	for k, v := range raw {
		if !knownConfigKey(k) {
			return nil, fmt.Errorf("config %s: unknown key %q (known: %s)", path, k, strings.Join(configKeys, ", "))
		}
		switch v := v.(type) {
		case string, bool, int64, float64:
			out[k] = fmt.Sprint(v)
		default:
			return nil, fmt.Errorf("config %s: %s must be a string, number or boolean", path, k)
		}
	}
	return out, nil
}

func knownConfigKey(k string) bool {
	for _, c := range configKeys {
		if c == k {
			return true
		}
	}
	return false
}

// envConfig is the MEMTUI_<KEY> variables that are set (MEMTUI_PG,
// MEMTUI_INTERVAL, MEMTUI_INCIDENT_DIR …).
func envConfig() map[string]string {
	out := map[string]string{}
	for _, k := range configKeys {
		if v := os.Getenv("MEMTUI_" + strings.ToUpper(k)); v != "" {
			out[k] = v
		}
	}
	return out
}

// configLayers reads the environment and both files, highest precedence first.
func configLayers() ([]configLayer, error) {
	user := userConfigPath()
	uv, err := readConfigFile(user)
	if err != nil {
		return nil, err
	}
	sv, err := readConfigFile(systemConfigPath)
	if err != nil {
		return nil, err
	}
	return []configLayer{
		{"environment", envConfig()},
		{user, uv},
		{systemConfigPath, sv},
	}, nil
}

// applyConfig gives every shared flag the user did not type its value from
// the highest layer that has one, and returns each key's effective value and
// source. A value a flag refuses is an error naming where it came from.
func applyConfig(cmd *cobra.Command, layers []configLayer) ([]setting, error) {
	out := make([]setting, 0, len(configKeys))
	for _, k := range configKeys {
		f := cmd.Flag(strings.ReplaceAll(k, "_", "-"))
		if f == nil {
			out = append(out, setting{k, "", "not in this build"})
			continue
		}
		s := setting{k, f.Value.String(), "default"}
		if f.Changed {
			s.Source = "flag --" + f.Name
			out = append(out, s)
			continue
		}
		for _, l := range layers {
			v, ok := l.values[k]
			if !ok {
				continue
			}
			if l.name == "environment" {
				s.Source = "environment MEMTUI_" + strings.ToUpper(k)
			} else {
				s.Source = l.name
			}
			if err := f.Value.Set(v); err != nil {
				return nil, fmt.Errorf("%s from %s: %w", k, s.Source, err)
			}
			s.Value = f.Value.String()
			break
		}
		out = append(out, s)
	}
	return out, nil
}
