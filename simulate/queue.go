package simulate

// item is a message or a case waiting to be emitted at its time.
type item struct {
	at  int64  // Unix seconds
	seq uint64 // insertion order: ties at the same second keep it
	msg *pendingMessage
	cs  *caseState
}

// pendingMessage is a built message waiting in the queue; kind is set for malformed ones.
type pendingMessage struct {
	Message
	kind string
}

// queue is a binary min-heap of items ordered by (at, seq).
type queue []item

func (q queue) less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}

func (q *queue) push(it item) {
	*q = append(*q, it)
	h := *q
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (q *queue) pop() item {
	h := *q
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h[n] = item{}
	h = h[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	*q = h
	return top
}

func (q queue) peek() (item, bool) {
	if len(q) == 0 {
		return item{}, false
	}
	return q[0], true
}
