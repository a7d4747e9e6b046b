package deliver

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/ecowatch/ecowatch/contract"
)

// countsStore is NoticeCounts over notices "recorded" so far (safe for concurrent use).
type countsStore struct {
	NoticeStore
	mu     sync.Mutex
	counts map[string]int
}

func (c *countsStore) NoticeCounts(context.Context, int) (map[string]int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.counts {
		out[k] = v
	}
	return out, nil
}

// The jobs of one `ecowatch run` number notices concurrently (the cluster and the watershed
// jobs are due at the same minute and both issue 预警通知书): the local allocator gives every
// notice its own number, follows the notices already recorded, and gives a notice asked for
// twice the same number.
func TestLocalSerialsUniqueUnderConcurrentJobs(t *testing.T) {
	st := &countsStore{counts: map[string]int{
		"440000|" + contract.WarningCluster:   3, // 预: cluster and watershed share the sequence
		"440000|" + contract.WarningWatershed: 2,
		"440000|" + contract.WarningOverdue:   7, // 催: another sequence
	}}
	n := &Notices{Store: st}
	var wg sync.WaitGroup
	results := make([]map[string]int, 8)
	errs := make([]error, 8)
	for j := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kind := contract.WarningCluster
			if j%2 == 1 {
				kind = contract.WarningWatershed
			}
			var reqs []serialRequest
			for i := range 25 {
				reqs = append(reqs, serialRequest{fmt.Sprintf("N-%d-%d", j, i), "440000", kind})
			}
			reqs = append(reqs, serialRequest{"N-shared", "440000", kind})
			results[j], errs[j] = n.numbers(context.Background(), 2026, reqs)
		}()
	}
	wg.Wait()
	all := map[string]int{}
	for j, r := range results {
		if errs[j] != nil {
			t.Fatal(errs[j])
		}
		for id, num := range r {
			if prev, ok := all[id]; ok && prev != num {
				t.Fatalf("%s numbered %d and %d", id, prev, num)
			}
			all[id] = num
		}
	}
	var nums []int
	for _, num := range all {
		nums = append(nums, num)
	}
	sort.Ints(nums)
	if len(nums) != 8*25+1 {
		t.Fatalf("%d notices numbered, want %d", len(nums), 8*25+1)
	}
	for i, num := range nums {
		if num != 5+i+1 { // after the 3 + 2 recorded 预 notices
			t.Fatalf("numbers are not 6…%d without repeats: position %d holds %d", 5+len(nums), i, num)
		}
	}
	got, err := n.numbers(context.Background(), 2026, []serialRequest{{"N-r", "440000", contract.WarningOverdue}})
	if err != nil || got["N-r"] != 8 {
		t.Fatalf("the first reminder after 7 recorded: %v (%v), want 8", got, err)
	}
}

func TestSerialSequenceSharedByKindsOfOneNoticeType(t *testing.T) {
	for _, c := range []struct{ a, b string }{
		{contract.WarningCluster, contract.WarningEmergency},
		{contract.WarningRepeat, contract.WarningProcedure},
	} {
		if serialSequence(2026, "440000", c.a) != serialSequence(2026, "440000", c.b) {
			t.Errorf("%s and %s notices number in different sequences", c.a, c.b)
		}
	}
	if serialSequence(2026, "440000", contract.WarningOverdue) == serialSequence(2026, "440000", contract.WarningCluster) ||
		serialSequence(2026, "440000", contract.WarningCluster) == serialSequence(2027, "440000", contract.WarningCluster) {
		t.Error("reminders and warnings, or two years, share a sequence")
	}
	// a 预警续报 is recorded in the notices table without a number: the warning notices'
	// serials must not count it
	if serialSequence(2026, "440000", KindDigest) == serialSequence(2026, "440000", contract.WarningWatershed) {
		t.Error("digests and warning notices share a sequence")
	}
}
