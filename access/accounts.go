package access

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/ecowatch/ecowatch/internal/output"
	"github.com/ecowatch/ecowatch/region"
)

// The accounts file has one line per person, five fields separated by tabs:
//
//	login <TAB> bcrypt hash <TAB> jurisdiction <TAB> display name <TAB> active|disabled
//
// The jurisdiction is what region.Table.ParseScope reads: "nation" for the ministry, a
// province code (420000) or the code of a prefecture-level city (420100). Lines starting with
// # and empty lines are comments. `ecowatch user add / passwd / disable` write it; nothing
// else needs to.
const fileHeader = "# ecowatch accounts: login<TAB>bcrypt hash<TAB>jurisdiction<TAB>display name<TAB>active|disabled\n" +
	"# Managed by `ecowatch user add / passwd / disable`; keep this file readable by the server's user only (0600).\n"

// FileMode is the mode the accounts file is written with: it holds password hashes.
const FileMode os.FileMode = 0o600

// BcryptCost is the work factor of new password hashes (2^12 rounds: about a quarter of a
// second on one core of the development machine).
const BcryptCost = 12

// hashCost is the cost used; the package's own tests lower it to bcrypt.MinCost.
var hashCost = BcryptCost

// Status of an account line.
const (
	statusActive   = "active"
	statusDisabled = "disabled"
)

// MinPasswordLength and MaxPasswordBytes bound a new password: bcrypt reads at most 72 bytes.
const (
	MinPasswordLength = 10
	MaxPasswordBytes  = 72
)

var loginRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{0,63}$`)

// LoginHelp says which logins are accepted.
const LoginHelp = "1 to 64 characters: lower-case letters, digits and . _ @ -, starting with a letter or digit"

// Account is one line of the accounts file. The password hash is kept unexported and never
// printed.
type Account struct {
	Login    string
	Scope    region.Scope
	Name     string
	Disabled bool
	hash     []byte
}

// String names the account without its hash.
func (a Account) String() string { return a.Login + " (" + a.Scope.String() + ")" }

// User is the signed-in person of the account.
func (a Account) User() User {
	return User{Login: a.Login, Name: a.Name, Scope: a.Scope, Via: ViaPassword, credential: credentialOf(a.hash)}
}

func credentialOf(hash []byte) string {
	sum := sha256.Sum256(hash)
	return hex.EncodeToString(sum[:8])
}

// CheckLogin refuses a login the file cannot hold.
func CheckLogin(login string) error {
	if !loginRe.MatchString(login) {
		return fmt.Errorf("login %q is not accepted (accepted: %s)", login, LoginHelp)
	}
	return nil
}

// CheckName refuses a display name the file cannot hold.
func CheckName(name string) error {
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("the display name must not be empty")
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > 100 {
		return fmt.Errorf("the display name must be valid UTF-8 of at most 100 characters")
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("the display name must not contain tabs, line breaks or other control characters")
		}
	}
	return nil
}

// CheckPassword refuses a password that is too short or too long for bcrypt.
func CheckPassword(password string) error {
	switch {
	case utf8.RuneCountInString(password) < MinPasswordLength:
		return fmt.Errorf("the password is too short (accepted: at least %d characters)", MinPasswordLength)
	case len(password) > MaxPasswordBytes:
		return fmt.Errorf("the password is too long (accepted: at most %d bytes; bcrypt ignores the rest)", MaxPasswordBytes)
	}
	return nil
}

// parseLine reads one account line (without its newline).
func parseLine(regions *region.Table, line string) (Account, error) {
	f := strings.Split(line, "\t")
	if len(f) != 5 {
		return Account{}, fmt.Errorf("%d tab-separated fields, want 5 (login, bcrypt hash, jurisdiction, display name, active|disabled)", len(f))
	}
	a := Account{Login: f[0], Name: f[3], hash: []byte(f[1])}
	if err := CheckLogin(a.Login); err != nil {
		return Account{}, err
	}
	if _, err := bcrypt.Cost(a.hash); err != nil {
		return Account{}, fmt.Errorf("account %s: the second field is not a bcrypt hash", a.Login)
	}
	sc, err := regions.ParseScope(f[2])
	if err != nil {
		return Account{}, fmt.Errorf("account %s: jurisdiction: %w", a.Login, err)
	}
	a.Scope = sc
	if err := CheckName(a.Name); err != nil {
		return Account{}, fmt.Errorf("account %s: %w", a.Login, err)
	}
	switch f[4] {
	case statusActive:
	case statusDisabled:
		a.Disabled = true
	default:
		return Account{}, fmt.Errorf("account %s: status %q is not accepted (accepted: active, disabled)", a.Login, f[4])
	}
	return a, nil
}

func formatLine(a Account) string {
	status := statusActive
	if a.Disabled {
		status = statusDisabled
	}
	return strings.Join([]string{a.Login, string(a.hash), a.Scope.String(), a.Name, status}, "\t")
}

// ParseFile reads a whole accounts file. Errors name the file and the line, never a hash.
func ParseFile(regions *region.Table, name string, data []byte) (map[string]Account, error) {
	out := map[string]Account{}
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		a, err := parseLine(regions, line)
		if err != nil {
			return nil, fmt.Errorf("accounts file %s:%d: %w", name, n+1, err)
		}
		if _, dup := out[a.Login]; dup {
			return nil, fmt.Errorf("accounts file %s:%d: login %s appears twice", name, n+1, a.Login)
		}
		out[a.Login] = a
	}
	return out, nil
}

// HashPassword hashes a new password with bcrypt at BcryptCost, after CheckPassword.
func HashPassword(password string) ([]byte, error) {
	if err := CheckPassword(password); err != nil {
		return nil, err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), hashCost)
	if err != nil {
		return nil, fmt.Errorf("access: hashing the password: %w", err)
	}
	return h, nil
}

// update changes the accounts file under its lock: change gets the lines (comments kept) and
// the parsed accounts, and returns the new lines.
func update(regions *region.Table, path string, change func(lines []string, accounts map[string]Account) ([]string, error)) error {
	return output.UpdateFile(path, FileMode, func(old []byte, exists bool) ([]byte, error) {
		accounts, err := ParseFile(regions, path, old)
		if err != nil {
			return nil, err
		}
		text := string(old)
		if !exists || strings.TrimSpace(text) == "" {
			text = fileHeader
		}
		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		lines, err = change(lines, accounts)
		if err != nil {
			return nil, err
		}
		return []byte(strings.Join(lines, "\n") + "\n"), nil
	})
}

// replaceLine swaps the line of login for a.
func replaceLine(lines []string, login string, a Account) []string {
	for i, l := range lines {
		if f, _, ok := strings.Cut(l, "\t"); ok && f == login {
			lines[i] = formatLine(a)
		}
	}
	return lines
}

// ErrNoAccount is returned for a login the file does not have.
var ErrNoAccount = errors.New("no such account")

// AddAccount adds an active account with a new password to the accounts file at path
// (created, mode 0600, when missing). An existing login is refused.
func AddAccount(regions *region.Table, path, login string, scope region.Scope, name, password string) error {
	if err := CheckLogin(login); err != nil {
		return err
	}
	if err := CheckName(name); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return update(regions, path, func(lines []string, accounts map[string]Account) ([]string, error) {
		if _, ok := accounts[login]; ok {
			return nil, fmt.Errorf("account %s already exists in %s (use `ecowatch user passwd` to change its password)", login, path)
		}
		return append(lines, formatLine(Account{Login: login, Scope: scope, Name: name, hash: hash})), nil
	})
}

// SetPassword gives an account a new password (and enables it again if it was disabled: a
// new password is how an office re-admits someone).
func SetPassword(regions *region.Table, path, login, password string) error {
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return update(regions, path, func(lines []string, accounts map[string]Account) ([]string, error) {
		a, ok := accounts[login]
		if !ok {
			return nil, fmt.Errorf("account %s: %w in %s", login, ErrNoAccount, path)
		}
		a.hash, a.Disabled = hash, false
		return replaceLine(lines, login, a), nil
	})
}

// Disable marks an account disabled: it can no longer sign in, and its open sessions end at
// their next request.
func Disable(regions *region.Table, path, login string) error {
	return update(regions, path, func(lines []string, accounts map[string]Account) ([]string, error) {
		a, ok := accounts[login]
		if !ok {
			return nil, fmt.Errorf("account %s: %w in %s", login, ErrNoAccount, path)
		}
		a.Disabled = true
		return replaceLine(lines, login, a), nil
	})
}

// Accounts is the accounts file as the server reads it: loaded at start and read again
// whenever the file changes (checked at most once a second), so that `ecowatch user` takes
// effect without a restart. A file that becomes invalid keeps the last valid set in force and
// the error is reported by Check.
type Accounts struct {
	path    string
	regions *region.Table
	dummy   []byte // a hash compared against for unknown logins, so they take as long

	mu       sync.Mutex
	byLogin  map[string]Account
	stamp    fileStamp
	checked  time.Time
	lastErr  error
	reported error
}

type fileStamp struct {
	mod  time.Time
	size int64
	ino  uint64
}

func stampOf(fi os.FileInfo) fileStamp {
	return fileStamp{mod: fi.ModTime(), size: fi.Size(), ino: inode(fi)}
}

// OpenAccounts reads the accounts file at path. A missing or invalid file is an error naming
// it.
func OpenAccounts(regions *region.Table, path string) (*Accounts, error) {
	dummy, err := bcrypt.GenerateFromPassword([]byte("no such account: a fixed comparison"), hashCost)
	if err != nil {
		return nil, err
	}
	a := &Accounts{path: path, regions: regions, dummy: dummy}
	if err := a.load(); err != nil {
		return nil, err
	}
	if a.stamp.mod.IsZero() {
		return nil, fmt.Errorf("accounts file %s: %w", path, os.ErrNotExist)
	}
	return a, nil
}

// Path is the file's path.
func (a *Accounts) Path() string { return a.path }

func (a *Accounts) load() error {
	fi, err := os.Stat(a.path)
	if err != nil {
		return fmt.Errorf("accounts file %s: %w", a.path, err)
	}
	st := stampOf(fi)
	if st == a.stamp {
		return nil
	}
	data, err := os.ReadFile(a.path)
	if err != nil {
		return fmt.Errorf("accounts file %s: %w", a.path, err)
	}
	accounts, err := ParseFile(a.regions, a.path, data)
	if err != nil {
		return err
	}
	a.byLogin, a.stamp = accounts, st
	return nil
}

// refresh reads the file again if it changed; callers hold mu.
func (a *Accounts) refresh(now time.Time) {
	if now.Sub(a.checked) < time.Second && !a.checked.IsZero() {
		return
	}
	a.checked = now
	a.lastErr = a.load()
}

// Check returns the error of the last reading of the file once (nil while it is valid), for
// the server to log: a file made invalid by hand keeps the previous accounts in force.
func (a *Accounts) Check() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refresh(time.Now())
	if a.lastErr == nil {
		a.reported = nil
		return nil
	}
	if a.reported != nil && a.reported.Error() == a.lastErr.Error() {
		return nil
	}
	a.reported = a.lastErr
	return a.lastErr
}

func (a *Accounts) lookup(login string) (Account, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refresh(time.Now())
	acc, ok := a.byLogin[login]
	return acc, ok
}

// Len is the number of accounts, active or not.
func (a *Accounts) Len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refresh(time.Now())
	return len(a.byLogin)
}

// Why a sign-in failed or a session ended (recorded in the access audit).
const (
	ReasonBadPassword    = "bad_password"
	ReasonUnknownAccount = "unknown_account"
	ReasonDisabled       = "account_disabled"
)

// Authenticate checks a login and password. Unknown logins cost one bcrypt comparison like
// known ones, so the time of an answer does not tell whether a login exists. reason is
// ReasonBadPassword, ReasonUnknownAccount or ReasonDisabled when ok is false.
func (a *Accounts) Authenticate(login, password string) (u User, ok bool, reason string) {
	login = strings.ToLower(strings.TrimSpace(login))
	acc, found := a.lookup(login)
	hash := a.dummy
	if found {
		hash = acc.hash
	}
	match := bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
	switch {
	case !found:
		return User{}, false, ReasonUnknownAccount
	case !match:
		return User{}, false, ReasonBadPassword
	case acc.Disabled:
		return User{}, false, ReasonDisabled
	}
	return acc.User(), true, ""
}

// Current is u as the accounts file has it now: ok is false when the account was removed or
// disabled, or its password or jurisdiction changed since u signed in.
func (a *Accounts) Current(u User) (User, bool) {
	acc, found := a.lookup(u.Login)
	if !found || acc.Disabled {
		return User{}, false
	}
	now := acc.User()
	if now.credential != u.credential || now.Scope != u.Scope {
		return User{}, false
	}
	return now, true
}

// List returns the accounts in login order, for `ecowatch user list`.
func List(regions *region.Table, path string) ([]Account, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("accounts file %s: %w", path, err)
	}
	m, err := ParseFile(regions, path, data)
	if err != nil {
		return nil, err
	}
	out := make([]Account, 0, len(m))
	for _, a := range m {
		out = append(out, a)
	}
	sortAccounts(out)
	return out, nil
}

func sortAccounts(list []Account) {
	slices.SortFunc(list, func(a, b Account) int { return strings.Compare(a.Login, b.Login) })
}

func inode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}
