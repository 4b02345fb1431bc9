package indexing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/search"
)

// storedRejection is one refused document, kept for whoever looks into
// why a product cannot be found.
type storedRejection struct {
	ID        int64  `gorm:"primaryKey"`
	ProductID int64  `gorm:"not null;index"`
	Status    int    `gorm:"not null"`
	Reason    string `gorm:"size:1000;not null"`
	CreatedAt time.Time
}

func (storedRejection) TableName() string { return "search_rejections" }

// maxReason bounds the stored reason, in bytes.
const maxReason = 1000

// recordRejections stores rejections in one statement.
func recordRejections(ctx context.Context, db *gorm.DB, rs []search.Rejection, now time.Time) error {
	rows := make([]storedRejection, len(rs))
	for i, r := range rs {
		reason := r.Reason
		if len(reason) > maxReason {
			reason = strings.ToValidUTF8(reason[:maxReason], "")
		}
		rows[i] = storedRejection{ProductID: r.ProductID, Status: r.Status, Reason: reason, CreatedAt: now.UTC()}
	}
	if err := db.WithContext(ctx).CreateInBatches(rows, 200).Error; err != nil {
		return fmt.Errorf("record %d refused search documents: %w", len(rs), err)
	}
	return nil
}

// Rejections lists the recorded rejections of a product, newest first.
func Rejections(ctx context.Context, db *gorm.DB, productID int64) ([]search.Rejection, error) {
	var rows []storedRejection
	if err := db.WithContext(ctx).Where("product_id = ?", productID).Order("id DESC").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read refused search documents: %w", err)
	}
	out := make([]search.Rejection, len(rows))
	for i, r := range rows {
		out[i] = search.Rejection{ProductID: r.ProductID, Status: r.Status, Reason: r.Reason}
	}
	return out, nil
}
