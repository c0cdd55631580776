package postgres

import (
	"strconv"
	"strings"
)

// query is the WHERE clause of a read of one account's rows, built a
// condition at a time with numbered parameters ($1 is the account).
type query struct {
	where strings.Builder
	args  []any
}

func accountQuery(accountID string) *query {
	q := &query{args: []any{accountID}}
	q.where.WriteString(` WHERE account_id = $1`)
	return q
}

// arg adds a parameter and returns its placeholder.
func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

// and adds a condition (its parameters already placed with arg).
func (q *query) and(cond string) { q.where.WriteString(" AND " + cond) }
