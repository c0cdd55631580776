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
//     at most limit of them, and with each account that trigger's ID, its
//     head. An account that had a turn in the last claim has its head moved
//     on, so with more accounts than a claim takes, accounts take turns from
//     one claim to the next.
//  2. Take claims up to k = limit / (accounts listed) of each listed
//     account's oldest claimable triggers (at least one each), reading from
//     its head on (the leased triggers before it are not read twice).
//  3. While the claim is not full, what is left is shared the same way
//     among the accounts that had as many as they were given (they may have
//     more), from their last claimed trigger on; so one account alone still
//     gets whole claims.
//
// The statements read an index of pending triggers by (account, ID): a claim
// reads its triggers plus one entry per account with pending triggers, and
// the leased ones at the head of each, however large a backlog is.
type FairClaim struct {
	Heads func(limit int) (accounts, heads []string, err error)
	Take  func(accounts, heads []string, k int) ([]hookd.Trigger, error)
}

// Run claims up to limit triggers, returned in ID order (oldest first).
func (c FairClaim) Run(limit int) ([]hookd.Trigger, error) {
	accounts, heads, err := c.Heads(limit)
	if err != nil {
		return nil, err
	}
	var out []hookd.Trigger
	for len(accounts) > 0 && len(out) < limit {
		left := limit - len(out)
		accounts, heads = accounts[:min(len(accounts), left)], heads[:min(len(heads), left)]
		k := max(1, left/len(accounts))
		got, err := c.Take(accounts, heads, k)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
		accounts, heads = full(got, accounts, k)
	}
	slices.SortFunc(out, func(a, b hookd.Trigger) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// full returns, in the order of accounts, those that got k triggers in got
// (they may have more), and with each the last ID it got: the head to read
// on from.
func full(got []hookd.Trigger, accounts []string, k int) (more, heads []string) {
	n, last := make(map[string]int), make(map[string]string)
	for i := range got {
		a := got[i].AccountID
		n[a]++
		last[a] = max(last[a], got[i].ID)
	}
	for _, a := range accounts {
		if n[a] >= k {
			more, heads = append(more, a), append(heads, last[a])
		}
	}
	return more, heads
}
