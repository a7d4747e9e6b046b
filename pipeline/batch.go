package pipeline

import (
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/ecowatch/ecowatch/basin"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/privacy"
	"github.com/ecowatch/ecowatch/region"
)

// Source is where a message came from: its Kafka coordinates and bytes.
type Source struct {
	Topic     string
	Partition int
	Offset    int64
	Key       []byte
	Value     []byte
	Time      time.Time // the broker's timestamp of the message
}

// Pipeline holds the reference data and keys a Batch needs. It is safe for concurrent use;
// a Batch is not.
type Pipeline struct {
	Regions *region.Table
	Basins  *basin.Topology
	Keys    *privacy.Keyring
	// Now stamps ingested_at. Default: time.Now.
	Now func() time.Time

	// places caches what a region code enriches a report with (code → place), filled as codes
	// are first seen: the lookups walk the division tree and the basin lines.
	places sync.Map
}

// place is what a report's region code adds to it.
type place struct {
	province, city, county, basin string
}

// placeOf enriches a region code: its province, prefecture and county codes, and its basin.
func (p *Pipeline) placeOf(code string) place {
	if v, ok := p.places.Load(code); ok {
		return v.(place)
	}
	pl := place{province: code[:2] + "0000"}
	if d, ok := p.Regions.Prefecture(code); ok {
		pl.city = d.Code
	}
	if d, ok := p.Regions.Lookup(code); ok && d.Level == region.County {
		pl.county = code
	}
	if units := p.Basins.UnitsOf(code); len(units) > 0 {
		pl.basin = units[0].Basin
	}
	p.places.Store(code, pl)
	return pl
}

// Records are the per-table record batches of one Batch. Release them after writing.
type Records struct {
	Reports, CaseEvents, Contacts, Raw, Errors arrow.Record
}

// Release frees the records' memory.
func (r *Records) Release() {
	for _, rec := range []arrow.Record{r.Reports, r.CaseEvents, r.Contacts, r.Raw, r.Errors} {
		if rec != nil {
			rec.Release()
		}
	}
}

// Batch accumulates messages for one write. Every message added ends in exactly one of the
// reports, case events or errors records, and always in the raw archive.
type Batch struct {
	p                                    *Pipeline
	now                                  time.Time
	reports, events, contacts, raw, errs *array.RecordBuilder
	nReports, nEvents, nErrors           int
	scratch                              []byte // reused for a reporter's JSON
}

// NewBatch starts an empty batch.
func (p *Pipeline) NewBatch() *Batch {
	mem := memory.DefaultAllocator
	now := time.Now()
	if p.Now != nil {
		now = p.Now()
	}
	return &Batch{
		p: p, now: now,
		reports:  array.NewRecordBuilder(mem, ReportsSchema),
		events:   array.NewRecordBuilder(mem, CaseEventsSchema),
		contacts: array.NewRecordBuilder(mem, ContactsSchema),
		raw:      array.NewRecordBuilder(mem, RawSchema),
		errs:     array.NewRecordBuilder(mem, ErrorsSchema),
	}
}

// Len is the number of messages in the batch.
func (b *Batch) Len() int { return b.nReports + b.nEvents + b.nErrors }

// Counts returns how many reports, case events and invalid messages the batch holds.
func (b *Batch) Counts() (reports, events, invalid int) { return b.nReports, b.nEvents, b.nErrors }

// AddReport adds a validated report.
func (b *Batch) AddReport(src Source, r *contract.Report) {
	b.nReports++
	secrets := privacy.NewSecrets(reporterSecrets(r.Reporter)...)
	f := b.reports.Fields()
	i := 0
	next := func() array.Builder { x := f[i]; i++; return x }
	appendStr(next(), r.ReportID)
	next().(*array.Uint32Builder).Append(r.Version)
	appendStr(next(), r.Kind)
	appendStr(next(), r.Channel)
	appendTime(next(), r.ReceivedAt.Time)
	pl := b.p.placeOf(r.RegionCode)
	appendStr(next(), r.RegionCode)
	appendStr(next(), pl.province)
	appendStr(next(), pl.city)
	appendStr(next(), pl.county)
	appendStr(next(), pl.basin)
	var lat, lon float64
	hasLoc := uint8(0)
	addr := ""
	if l := r.Location; l != nil {
		if l.Lat != nil {
			lat, lon, hasLoc = *l.Lat, *l.Lon, 1
		}
		addr = secrets.Redact(clean(l.Address))
	}
	next().(*array.Uint8Builder).Append(hasLoc)
	next().(*array.Float64Builder).Append(lat)
	next().(*array.Float64Builder).Append(lon)
	appendStr(next(), addr)
	appendStr(next(), r.Category)
	appendList(next(), categories(r))
	appendStr(next(), clean(r.Subcategory))
	appendStr(next(), secrets.Redact(clean(r.Title)))
	appendStr(next(), secrets.Redact(clean(r.Content)))
	var t contract.Target
	if r.Target != nil {
		t = *r.Target
	}
	appendStr(next(), TargetKey(t.CreditCode, t.Name))
	appendStr(next(), secrets.Redact(clean(t.Name)))
	appendStr(next(), strings.ToUpper(strings.TrimSpace(t.CreditCode)))
	appendStr(next(), secrets.Redact(clean(t.Address)))
	appendStr(next(), clean(t.Industry))
	appendStr(next(), b.p.Keys.Pseudonym(identityOf(r.Reporter)))
	anon := uint8(0)
	if r.Reporter == nil || r.Reporter.Anonymous || r.Reporter.Empty() {
		anon = 1
	}
	next().(*array.Uint8Builder).Append(anon)
	next().(*array.Uint32Builder).Append(r.CoReporters)
	appendList(next(), r.Flags)
	appendStr(next(), r.IntakeOrg)
	b.appendSource(next, src)
	appendTime(next(), b.now)

	if !r.Reporter.Empty() {
		b.scratch = r.Reporter.AppendJSON(b.scratch[:0]) // as encoding/json writes it
		c := b.contacts.Fields()
		appendStr(c[0], r.ReportID)
		c[1].(*array.Uint32Builder).Append(r.Version)
		appendStr(c[2], b.p.Keys.KeyID())
		c[3].(*array.BinaryBuilder).Append(b.p.Keys.Seal(b.scratch, []byte(r.ReportID)))
		appendTime(c[4], b.now)
	}
	b.addRaw(src, "stored")
}

// AddEvent adds a validated case event.
func (b *Batch) AddEvent(src Source, e *contract.CaseEvent) {
	b.nEvents++
	f := b.events.Fields()
	i := 0
	next := func() array.Builder { x := f[i]; i++; return x }
	appendStr(next(), e.EventID)
	appendStr(next(), e.ReportID)
	appendStr(next(), e.Type)
	appendTime(next(), e.At.Time)
	appendStr(next(), e.OrgCode)
	appendStr(next(), e.ToOrgCode)
	next().(*array.Int32Builder).Append(e.ExtensionDays)
	appendStr(next(), e.MergedInto)
	appendStr(next(), e.Finding)
	appendStr(next(), privacy.Redact(clean(e.Reason)))
	appendStr(next(), privacy.Redact(clean(e.Summary)))
	b.appendSource(next, src)
	appendTime(next(), b.now)
	b.addRaw(src, "stored")
}

// AddInvalid records a message that failed validation; its bytes are sealed.
func (b *Batch) AddInvalid(src Source, e *contract.Error) {
	b.nErrors++
	f := b.errs.Fields()
	appendStr(f[0], src.Topic)
	f[1].(*array.Int32Builder).Append(int32(src.Partition))
	f[2].(*array.Int64Builder).Append(src.Offset)
	appendStr(f[3], safeKey(src.Key))
	appendStr(f[4], string(e.Code))
	appendStr(f[5], e.Field)
	appendStr(f[6], e.Reason)
	appendStr(f[7], b.p.Keys.KeyID())
	f[8].(*array.BinaryBuilder).Append(b.p.Keys.Seal(src.Value, coordinates(src)))
	appendTime(f[9], src.Time)
	appendTime(f[10], b.now)
	b.addRaw(src, "dead_letter")
}

func (b *Batch) appendSource(next func() array.Builder, src Source) {
	appendStr(next(), src.Topic)
	next().(*array.Int32Builder).Append(int32(src.Partition))
	next().(*array.Int64Builder).Append(src.Offset)
}

func (b *Batch) addRaw(src Source, outcome string) {
	f := b.raw.Fields()
	appendStr(f[0], src.Topic)
	f[1].(*array.Int32Builder).Append(int32(src.Partition))
	f[2].(*array.Int64Builder).Append(src.Offset)
	appendStr(f[3], safeKey(src.Key))
	appendStr(f[4], b.p.Keys.KeyID())
	b.scratch = appendCoordinates(b.scratch[:0], src)
	f[5].(*array.BinaryBuilder).Append(b.p.Keys.Seal(src.Value, b.scratch))
	f[6].(*array.Uint32Builder).Append(uint32(len(src.Value)))
	appendTime(f[7], src.Time)
	appendStr(f[8], outcome)
	appendTime(f[9], b.now)
}

// Records builds the record batches and resets the batch.
func (b *Batch) Records() *Records {
	return &Records{
		Reports:    b.reports.NewRecord(),
		CaseEvents: b.events.NewRecord(),
		Contacts:   b.contacts.NewRecord(),
		Raw:        b.raw.NewRecord(),
		Errors:     b.errs.NewRecord(),
	}
}

// Release frees the builders.
func (b *Batch) Release() {
	for _, rb := range []*array.RecordBuilder{b.reports, b.events, b.contacts, b.raw, b.errs} {
		rb.Release()
	}
}

// OpenRaw decrypts an archived message (raw_messages.sealed_value or ingest_errors.sealed_value).
func OpenRaw(keys *privacy.Keyring, topic string, partition int, offset int64, sealed []byte) ([]byte, error) {
	return keys.Open(sealed, coordinates(Source{Topic: topic, Partition: partition, Offset: offset}))
}

func coordinates(src Source) []byte {
	return appendCoordinates(nil, src)
}

// appendCoordinates appends "topic/partition/offset", the associated data a message's bytes
// are sealed with.
func appendCoordinates(dst []byte, src Source) []byte {
	dst = append(dst, src.Topic...)
	dst = append(dst, '/')
	dst = strconv.AppendInt(dst, int64(src.Partition), 10)
	dst = append(dst, '/')
	return strconv.AppendInt(dst, src.Offset, 10)
}

// safeKey keeps a message key only if it is a plausible id; anything else (a producer that put
// personal data in the key) is not stored in plaintext.
func safeKey(k []byte) string {
	if len(k) == 0 || len(k) > 64 {
		return ""
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return ""
		}
	}
	return string(k)
}

func appendStr(b array.Builder, s string) { b.(*array.StringBuilder).Append(s) }

func appendTime(b array.Builder, t time.Time) {
	b.(*array.TimestampBuilder).Append(arrow.Timestamp(t.Unix()))
}

func appendList(b array.Builder, items []string) {
	lb := b.(*array.ListBuilder)
	lb.Append(true)
	vb := lb.ValueBuilder().(*array.StringBuilder)
	for _, s := range items {
		vb.Append(s)
	}
}

// categories returns every category of the report, the main one first and no repeats.
func categories(r *contract.Report) []string {
	out := []string{r.Category}
	for _, c := range r.Categories {
		dup := false
		for _, o := range out {
			dup = dup || o == c
		}
		if !dup {
			out = append(out, c)
		}
	}
	return out
}

// clean trims space and removes control characters other than newline and tab.
func clean(s string) string {
	s = strings.TrimSpace(s)
	if !hasControl(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return -1
		}
		return r
	}, s)
}

// hasControl reports whether s holds a control character (unicode.IsControl: U+0000–U+001F,
// U+007F–U+009F) other than newline and tab, a byte at a time: the C1 controls are the only
// ones beyond ASCII, encoded as 0xC2 0x80–0x9F.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20:
			if c != '\n' && c != '\t' {
				return true
			}
		case c == 0x7f:
			return true
		case c == 0xc2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9f:
			return true
		}
	}
	return false
}

func reporterSecrets(r *contract.Reporter) []string {
	if r == nil {
		return nil
	}
	return []string{r.Name, r.Phone, r.IDNumber, r.Email, r.Address}
}

// identityOf picks the strongest identifier of a reporter for the pseudonym: phone digits,
// else ID number, else e-mail, else name. Anonymous reports without identity get none.
func identityOf(r *contract.Reporter) string {
	if r == nil {
		return ""
	}
	if d := digits(r.Phone); len(d) >= 7 {
		if len(d) == 13 && strings.HasPrefix(d, "86") {
			d = d[2:]
		}
		return "phone:" + d
	}
	if id := strings.ToUpper(strings.TrimSpace(r.IDNumber)); id != "" {
		return "id:" + id
	}
	if e := strings.ToLower(strings.TrimSpace(r.Email)); e != "" {
		return "email:" + e
	}
	if n := strings.TrimSpace(r.Name); n != "" {
		return "name:" + n
	}
	return ""
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// targetNameFold removes spaces from a target's name and folds full-width brackets (a
// Replacer is safe for concurrent use).
var targetNameFold = strings.NewReplacer(" ", "", "\u3000", "", "（", "(", "）", ")")

// TargetKey identifies a reported party across reports: its unified social credit code when it
// has a well-formed one, otherwise its name with spaces removed and full-width brackets folded.
func TargetKey(creditCode, name string) string {
	cc := strings.ToUpper(strings.TrimSpace(creditCode))
	if len(cc) == 18 {
		return "uscc:" + cc
	}
	n := targetNameFold.Replace(strings.TrimSpace(name))
	if n == "" {
		return ""
	}
	return "name:" + n
}
