package clicklog

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// Import stores clicks that did not come through a redirect of this site:
// the demo's history of the last months, or clicks of another tracker.
// They are stored as given (valid or not, with their reason), each once:
// a click whose id is stored already is left alone. It returns how many
// were new.
func Import(ctx context.Context, db *gorm.DB, clicks []Click) (int64, error) {
	var stored int64
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for start := 0; start < len(clicks); start += 5000 {
			n, err := insertClicks(tx, clicks[start:min(start+5000, len(clicks))])
			if err != nil {
				return fmt.Errorf("import clicks: %w", err)
			}
			stored += n
		}
		return nil
	})
	return stored, err
}
