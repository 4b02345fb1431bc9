package catalog

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/fault"
)

// DecrementStockTx takes qty units of a product out of stock inside the
// caller's transaction. The conditional update cannot oversell under
// concurrency; if too few are left it returns fault.Conflict naming the
// product. A change-log row tells search about the new stock level.
func DecrementStockTx(ctx context.Context, tx *gorm.DB, productID int64, qty int) error {
	if qty <= 0 {
		return fault.Invalidf("quantity must be at least 1")
	}
	res := tx.WithContext(ctx).Model(&Product{}).Where("id = ? AND stock >= ?", productID, qty).
		Updates(map[string]any{"stock": gorm.Expr("stock - ?", qty), "updated_at": time.Now().UTC()})
	if res.Error != nil {
		return fmt.Errorf("decrement stock of product %d: %w", productID, res.Error)
	}
	if res.RowsAffected == 0 {
		var p Product
		if err := tx.WithContext(ctx).Select("id, title, stock").Take(&p, productID).Error; err != nil {
			return fault.NotFoundf("product %d is no longer for sale", productID)
		}
		return fault.Conflictf("only %d of %q left in stock", max(p.Stock, 0), p.Title)
	}
	return recordStockChange(ctx, tx, productID)
}

// IncrementStockTx puts qty units back into stock (a refunded return) inside
// the caller's transaction, with a change-log row for search.
func IncrementStockTx(ctx context.Context, tx *gorm.DB, productID int64, qty int) error {
	if qty <= 0 {
		return nil
	}
	res := tx.WithContext(ctx).Model(&Product{}).Where("id = ?", productID).
		Updates(map[string]any{"stock": gorm.Expr("stock + ?", qty), "updated_at": time.Now().UTC()})
	if res.Error != nil {
		return fmt.Errorf("increment stock of product %d: %w", productID, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil // the product was deleted; nothing to restock
	}
	return recordStockChange(ctx, tx, productID)
}

func recordStockChange(ctx context.Context, tx *gorm.DB, productID int64) error {
	if err := recordChange(tx.WithContext(ctx), productID, time.Now().UTC()); err != nil {
		return fmt.Errorf("record stock change for search: %w", err)
	}
	return nil
}
