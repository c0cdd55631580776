package storeutil

import (
	"context"
	"errors"
	"time"

	"github.com/hookd-dev/hookd"
)

// Tx is an engine's transaction as the steps here use it: a Reader that
// also writes. The steps' SQL uses $N placeholders, which bind by number in
// both drivers (pgx, and SQLite's $NNN parameters).
type Tx struct {
	Reader
	Exec Exec
}

// NewTx is Tx of an engine's transaction: its exec and queryRow methods
// (ExecContext and QueryRowContext of database/sql, Exec and QueryRow of
// pgx), and its driver's error of no row.
func NewTx[R any, S Scanner](ctx context.Context, exec func(context.Context, string, ...any) (R, error),
	queryRow func(context.Context, string, ...any) S, noRows error) Tx {
	return Tx{
		Reader: NewReader(ctx, queryRow, noRows),
		Exec: func(query string, args ...any) error {
			_, err := exec(ctx, query, args...)
			return err
		},
	}
}

// Reader is what the reads (reads.go) and steps here read through: an
// engine's pool of connections, or its transaction.
type Reader struct {
	QueryRow func(query string, args ...any) Scanner
	NoRows   error // the driver's error of a QueryRow that found no row
}

// NewReader is Reader of an engine's pool or transaction: its queryRow
// method (QueryRowContext of database/sql, QueryRow of pgx), and its
// driver's error of no row.
func NewReader[S Scanner](ctx context.Context, queryRow func(context.Context, string, ...any) S, noRows error) Reader {
	return Reader{
		QueryRow: func(query string, args ...any) Scanner { return queryRow(ctx, query, args...) },
		NoRows:   noRows,
	}
}

// missing returns absent when err is the driver's error of no row, and
// err otherwise.
func (r Reader) missing(err, absent error) error {
	if errors.Is(err, r.NoRows) {
		return absent
	}
	return err
}

// found returns err of reading the record of kind with this ID: NotFound
// when it found no row.
func (r Reader) found(err error, kind, id string) error {
	return r.missing(err, NotFound(kind, id))
}

// keep counts with query (one $1, accountID) what the account has left
// and returns last() when that is nothing; the transaction it is in then
// rolls back the change that took the last one.
func (tx Tx) keep(query, accountID string, last func() error) error {
	var n int
	if err := tx.QueryRow(query, accountID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return last()
	}
	return nil
}

// The changes below may not leave an account without an API key or without
// an administrator. Each runs in the transaction of tx, which the engine
// makes keep two of them at once from both taking the last one (SQLite
// writes one transaction at a time; PostgreSQL locks the account's row
// first).

// DeleteAPIKey deletes one of the account's API keys unless it is the last.
func DeleteAPIKey[T any](tx Tx, fromDB func(T) time.Time, accountID, id string) (hookd.APIKey, error) {
	k, err := ScanAPIKey(tx.QueryRow(`SELECT `+APIKeyColumns+` FROM api_keys WHERE id = $1 AND account_id = $2`, id, accountID), fromDB)
	if err != nil {
		return k, tx.found(err, "API key", id)
	}
	if err := tx.Exec(`DELETE FROM api_keys WHERE id = $1`, id); err != nil {
		return k, err
	}
	return k, tx.keep(`SELECT count(*) FROM api_keys WHERE account_id = $1`, accountID, func() error { return LastAPIKey(id) })
}

// DeleteUser deletes one of the account's users unless it is the last
// administrator; its sessions go with it.
func DeleteUser[T any](tx Tx, fromDB func(T) time.Time, accountID, id string) (hookd.User, error) {
	return changeUser(tx, fromDB, accountID, id, func(u hookd.User) (bool, error) {
		return u.Admin, tx.Exec(`DELETE FROM users WHERE id = $1`, id)
	})
}

// SetAdmin gives or takes a user's administrator rights, unless that
// leaves the account without an administrator.
func SetAdmin[T any](tx Tx, fromDB func(T) time.Time, accountID, id string, admin bool) (hookd.User, error) {
	return changeUser(tx, fromDB, accountID, id, func(u hookd.User) (bool, error) {
		return u.Admin && !admin, tx.Exec(`UPDATE users SET admin = $1 WHERE id = $2`, admin, id)
	})
}

// changeUser applies change to one of the account's users and refuses it
// when it left the account no administrator (change reports whether it
// took one away).
func changeUser[T any](tx Tx, fromDB func(T) time.Time, accountID, id string, change func(hookd.User) (bool, error)) (hookd.User, error) {
	u, err := ScanUser(tx.QueryRow(`SELECT `+UserColumns+` FROM users WHERE id = $1 AND account_id = $2`, id, accountID), fromDB)
	if err != nil {
		return u, tx.found(err, "user", id)
	}
	tookAdmin, err := change(u)
	if err != nil || !tookAdmin {
		return u, err
	}
	return u, tx.keep(`SELECT count(*) FROM users WHERE account_id = $1 AND admin`, accountID, func() error { return LastAdmin(u.Username) })
}
