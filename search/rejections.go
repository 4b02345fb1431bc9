package search

import (
	"fmt"
)

// Rejection is a document a backend refused for good: a 4xx answer that
// sending it again cannot change (a value its mapping cannot take).
type Rejection struct {
	ProductID int64
	Status    int
	Reason    string
}

// RejectedError is what Upsert or Delete returns when the backend wrote
// the batch except the documents it refused for good. The follower records
// them (table search_rejections), logs them and goes on: retrying would
// hold the batch, and every later change, for ever.
type RejectedError struct {
	Rejections []Rejection
}

func (e *RejectedError) Error() string {
	if len(e.Rejections) == 0 {
		return "no documents rejected"
	}
	r := e.Rejections[0]
	more := ""
	if len(e.Rejections) > 1 {
		more = fmt.Sprintf(" (and %d more)", len(e.Rejections)-1)
	}
	return fmt.Sprintf("search index refused product %d: status %d: %s%s", r.ProductID, r.Status, r.Reason, more)
}
