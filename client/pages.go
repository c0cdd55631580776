package client

import (
	"context"
	"iter"
)

// AllDeliveries reads the delivery log matching q page after page, newest
// first, until the last page or the first error (yielded once, with a
// zero Delivery).
func (c *Client) AllDeliveries(ctx context.Context, q DeliveryQuery) iter.Seq2[Delivery, error] {
	return pages(func(cursor string) ([]Delivery, string, error) {
		q.Cursor = cursor
		page, err := c.Deliveries(ctx, q)
		return page.Deliveries, page.NextCursor, err
	}, q.Cursor)
}

// AllTriggers reads the triggers matching q page after page, newest
// first, until the last page or the first error.
func (c *Client) AllTriggers(ctx context.Context, q TriggerQuery) iter.Seq2[FoundTrigger, error] {
	return pages(func(cursor string) ([]FoundTrigger, string, error) {
		q.Cursor = cursor
		page, err := c.SearchTriggers(ctx, q)
		return page.Triggers, page.NextCursor, err
	}, q.Cursor)
}

// pages yields the items of the pages that read returns, from the page at
// cursor on, until a page with no next cursor or the first error (yielded
// once, with a zero item).
func pages[T any](read func(cursor string) (items []T, next string, err error), cursor string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			items, next, err := read(cursor)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, item := range items {
				if !yield(item, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			cursor = next
		}
	}
}
