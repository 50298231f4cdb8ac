// Package themename is the names --theme accepts. The ui builds the
// themes; memtui-watch links no ui but checks the shared flags all the
// same, so the names live here, where both editions reach them.
package themename

import "strings"

// Names are the canonical names, in the order help and errors give them.
var Names = []string{"dark", "high-contrast", "colorblind", "light"}

// Canonical is the canonical name of the theme that name picks: a
// canonical name, an alias, or "" (the default, dark).
func Canonical(name string) (string, bool) {
	switch name {
	case "", "dark":
		return "dark", true
	case "high-contrast", "contrast":
		return "high-contrast", true
	case "colorblind", "colourblind", "okabe-ito":
		return "colorblind", true
	case "light":
		return "light", true
	}
	return "", false
}

// List is Names for a sentence: "dark, high-contrast, colorblind or light".
func List() string {
	return strings.Join(Names[:len(Names)-1], ", ") + " or " + Names[len(Names)-1]
}
