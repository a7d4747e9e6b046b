package output

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFilesPutsEveryFileInPlaceAndNoTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	var files []File
	for i := range 600 {
		files = append(files, File{Path: filepath.Join(dir, fmt.Sprintf("d%d", i%3), fmt.Sprintf("%04d.md", i)), Data: []byte(fmt.Sprint("notice ", i)), Perm: 0o644})
	}
	if err := os.MkdirAll(filepath.Join(dir, "d0"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files[0].Path, []byte("an older version"), 0o644); err != nil {
		t.Fatal(err)
	}
	n, err := WriteFiles(files)
	if err != nil || n != len(files) {
		t.Fatalf("%d of %d files written: %v", n, len(files), err)
	}
	count := 0
	for _, sub := range []string{"d0", "d1", "d2"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				t.Errorf("temporary file %s left behind", e.Name())
			}
			count++
		}
	}
	if count != len(files) {
		t.Errorf("%d files on disk, want %d", count, len(files))
	}
	for _, f := range []File{files[0], files[len(files)-1]} {
		got, err := os.ReadFile(f.Path)
		if err != nil || string(got) != string(f.Data) {
			t.Errorf("%s reads %q, %v; want %q", f.Path, got, err, f.Data)
		}
	}
}

// A file that cannot be written stops the batch there: the files before it are in place,
// none after it, and no temporary file is left.
func TestWriteFilesStopsAtTheFirstFailureAndReportsThePrefix(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "blocker")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	files := []File{
		{Path: filepath.Join(dir, "ok", "1.html"), Data: []byte("1"), Perm: 0o644},
		{Path: filepath.Join(dir, "ok", "2.html"), Data: []byte("2"), Perm: 0o644},
		{Path: filepath.Join(blocker, "3.html"), Data: []byte("3"), Perm: 0o644},
		{Path: filepath.Join(dir, "ok", "4.html"), Data: []byte("4"), Perm: 0o644},
	}
	n, err := WriteFiles(files)
	if n != 2 || err == nil || !strings.Contains(err.Error(), blocker) {
		t.Fatalf("%d files written, error %v: want 2 and an error naming %s", n, err, blocker)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "ok"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "1.html,2.html" {
		t.Errorf("folder holds %v, want 1.html and 2.html only", names)
	}
}
