package ui

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/memtui/memtui/internal/themename"
)

// allThemes is every theme --theme accepts, by its canonical name.
func allThemes(t *testing.T) []Theme {
	t.Helper()
	var out []Theme
	for _, name := range themename.Names {
		th, ok := ThemeByName(name)
		if !ok || th.Name != name {
			t.Fatalf("ThemeByName(%q) = %q, %v", name, th.Name, ok)
		}
		out = append(out, th)
	}
	return out
}

// textPairs are the foreground/background pairs of every style that draws
// words, as the styles are built (so a badge's computed text colour is
// what is checked, not what was meant).
func textPairs(th Theme) []struct {
	role   string
	fg, bg lipgloss.TerminalColor
} {
	st := NewStyles(nil, th)
	type pair = struct {
		role   string
		fg, bg lipgloss.TerminalColor
	}
	out := []pair{}
	onBg := map[string]lipgloss.Style{
		"text": st.Text, "muted": st.Muted, "bold": st.Bold, "accent": st.Accent, "accent2": st.Accent2,
		"title": st.Title, "header": st.Header, "key": st.Key, "ok": st.OK, "warn": st.Warn, "high": st.High, "crit": st.Crit,
	}
	for _, role := range []string{"text", "muted", "bold", "accent", "accent2", "title", "header", "key", "ok", "warn", "high", "crit"} {
		out = append(out, pair{role, onBg[role].GetForeground(), th.Background})
	}
	out = append(out, pair{"bar", st.Bar.GetForeground(), st.Bar.GetBackground()},
		pair{"selected", st.Selected.GetForeground(), st.Selected.GetBackground()})
	for i, name := range []string{"badge normal", "badge warning", "badge high", "badge critical"} {
		out = append(out, pair{name, st.SevBadge[i].GetForeground(), st.SevBadge[i].GetBackground()})
	}
	return out
}

// Every theme's text reads at WCAG AA (4.5:1) against its background: the
// relative luminance of both colours, computed from the theme itself.
func TestThemeContrast(t *testing.T) {
	for _, th := range allThemes(t) {
		t.Run(th.Name, func(t *testing.T) {
			if th.Background == nil {
				t.Fatal("theme names no background to check against")
			}
			var table strings.Builder
			fmt.Fprintf(&table, "theme %s, background %v\n", th.Name, th.Background)
			for _, p := range textPairs(th) {
				r := contrastRatio(p.fg, p.bg)
				fmt.Fprintf(&table, "%-15s %-8v on %-8v %5.2f:1\n", p.role, p.fg, p.bg, r)
				if r < wcagAA {
					t.Errorf("%s: %v on %v is %.2f:1, want ≥ %.1f:1", p.role, p.fg, p.bg, r, wcagAA)
				}
			}
			// The table is the theme's record: a colour change shows as a
			// diff of its ratios.
			golden(t, table.String())
		})
	}
}

// The formula against known values: black on white is 21:1, a colour on
// itself 1:1, and #777777 on white the textbook 4.48:1.
func TestContrastRatio(t *testing.T) {
	for _, c := range []struct {
		fg, bg string
		want   float64
	}{{"#000000", "#ffffff", 21}, {"#336699", "#336699", 1}, {"#777777", "#ffffff", 4.48}, {"15", "0", 21}} {
		got := contrastRatio(lipgloss.Color(c.fg), lipgloss.Color(c.bg))
		if d := got - c.want; d > 0.01 || d < -0.01 {
			t.Errorf("contrast %s on %s = %.3f, want %.2f", c.fg, c.bg, got, c.want)
		}
	}
}

// Each theme draws the same screen (the layout never depends on colour)
// and draws it in its own colours: the raw frame carries the theme's
// severity colour.
func TestThemeGolden(t *testing.T) {
	for _, th := range allThemes(t) {
		for _, sz := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
			w, h := sz[0], sz[1]
			t.Run(fmt.Sprintf("%s_%dx%d", th.Name, w, h), func(t *testing.T) {
				r := lipgloss.NewRenderer(io.Discard)
				r.SetColorProfile(termenv.TrueColor)
				m := warRoomModel(t, w, h)
				m.st = NewStyles(r, th)
				m = feed(m, key1("w"), flashExpiredMsg{seq: 1})
				v := m.View()
				checkBlock(t, v, w, h)
				high := r.NewStyle().Foreground(th.High).Render("x")
				seq, _, _ := strings.Cut(high, "x")
				seq = strings.TrimSuffix(strings.TrimPrefix(seq, "\x1b["), "m") // bold may precede it in the frame
				if seq == "" || !strings.Contains(v, seq) {
					t.Errorf("the frame lacks the theme's high colour %v (%q)", th.High, seq)
				}
				golden(t, v)
			})
		}
	}
}
