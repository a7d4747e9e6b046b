package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// Binary returns the path of cmd/ecowatch built for this test process (once, on first use), for
// the tests that run ecowatch as a process: kill -9, SIGTERM, two instances, the benchmarks.
func Binary(t testing.TB) string {
	t.Helper()
	path, err := buildBinary()
	if err != nil {
		t.Fatalf("building ecowatch: %v", err)
	}
	return path
}

var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "ecowatch-bin-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "ecowatch")
	cmd := exec.Command("go", "build", "-o", path, "./cmd/ecowatch")
	cmd.Dir = RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%w\n%s", err, out)
	}
	return path, nil
})
