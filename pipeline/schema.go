package pipeline

// The columns of the tables a Batch fills, one struct per table; each struct's schema method
// names its columns (the ClickHouse column names) in the order they are written.

// reportColumns are the rows of the reports table.
type reportColumns struct {
	reportID                                       column[string]
	version                                        column[uint32]
	kind, channel                                  column[string]
	receivedAt                                     column[int64]
	regionCode, provinceCode, cityCode, countyCode column[string]
	basin                                          column[string]
	hasLocation                                    column[uint8]
	lat, lon                                       column[float64]
	locationAddress, category                      column[string]
	categories                                     column[[]string]
	subcategory, title, content                    column[string]
	targetKey, targetName, targetCreditCode        column[string]
	targetAddress, targetIndustry                  column[string]
	reporterPseudonym                              column[string]
	anonymous                                      column[uint8]
	coReporters                                    column[uint32]
	flags                                          column[[]string]
	intakeOrg                                      column[string]
	source                                         sourceColumns
	ingestedAt                                     column[int64]
}

func (c *reportColumns) schema() schema {
	return schema{
		{"report_id", &c.reportID}, {"version", &c.version}, {"kind", &c.kind}, {"channel", &c.channel},
		{"received_at", &c.receivedAt}, {"region_code", &c.regionCode}, {"province_code", &c.provinceCode},
		{"city_code", &c.cityCode}, {"county_code", &c.countyCode}, {"basin", &c.basin},
		{"has_location", &c.hasLocation}, {"lat", &c.lat}, {"lon", &c.lon}, {"location_address", &c.locationAddress},
		{"category", &c.category}, {"categories", &c.categories}, {"subcategory", &c.subcategory},
		{"title", &c.title}, {"content", &c.content}, {"target_key", &c.targetKey}, {"target_name", &c.targetName},
		{"target_credit_code", &c.targetCreditCode}, {"target_address", &c.targetAddress},
		{"target_industry", &c.targetIndustry}, {"reporter_pseudonym", &c.reporterPseudonym},
		{"anonymous", &c.anonymous}, {"co_reporters", &c.coReporters}, {"flags", &c.flags}, {"intake_org", &c.intakeOrg},
		{"src_topic", &c.source.topic}, {"src_partition", &c.source.partition}, {"src_offset", &c.source.offset},
		{"ingested_at", &c.ingestedAt},
	}
}

// eventColumns are the rows of the case_events table.
type eventColumns struct {
	eventID, reportID, typ               column[string]
	at                                   column[int64]
	orgCode, toOrgCode                   column[string]
	extensionDays                        column[int32]
	mergedInto, finding, reason, summary column[string]
	source                               sourceColumns
	ingestedAt                           column[int64]
}

func (c *eventColumns) schema() schema {
	return schema{
		{"event_id", &c.eventID}, {"report_id", &c.reportID}, {"type", &c.typ}, {"at", &c.at},
		{"org_code", &c.orgCode}, {"to_org_code", &c.toOrgCode}, {"extension_days", &c.extensionDays},
		{"merged_into", &c.mergedInto}, {"finding", &c.finding}, {"reason", &c.reason}, {"summary", &c.summary},
		{"src_topic", &c.source.topic}, {"src_partition", &c.source.partition}, {"src_offset", &c.source.offset},
		{"ingested_at", &c.ingestedAt},
	}
}

// contactColumns are the rows of the contacts table: the sealed identity of each reporter.
type contactColumns struct {
	reportID      column[string]
	version       column[uint32]
	keyID, sealed column[string]
	sealedAt      column[int64]
}

func (c *contactColumns) schema() schema {
	return schema{
		{"report_id", &c.reportID}, {"version", &c.version}, {"key_id", &c.keyID}, {"sealed", &c.sealed},
		{"sealed_at", &c.sealedAt},
	}
}

// rawColumns are the rows of the raw_messages table: every message, sealed.
type rawColumns struct {
	source                    sourceColumns
	messageKey, keyID, sealed column[string]
	size                      column[uint32]
	messageTime               column[int64]
	outcome                   column[string]
	ingestedAt                column[int64]
}

func (c *rawColumns) schema() schema {
	return schema{
		{"topic", &c.source.topic}, {"partition", &c.source.partition}, {"offset", &c.source.offset},
		{"message_key", &c.messageKey}, {"key_id", &c.keyID}, {"sealed_value", &c.sealed}, {"size", &c.size},
		{"message_time", &c.messageTime}, {"outcome", &c.outcome}, {"ingested_at", &c.ingestedAt},
	}
}

// errorColumns are the rows of the ingest_errors table: each invalid message, its reason and
// its bytes sealed.
type errorColumns struct {
	source                          sourceColumns
	messageKey, code, field, reason column[string]
	keyID, sealed                   column[string]
	messageTime, failedAt           column[int64]
}

func (c *errorColumns) schema() schema {
	return schema{
		{"topic", &c.source.topic}, {"partition", &c.source.partition}, {"offset", &c.source.offset},
		{"message_key", &c.messageKey}, {"code", &c.code}, {"field", &c.field}, {"reason", &c.reason},
		{"key_id", &c.keyID}, {"sealed_value", &c.sealed}, {"message_time", &c.messageTime}, {"failed_at", &c.failedAt},
	}
}

// sourceColumns are a message's Kafka coordinates.
type sourceColumns struct {
	topic     column[string]
	partition column[int32]
	offset    column[int64]
}

func (c *sourceColumns) add(src Source) {
	c.topic.add(src.Topic)
	c.partition.add(int32(src.Partition))
	c.offset.add(src.Offset)
}
