// Package output writes what people read — notices, the disclosure site, the dashboards — so
// that a crash, a full disk or a concurrent reader never sees a half-written file or site: a
// file is written to a temporary file in its folder, synced and renamed into place (WriteFile,
// google/renameio); a site is written into a new folder, synced, and swapped in whole behind a
// link (Publish).
//
// It owns only the mechanics of writing atomically; what is written is its callers'.
package output

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/renameio/v2"
)

// WriteFile writes data to path atomically, creating the folder if needed: a reader sees the
// old file (or none) or the whole new one, and after it returns the data is on disk.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("output: creating %s: %w", filepath.Dir(path), err)
	}
	if err := renameio.WriteFile(path, data, perm); err != nil {
		return fmt.Errorf("output: writing %s: %w", path, err)
	}
	return nil
}

// UpdateFile rewrites the file at path atomically (as WriteFile does) with what change makes
// of its current content, under an exclusive lock on .NAME.lock in the same folder, so that two
// processes changing the file at once do not lose each other's change. change gets nil and
// false when the file does not exist; an error from it leaves the file as it was. The file gets
// perm (less the umask).
func UpdateFile(path string, perm os.FileMode, change func(old []byte, exists bool) ([]byte, error)) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output: creating %s: %w", dir, err)
	}
	unlock, err := lock(filepath.Join(dir, "."+filepath.Base(path)+".lock"))
	if err != nil {
		return err
	}
	defer unlock()
	old, err := os.ReadFile(path)
	exists := err == nil
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("output: reading %s: %w", path, err)
	}
	data, err := change(old, exists)
	if err != nil {
		return err
	}
	return WriteFile(path, data, perm)
}
