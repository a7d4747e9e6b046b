package simulate

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// File names written by FileSink and WriteTruth.
const (
	ReportsFile    = "reports.jsonl"
	CaseEventsFile = "case-events.jsonl"
	TruthFile      = "truth.json"
)

// FileSink writes each topic to a JSON-lines file in a directory: reports.jsonl and
// case-events.jsonl, one message value per line, in stream order. Malformed values never
// contain a newline, so line n of a file is message n of its topic (Truth.MalformedMessages
// gives the offsets of the malformed ones and their keys). Call Close when Run returns.
type FileSink struct {
	dir     string
	files   map[string]*os.File
	writers map[string]*bufio.Writer
}

// NewFileSink creates dir if needed and truncates the topic files in it.
func NewFileSink(dir string) (*FileSink, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("simulate: create output directory %s: %w", dir, err)
	}
	s := &FileSink{dir: dir, files: map[string]*os.File{}, writers: map[string]*bufio.Writer{}}
	for _, topic := range []string{TopicReports, TopicCaseEvents} {
		path := filepath.Join(dir, fileOf(topic))
		f, err := os.Create(path)
		if err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("simulate: create %s: %w", path, err)
		}
		s.files[topic] = f
		s.writers[topic] = bufio.NewWriterSize(f, 1<<20)
	}
	return s, nil
}

// Write appends each message's value and a newline to its topic's file.
func (s *FileSink) Write(ctx context.Context, msgs []Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for i := range msgs {
		w, ok := s.writers[msgs[i].Topic]
		if !ok {
			return fmt.Errorf("simulate: file sink has no file for topic %q", msgs[i].Topic)
		}
		if _, err := w.Write(msgs[i].Value); err != nil {
			return fmt.Errorf("simulate: write %s: %w", filepath.Join(s.dir, fileOf(msgs[i].Topic)), err)
		}
		if err := w.WriteByte('\n'); err != nil {
			return fmt.Errorf("simulate: write %s: %w", filepath.Join(s.dir, fileOf(msgs[i].Topic)), err)
		}
	}
	return nil
}

// Close flushes and closes the files.
func (s *FileSink) Close() error {
	var errs []error
	for _, topic := range []string{TopicReports, TopicCaseEvents} {
		if w := s.writers[topic]; w != nil {
			if err := w.Flush(); err != nil {
				errs = append(errs, fmt.Errorf("simulate: flush %s: %w", fileOf(topic), err))
			}
		}
		if f := s.files[topic]; f != nil {
			if err := f.Close(); err != nil {
				errs = append(errs, fmt.Errorf("simulate: close %s: %w", fileOf(topic), err))
			}
		}
	}
	s.writers, s.files = nil, nil
	return errors.Join(errs...)
}

func fileOf(topic string) string {
	if topic == TopicCaseEvents {
		return CaseEventsFile
	}
	return ReportsFile
}

// WriteTruth writes truth as indented JSON to dir/truth.json.
func WriteTruth(dir string, truth *Truth) error {
	b, err := json.MarshalIndent(truth, "", "  ")
	if err != nil {
		return fmt.Errorf("simulate: encode truth: %w", err)
	}
	path := filepath.Join(dir, TruthFile)
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("simulate: write %s: %w", path, err)
	}
	return nil
}
