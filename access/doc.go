// Package access decides who may open what in the served dashboards: the accounts file and
// its passwords (bcrypt), the sessions of signed-in people with their idle and absolute
// expiry, the slowing of failed sign-ins per account and per address, the trust placed in a
// single-sign-on reverse proxy (identity and jurisdiction in request headers, from configured
// proxy addresses only), and the one rule of authorization: a person may open the pages of
// their jurisdiction (a region.Scope: the nation, a province or a prefecture-level city) and
// of every jurisdiction under it.
//
// It owns the format of the accounts file (see Accounts) and writes it only through
// internal/output (atomic, under a lock, mode 0600). It must not touch HTTP serving, ClickHouse
// or the pages themselves: package serve applies these rules to requests and records them.
// No password, password hash or session token ever leaves this package in an error, a log
// line or a String method.
package access
