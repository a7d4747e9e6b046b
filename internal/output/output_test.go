package output

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestWriteFileReplacesWholeAndLeavesNoTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a", "b", "notice.html")
	for _, content := range []string{"first version", "second"} {
		if err := WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Fatalf("read %q, %v; want %q", got, err, content)
		}
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only the file: %v", len(entries), entries)
	}
}

func TestWriteFileNamesThePathOnError(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(filepath.Join(blocker, "x.html"), []byte("x"), 0o644)
	if err == nil {
		t.Fatal("writing below a regular file succeeded")
	}
	if want := blocker; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %s", err, want)
	}
}

func TestUpdateFileKeepsEveryConcurrentChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "accounts")
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := UpdateFile(path, 0o600, func(old []byte, _ bool) ([]byte, error) {
				return append(old, []byte(fmt.Sprintf("line %d\n", i))...), nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n != 20 {
		t.Errorf("%d lines after 20 concurrent updates:\n%s", n, b)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	// A failed change leaves the file as it was.
	if err := UpdateFile(path, 0o600, func([]byte, bool) ([]byte, error) { return nil, fmt.Errorf("no") }); err == nil {
		t.Error("the change's error was not returned")
	}
	if b2, _ := os.ReadFile(path); string(b2) != string(b) {
		t.Error("a failed change altered the file")
	}
}
