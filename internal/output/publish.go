package output

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/google/renameio/v2"
	"golang.org/x/sync/errgroup"
)

// A site (the dashboards, a disclosure) is published as a folder that is swapped whole. The
// output folder OUT is a symbolic link to a versioned sibling folder:
//
//	OUT -> OUT.v-<20-digit UnixNano>/      the site readers see
//	OUT.v-<…>/                             the previous versions still kept (keep − 1)
//	OUT.tmp-<random>/                      a generation in progress
//	.OUT.lock                              serialises the swap and the clean-up
//
// Publish writes everything into OUT.tmp-<random>, syncs every file and folder of it to disk,
// renames it to OUT.v-<now>, then points OUT at it by renaming a new link over OUT
// (renameio.Symlink): rename(2) replaces the link atomically, so a reader opening
// OUT/index.html gets the whole old site or the whole new one, never a missing or half-written
// file, and a crash at any point leaves the old site or the new one, whole. Older versions are
// removed, keeping the current one and the keep − 1 before it, so that a reader who resolved
// the old link a moment ago still finds its files.

const (
	versionInfix = ".v-"
	tmpInfix     = ".tmp-"
	// staleAfter is the age after which a leftover temporary or orphaned folder (from a
	// crashed generation) is removed.
	staleAfter = time.Hour
	// syncers is how many files are synced at once (the file system groups the commits).
	syncers = 8
)

// Publish writes a new version of the site at out with write (which fills the folder it is
// given) and swaps it in; keep is the number of versions kept, the current one included (at
// least 1). A folder at out that is not a link a previous Publish made is refused, unless it is
// empty.
func Publish(out string, keep int, write func(dir string) error) (err error) {
	if keep < 1 {
		keep = 1
	}
	out = filepath.Clean(out)
	parent, base := filepath.Dir(out), filepath.Base(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("output: creating %s: %w", parent, err)
	}
	if err := checkOut(out); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, base+tmpInfix)
	if err != nil {
		return fmt.Errorf("output: creating a temporary folder next to %s: %w", out, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("output: %w", err)
	}
	if err := write(tmp); err != nil {
		return err
	}
	if err := syncTree(tmp); err != nil {
		return err
	}

	unlock, err := lock(filepath.Join(parent, "."+base+".lock"))
	if err != nil {
		return err
	}
	defer unlock()
	version := nextVersion(parent, base)
	if err := os.Rename(tmp, filepath.Join(parent, version)); err != nil {
		return fmt.Errorf("output: moving the new version of %s into place: %w", out, err)
	}
	tmp = filepath.Join(parent, version) // removed on a failed swap below
	if err := renameio.Symlink(version, out); err != nil {
		return fmt.Errorf("output: swapping %s to %s: %w", out, version, err)
	}
	if err := syncDir(parent); err != nil {
		return err
	}
	cleanup(parent, base, version, keep)
	return nil
}

// checkOut refuses to replace anything at out that is not a previous site's link. An empty
// folder is removed (a freshly created output folder).
func checkOut(out string) error {
	fi, err := os.Lstat(out)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("output: %w", err)
	case fi.Mode()&os.ModeSymlink != 0:
		return nil
	case fi.IsDir():
		entries, err := os.ReadDir(out)
		if err == nil && len(entries) == 0 {
			return os.Remove(out)
		}
		return fmt.Errorf("output: %s is a folder, not the link a previous generation made; move it away (the site is published as a link to a versioned folder next to it)", out)
	}
	return fmt.Errorf("output: %s exists and is not a link to a published site", out)
}

// syncTree flushes every file and folder under dir to disk, folders after their contents.
func syncTree(dir string) error {
	var files, dirs []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir():
			dirs = append(dirs, p)
		case d.Type().IsRegular():
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	var g errgroup.Group
	g.SetLimit(syncers)
	for _, f := range files {
		g.Go(func() error { return syncFile(f) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- { // deepest first
		if err := syncDir(dirs[i]); err != nil {
			return err
		}
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("output: syncing %s: %w", path, err)
	}
	return nil
}

func syncDir(path string) error {
	d, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("output: syncing the folder %s: %w", path, err)
	}
	return nil
}

// nextVersion names a new version folder, later in sort order than every existing one.
func nextVersion(parent, base string) string {
	n := time.Now().UnixNano()
	for _, v := range Versions(parent, base) {
		var m int64
		if _, err := fmt.Sscanf(strings.TrimPrefix(v, base+versionInfix), "%d", &m); err == nil && m >= n {
			n = m + 1
		}
	}
	return fmt.Sprintf("%s%s%020d", base, versionInfix, n)
}

// Versions lists the version folders of the site base in parent, oldest first.
func Versions(parent, base string) []string {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), base+versionInfix) {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// cleanup removes the versions older than current beyond the keep − 1 before it, orphaned
// newer versions and temporary folders older than staleAfter.
func cleanup(parent, base, current string, keep int) {
	vs := Versions(parent, base)
	idx := sort.SearchStrings(vs, current)
	for i, v := range vs {
		switch {
		case v == current:
		case i < idx-(keep-1):
			os.RemoveAll(filepath.Join(parent, v))
		case i > idx && stale(filepath.Join(parent, v)):
			os.RemoveAll(filepath.Join(parent, v))
		}
	}
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), base+tmpInfix) && stale(filepath.Join(parent, e.Name())) {
			os.RemoveAll(filepath.Join(parent, e.Name()))
		}
	}
}

func stale(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && time.Since(fi.ModTime()) > staleAfter
}

// lock takes an exclusive advisory lock on path (flock), so that two generations swapping at
// once do not clean up each other's versions.
func lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("output: locking %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
