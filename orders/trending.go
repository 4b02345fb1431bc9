package orders

import (
	"context"
	"time"
)

// BestSellers are the ids of the products most bought in the last days
// (units sold less units refunded, most first, ties by the latest id), at
// most limit of them. The shop's home page calls them "trending"; whether
// each may still be shown is the catalogue's to say.
func (s *Service) BestSellers(ctx context.Context, days, limit int) ([]int64, error) {
	since := s.now().Add(-time.Duration(days) * 24 * time.Hour)
	var ids []int64
	err := s.db.WithContext(ctx).Table("order_lines").
		Select("order_lines.product_id").
		Joins("JOIN orders ON orders.id = order_lines.order_id").
		Where("orders.placed_at >= ? AND order_lines.product_id IS NOT NULL", since).
		Group("order_lines.product_id").
		Having("SUM(order_lines.quantity - order_lines.refunded_qty) > 0").
		Order("SUM(order_lines.quantity - order_lines.refunded_qty) DESC, order_lines.product_id DESC").
		Limit(limit).Pluck("order_lines.product_id", &ids).Error
	return ids, err
}
