// Package privacy protects reporter identity (12369 Art. 23; 信访 Art. 23, 24).
//
// It owns the three operations that stand between a reporter and everyone else:
//   - Seal: AES-256-GCM encryption of the identity (and of raw message bytes, which contain it)
//     under a key id, so that only the contacts table and the raw archive hold it, as ciphertext;
//   - Pseudonym: a keyed HMAC of the identity, so repeat reporters can be counted without
//     knowing who they are;
//   - Redact: removal of phone numbers, ID numbers, e-mail addresses and the reporter's own
//     identity from free text kept for analysis.
//
// It does no I/O besides reading the key file, and it never logs.
package privacy
