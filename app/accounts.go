package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/hookd-dev/hookd"
)

// Accounts is the use cases of accounts, API keys, control panel users and
// their sessions: everything that needs only the store. The CLI's admin
// commands use it alone; the server's App holds one.
type Accounts struct {
	store hookd.Store
	now   func() time.Time

	keyMu    sync.Mutex
	keyCache map[string]cachedKey // by key hash
	// knownKeys are the hashes of keys that authenticated on this node in
	// the last knownKeyTTL: a throttled address may still try those.
	knownKeys map[string]time.Time

	// hashSlots bounds the bcrypt work in progress at once (see hashing).
	hashSlots chan struct{}
}

type cachedKey struct {
	account string
	expires time.Time
}

// NewAccounts returns the account use cases over store, with now as the
// clock of every time they record.
func NewAccounts(store hookd.Store, now func() time.Time) *Accounts {
	return &Accounts{store: store, now: now, keyCache: map[string]cachedKey{}, knownKeys: map[string]time.Time{},
		hashSlots: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))}
}

func (a *Accounts) stamp() time.Time { return a.now().UTC().Truncate(time.Millisecond) }

// passwordCost is the bcrypt cost of every stored password.
const passwordCost = bcrypt.DefaultCost

// hashPassword checks a new password against the one rule
// (hookd.PasswordProblem) and returns its bcrypt hash; a refusal is a field
// error keyed "password".
func (a *Accounts) hashPassword(ctx context.Context, password string) (string, error) {
	if msg := hookd.PasswordProblem(password); msg != "" {
		return "", hookd.FieldErrors{"password": msg}.Err()
	}
	var hash []byte
	var err error
	if herr := a.hashing(ctx, func() { hash, err = bcrypt.GenerateFromPassword([]byte(password), passwordCost) }); herr != nil {
		return "", herr
	}
	return string(hash), err
}

// hashWait is how long a sign-in waits for a free bcrypt slot before it is
// told to come back (429).
const hashWait = 3 * time.Second

// hashing runs fn, a bcrypt hash or comparison (~50 ms of one core each),
// while holding one of half the cores' worth of slots: a flood of sign-ins,
// with real or invented usernames, cannot take every core from the API and
// the dispatcher. A caller that waits longer than hashWait gets
// ERATELIMITED.
func (a *Accounts) hashing(ctx context.Context, fn func()) error {
	t := time.NewTimer(hashWait)
	defer t.Stop()
	select {
	case a.hashSlots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return hookd.Errorf(hookd.ERATELIMITED, "too many sign-ins at once; try again in a moment")
	}
	defer func() { <-a.hashSlots }()
	fn()
	return nil
}

// dummyHash is compared against when a username does not exist, so that a
// wrong username takes as long as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("hookd: no such user"), passwordCost)

// BootstrapResult says what Bootstrap did: whether it created the first
// account, and the secrets it generated (to be shown once), if any.
type BootstrapResult struct {
	Created           bool
	GeneratedKey      string // "" when the key was chosen
	GeneratedPassword string // "" when the password was chosen
}

// Bootstrap creates the first account, its API key and the admin user when
// the store is empty. A chosen key or password ("" for a generated one) must
// pass the rules of hookd.APIKeyProblem and hookd.PasswordProblem, checked
// before anything is created.
func (a *Accounts) Bootstrap(ctx context.Context, key, password string) (BootstrapResult, error) {
	var res BootstrapResult
	errs := hookd.FieldErrors{}
	if key == "" {
		key = hookd.NewAPIKey()
		res.GeneratedKey = key
	} else if msg := hookd.APIKeyProblem(key); msg != "" {
		errs.Add("HOOKD_API_KEY", msg)
	}
	if password == "" {
		password = hookd.NewPassword()
		res.GeneratedPassword = password
	} else if msg := hookd.PasswordProblem(password); msg != "" {
		errs.Add("HOOKD_ADMIN_PASSWORD", msg)
	}
	if err := errs.Err(); err != nil {
		return BootstrapResult{}, err
	}
	hash, err := a.hashPassword(ctx, password)
	if err != nil {
		return BootstrapResult{}, err
	}
	now := a.stamp()
	acc := hookd.Account{ID: hookd.NewID(hookd.PrefixAccount), Name: "default", CreatedAt: now}
	res.Created, err = a.store.Bootstrap(ctx, hookd.BootstrapParams{
		Account: acc,
		APIKey:  newKeyRecord(acc.ID, "first key", key, now),
		Admin:   hookd.User{ID: hookd.NewID(hookd.PrefixUser), AccountID: acc.ID, Username: "admin", PasswordHash: hash, Admin: true, CreatedAt: now},
	})
	if err != nil || !res.Created {
		return BootstrapResult{Created: false}, err
	}
	return res, nil
}

func newKeyRecord(accountID, name, key string, now time.Time) hookd.APIKey {
	return hookd.APIKey{ID: hookd.NewID(hookd.PrefixAPIKey), AccountID: accountID, Name: name,
		Hash: hookd.HashAPIKey(key), Prefix: hookd.APIKeyPrefix(key), CreatedAt: now}
}

// CreateAccount makes another account (a tenant) with a first API key, and
// returns the account and the key, shown this once.
func (a *Accounts) CreateAccount(ctx context.Context, name string) (hookd.Account, string, error) {
	errs := hookd.FieldErrors{}
	hookd.ValidateKeyName(name, errs) // an account's name follows a key's rule: 1 to 200 characters
	if err := errs.Err(); err != nil {
		return hookd.Account{}, "", err
	}
	now := a.stamp()
	acc := hookd.Account{ID: hookd.NewID(hookd.PrefixAccount), Name: strings.TrimSpace(name), CreatedAt: now}
	if err := a.store.CreateAccount(ctx, &acc); err != nil {
		return hookd.Account{}, "", err
	}
	key := hookd.NewAPIKey()
	k := newKeyRecord(acc.ID, "first key", key, now)
	if err := a.store.CreateAPIKey(ctx, &k); err != nil {
		return hookd.Account{}, "", err
	}
	return acc, key, nil
}

// CreateAPIKey makes a new API key for the account, named after what will
// use it, and returns it with the key itself: only its hash is stored, so
// this is the one time the key can be shown.
func (a *Accounts) CreateAPIKey(ctx context.Context, accountID, name string) (hookd.APIKey, string, error) {
	errs := hookd.FieldErrors{}
	hookd.ValidateKeyName(name, errs)
	if err := errs.Err(); err != nil {
		return hookd.APIKey{}, "", err
	}
	// Keys are told apart by name when one is revoked: no two alike.
	keys, err := a.store.APIKeys(ctx, accountID)
	if err != nil {
		return hookd.APIKey{}, "", err
	}
	for _, k := range keys {
		if strings.EqualFold(k.Name, strings.TrimSpace(name)) {
			return hookd.APIKey{}, "", hookd.FieldErrors{"name": "is already the name of another key: choose another, so that you can tell them apart"}.Err()
		}
	}
	key := hookd.NewAPIKey()
	k := newKeyRecord(accountID, strings.TrimSpace(name), key, a.stamp())
	if err := a.store.CreateAPIKey(ctx, &k); err != nil {
		return hookd.APIKey{}, "", err
	}
	return k, key, nil
}

// RevokeAPIKey deletes one of the account's API keys (not its last one):
// requests with it get 401 at once on this node, and within keyCacheTTL on
// the others.
func (a *Accounts) RevokeAPIKey(ctx context.Context, accountID, id string) (hookd.APIKey, error) {
	k, err := a.store.DeleteAPIKey(ctx, accountID, id)
	if err != nil {
		return k, err
	}
	a.keyMu.Lock()
	delete(a.keyCache, k.Hash)
	delete(a.knownKeys, k.Hash)
	a.keyMu.Unlock()
	return k, nil
}

// keyCacheTTL bounds how long a revoked key keeps working on another node.
const keyCacheTTL = 30 * time.Second

// Authenticate returns the account of an API key and the key's hash (what
// the rate limit counts by): EUNAUTHORIZED for a key hookd does not know.
// Answers are cached for keyCacheTTL.
func (a *Accounts) Authenticate(ctx context.Context, key string) (accountID, hash string, err error) {
	// Only the SHA-256 of the key is ever compared, here in the cache and
	// in the store's lookup: a timing difference can tell an attacker how
	// many leading bytes of a hash matched, which says nothing about the
	// key itself, so no constant-time comparison is needed.
	hash = hookd.HashAPIKey(key)
	now := a.now()
	a.keyMu.Lock()
	c, ok := a.keyCache[hash]
	a.keyMu.Unlock()
	if ok && now.Before(c.expires) {
		return c.account, hash, nil
	}
	acc, err := a.store.AccountByAPIKey(ctx, hash)
	if err != nil {
		if hookd.ErrorCode(err) == hookd.ENOTFOUND {
			return "", "", hookd.Errorf(hookd.EUNAUTHORIZED, "invalid API key: check the key in the Authorization header")
		}
		return "", "", err
	}
	a.keyMu.Lock()
	if len(a.keyCache) > 10000 {
		clear(a.keyCache) // many keys come and go: look them up again
	}
	a.keyCache[hash] = cachedKey{account: acc.ID, expires: now.Add(keyCacheTTL)}
	if len(a.knownKeys) > 10000 {
		clear(a.knownKeys)
	}
	a.knownKeys[hash] = now
	a.keyMu.Unlock()
	// When the key was last used, to within keyCacheTTL, for the people
	// deciding whether to revoke it. A failure here does not refuse the
	// request the key came with.
	_ = a.store.TouchAPIKey(ctx, hash, now)
	return acc.ID, hash, nil
}

// knownKeyTTL is how long a key that worked counts as known.
const knownKeyTTL = 24 * time.Hour

// KnownKey reports whether key authenticated on this node in the last
// day. It proves nothing (the key may since have been revoked, which
// Authenticate still checks); it tells a real client, whose key is known,
// from a guesser, whose keys are not, when an address is throttled for
// wrong keys.
func (a *Accounts) KnownKey(key string) bool {
	hash := hookd.HashAPIKey(key)
	a.keyMu.Lock()
	defer a.keyMu.Unlock()
	at, ok := a.knownKeys[hash]
	return ok && a.now().Sub(at) < knownKeyTTL
}

// NewUser is a control panel user to add.
type NewUser struct {
	Username string
	Password string
	Admin    bool
	Email    string // optional: where notifications go
}

// CreateUser adds a control panel user to the account. Field errors are
// keyed "username", "password" and "email".
func (a *Accounts) CreateUser(ctx context.Context, accountID string, nu NewUser) (hookd.User, error) {
	errs := hookd.FieldErrors{}
	username, password, email := strings.TrimSpace(nu.Username), nu.Password, strings.TrimSpace(nu.Email)
	hookd.ValidateUsername(username, errs)
	hookd.ValidateEmail(email, errs)
	if msg := hookd.PasswordProblem(password); msg != "" {
		errs.Add("password", msg)
	}
	if err := errs.Err(); err != nil {
		return hookd.User{}, err
	}
	hash, err := a.hashPassword(ctx, password)
	if err != nil {
		return hookd.User{}, err
	}
	u := hookd.User{ID: hookd.NewID(hookd.PrefixUser), AccountID: accountID, Username: username,
		PasswordHash: hash, Admin: nu.Admin, Email: email, CreatedAt: a.stamp()}
	if err := a.store.CreateUser(ctx, &u); err != nil {
		if hookd.ErrorCode(err) == hookd.ECONFLICT {
			return hookd.User{}, hookd.FieldErrors{"username": "is taken: choose another"}.Err()
		}
		return hookd.User{}, err
	}
	return u, nil
}

// RemoveUser deletes one of the account's users, not the one asking (by)
// and not the account's last administrator, and ends their sessions.
func (a *Accounts) RemoveUser(ctx context.Context, accountID, by, id string) (hookd.User, error) {
	if id == by {
		return hookd.User{}, hookd.Errorf(hookd.ECONFLICT, "you cannot remove yourself; another administrator can")
	}
	return a.store.DeleteUser(ctx, accountID, id)
}

// SetAdmin makes one of the account's users an administrator or not; not
// the one asking (by), who would lock themselves out, and never so that the
// account has no administrator left.
func (a *Accounts) SetAdmin(ctx context.Context, accountID, by, id string, admin bool) (hookd.User, error) {
	if id == by {
		return hookd.User{}, hookd.Errorf(hookd.ECONFLICT, "you cannot change your own administrator rights; another administrator can")
	}
	return a.store.SetAdmin(ctx, accountID, id, admin)
}

// user reads one of the account's users; another account's user is not
// found, as one that does not exist.
func (a *Accounts) user(ctx context.Context, accountID, userID string) (hookd.User, error) {
	u, err := a.store.User(ctx, userID)
	if err != nil || u.AccountID != accountID {
		if err == nil || hookd.ErrorCode(err) == hookd.ENOTFOUND {
			return hookd.User{}, hookd.Errorf(hookd.ENOTFOUND, "there is no such user")
		}
		return hookd.User{}, err
	}
	return u, nil
}

// SetPassword sets the password of one of the account's users and ends
// every session of theirs but keepSession (a session token's hash; "" ends
// them all): whoever used the old password is signed out.
func (a *Accounts) SetPassword(ctx context.Context, accountID, userID, password, keepSession string) error {
	if _, err := a.user(ctx, accountID, userID); err != nil {
		return err
	}
	hash, err := a.hashPassword(ctx, password)
	if err != nil {
		return err
	}
	return a.store.SetPassword(ctx, userID, hash, keepSession)
}

// SetEmail sets or clears ("") the email address of one of the account's
// users, where notifications go. A field error is keyed "email".
func (a *Accounts) SetEmail(ctx context.Context, accountID, userID, email string) (hookd.User, error) {
	email = strings.TrimSpace(email)
	errs := hookd.FieldErrors{}
	hookd.ValidateEmail(email, errs)
	if err := errs.Err(); err != nil {
		return hookd.User{}, err
	}
	u, err := a.user(ctx, accountID, userID)
	if err != nil {
		return hookd.User{}, err
	}
	if err := a.store.SetEmail(ctx, userID, email); err != nil {
		return hookd.User{}, err
	}
	u.Email = email
	return u, nil
}

// ChangeOwnPassword sets a user's password when they know the current one,
// so that a session left open is not enough to take an account over. Field
// errors are keyed "current" and "password".
func (a *Accounts) ChangeOwnPassword(ctx context.Context, u hookd.User, current, next, keepSession string) error {
	errs := hookd.FieldErrors{}
	var mismatch error
	if err := a.hashing(ctx, func() { mismatch = bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(current)) }); err != nil {
		return err
	}
	if mismatch != nil {
		errs.Add("current", "is not your current password")
	}
	if msg := hookd.PasswordProblem(next); msg != "" {
		errs.Add("password", msg)
	}
	if err := errs.Err(); err != nil {
		return err
	}
	return a.SetPassword(ctx, u.AccountID, u.ID, next, keepSession)
}

// SignIn returns the user with this username and password; EUNAUTHORIZED,
// after as long as a real comparison takes, when either is wrong.
func (a *Accounts) SignIn(ctx context.Context, username, password string) (hookd.User, error) {
	u, err := a.store.UserByUsername(ctx, username)
	hash := []byte(u.PasswordHash)
	if err != nil {
		if hookd.ErrorCode(err) != hookd.ENOTFOUND {
			return hookd.User{}, err
		}
		hash = dummyHash
	}
	var mismatch error
	if herr := a.hashing(ctx, func() { mismatch = bcrypt.CompareHashAndPassword(hash, []byte(password)) }); herr != nil {
		return hookd.User{}, herr
	}
	if mismatch != nil || err != nil {
		return hookd.User{}, hookd.Errorf(hookd.EUNAUTHORIZED, "that username and password do not match")
	}
	return u, nil
}

// SessionTokenHash is what the store keeps of a session token: the cookie
// cannot be recovered from a copy of the database.
func SessionTokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// StartSession signs a user in for ttl and returns the session and its
// token (the cookie's value; only its hash is stored).
func (a *Accounts) StartSession(ctx context.Context, u hookd.User, ttl time.Duration) (hookd.Session, string, error) {
	token := hookd.NewToken()
	now := a.now().UTC()
	s := hookd.Session{TokenHash: SessionTokenHash(token), UserID: u.ID, CSRFToken: hookd.NewToken(),
		CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := a.store.CreateSession(ctx, &s); err != nil {
		return hookd.Session{}, "", err
	}
	return s, token, nil
}

// Session returns the live session of a token and its user; ENOTFOUND when
// it has ended or expired.
func (a *Accounts) Session(ctx context.Context, token string) (hookd.Session, hookd.User, error) {
	s, err := a.store.Session(ctx, SessionTokenHash(token), a.now().UTC())
	if err != nil {
		return hookd.Session{}, hookd.User{}, err
	}
	u, err := a.store.User(ctx, s.UserID)
	return s, u, err
}

// EndSession signs a session out; ending one that has already ended is not
// an error.
func (a *Accounts) EndSession(ctx context.Context, tokenHash string) error {
	if err := a.store.DeleteSession(ctx, tokenHash); err != nil && hookd.ErrorCode(err) != hookd.ENOTFOUND {
		return err
	}
	return nil
}
