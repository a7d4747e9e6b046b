package integration

import (
	"os"
	"testing"

	"github.com/ecowatch/ecowatch/internal/testenv"
)

// TestMain runs these tests only when the local services answer; see testenv.Main and doc.go.
func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }
