package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/storeutil"
)

// Bootstrap creates the first account, API key and admin user when there is
// no account yet. Nodes that start at once take turns (an advisory lock), so
// exactly one of them creates it.
func (s *Store) Bootstrap(ctx context.Context, p hookd.BootstrapParams) (bool, error) {
	ctx, cancel := op(ctx)
	defer cancel()
	created := false
	err := s.tx(ctx, func(tx pgx.Tx) error {
		created = false
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockClass, lockBootstrap); err != nil {
			return err
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM accounts)`).Scan(&exists); err != nil || exists {
			return err
		}
		err := storeutil.InsertBootstrap(&p, inserts{ctx, tx})
		created = err == nil
		return err
	})
	if err != nil {
		return false, s.fail(ctx, err, "bootstrap")
	}
	return created, nil
}

// CreateAccount stores a; an empty ID or CreatedAt is filled in.
func (s *Store) CreateAccount(ctx context.Context, a *hookd.Account) error {
	return insert(ctx, s, "create account", inserts.InsertAccount, a)
}

// inserts are the inserts of single records in one transaction, each
// filling in the record's ID and time when empty.
type inserts struct {
	ctx context.Context
	tx  pgx.Tx
}

func (x inserts) InsertAccount(a *hookd.Account) error {
	storeutil.Fill(&a.ID, hookd.PrefixAccount, &a.CreatedAt)
	_, err := x.tx.Exec(x.ctx, `INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3)`, a.ID, a.Name, toDB(a.CreatedAt))
	if isUnique(err) {
		return storeutil.Exists("account", a.ID)
	}
	return err
}

// CreateAPIKey stores k; an empty ID or CreatedAt is filled in.
func (s *Store) CreateAPIKey(ctx context.Context, k *hookd.APIKey) error {
	return insert(ctx, s, "create API key", inserts.InsertAPIKey, k)
}

func (x inserts) InsertAPIKey(k *hookd.APIKey) error {
	storeutil.Fill(&k.ID, hookd.PrefixAPIKey, &k.CreatedAt)
	_, err := x.tx.Exec(x.ctx, `INSERT INTO api_keys (id, account_id, name, hash, prefix, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		k.ID, k.AccountID, k.Name, k.Hash, k.Prefix, toDB(k.CreatedAt))
	if isUnique(err) {
		return storeutil.Exists("API key", k.Prefix)
	}
	return err
}

// AccountByAPIKey finds the account of the key with this hash.
func (s *Store) AccountByAPIKey(ctx context.Context, hash string) (hookd.Account, error) {
	ctx, cancel := op(ctx)
	defer cancel()
	a, err := storeutil.ScanAccount(s.pool.QueryRow(ctx, `SELECT a.id, a.name, a.created_at
		FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.hash = $1`, hash), fromDB)
	return a, s.fail(ctx, missing(err, storeutil.ErrNoAPIKeyMatch), "read")
}

// Accounts returns every account, oldest first.
func (s *Store) Accounts(ctx context.Context) ([]hookd.Account, error) {
	return readAll(ctx, s, storeutil.ScanAccount, `SELECT `+storeutil.AccountColumns+` FROM accounts ORDER BY created_at, id`)
}

// APIKeys returns the account's API keys, oldest first.
func (s *Store) APIKeys(ctx context.Context, accountID string) ([]hookd.APIKey, error) {
	return readAll(ctx, s, storeutil.ScanAPIKey, `SELECT `+storeutil.APIKeyColumns+` FROM api_keys WHERE account_id = $1 ORDER BY id`, accountID)
}

// DeleteAPIKey deletes one of the account's API keys unless it is the last.
func (s *Store) DeleteAPIKey(ctx context.Context, accountID, id string) (hookd.APIKey, error) {
	return guarded(ctx, s, accountID, "delete API key", func(tx storeutil.Tx) (hookd.APIKey, error) {
		return storeutil.DeleteAPIKey(tx, fromDB, accountID, id)
	})
}

// CreateUser stores u; ECONFLICT when the username is taken.
func (s *Store) CreateUser(ctx context.Context, u *hookd.User) error {
	return insert(ctx, s, "create user", inserts.InsertUser, u)
}

func (x inserts) InsertUser(u *hookd.User) error {
	storeutil.Fill(&u.ID, hookd.PrefixUser, &u.CreatedAt)
	_, err := x.tx.Exec(x.ctx, `INSERT INTO users (id, account_id, username, password_hash, admin, email, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, u.ID, u.AccountID, u.Username, u.PasswordHash, u.Admin, u.Email, toDB(u.CreatedAt))
	if isUnique(err) {
		return storeutil.UsernameTaken(u.Username)
	}
	return err
}

// User returns the user with this ID.
func (s *Store) User(ctx context.Context, id string) (hookd.User, error) {
	return readOne(ctx, s, storeutil.ScanUser, "user", id, `SELECT `+storeutil.UserColumns+` FROM users WHERE id = $1`, id)
}

// UserByUsername returns the user with this username.
func (s *Store) UserByUsername(ctx context.Context, username string) (hookd.User, error) {
	ctx, cancel := op(ctx)
	defer cancel()
	u, err := storeutil.ScanUser(s.pool.QueryRow(ctx, `SELECT `+storeutil.UserColumns+` FROM users WHERE username = $1`, username), fromDB)
	return u, s.fail(ctx, missing(err, storeutil.NoUsername(username)), "read")
}

// Users returns the account's users, oldest first.
func (s *Store) Users(ctx context.Context, accountID string) ([]hookd.User, error) {
	return readAll(ctx, s, storeutil.ScanUser, `SELECT `+storeutil.UserColumns+` FROM users WHERE account_id = $1 ORDER BY created_at, id`, accountID)
}

// SetPassword replaces a user's password hash and ends their other
// sessions.
func (s *Store) SetPassword(ctx context.Context, userID, hash, keepSession string) error {
	ctx, cancel := op(ctx)
	defer cancel()
	return s.fail(ctx, s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, userID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return storeutil.NotFound("user", userID)
		}
		_, err = tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, userID, keepSession)
		return err
	}), "set password")
}

// SetEmail replaces a user's email address.
func (s *Store) SetEmail(ctx context.Context, userID, email string) error {
	ctx, cancel := op(ctx)
	defer cancel()
	return s.fail(ctx, s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET email = $1 WHERE id = $2`, email, userID)
		if err == nil && tag.RowsAffected() == 0 {
			err = storeutil.NotFound("user", userID)
		}
		return err
	}), "set email")
}

// CreateSession stores a signed-in session.
func (s *Store) CreateSession(ctx context.Context, ss *hookd.Session) error {
	ctx, cancel := op(ctx)
	defer cancel()
	ss.CreatedAt = storeutil.Stamp(ss.CreatedAt)
	ss.ExpiresAt = storeutil.Millis(ss.ExpiresAt)
	return s.fail(ctx, s.tx(ctx, func(tx pgx.Tx) error {
		// Sign-ins are rare: a good moment to forget expired sessions.
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, toDB(ss.CreatedAt)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5)`, ss.TokenHash, ss.UserID, ss.CSRFToken, toDB(ss.CreatedAt), toDB(ss.ExpiresAt))
		return err
	}), "create session")
}

// Session returns the session with this token hash unless it has expired at
// now.
func (s *Store) Session(ctx context.Context, tokenHash string, now time.Time) (hookd.Session, error) {
	ctx, cancel := op(ctx)
	defer cancel()
	ss, err := storeutil.ReadSession(s.reader(ctx), fromDB, tokenHash, toDB(now))
	return ss, s.fail(ctx, err, "read")
}

// DeleteSession signs a session out. Deleting an unknown session is not an
// error: the user is signed out either way.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	ctx, cancel := op(ctx)
	defer cancel()
	_, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
	return s.fail(ctx, err, "delete session")
}

// readAll reads every row of query with scan (one of storeutil's Scan
// functions, or scanWebhook): the lists of accounts, API keys, users,
// webhooks and grey-list states, empty rather than nil when there is none.
func readAll[R any](ctx context.Context, s *Store, scan func(storeutil.Scanner, readTime) (R, error), query string, args ...any) ([]R, error) {
	ctx, cancel := op(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, s.fail(ctx, err, "read")
	}
	defer rows.Close()
	out := []R{}
	for rows.Next() {
		r, err := scan(rows, fromDB)
		if err != nil {
			return nil, s.fail(ctx, err, "read")
		}
		out = append(out, r)
	}
	return out, s.fail(ctx, rows.Err(), "read")
}

// readOne reads the record of kind with this ID with query, scanned by
// scan; ENOTFOUND when there is none.
func readOne[R any](ctx context.Context, s *Store, scan func(storeutil.Scanner, readTime) (R, error), kind, id, query string, args ...any) (R, error) {
	ctx, cancel := op(ctx)
	defer cancel()
	r, err := scan(s.pool.QueryRow(ctx, query, args...), fromDB)
	return r, s.fail(ctx, missing(err, storeutil.NotFound(kind, id)), "read")
}

// insert stores v with one of the inserts, in a transaction of its own;
// doing names the work in a failure's message.
func insert[T any](ctx context.Context, s *Store, doing string, f func(inserts, T) error, v T) error {
	ctx, cancel := op(ctx)
	defer cancel()
	return s.fail(ctx, s.tx(ctx, func(tx pgx.Tx) error { return f(inserts{ctx, tx}, v) }), doing)
}

// TouchAPIKey records when the key with this hash was last used.
func (s *Store) TouchAPIKey(ctx context.Context, hash string, at time.Time) error {
	ctx, cancel := op(ctx)
	defer cancel()
	_, err := s.pool.Exec(ctx, `UPDATE api_keys SET last_used_at = $1 WHERE hash = $2 AND (last_used_at IS NULL OR last_used_at < $1)`,
		toDB(at), hash)
	return s.fail(ctx, err, "touch API key")
}

// DeleteUser deletes one of the account's users unless it is the last
// administrator; its sessions go with it.
func (s *Store) DeleteUser(ctx context.Context, accountID, id string) (hookd.User, error) {
	return guarded(ctx, s, accountID, "delete user", func(tx storeutil.Tx) (hookd.User, error) {
		return storeutil.DeleteUser(tx, fromDB, accountID, id)
	})
}

// SetAdmin gives or takes a user's administrator rights, unless that
// leaves the account without an administrator.
func (s *Store) SetAdmin(ctx context.Context, accountID, id string, admin bool) (hookd.User, error) {
	return guarded(ctx, s, accountID, "set admin", func(tx storeutil.Tx) (hookd.User, error) {
		return storeutil.SetAdmin(tx, fromDB, accountID, id, admin)
	})
}

// guarded runs a change that may not take an account's last API key or
// administrator (storeutil) in a transaction that holds the account's row
// first, so that two such changes at once cannot both take the last one.
func guarded[R any](ctx context.Context, s *Store, accountID, what string, change func(storeutil.Tx) (R, error)) (R, error) {
	ctx, cancel := op(ctx)
	defer cancel()
	var r R
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT id FROM accounts WHERE id = $1 FOR UPDATE`, accountID); err != nil {
			return err
		}
		var err error
		r, err = change(txOf(ctx, tx))
		return err
	})
	return r, s.fail(ctx, err, what)
}
