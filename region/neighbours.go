package region

import (
	"math"
	"sort"
)

// earthRadiusKm is the mean Earth radius used for great-circle distances.
const earthRadiusKm = 6371.0088

// DistanceKm returns the great-circle distance between two divisions' points, and false when
// either has no coordinates.
func DistanceKm(a, b Division) (float64, bool) {
	if !a.HasCoord || !b.HasCoord {
		return 0, false
	}
	return haversineKm(a.Lat, a.Lon, b.Lat, b.Lon), true
}

func haversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	const rad = math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}

// Neighbours returns the codes of the finest divisions (counties, and prefecture-level cities
// without counties — see Leaves) whose points lie within radiusKm of code's point, nearest
// first (ties by code), code itself excluded.
//
// Fallback, because coordinates are approximate and some are missing:
//   - a county without coordinates: the other counties of the same prefecture-level parent
//     (its siblings), sorted by code;
//   - a county with coordinates also gets its siblings that have no coordinates (they cannot be
//     measured; sharing a parent is the best evidence of nearness), after the measured ones.
//
// This keeps the relation symmetric: b is in Neighbours(a) exactly when a is in
// Neighbours(b). Unknown codes and non-leaf codes (provinces, prefectures with counties)
// return nil; use Leaves to expand them first. A radius ≤ 0 returns only the fallback siblings.
func (t *Table) Neighbours(code string, radiusKm float64) []string {
	i, ok := t.index[code]
	if !ok {
		return nil
	}
	self := t.divs[i]
	if !t.isLeaf(self) {
		return nil
	}
	var siblings []Division // other counties of the same prefecture; none for a leaf prefecture
	if self.Level == County {
		for _, s := range t.Children(self.Parent) {
			if s.Code != code {
				siblings = append(siblings, s)
			}
		}
	}
	if !self.HasCoord {
		out := make([]string, 0, len(siblings))
		for _, s := range siblings {
			out = append(out, s.Code)
		}
		return out
	}
	type near struct {
		code string
		km   float64
	}
	var measured []near
	for _, li := range t.leaves {
		d := t.divs[li]
		if d.Code == code || !d.HasCoord {
			continue
		}
		if km := haversineKm(self.Lat, self.Lon, d.Lat, d.Lon); km <= radiusKm {
			measured = append(measured, near{d.Code, km})
		}
	}
	sort.Slice(measured, func(a, b int) bool {
		if measured[a].km != measured[b].km {
			return measured[a].km < measured[b].km
		}
		return measured[a].code < measured[b].code
	})
	out := make([]string, 0, len(measured))
	for _, m := range measured {
		out = append(out, m.code)
	}
	for _, s := range siblings {
		if !s.HasCoord {
			out = append(out, s.Code)
		}
	}
	return out
}

func (t *Table) isLeaf(d Division) bool {
	return d.Level == County || d.Level == Prefecture && len(t.children[d.Code]) == 0
}
