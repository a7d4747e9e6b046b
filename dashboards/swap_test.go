package dashboards

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSwapIsAtomic regenerates the site again and again while readers keep opening the root
// page, a city page and the chart script through the output link: no read may fail or see a
// partial file.
func TestSwapIsAtomic(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "dash")
	src := newFixture()
	gen := func(i int) {
		t.Helper()
		_, err := Generate(context.Background(), src, Options{Out: out, At: fxAt.Add(time.Duration(i) * time.Minute), Log: quiet})
		if err != nil {
			t.Fatal(err)
		}
	}
	gen(0)

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
	for r := 0; r < 3; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				for _, f := range []string{"index.html", "440300.html", "index.json"} {
					b, err := os.ReadFile(filepath.Join(out, f))
					reads.Add(1)
					switch {
					case err != nil:
						fail(err.Error())
					case strings.HasSuffix(f, ".html") && !strings.HasSuffix(string(b), "</html>\n"):
						fail(fmt.Sprintf("%s: partial page of %d bytes", f, len(b)))
					case strings.HasSuffix(f, ".json") && !strings.HasSuffix(string(b), "}\n"):
						fail(fmt.Sprintf("%s: partial figures of %d bytes", f, len(b)))
					}
				}
				if _, err := os.Stat(filepath.Join(out, "assets", "echarts.min.js")); err != nil {
					fail(err.Error())
				}
			}
		}()
	}
	for i := 1; i <= 15; i++ {
		gen(i)
	}
	stop.Store(true)
	wg.Wait()
	if failures.Load() > 0 {
		t.Fatalf("%d of %d reads failed during regeneration; first: %s", failures.Load(), reads.Load(), firstFailure)
	}
	if reads.Load() < 50 {
		t.Fatalf("only %d reads happened during 15 regenerations", reads.Load())
	}

	// What is left: the link, the current version and the one before it, nothing temporary.
	fi, err := os.Lstat(out)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("%s is not a link: %v", out, err)
	}
	target, _ := os.Readlink(out)
	vs := versions(parent, "dash")
	if len(vs) != 2 || vs[1] != target {
		t.Errorf("versions left %v, link to %s; want the current one and the one before", vs, target)
	}
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		if strings.Contains(e.Name(), tmpInfix) || strings.Contains(e.Name(), ".link-") {
			t.Errorf("left over: %s", e.Name())
		}
	}
	f := readFigures(t, out, "index.json")
	if !f.At.Equal(fxAt.Add(15 * time.Minute)) {
		t.Errorf("the site shows %s, want the last generation", f.At)
	}
}

func TestSwapRefusesAForeignFolder(t *testing.T) {
	out := filepath.Join(t.TempDir(), "dash")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(context.Background(), newFixture(), Options{Out: out, At: fxAt, Log: quiet}); err == nil {
		t.Fatal("a folder with someone's files was replaced")
	}
	if _, err := os.Stat(filepath.Join(out, "notes.txt")); err != nil {
		t.Fatal("the folder's files are gone")
	}
	// An empty folder (created by hand or by a script) is taken over.
	empty := filepath.Join(t.TempDir(), "dash")
	os.MkdirAll(empty, 0o755)
	if _, err := Generate(context.Background(), newFixture(), Options{Out: empty, At: fxAt, Log: quiet}); err != nil {
		t.Fatal(err)
	}
}

// A failed generation leaves the published site as it was and no temporary folder.
func TestFailedGenerationKeepsTheSite(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "dash")
	if _, err := Generate(context.Background(), newFixture(), Options{Out: out, At: fxAt, Log: quiet}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Readlink(out)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Generate(ctx, newFixture(), Options{Out: out, At: fxAt, Log: quiet}); err == nil {
		t.Fatal("a cancelled generation succeeded")
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
}
