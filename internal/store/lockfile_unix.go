//go:build unix

package store

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on path, waiting for it, and returns its
// release. The lock dies with the process, so a crash never leaves it held.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}
