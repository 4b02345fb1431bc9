package clicklog

import (
	"context"
	"sort"
	"strconv"
	"time"

	"gorm.io/gorm"
)

func recentKey(linkID int64, visitor string) string {
	return strconv.FormatInt(linkID, 10) + "|" + visitor
}

// classifier judges clicks valid, repeats or bots. Only the loader goroutine
// uses it.
type classifier struct {
	db     *gorm.DB
	window time.Duration        // Options.RepeatWindow
	recent map[string]time.Time // link|visitor → last valid click; zero: none stored
}

// remember keeps the last-valid-click times classify learnt from a batch once
// the batch is stored.
func (r *classifier) remember(seen map[string]time.Time) {
	if len(r.recent) > 200_000 {
		r.recent = make(map[string]time.Time) // the database answers for evicted visitors
	}
	for k, t := range seen {
		if cur, ok := r.recent[k]; !ok || t.After(cur) {
			r.recent[k] = t
		}
	}
}

// classify marks bots and repeats. A repeat is a click on the same link by the
// same visitor within RepeatWindow after their last valid click; the last
// valid click is looked up in memory, then in the database. It returns the
// last-valid-click times learnt, to remember once the batch is stored. It
// depends only on the database and what was remembered from stored batches,
// so a batch that failed to store is judged the same when retried.
func (r *classifier) classify(ctx context.Context, batch []Click) (map[string]time.Time, error) {
	sort.SliceStable(batch, func(i, j int) bool { return batch[i].At.Before(batch[j].At) })
	seen := make(map[string]time.Time)
	missing := map[int64][]string{} // link → visitors not known in memory
	missingSet := map[string]bool{}
	var minAt time.Time
	for _, c := range batch {
		k := recentKey(c.LinkID, c.Visitor)
		if _, ok := r.recent[k]; !ok && !missingSet[k] {
			missingSet[k] = true
			missing[c.LinkID] = append(missing[c.LinkID], c.Visitor)
			if minAt.IsZero() || c.At.Before(minAt) {
				minAt = c.At
			}
		}
	}
	for linkID, visitors := range missing {
		for start := 0; start < len(visitors); start += 400 {
			chunk := visitors[start:min(start+400, len(visitors))]
			var rows []Click
			err := r.db.WithContext(ctx).Select("id, link_id, visitor, at").
				Where("link_id = ? AND at >= ? AND valid AND visitor IN ?", linkID, minAt.Add(-r.window), chunk).
				Find(&rows).Error
			if err != nil {
				return nil, err
			}
			for _, row := range rows {
				k := recentKey(row.LinkID, row.Visitor)
				if row.At.After(seen[k]) {
					seen[k] = row.At
				}
			}
		}
	}
	for k := range missingSet {
		if _, ok := seen[k]; !ok {
			seen[k] = time.Time{}
		}
	}
	for i := range batch {
		c := &batch[i]
		if IsBot(c.UserAgent) {
			c.Valid, c.Reason = false, "bot"
			continue
		}
		k := recentKey(c.LinkID, c.Visitor)
		last, ok := seen[k]
		if !ok {
			last = r.recent[k]
		}
		if !last.IsZero() && !c.At.Before(last) && c.At.Sub(last) < r.window {
			c.Valid, c.Reason = false, "repeat"
			continue
		}
		c.Valid, c.Reason = true, ""
		seen[k] = c.At
	}
	return seen, nil
}
