package pipeline

import (
	"fmt"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/contract/contracttest"
	"github.com/ecowatch/ecowatch/internal/cputime"
)

// messageBudget is the most CPU time ingest's whole per-message work — decoding, validation,
// normalisation, redaction, sealing into the batch — may take on the largest message it
// accepts, whatever its shape (issue 15).
const messageBudget = 50 * time.Millisecond

// TestHostileMessagesWithinBudget runs every hostile shape of both input topics, at the
// largest size ingest accepts, through what ingest does with one message, within
// messageBudget of CPU each. The valid shapes go all the way through redaction.
func TestHostileMessagesWithinBudget(t *testing.T) {
	p := newPipeline(t)
	v := newValidator()
	stored := 0
	for _, topic := range []string{contract.SchemaReports, contract.SchemaCaseEvents} {
		shapes := contracttest.Reports(7)
		if topic == contract.SchemaCaseEvents {
			shapes = contracttest.Events(7)
		}
		for _, s := range shapes {
			b := p.NewBatch()
			src := Source{Topic: topic, Partition: 1, Offset: 9, Key: []byte("k"), Value: s.Make(contract.MaxMessageBytes)}
			what := func() string {
				return fmt.Sprintf("ingesting a %d-byte %s message of shape %s", len(src.Value), topic, s.Name)
			}
			used := cputime.Bound(messageBudget, what, func() {
				var err error
				if topic == contract.SchemaReports {
					var r *contract.Report
					if r, err = v.DecodeReport(src.Value); err == nil {
						b.AddReport(src, r)
					}
				} else {
					var e *contract.CaseEvent
					if e, err = v.DecodeCaseEvent(src.Value); err == nil {
						b.AddEvent(src, e)
					}
				}
				if err != nil {
					b.AddInvalid(src, err.(*contract.Error))
				}
			})
			if used > messageBudget {
				t.Errorf("%s took %s of CPU, more than %s", what(), used, messageBudget)
			}
			reports, events, _ := b.Counts()
			stored += reports + events
		}
	}
	if stored < 40 {
		t.Errorf("only %d hostile messages were valid and went through redaction", stored)
	}
}
