package integration

import (
	"context"
	"strings"
	"testing"

	"github.com/ecowatch/ecowatch/internal/testenv"
)

// TestMigrationsRunAgainAfterACrashBeforeTheirRecord replays every migration on a schema that
// has them all but no record of any — what a crash between a statement and its record leaves,
// at its worst. ClickHouse 18.16 has no ADD COLUMN IF NOT EXISTS: the migration that adds
// warnings.recipient_details must count as done when the column is there, and the others are
// IF NOT EXISTS.
func TestMigrationsRunAgainAfterACrashBeforeTheirRecord(t *testing.T) {
	t.Parallel()
	env := testenv.New(t) // migrated
	ctx := context.Background()
	if err := env.Store.Conn().Exec(ctx, "DROP TABLE schema_migrations"); err != nil {
		t.Fatal(err)
	}
	applied, err := env.Store.Migrate(ctx)
	if err != nil {
		t.Fatalf("migrating again: %v", err)
	}
	found := false
	for _, a := range applied {
		found = found || strings.Contains(a, "warning recipients")
	}
	if !found {
		t.Errorf("the migration adding warnings.recipient_details was not recorded again: %v", applied)
	}
	if n := count(t, env, "SELECT count() FROM system.columns WHERE database = currentDatabase() AND table = 'warnings' AND name = 'recipient_details'"); n != 1 {
		t.Errorf("warnings.recipient_details: %d columns", n)
	}
	if again, err := env.Store.Migrate(ctx); err != nil || len(again) != 0 {
		t.Errorf("a third run applied %v (%v), want nothing", again, err)
	}
}
