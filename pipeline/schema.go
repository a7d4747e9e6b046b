package pipeline

import "github.com/apache/arrow/go/v17/arrow"

// The Arrow schemas of the records a Batch produces. Field names are ClickHouse column names.
var (
	str       = arrow.BinaryTypes.String
	stamp     = &arrow.TimestampType{Unit: arrow.Second, TimeZone: "Asia/Shanghai"}
	strList   = arrow.ListOf(arrow.BinaryTypes.String)
	u8, u32   = arrow.PrimitiveTypes.Uint8, arrow.PrimitiveTypes.Uint32
	i32, i64  = arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64
	f64       = arrow.PrimitiveTypes.Float64
	fieldList = func(specs ...any) []arrow.Field {
		fs := make([]arrow.Field, 0, len(specs)/2)
		for i := 0; i < len(specs); i += 2 {
			fs = append(fs, arrow.Field{Name: specs[i].(string), Type: specs[i+1].(arrow.DataType)})
		}
		return fs
	}

	ReportsSchema = arrow.NewSchema(fieldList(
		"report_id", str, "version", u32, "kind", str, "channel", str, "received_at", stamp,
		"region_code", str, "province_code", str, "city_code", str, "county_code", str, "basin", str,
		"has_location", u8, "lat", f64, "lon", f64, "location_address", str,
		"category", str, "categories", strList, "subcategory", str, "title", str, "content", str,
		"target_key", str, "target_name", str, "target_credit_code", str, "target_address", str, "target_industry", str,
		"reporter_pseudonym", str, "anonymous", u8, "co_reporters", u32, "flags", strList, "intake_org", str,
		"src_topic", str, "src_partition", i32, "src_offset", i64, "ingested_at", stamp,
	), nil)

	CaseEventsSchema = arrow.NewSchema(fieldList(
		"event_id", str, "report_id", str, "type", str, "at", stamp, "org_code", str, "to_org_code", str,
		"extension_days", i32, "merged_into", str, "finding", str, "reason", str, "summary", str,
		"src_topic", str, "src_partition", i32, "src_offset", i64, "ingested_at", stamp,
	), nil)

	ContactsSchema = arrow.NewSchema(fieldList(
		"report_id", str, "version", u32, "key_id", str, "sealed", arrow.BinaryTypes.Binary, "sealed_at", stamp,
	), nil)

	RawSchema = arrow.NewSchema(fieldList(
		"topic", str, "partition", i32, "offset", i64, "message_key", str, "key_id", str,
		"sealed_value", arrow.BinaryTypes.Binary, "size", u32, "message_time", stamp, "outcome", str, "ingested_at", stamp,
	), nil)

	ErrorsSchema = arrow.NewSchema(fieldList(
		"topic", str, "partition", i32, "offset", i64, "message_key", str, "code", str, "field", str, "reason", str,
		"key_id", str, "sealed_value", arrow.BinaryTypes.Binary, "message_time", stamp, "failed_at", stamp,
	), nil)
)
