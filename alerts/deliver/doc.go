// Package deliver takes warning revisions out of the outbox (the warnings table and its
// deliveries acknowledgements) to the people and systems that act on them:
//
//   - notice files (催办通知, 督办建议, 预警通知书) under <out>/notices/<date>/, as HTML,
//     Markdown and the warnings.v1 JSON of each revision, written through internal/output
//     (atomic and fsynced), once per recipient and revision that calls for one (Notices);
//   - the warnings.v1 Kafka topic, every revision exactly once per channel (PublishWarnings);
//   - signed HTTP webhooks of recipient organisations, in order, with retries (Deliverer).
//
// Each channel acknowledges a revision only once it is durable there, so a failure (a full
// disk, a broker or receiver away) is retried at the next run and nothing is lost.
//
// It must not decide what is warned (that is alerts and its detectors) and never sees
// reporter identity.
package deliver
