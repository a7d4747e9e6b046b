package pipeline

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unsafe"

	"github.com/ecowatch/ecowatch/basin"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/internal/swar"
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
}

// place is what a report's region code adds to it.
type place struct {
	province, city, county, basin string
}

// placeOf enriches a region code: its province, prefecture and county codes, and its basin.
func (p *Pipeline) placeOf(code string) place {
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
	return pl
}

// Tables are a batch's rows for each table ingest writes.
type Tables struct {
	Reports, CaseEvents, Contacts, Raw, Errors Table
}

// Batch accumulates messages for one write. Every message added ends in exactly one of the
// reports, case events or errors tables, and always in the raw archive. A Batch is reused:
// Reset empties it, keeping its memory.
type Batch struct {
	p        *Pipeline
	now      int64 // ingested_at, Unix seconds
	reports  reportColumns
	events   eventColumns
	contacts contactColumns
	raw      rawColumns
	errs     errorColumns
	schemas  [5]schema // of the five above, in Tables' order
	scratch  []byte    // reused for a reporter's JSON and coordinates
	sealed   arena     // the batch's sealed values
	kept     arena     // messages' bytes the rows may view (Keep)
	// places caches placeOf (code → place) as codes are first seen: the lookups walk the
	// division tree and the basin lines. Kept across Reset.
	places map[string]place
}

// NewBatch starts an empty batch.
func (p *Pipeline) NewBatch() *Batch {
	b := &Batch{p: p, places: map[string]place{}}
	b.schemas = [5]schema{b.reports.schema(), b.events.schema(), b.contacts.schema(), b.raw.schema(), b.errs.schema()}
	b.Reset()
	return b
}

// Reset empties the batch for the next write and stamps it with the time now. The Tables
// it returned before are no longer valid.
func (b *Batch) Reset() {
	for _, s := range b.schemas {
		s.reset()
	}
	b.sealed.reset()
	b.kept.reset()
	now := time.Now()
	if b.p.Now != nil {
		now = b.p.Now()
	}
	b.now = now.Unix()
}

// Counts returns how many reports, case events and invalid messages the batch holds.
func (b *Batch) Counts() (reports, events, invalid int) {
	return b.reports.reportID.len(), b.events.eventID.len(), b.errs.code.len()
}

// AddReport adds a validated report.
func (b *Batch) AddReport(src Source, r *contract.Report) {
	secrets := privacy.NewSecrets(reporterSecrets(r.Reporter)...)
	c := &b.reports
	c.reportID.add(r.ReportID)
	c.version.add(r.Version)
	c.kind.add(r.Kind)
	c.channel.add(r.Channel)
	c.receivedAt.add(r.ReceivedAt.Time.Unix())
	pl, ok := b.places[r.RegionCode]
	if !ok {
		pl = b.p.placeOf(r.RegionCode)
		b.places[strings.Clone(r.RegionCode)] = pl // not a view of the message, kept for ever
	}
	c.regionCode.add(r.RegionCode)
	c.provinceCode.add(pl.province)
	c.cityCode.add(pl.city)
	c.countyCode.add(pl.county)
	c.basin.add(pl.basin)
	var lat, lon float64
	hasLoc := uint8(0)
	addr := ""
	if l := r.Location; l != nil {
		if l.Lat != nil {
			lat, lon, hasLoc = *l.Lat, *l.Lon, 1
		}
		addr = secrets.Redact(clean(l.Address))
	}
	c.hasLocation.add(hasLoc)
	c.lat.add(lat)
	c.lon.add(lon)
	c.locationAddress.add(addr)
	c.category.add(r.Category)
	c.categories.add(categories(r))
	c.subcategory.add(clean(r.Subcategory))
	c.title.add(secrets.Redact(clean(r.Title)))
	c.content.add(secrets.Redact(clean(r.Content)))
	var t contract.Target
	if r.Target != nil {
		t = *r.Target
	}
	c.targetKey.add(TargetKey(t.CreditCode, t.Name))
	c.targetName.add(secrets.Redact(clean(t.Name)))
	c.targetCreditCode.add(strings.ToUpper(strings.TrimSpace(t.CreditCode)))
	c.targetAddress.add(secrets.Redact(clean(t.Address)))
	c.targetIndustry.add(clean(t.Industry))
	c.reporterPseudonym.add(b.p.Keys.Pseudonym(identityOf(r.Reporter)))
	anon := uint8(0)
	if r.Reporter == nil || r.Reporter.Anonymous || r.Reporter.Empty() {
		anon = 1
	}
	c.anonymous.add(anon)
	c.coReporters.add(r.CoReporters)
	c.flags.add(r.Flags)
	c.intakeOrg.add(r.IntakeOrg)
	c.source.add(src)
	c.ingestedAt.add(b.now)

	if !r.Reporter.Empty() {
		b.scratch = r.Reporter.AppendJSON(b.scratch[:0]) // as encoding/json writes it
		k := &b.contacts
		k.reportID.add(r.ReportID)
		k.version.add(r.Version)
		k.keyID.add(b.p.Keys.KeyID())
		k.sealed.add(b.seal(b.scratch, unsafeBytes(r.ReportID)))
		k.sealedAt.add(b.now)
	}
	b.addRaw(src, "stored")
}

// AddEvent adds a validated case event.
func (b *Batch) AddEvent(src Source, e *contract.CaseEvent) {
	c := &b.events
	c.eventID.add(e.EventID)
	c.reportID.add(e.ReportID)
	c.typ.add(e.Type)
	c.at.add(e.At.Time.Unix())
	c.orgCode.add(e.OrgCode)
	c.toOrgCode.add(e.ToOrgCode)
	c.extensionDays.add(e.ExtensionDays)
	c.mergedInto.add(e.MergedInto)
	c.finding.add(e.Finding)
	c.reason.add(privacy.Redact(clean(e.Reason)))
	c.summary.add(privacy.Redact(clean(e.Summary)))
	c.source.add(src)
	c.ingestedAt.add(b.now)
	b.addRaw(src, "stored")
}

// AddInvalid records a message that failed validation; its bytes are sealed.
func (b *Batch) AddInvalid(src Source, e *contract.Error) {
	c := &b.errs
	c.source.add(src)
	c.messageKey.add(safeKey(src.Key))
	c.code.add(string(e.Code))
	c.field.add(e.Field)
	c.reason.add(e.Reason)
	c.keyID.add(b.p.Keys.KeyID())
	b.scratch = appendCoordinates(b.scratch[:0], src)
	c.sealed.add(b.seal(src.Value, b.scratch))
	c.messageTime.add(src.Time.Unix())
	c.failedAt.add(b.now)
	b.addRaw(src, "dead_letter")
}

func (b *Batch) addRaw(src Source, outcome string) {
	c := &b.raw
	c.source.add(src)
	c.messageKey.add(safeKey(src.Key))
	c.keyID.add(b.p.Keys.KeyID())
	b.scratch = appendCoordinates(b.scratch[:0], src)
	c.sealed.add(b.seal(src.Value, b.scratch))
	c.size.add(uint32(len(src.Value)))
	c.messageTime.add(src.Time.Unix())
	c.outcome.add(outcome)
	c.ingestedAt.add(b.now)
}

// seal seals plaintext bound to associated into the batch's arena and returns it as a
// string, without a copy: the bytes are not written again until Reset, and the driver copies
// them when it writes the batch.
func (b *Batch) seal(plaintext, associated []byte) string {
	dst := b.sealed.free(len(plaintext) + privacy.SealOverhead)
	v := b.p.Keys.SealAppend(dst, plaintext, associated)
	b.sealed.used(len(v))
	return unsafe.String(unsafe.SliceData(v), len(v))
}

// Keep copies a message's bytes into the batch and returns the copy, which stays as it is until
// Reset: for decoders whose values view the bytes (contract's shared decoders), so that the
// batch's rows hold on to the batch's own memory, not to whatever buffer the bytes were fetched
// into (a Kafka client's fetch of many megabytes stays alive as long as one string views it).
func (b *Batch) Keep(msg []byte) []byte {
	dst := append(b.kept.free(len(msg)), msg...)
	b.kept.used(len(msg))
	return dst
}

// arena holds a batch's sealed values in chunks that never move (a growing slice would leave
// a copy of everything before it behind, kept alive by the strings already handed out), and
// keeps them for the next batch.
type arena struct {
	chunks [][]byte
	cur    int // the chunk being filled
}

// arenaChunk is the size of an arena's chunks: a few hundred sealed messages.
const arenaChunk = 1 << 20

// free returns n bytes of free space as an empty slice with that capacity; used says how
// much of it was taken.
func (a *arena) free(n int) []byte {
	for ; a.cur < len(a.chunks); a.cur++ {
		if c := a.chunks[a.cur]; cap(c)-len(c) >= n {
			return c[len(c):len(c):cap(c)]
		}
	}
	a.chunks = append(a.chunks, make([]byte, 0, max(n, arenaChunk)))
	c := a.chunks[a.cur]
	return c[:0:cap(c)]
}

func (a *arena) used(n int) {
	c := a.chunks[a.cur]
	a.chunks[a.cur] = c[:len(c)+n]
}

func (a *arena) reset() {
	for i := range a.chunks {
		a.chunks[i] = a.chunks[i][:0]
	}
	a.cur = 0
}

// unsafeBytes views s as bytes, for an argument that is only read.
func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// Tables returns the batch's rows, valid until Reset.
func (b *Batch) Tables() Tables {
	return Tables{
		Reports:    b.schemas[0].table(),
		CaseEvents: b.schemas[1].table(),
		Contacts:   b.schemas[2].table(),
		Raw:        b.schemas[3].table(),
		Errors:     b.schemas[4].table(),
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
// U+007F–U+009F) other than newline and tab. The C1 controls are the only ones beyond ASCII,
// encoded as 0xC2 0x80–0x9F. Eight bytes at a time: a word with none of the bytes that can
// start one is passed over; the others are looked at a byte at a time.
func hasControl(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if x := swar.Load(s, i); swar.HasLess(x, 0x20) || swar.HasByte(x, 0x7f) || swar.HasByte(x, 0xc2) {
			if controlIn(s, i, i+8) {
				return true
			}
		}
	}
	return controlIn(s, i, len(s))
}

// controlIn is hasControl for the bytes of s in [from, to), a byte at a time (a C1 control's
// second byte may lie past to).
func controlIn(s string, from, to int) bool {
	for i := from; i < to; i++ {
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
