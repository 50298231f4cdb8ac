//go:build !linux

package store

import "os"

// syncData makes f's written data durable. Outside Linux there is no
// fdatasync in x/sys; os.File.Sync is fsync (F_FULLFSYNC on macOS).
func syncData(f *os.File) error { return f.Sync() }
