package output

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// File is one file of a batch.
type File struct {
	Path string
	Data []byte
	Perm os.FileMode
}

// WriteFiles writes files as WriteFile does — each atomically, and on disk once it returns —
// with one durability barrier for the whole batch instead of one per file: every file is
// written to a temporary file in its folder, the file systems are synced once (syncfs),
// the temporary files are renamed into place in order, and each folder is synced once. A
// notice run writes thousands of files: one sync per file cost about 1 ms a file on a busy
// disk (25 s for 20,000 small files), the batch about 2 s.
//
// It returns how many files are in place — always the first ones of files, in order; on
// error the others are not, and no temporary file is left behind.
func WriteFiles(files []File) (int, error) {
	temps := make([]string, 0, len(files))
	var dirs []string
	seen := map[string]bool{}
	defer func() {
		for _, t := range temps {
			if t != "" {
				os.Remove(t) // the files not renamed into place
			}
		}
	}()
	var err error
	for _, f := range files {
		dir := filepath.Dir(f.Path)
		if err = os.MkdirAll(dir, 0o755); err != nil {
			err = fmt.Errorf("output: creating %s: %w", dir, err)
			break
		}
		tmp, werr := writeTemp(dir, f)
		if werr != nil {
			if tmp != "" {
				os.Remove(tmp)
			}
			err = fmt.Errorf("output: writing %s: %w", f.Path, werr)
			break
		}
		temps = append(temps, tmp)
		if !seen[dir] {
			seen[dir] = true
			dirs = append(dirs, dir)
		}
	}
	if len(temps) == 0 {
		return 0, err
	}
	if serr := syncFileSystems(dirs, temps); serr != nil {
		return 0, errors.Join(err, fmt.Errorf("output: syncing %s: %w", dirs[0], serr))
	}
	done := 0
	for i, tmp := range temps {
		if rerr := os.Rename(tmp, files[i].Path); rerr != nil {
			err = errors.Join(err, fmt.Errorf("output: writing %s: %w", files[i].Path, rerr))
			break
		}
		temps[i] = ""
		done++
	}
	for _, dir := range dirs {
		if derr := syncDir(dir); derr != nil {
			err = errors.Join(err, fmt.Errorf("output: syncing %s: %w", dir, derr))
		}
	}
	return done, err
}

// writeTemp writes f's data to a new temporary file in dir, with f's permissions, and
// returns its path (empty when it could not be created).
func writeTemp(dir string, f File) (string, error) {
	t, err := os.CreateTemp(dir, "."+filepath.Base(f.Path)+".*")
	if err != nil {
		return "", err
	}
	_, err = t.Write(f.Data)
	if err == nil {
		err = t.Chmod(f.Perm)
	}
	if cerr := t.Close(); err == nil {
		err = cerr
	}
	return t.Name(), err
}
