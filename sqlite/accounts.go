package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/storeutil"
)

// Bootstrap creates the first account, API key and admin user when there is
// no account yet.
func (s *Store) Bootstrap(ctx context.Context, p hookd.BootstrapParams) (bool, error) {
	created := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM accounts`).Scan(&n); err != nil || n > 0 {
			return err
		}
		err := storeutil.InsertBootstrap(&p, inserts{ctx, tx})
		created = err == nil
		return err
	})
	if err != nil {
		return false, s.fail(err, "bootstrap")
	}
	return created, nil
}

// CreateAccount stores a; an empty ID or CreatedAt is filled in.
func (s *Store) CreateAccount(ctx context.Context, a *hookd.Account) error {
	return s.fail(s.tx(ctx, func(tx *sql.Tx) error { return inserts{ctx, tx}.InsertAccount(a) }), "create account")
}

// inserts are the inserts of single records in one transaction, each
// filling in the record's ID and time when empty.
type inserts struct {
	ctx context.Context
	tx  *sql.Tx
}

func (x inserts) InsertAccount(a *hookd.Account) error {
	storeutil.Fill(&a.ID, hookd.PrefixAccount, &a.CreatedAt)
	_, err := x.tx.ExecContext(x.ctx, `INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)`,
		a.ID, a.Name, toDB(a.CreatedAt))
	if isUnique(err) {
		return storeutil.Exists("account", a.ID)
	}
	return err
}

// CreateAPIKey stores k; an empty ID or CreatedAt is filled in.
func (s *Store) CreateAPIKey(ctx context.Context, k *hookd.APIKey) error {
	return s.fail(s.tx(ctx, func(tx *sql.Tx) error { return inserts{ctx, tx}.InsertAPIKey(k) }), "create API key")
}

func (x inserts) InsertAPIKey(k *hookd.APIKey) error {
	storeutil.Fill(&k.ID, hookd.PrefixAPIKey, &k.CreatedAt)
	_, err := x.tx.ExecContext(x.ctx, `INSERT INTO api_keys (id, account_id, name, hash, prefix, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		k.ID, k.AccountID, k.Name, k.Hash, k.Prefix, toDB(k.CreatedAt))
	if isUnique(err) {
		return storeutil.Exists("API key", k.Prefix)
	}
	return err
}

// AccountByAPIKey finds the account of the key with this hash.
func (s *Store) AccountByAPIKey(ctx context.Context, hash string) (hookd.Account, error) {
	a, err := storeutil.ScanAccount(s.read.QueryRowContext(ctx, `SELECT a.id, a.name, a.created_at
		FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.hash = ?`, hash), fromDB)
	if errors.Is(err, sql.ErrNoRows) {
		return a, storeutil.ErrNoAPIKeyMatch
	} else if err != nil {
		return a, s.fail(err, "read")
	}
	return a, nil
}

// Accounts returns every account, oldest first.
func (s *Store) Accounts(ctx context.Context) ([]hookd.Account, error) {
	return readAll(ctx, s, storeutil.ScanAccount, `SELECT `+storeutil.AccountColumns+` FROM accounts ORDER BY created_at, id`)
}

// APIKeys returns the account's API keys, oldest first.
func (s *Store) APIKeys(ctx context.Context, accountID string) ([]hookd.APIKey, error) {
	return readAll(ctx, s, storeutil.ScanAPIKey, `SELECT `+storeutil.APIKeyColumns+` FROM api_keys WHERE account_id = ? ORDER BY id`, accountID)
}

// DeleteAPIKey deletes one of the account's API keys unless it is the last.
func (s *Store) DeleteAPIKey(ctx context.Context, accountID, id string) (hookd.APIKey, error) {
	return guarded(ctx, s, "delete API key", func(tx storeutil.Tx) (hookd.APIKey, error) {
		return storeutil.DeleteAPIKey(tx, fromDB, accountID, id)
	})
}

// CreateUser stores u; ECONFLICT when the username is taken.
func (s *Store) CreateUser(ctx context.Context, u *hookd.User) error {
	return s.fail(s.tx(ctx, func(tx *sql.Tx) error { return inserts{ctx, tx}.InsertUser(u) }), "create user")
}

func (x inserts) InsertUser(u *hookd.User) error {
	storeutil.Fill(&u.ID, hookd.PrefixUser, &u.CreatedAt)
	_, err := x.tx.ExecContext(x.ctx, `INSERT INTO users (id, account_id, username, password_hash, admin, email, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, u.ID, u.AccountID, u.Username, u.PasswordHash, u.Admin, u.Email, toDB(u.CreatedAt))
	if isUnique(err) {
		return storeutil.UsernameTaken(u.Username)
	}
	return err
}

// User returns the user with this ID.
func (s *Store) User(ctx context.Context, id string) (hookd.User, error) {
	return readOne(ctx, s, storeutil.ScanUser, "user", id, `SELECT `+storeutil.UserColumns+` FROM users WHERE id = ?`, id)
}

// UserByUsername returns the user with this username.
func (s *Store) UserByUsername(ctx context.Context, username string) (hookd.User, error) {
	u, err := storeutil.ScanUser(s.read.QueryRowContext(ctx, `SELECT `+storeutil.UserColumns+` FROM users WHERE username = ?`, username), fromDB)
	if errors.Is(err, sql.ErrNoRows) {
		return u, storeutil.NoUsername(username)
	}
	return u, s.fail(err, "read")
}

// Users returns the account's users, oldest first.
func (s *Store) Users(ctx context.Context, accountID string) ([]hookd.User, error) {
	return readAll(ctx, s, storeutil.ScanUser, `SELECT `+storeutil.UserColumns+` FROM users WHERE account_id = ? ORDER BY created_at, id`, accountID)
}

// SetPassword replaces a user's password hash and ends their other
// sessions.
func (s *Store) SetPassword(ctx context.Context, userID, hash, keepSession string) error {
	return s.fail(s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID)
		if err := notFound(res, err, storeutil.NotFound("user", userID)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`, userID, keepSession)
		return err
	}), "set password")
}

// SetEmail replaces a user's email address.
func (s *Store) SetEmail(ctx context.Context, userID, email string) error {
	return s.fail(s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET email = ? WHERE id = ?`, email, userID)
		return notFound(res, err, storeutil.NotFound("user", userID))
	}), "set email")
}

// CreateSession stores a signed-in session.
func (s *Store) CreateSession(ctx context.Context, ss *hookd.Session) error {
	ss.CreatedAt = storeutil.Stamp(ss.CreatedAt)
	ss.ExpiresAt = storeutil.Millis(ss.ExpiresAt)
	return s.fail(s.tx(ctx, func(tx *sql.Tx) error {
		// Sign-ins are rare: a good moment to forget expired sessions.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, toDB(ss.CreatedAt)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?)`, ss.TokenHash, ss.UserID, ss.CSRFToken, toDB(ss.CreatedAt), toDB(ss.ExpiresAt))
		return err
	}), "create session")
}

// Session returns the session with this token hash unless it has expired at
// now.
func (s *Store) Session(ctx context.Context, tokenHash string, now time.Time) (hookd.Session, error) {
	ss, err := storeutil.ReadSession(s.reader(ctx), fromDB, tokenHash, toDB(now))
	return ss, s.fail(err, "read")
}

// DeleteSession signs a session out. Deleting an unknown session is not an
// error: the user is signed out either way.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	return s.fail(s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
		return err
	}), "delete session")
}

// notFound turns an UPDATE or DELETE that touched no row into missing.
func notFound(res sql.Result, err error, missing error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return missing
	}
	return nil
}

// readAll reads every row of query with scan (one of storeutil's Scan
// functions): the lists of accounts, API keys and users.
func readAll[R any](ctx context.Context, s *Store, scan func(storeutil.Scanner, func(sql.NullInt64) time.Time) (R, error), query string, args ...any) ([]R, error) {
	rows, err := s.read.QueryContext(ctx, query, args...)
	out, err := collect(rows, err, func(r storeutil.Scanner) (R, error) { return scan(r, fromDB) })
	return out, s.fail(err, "read")
}

// readOne reads the record of kind with this ID with query, scanned by
// scan; ENOTFOUND when there is none.
func readOne[R any](ctx context.Context, s *Store, scan func(storeutil.Scanner, func(sql.NullInt64) time.Time) (R, error), kind, id, query string, args ...any) (R, error) {
	r, err := scan(s.read.QueryRowContext(ctx, query, args...), fromDB)
	if errors.Is(err, sql.ErrNoRows) {
		return r, storeutil.NotFound(kind, id)
	}
	return r, s.fail(err, "read")
}

// TouchAPIKey records when the key with this hash was last used.
func (s *Store) TouchAPIKey(ctx context.Context, hash string, at time.Time) error {
	return s.fail(s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE api_keys SET last_used_at = ? WHERE hash = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
			toDB(at), hash, toDB(at))
		return err
	}), "touch API key")
}

// DeleteUser deletes one of the account's users unless it is the last
// administrator; its sessions go with it.
func (s *Store) DeleteUser(ctx context.Context, accountID, id string) (hookd.User, error) {
	return guarded(ctx, s, "delete user", func(tx storeutil.Tx) (hookd.User, error) {
		return storeutil.DeleteUser(tx, fromDB, accountID, id)
	})
}

// SetAdmin gives or takes a user's administrator rights, unless that
// leaves the account without an administrator.
func (s *Store) SetAdmin(ctx context.Context, accountID, id string, admin bool) (hookd.User, error) {
	return guarded(ctx, s, "set admin", func(tx storeutil.Tx) (hookd.User, error) {
		return storeutil.SetAdmin(tx, fromDB, accountID, id, admin)
	})
}

// guarded runs a change that may not take an account's last API key or
// administrator (storeutil) in a transaction; SQLite writes one at a time,
// so two such changes cannot both take the last one.
func guarded[R any](ctx context.Context, s *Store, what string, change func(storeutil.Tx) (R, error)) (R, error) {
	var r R
	err := s.tx(ctx, func(tx *sql.Tx) (err error) {
		r, err = change(txOf(ctx, tx))
		return err
	})
	return r, s.fail(err, what)
}
