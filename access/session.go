package access

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"time"
)

// Why a session is not (or no longer) valid.
const (
	ReasonNoSession      = "no_session"
	ReasonUnknownSession = "unknown_session" // a token the server does not know (ended, or from before a restart)
	ReasonIdle           = "session_idle"
	ReasonExpired        = "session_expired"
	ReasonAccountChanged = "account_changed" // disabled, removed, new password or jurisdiction
)

// Sessions are the sessions of people signed in with a password, in memory: a session ends at
// sign-out, after Idle without a request, after Max in all, or when the server restarts. The
// token (32 random bytes) is given to the browser once and kept here only as its SHA-256
// digest. At most Limit sessions are kept: when full, expired sessions are dropped, then the
// least recently used. No goroutine: expiry is checked when a session is used.
type Sessions struct {
	Idle, Max time.Duration
	Limit     int
	now       func() time.Time

	mu   sync.Mutex
	byID map[[32]byte]*session
}

type session struct {
	user     User
	created  time.Time
	lastSeen time.Time
}

// DefaultSessionLimit is the number of sessions kept when NewSessions gets 0.
const DefaultSessionLimit = 10000

// NewSessions makes an empty session store; now nil means time.Now.
func NewSessions(idle, max time.Duration, limit int, now func() time.Time) *Sessions {
	if now == nil {
		now = time.Now
	}
	if limit <= 0 {
		limit = DefaultSessionLimit
	}
	return &Sessions{Idle: idle, Max: max, Limit: limit, now: now, byID: map[[32]byte]*session{}}
}

func digest(token string) [32]byte { return sha256.Sum256([]byte(token)) }

// Create opens a session for u and returns its token (43 URL-safe characters).
func (s *Sessions) Create(u User) (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b[:])
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.byID) >= s.Limit {
		s.evict(now)
	}
	s.byID[digest(token)] = &session{user: u, created: now, lastSeen: now}
	return token, nil
}

// evict drops expired sessions and, if still full, the least recently used; callers hold mu.
func (s *Sessions) evict(now time.Time) {
	var oldest [32]byte
	var oldestSeen time.Time
	for id, ss := range s.byID {
		if s.reason(ss, now) != "" {
			delete(s.byID, id)
			continue
		}
		if oldestSeen.IsZero() || ss.lastSeen.Before(oldestSeen) {
			oldest, oldestSeen = id, ss.lastSeen
		}
	}
	if len(s.byID) >= s.Limit {
		delete(s.byID, oldest)
	}
}

func (s *Sessions) reason(ss *session, now time.Time) string {
	switch {
	case now.Sub(ss.created) >= s.Max:
		return ReasonExpired
	case now.Sub(ss.lastSeen) >= s.Idle:
		return ReasonIdle
	}
	return ""
}

// Get returns the user of a session. touch marks it used now (a request a person made; a
// page's background check for a new generation does not touch). When the session has expired
// it is ended and reason says why.
func (s *Sessions) Get(token string, touch bool) (u User, ok bool, reason string) {
	if token == "" {
		return User{}, false, ReasonNoSession
	}
	id := digest(token)
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.byID[id]
	if ss == nil {
		return User{}, false, ReasonUnknownSession
	}
	if r := s.reason(ss, now); r != "" {
		delete(s.byID, id)
		return User{}, false, r
	}
	if touch {
		ss.lastSeen = now
	}
	return ss.user, true, ""
}

// End ends a session; ok is false when it did not exist (any more).
func (s *Sessions) End(token string) (User, bool) {
	id := digest(token)
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.byID[id]
	if ss == nil {
		return User{}, false
	}
	delete(s.byID, id)
	return ss.user, true
}

// Len is the number of sessions held (expired ones not yet dropped included).
func (s *Sessions) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byID)
}
