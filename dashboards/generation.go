package dashboards

import (
	"encoding/json"
	"fmt"

	"github.com/ecowatch/ecowatch/region"
)

// GenerationFile is the small file at the root of a site that names its generation. A page
// served over HTTP reads it every minute and reloads itself when a newer generation has been
// swapped in (`ecowatch run` regenerates every 10 minutes), so a screen on a wall never shows
// old figures; `ecowatch serve` reads it to know whose page index.html is.
const GenerationFile = "generation.json"

// Generation is the content of GenerationFile.
type Generation struct {
	// ID is unique per generation; every page of the generation carries the same.
	ID string `json:"generation"`
	// Root is the jurisdiction of index.html: "nation" or a province or city code.
	Root string `json:"root"`
	// At is the time the pages reflect, GeneratedAt when they were written (Asia/Shanghai).
	At          string `json:"at"`
	GeneratedAt string `json:"generated_at"`
}

// ParseGeneration reads GenerationFile's content; RootScope is then index.html's jurisdiction.
func ParseGeneration(b []byte) (Generation, error) {
	var g Generation
	if err := json.Unmarshal(b, &g); err != nil {
		return g, fmt.Errorf("dashboards: %s: %w", GenerationFile, err)
	}
	if g.ID == "" {
		return g, fmt.Errorf("dashboards: %s names no generation", GenerationFile)
	}
	return g, nil
}

// RootScope is the jurisdiction of the site's index.html.
func (g Generation) RootScope(regions *region.Table) (region.Scope, error) {
	return regions.ParseScope(g.Root)
}
