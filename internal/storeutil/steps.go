package storeutil

import (
	"slices"
	"time"

	"github.com/hookd-dev/hookd"
)

// Inserts are an engine's inserts of single records in one transaction.
type Inserts interface {
	InsertAccount(a *hookd.Account) error
	InsertAPIKey(k *hookd.APIKey) error
	InsertUser(u *hookd.User) error
}

// InsertBootstrap inserts, in the transaction of ins, the first account,
// then its API key and admin user made members of it.
func InsertBootstrap(p *hookd.BootstrapParams, ins Inserts) error {
	if err := ins.InsertAccount(&p.Account); err != nil {
		return err
	}
	p.APIKey.AccountID = p.Account.ID
	p.Admin.AccountID = p.Account.ID
	if err := ins.InsertAPIKey(&p.APIKey); err != nil {
		return err
	}
	return ins.InsertUser(&p.Admin)
}

// IdempotentInsert is the work of InsertTriggersIdempotent in one
// transaction, made of an engine's statements.
type IdempotentInsert struct {
	DeleteExpired  func(now time.Time) error             // deletes the records that have expired at now
	InsertKey      func(k hookd.IdempotencyRecord) error // inserts one record
	InsertTriggers func(ts []hookd.Trigger) error        // inserts the triggers
	IsUnique       func(err error) bool                  // reports a unique violation
}

// Run deletes the records that have expired at the earliest CreatedAt of
// keys, inserts keys, then ts. A key that a live record holds is keyInUse; a
// trigger ID that is taken is ErrTriggersExist. With no keys it only inserts
// ts, as InsertTriggers does.
func (op IdempotentInsert) Run(keys []hookd.IdempotencyRecord, ts []hookd.Trigger) error {
	if len(keys) > 0 {
		first := slices.MinFunc(keys, func(a, b hookd.IdempotencyRecord) int { return a.CreatedAt.Compare(b.CreatedAt) })
		if err := op.DeleteExpired(first.CreatedAt); err != nil {
			return err
		}
	}
	for _, k := range keys {
		k.Response = NotNil(k.Response)
		if err := op.InsertKey(k); op.IsUnique(err) {
			return keyInUse(k.Key)
		} else if err != nil {
			return err
		}
	}
	if len(ts) == 0 {
		return nil
	}
	err := op.InsertTriggers(ts)
	if op.IsUnique(err) {
		return ErrTriggersExist
	}
	return err
}
