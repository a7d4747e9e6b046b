package store

import (
	"fmt"
	"strconv"
	"strings"
)

// Dialect is what differs between ClickHouse server versions. It is chosen once, from the
// server's version, when the store connects.
type Dialect struct {
	Major, Minor int
}

// ParseVersion reads a server version such as "18.16.1" or "24.8.4.13".
func ParseVersion(v string) (Dialect, error) {
	parts := strings.Split(v, ".")
	if len(parts) < 2 {
		return Dialect{}, fmt.Errorf("store: unrecognised ClickHouse version %q", v)
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return Dialect{}, fmt.Errorf("store: unrecognised ClickHouse version %q", v)
	}
	return Dialect{Major: major, Minor: minor}, nil
}

func (d Dialect) atLeast(major, minor int) bool {
	return d.Major > major || d.Major == major && d.Minor >= minor
}

// Enum is the column type for short repeated strings (channel, category, province code):
// LowCardinality(String) where the server has it without an experimental switch (19.9+),
// String on older servers such as Debian's 18.16.
func (d Dialect) Enum() string {
	if d.atLeast(19, 9) {
		return "LowCardinality(String)"
	}
	return "String"
}

// Expand replaces {enum} in a DDL template.
func (d Dialect) Expand(ddl string) string {
	return strings.ReplaceAll(ddl, "{enum}", d.Enum())
}
