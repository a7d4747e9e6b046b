package dashboards

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The site is published through output.Publish (its own tests hold the swap to being atomic):
// DIR becomes a link, regenerating moves it to the new version, and a failed generation leaves
// the site as it was.
func TestGenerationsArePublishedWhole(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "dash")
	if _, err := GenerateFrom(context.Background(), newFixture(), Options{Out: out, At: fxAt, Log: quiet}); err != nil {
		t.Fatal(err)
	}
	first, err := os.Readlink(out)
	if err != nil {
		t.Fatalf("%s is not a link: %v", out, err)
	}
	if _, err := GenerateFrom(context.Background(), newFixture(), Options{Out: out, At: fxAt.Add(time.Minute), Log: quiet}); err != nil {
		t.Fatal(err)
	}
	second, _ := os.Readlink(out)
	if second == first {
		t.Fatal("the link did not move to the new version")
	}
	if f := readFigures(t, out, "index.json"); !f.At.Equal(fxAt.Add(time.Minute)) {
		t.Errorf("the site shows %s, want the last generation", f.At)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := GenerateFrom(ctx, newFixture(), Options{Out: out, At: fxAt, Log: quiet}); err == nil {
		t.Fatal("a cancelled generation succeeded")
	}
	if after, _ := os.Readlink(out); after != second {
		t.Errorf("a failed generation moved the link from %s to %s", second, after)
	}
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("left over: %s", e.Name())
		}
	}
}
