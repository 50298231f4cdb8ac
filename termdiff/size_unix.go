//go:build unix

package termdiff

import (
	"os"

	"golang.org/x/sys/unix"
)

// termSize is the terminal's size in cells.
func termSize(f *os.File) (int, int, bool) {
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0, 0, false
	}
	return int(ws.Col), int(ws.Row), true
}
