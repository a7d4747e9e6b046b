package dashboards

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// The output folder DIR is a symbolic link to a versioned sibling folder:
//
//	DIR -> DIR.v-<20-digit UnixNano>/      the site readers see
//	DIR.v-<…>/                             the previous versions still kept (Keep − 1)
//	DIR.tmp-<random>/                      a generation in progress
//	.DIR.lock                              serialises the swap and the clean-up
//
// A generation writes everything into DIR.tmp-<random>, renames it to DIR.v-<now>, then points
// DIR at it by creating a new link .DIR.link-<random> and renaming it over DIR: rename(2)
// replaces the link atomically, so a reader opening DIR/index.html gets the whole old site or
// the whole new one, never a missing or half-written file. Older versions are removed, keeping
// the current one and the Keep − 1 before it, so that a reader who resolved the old link a
// moment ago still finds its files.

const (
	versionInfix = ".v-"
	tmpInfix     = ".tmp-"
	// staleAfter is the age after which a leftover temporary or orphaned folder (from a
	// crashed generation) is removed.
	staleAfter = time.Hour
)

// publish writes a new version of the site at out with write and swaps it in.
func publish(out string, keep int, write func(dir string) error) (err error) {
	if keep < 1 {
		keep = 1
	}
	out = filepath.Clean(out)
	parent, base := filepath.Dir(out), filepath.Base(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("dashboards: creating %s: %w", parent, err)
	}
	if err := checkOut(out); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, base+tmpInfix)
	if err != nil {
		return fmt.Errorf("dashboards: creating a temporary folder next to %s: %w", out, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("dashboards: %w", err)
	}
	if err := write(tmp); err != nil {
		return err
	}

	unlock, err := lock(filepath.Join(parent, "."+base+".lock"))
	if err != nil {
		return err
	}
	defer unlock()
	version := nextVersion(parent, base)
	if err := os.Rename(tmp, filepath.Join(parent, version)); err != nil {
		return fmt.Errorf("dashboards: moving the new version into place: %w", err)
	}
	tmp = filepath.Join(parent, version) // removed on a failed swap below
	link := filepath.Join(parent, fmt.Sprintf(".%s.link-%d", base, time.Now().UnixNano()))
	if err := os.Symlink(version, link); err != nil {
		return fmt.Errorf("dashboards: %w", err)
	}
	if err := os.Rename(link, out); err != nil {
		os.Remove(link)
		return fmt.Errorf("dashboards: swapping %s to %s: %w", out, version, err)
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
		return fmt.Errorf("dashboards: %w", err)
	case fi.Mode()&os.ModeSymlink != 0:
		return nil
	case fi.IsDir():
		entries, err := os.ReadDir(out)
		if err == nil && len(entries) == 0 {
			return os.Remove(out)
		}
		return fmt.Errorf("dashboards: %s is a folder, not the link a previous generation made; move it away (the site is published as a link to a versioned folder next to it)", out)
	}
	return fmt.Errorf("dashboards: %s exists and is not a link to a dashboard site", out)
}

// nextVersion names a new version folder, later in sort order than every existing one.
func nextVersion(parent, base string) string {
	n := time.Now().UnixNano()
	for _, v := range versions(parent, base) {
		var m int64
		if _, err := fmt.Sscanf(strings.TrimPrefix(v, base+versionInfix), "%d", &m); err == nil && m >= n {
			n = m + 1
		}
	}
	return fmt.Sprintf("%s%s%020d", base, versionInfix, n)
}

// versions lists the version folders of base in parent, oldest first.
func versions(parent, base string) []string {
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
	vs := versions(parent, base)
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
		return nil, fmt.Errorf("dashboards: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("dashboards: locking %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
