package ingest

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	metadataAPI "github.com/segmentio/kafka-go/protocol/metadata"
	produceAPI "github.com/segmentio/kafka-go/protocol/produce"
)

// fakeKafka is a kafka-go transport that answers a writer's metadata and produce requests in
// memory, for unit tests of what ingest writes to Kafka (the wire is tested by the integration
// tests against the real broker). Every topic has partitions partitions.
type fakeKafka struct {
	partitions int
	mu         sync.Mutex
	produced   []kafka.Message // in the order received; Partition set, Offset per partition
	next       map[int]int64
}

var _ kafka.RoundTripper = (*fakeKafka)(nil)

func (f *fakeKafka) RoundTrip(_ context.Context, _ net.Addr, req kafka.Request) (kafka.Response, error) {
	switch req := req.(type) {
	case *metadataAPI.Request:
		res := &metadataAPI.Response{Brokers: []metadataAPI.ResponseBroker{{NodeID: 1, Host: "127.0.0.1", Port: 9092}}}
		for _, name := range req.TopicNames {
			topic := metadataAPI.ResponseTopic{Name: name}
			for p := range f.partitions {
				topic.Partitions = append(topic.Partitions, metadataAPI.ResponsePartition{PartitionIndex: int32(p), LeaderID: 1, ReplicaNodes: []int32{1}, IsrNodes: []int32{1}})
			}
			res.Topics = append(res.Topics, topic)
		}
		return res, nil
	case *produceAPI.Request:
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.next == nil {
			f.next = map[int]int64{}
		}
		res := &produceAPI.Response{}
		for _, t := range req.Topics {
			rt := produceAPI.ResponseTopic{Topic: t.Topic}
			for _, p := range t.Partitions {
				base := f.next[int(p.Partition)]
				for {
					rec, err := p.RecordSet.Records.ReadRecord()
					if err == io.EOF {
						break
					}
					if err != nil {
						return nil, fmt.Errorf("fakeKafka: reading a produced record: %w", err)
					}
					key, err := readBytes(rec.Key)
					if err != nil {
						return nil, err
					}
					value, err := readBytes(rec.Value)
					if err != nil {
						return nil, err
					}
					f.produced = append(f.produced, kafka.Message{Topic: t.Topic, Partition: int(p.Partition), Offset: f.next[int(p.Partition)], Key: key, Value: value})
					f.next[int(p.Partition)]++
				}
				rt.Partitions = append(rt.Partitions, produceAPI.ResponsePartition{Partition: p.Partition, BaseOffset: base})
			}
			res.Topics = append(res.Topics, rt)
		}
		return res, nil
	default:
		return nil, fmt.Errorf("fakeKafka: unexpected request %T", req)
	}
}

func readBytes(b protocol.Bytes) ([]byte, error) {
	if b == nil {
		return nil, nil
	}
	out, err := protocol.ReadAll(b)
	if err != nil {
		return nil, fmt.Errorf("fakeKafka: reading a produced record: %w", err)
	}
	return out, nil
}

// messages returns what was produced so far.
func (f *fakeKafka) messages() []kafka.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]kafka.Message(nil), f.produced...)
}
