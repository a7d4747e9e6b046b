package broker

import (
	"context"
	"fmt"
	"sync"

	"github.com/segmentio/kafka-go"
)

// Sink produces batches of messages of any type M to Kafka, for bulk producers such as the
// simulator (*Sink[simulate.Message] is a simulate.Sink): route says for each message the
// topic it goes to and its key and value. One writer per topic, in batches of up to 5,000
// messages, keyed by hash so one report's messages stay in order. Close it when done.
type Sink[M any] struct {
	conn  *Conn
	route func(M) (topic string, msg kafka.Message)

	mu      sync.Mutex
	writers map[string]*kafka.Writer
}

// NewSink returns a sink that produces through conn.
func NewSink[M any](conn *Conn, route func(M) (topic string, msg kafka.Message)) *Sink[M] {
	return &Sink[M]{conn: conn, route: route, writers: map[string]*kafka.Writer{}}
}

// Write produces msgs, grouped by topic; it returns once every message is acknowledged.
func (s *Sink[M]) Write(ctx context.Context, msgs []M) error {
	by := map[string][]kafka.Message{}
	var topics []string
	for _, m := range msgs {
		topic, km := s.route(m)
		if _, ok := by[topic]; !ok {
			topics = append(topics, topic)
		}
		by[topic] = append(by[topic], km)
	}
	for _, topic := range topics {
		batch := by[topic]
		if err := s.writer(topic).WriteMessages(ctx, batch...); err != nil {
			return fmt.Errorf("broker: producing %d messages to %s: %w", len(batch), topic, err)
		}
	}
	return nil
}

func (s *Sink[M]) writer(topic string) *kafka.Writer {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.writers[topic]
	if !ok {
		w = s.conn.Writer(topic)
		w.BatchSize = 5000
		s.writers[topic] = w
	}
	return w
}

// Close closes the writers, flushing what they hold.
func (s *Sink[M]) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var first error
	for topic, w := range s.writers {
		if err := w.Close(); err != nil && first == nil {
			first = fmt.Errorf("broker: closing the writer to %s: %w", topic, err)
		}
	}
	s.writers = map[string]*kafka.Writer{}
	return first
}
