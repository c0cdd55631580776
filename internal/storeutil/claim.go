package storeutil

import (
	"slices"
	"strings"

	"github.com/hookd-dev/hookd"
)

// FairClaim is the work of ClaimTriggers in one transaction, made of an
// engine's statements. Each account with claimable triggers gets a turn, so
// that one account's large backlog cannot push another's fresh triggers to
// a later claim:
//
//  1. Heads lists the accounts (leaving out p.Busy) that have a claimable
//     trigger, the account whose oldest claimable trigger is oldest first,
//     at most limit of them. An account that had a turn in the last claim
//     has its head moved on, so with more accounts than a claim takes,
//     accounts take turns from one claim to the next.
//     With each account it returns that oldest claimable trigger's ID, its
//     head.
//  2. Take claims up to k = limit / (accounts listed) of each listed
//     account's oldest claimable triggers (at least one each), reading from
//     its head on (the leased triggers before it are not read twice).
//  3. When some account had more than its share and the claim is not full,
//     Fill claims the oldest claimable triggers of any account not busy, up
//     to the limit, so that one account alone still gets whole claims.
//
// The statements each read an index of pending triggers by (account, ID):
// a claim reads about 2 × limit entries plus one per account with pending
// triggers, however large a backlog is.
type FairClaim struct {
	Heads func(limit int) (accounts, heads []string, err error)
	Take  func(accounts, heads []string, k int) ([]hookd.Trigger, error)
	Fill  func(n int) ([]hookd.Trigger, error)
}

// Run claims up to limit triggers, returned in ID order (oldest first).
func (c FairClaim) Run(limit int) ([]hookd.Trigger, error) {
	accounts, heads, err := c.Heads(limit)
	if err != nil || len(accounts) == 0 {
		return nil, err
	}
	k := max(1, limit/len(accounts))
	out, err := c.Take(accounts, heads, k)
	if err != nil {
		return nil, err
	}
	if len(out) < limit && anyReached(out, k) {
		more, err := c.Fill(limit - len(out))
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	slices.SortFunc(out, func(a, b hookd.Trigger) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// anyReached reports whether some account has k triggers in ts: it may
// have more to claim.
func anyReached(ts []hookd.Trigger, k int) bool {
	n := make(map[string]int)
	for i := range ts {
		n[ts[i].AccountID]++
		if n[ts[i].AccountID] >= k {
			return true
		}
	}
	return false
}
