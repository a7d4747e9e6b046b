package access

import (
	"github.com/ecowatch/ecowatch/region"
)

// How a person was identified.
const (
	ViaPassword = "password" // the accounts file and a session cookie
	ViaSSO      = "sso"      // headers set by a trusted single-sign-on proxy
)

// User is a signed-in person.
type User struct {
	Login string
	Name  string // display name, for people
	// Scope is the jurisdiction: the nation (the zero Scope) for the ministry, a province or a
	// prefecture-level city.
	Scope region.Scope
	Via   string // ViaPassword or ViaSSO
	// credential identifies the password hash the session was opened with (a digest of it),
	// so that a changed password ends the sessions opened with the old one.
	credential string
}

// May reports whether u may open the pages and data files of jurisdiction page: u's own
// jurisdiction and every one under it. Only people of the nation may open the nation's.
func (u User) May(page region.Scope) bool {
	if u.Scope.IsNation() {
		return true
	}
	if page.IsNation() {
		return false
	}
	return u.Scope.Contains(page.Code)
}

// Jurisdiction is the code recorded for u's jurisdiction: "nation" or the region code.
func (u User) Jurisdiction() string { return u.Scope.String() }
