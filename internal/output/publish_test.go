package output

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// site writes a small site whose every file ends with a marker, so a reader can tell a whole
// file from a partial one, and whose files name the generation.
func site(gen int) func(dir string) error {
	return func(dir string) error {
		page := strings.Repeat(fmt.Sprintf("<p>generation %d</p>\n", gen), 2000) + "</html>\n"
		if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte(page), 0o644); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, "data", "figures.json"), []byte(fmt.Sprintf("{\"generation\": %d}\n", gen)), 0o644)
	}
}

// TestPublishIsAtomic publishes again and again while readers keep opening the site's files
// through the output link: no read may fail or see a partial file.
func TestPublishIsAtomic(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "site")
	if err := Publish(out, 2, site(0)); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var reads, failures atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstFailure string
	fail := func(s string) {
		failures.Add(1)
		mu.Lock()
		if firstFailure == "" {
			firstFailure = s
		}
		mu.Unlock()
	}
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				for _, f := range []string{"index.html", "data/figures.json"} {
					b, err := os.ReadFile(filepath.Join(out, f))
					reads.Add(1)
					switch {
					case err != nil:
						fail(err.Error())
					case !strings.HasSuffix(string(b), "\n") || strings.HasSuffix(f, ".html") && !strings.HasSuffix(string(b), "</html>\n"):
						fail(fmt.Sprintf("%s: partial file of %d bytes", f, len(b)))
					}
				}
			}
		}()
	}
	for i := 1; i <= 20; i++ {
		if err := Publish(out, 2, site(i)); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if failures.Load() > 0 {
		t.Fatalf("%d of %d reads failed during republishing; first: %s", failures.Load(), reads.Load(), firstFailure)
	}
	if reads.Load() < 20 {
		t.Fatalf("only %d reads happened during 20 publications", reads.Load())
	}

	// What is left: the link, the current version and the one before it, nothing temporary.
	fi, err := os.Lstat(out)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("%s is not a link: %v", out, err)
	}
	target, _ := os.Readlink(out)
	vs := Versions(parent, "site")
	if len(vs) != 2 || vs[1] != target {
		t.Errorf("versions left %v, link to %s; want the current one and the one before", vs, target)
	}
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		if strings.Contains(e.Name(), tmpInfix) || strings.HasPrefix(e.Name(), ".site") && e.Name() != ".site.lock" {
			t.Errorf("left over: %s", e.Name())
		}
	}
	b, _ := os.ReadFile(filepath.Join(out, "data", "figures.json"))
	if string(b) != "{\"generation\": 20}\n" {
		t.Errorf("the site shows %q, want the last generation", b)
	}
}

func TestPublishRefusesAForeignFolder(t *testing.T) {
	out := filepath.Join(t.TempDir(), "site")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Publish(out, 2, site(1))
	if err == nil || !strings.Contains(err.Error(), "move it away") {
		t.Fatalf("a folder with someone's files was replaced: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "notes.txt")); err != nil {
		t.Fatal("the folder's files are gone")
	}
	// An empty folder (created by hand or by a script) is taken over.
	empty := filepath.Join(t.TempDir(), "site")
	os.MkdirAll(empty, 0o755)
	if err := Publish(empty, 2, site(1)); err != nil {
		t.Fatal(err)
	}
}

// A failed generation leaves the published site as it was and no temporary folder.
func TestFailedWriteKeepsTheSite(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "site")
	if err := Publish(out, 2, site(1)); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Readlink(out)
	boom := errors.New("disk full")
	err := Publish(out, 2, func(dir string) error {
		if err := site(2)(dir); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("the failed write returned %v", err)
	}
	after, _ := os.Readlink(out)
	if before != after {
		t.Errorf("link moved from %s to %s", before, after)
	}
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		if strings.Contains(e.Name(), tmpInfix) {
			t.Errorf("left over: %s", e.Name())
		}
	}
	b, _ := os.ReadFile(filepath.Join(out, "data", "figures.json"))
	if string(b) != "{\"generation\": 1}\n" {
		t.Errorf("the site shows %q after a failed write", b)
	}
}
