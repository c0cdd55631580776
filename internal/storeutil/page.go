package storeutil

import "github.com/hookd-dev/hookd"

// DefaultDeliveryLimit is the page size of Deliveries when the filter has
// none.
const DefaultDeliveryLimit = 50

// PageLimit returns the page size of a filter's limit: DefaultDeliveryLimit
// when it has none. An engine reads one row more to know whether there is a
// next page (Page).
func PageLimit(limit int) int {
	if limit <= 0 {
		return DefaultDeliveryLimit
	}
	return limit
}

// Page cuts the up to limit+1 deliveries read, newest first, to a page of
// limit, and returns it with the cursor of the next page ("" on the last).
func Page(read []hookd.Delivery, limit int) ([]hookd.Delivery, string) {
	if len(read) <= limit {
		return read, ""
	}
	read = read[:limit]
	return read, read[limit-1].ID
}

// PageTriggers is Page for a trigger search.
func PageTriggers(read []hookd.TriggerSummary, limit int) ([]hookd.TriggerSummary, string) {
	if len(read) <= limit {
		return read, ""
	}
	read = read[:limit]
	return read, read[limit-1].ID
}

// Counts fills in the delivery counts of a page of found triggers from
// rows of (trigger ID, status, count), which each engine reads in one
// query of the IDs.
type Counts struct {
	IDs []string // the page's trigger IDs, to query
	at  map[string]int
	ts  []hookd.TriggerSummary
}

// NewCounts prepares the counting of ts's deliveries.
func NewCounts(ts []hookd.TriggerSummary) *Counts {
	c := &Counts{IDs: make([]string, len(ts)), at: make(map[string]int, len(ts)), ts: ts}
	for i, t := range ts {
		c.IDs[i], c.at[t.ID] = t.ID, i
	}
	return c
}

// Add counts n deliveries of the trigger with the status.
func (c *Counts) Add(triggerID, status string, n int) {
	if i, ok := c.at[triggerID]; ok {
		c.ts[i].Deliveries.Add(status, n)
	}
}
