package themename

import "testing"

func TestCanonical(t *testing.T) {
	for _, n := range Names {
		if c, ok := Canonical(n); !ok || c != n {
			t.Errorf("Canonical(%q) = %q, %v: a canonical name is its own", n, c, ok)
		}
	}
	for alias, want := range map[string]string{"": "dark", "contrast": "high-contrast", "colourblind": "colorblind", "okabe-ito": "colorblind"} {
		if c, ok := Canonical(alias); !ok || c != want {
			t.Errorf("Canonical(%q) = %q, %v, want %q", alias, c, ok, want)
		}
	}
	for _, bad := range []string{"bogus", "Dark", " dark", "high contrast"} {
		if c, ok := Canonical(bad); ok {
			t.Errorf("Canonical(%q) = %q, accepted", bad, c)
		}
	}
	if got, want := List(), "dark, high-contrast, colorblind or light"; got != want {
		t.Errorf("List() = %q, want %q", got, want)
	}
}
