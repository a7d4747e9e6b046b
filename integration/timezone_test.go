package integration

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/internal/testenv"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/simulate"
)

// generatedAt is what names a dashboards generation: the "generated at" line and, in each page's
// data and in generation.json, the generation's id and time — the one part of the output
// allowed to differ between two runs.
var generatedAt = regexp.MustCompile(`生成于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}|"generation": ?"[0-9a-f-]+"|"generated_at": "[^"]*"`)

// Business time is Asia/Shanghai whatever the server's time zone: the same stream, detected,
// disclosed and put on dashboards through a server in Asia/Shanghai and one in UTC, gives the
// same files byte for byte, but for the dashboards' generation time.
func TestOutputDoesNotDependOnTheServerTimeZone(t *testing.T) {
	t.Parallel()
	shanghai := testenv.New(t)
	utc := testenv.NewOnUTCServer(t)
	for env, want := range map[*testenv.Env]string{shanghai: "Asia/Shanghai", utc: "UTC"} {
		var tz string
		if err := env.Store.Conn().QueryRow(context.Background(), "SELECT timezone()").Scan(&tz); err != nil {
			t.Fatal(err)
		}
		if strings.TrimPrefix(tz, "Etc/") != want {
			t.Fatalf("the server at %v runs in %s, the test needs one in %s (deploy/local/services.sh)", env.Config.ClickHouse.Addr, tz, want)
		}
	}

	from := time.Date(2026, 6, 10, 0, 0, 0, 0, calendar.Shanghai)
	to := time.Date(2026, 7, 25, 0, 0, 0, 0, calendar.Shanghai)
	cfg := simulate.Config{From: from, To: to, Scope: region.MustScope("440000"), ReportsPerYear: 8000, Seed: 31}
	bin := testenv.Binary(t)
	outs := map[*testenv.Env]string{}
	for _, env := range []*testenv.Env{shanghai, utc} {
		simulateAndIngest(t, env, cfg) // the simulator gives the same stream for the same seed
		for _, args := range [][]string{
			{"alerts", "backtest", "--from", "2026-06-11", "--to", "2026-07-25", "--step", "48h", "--detectors", "overdue,supervision"},
			{"alerts", "backtest", "--from", "2026-07-10", "--to", "2026-07-25", "--step", "12h", "--detectors", "emergency,cluster,watershed"},
			{"cases", "--at", "2026-07-25"},
			{"report", "--quarter", "2026Q3", "--scope", "440000", "--out", filepath.Join(env.Config.OutDir, "disclosure")},
			{"report", "--quarter", "2026Q3", "--scope", "440300", "--out", filepath.Join(env.Config.OutDir, "disclosure-440300")},
			{"dashboard", "--at", "2026-07-24T18:00", "--out", filepath.Join(env.Config.OutDir, "dashboards")},
		} {
			cmd := exec.Command(bin, append([]string{"--log-level", "warn"}, args...)...)
			cmd.Env = processEnv(env)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("ecowatch %s against %v: %v\n%s", strings.Join(args, " "), env.Config.ClickHouse.Addr, err, out)
			}
		}
		outs[env] = env.Config.OutDir
	}

	a, b := outputFiles(t, outs[shanghai]), outputFiles(t, outs[utc])
	counts := map[string]int{}
	for name := range a {
		counts[strings.SplitN(name, "/", 2)[0]]++
	}
	t.Logf("files per output: %v", counts)
	for _, dir := range []string{"notices", "disclosure", "disclosure-440300", "dashboards"} {
		if counts[dir] < 3 {
			t.Fatalf("the run wrote %d files under %s: too little to compare", counts[dir], dir)
		}
	}
	var names []string
	for name := range a {
		names = append(names, name)
	}
	for name := range b {
		if _, ok := a[name]; !ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		x, inA := a[name]
		y, inB := b[name]
		switch {
		case !inA:
			t.Errorf("%s: written only with the server in UTC", name)
		case !inB:
			t.Errorf("%s: written only with the server in Asia/Shanghai", name)
		case bytes.Equal(x, y):
		case strings.HasPrefix(name, "dashboards/") &&
			bytes.Equal(generatedAt.ReplaceAll(x, nil), generatedAt.ReplaceAll(y, nil)):
			// the generation time only
		default:
			t.Errorf("%s differs between the servers:\n%s", name, firstDifference(x, y))
		}
	}
}

// outputFiles reads every file a run wrote under dir, by path relative to dir; the dashboards
// are read through their link to the current version, whose folder name differs per run.
func outputFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".v-") || strings.HasPrefix(e.Name(), ".") {
			continue // versions behind a site's link, and its lock (internal/output.Publish)
		}
		root, err := filepath.EvalSymlinks(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			b, err := os.ReadFile(path)
			out[filepath.ToSlash(filepath.Join(e.Name(), rel))] = b
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// firstDifference shows the first line that differs.
func firstDifference(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return "  line " + strconv.Itoa(i+1) + ", Asia/Shanghai: " + clip(x) + "\n  line " + strconv.Itoa(i+1) + ", UTC:           " + clip(y)
		}
	}
	return "  (same lines, different bytes)"
}

func clip(s string) string {
	if r := []rune(s); len(r) > 300 {
		return string(r[:300]) + "…"
	}
	return s
}
