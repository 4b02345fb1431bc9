package catalog

import (
	"context"
	"database/sql"
	"fmt"

	"gorm.io/gorm"
)

// Reads for the search index. Building an index reads every product, so
// these select only the columns a search document is made of and scan them
// without gorm's reflection (a full load of 100,000 products spent most of
// its time in Preload's scanning).

const indexProductColumns = `id, shop_id, title, description, category, price_minor, currency, stock, status,
	color_families, dominant_family, multicolour, family_override, popularity, created_at`

// ProductsForIndex reads up to limit products with an id above afterID, in
// id order, each with its shop (ID, Slug, Name) and its ready images (ID,
// ProductID, Position, Status, Thumbs, Palette).
func ProductsForIndex(ctx context.Context, db *gorm.DB, afterID int64, limit int) ([]Product, error) {
	products, err := scanProducts(db.WithContext(ctx).Raw(
		`SELECT `+indexProductColumns+` FROM products WHERE id > ? ORDER BY id LIMIT ?`, afterID, limit))
	if err != nil || len(products) == 0 {
		return products, err
	}
	first, last := products[0].ID, products[len(products)-1].ID
	err = attachForIndex(ctx, db, products, db.WithContext(ctx).Raw(
		`SELECT id, product_id, position, status, thumbs, palette FROM images
		WHERE product_id >= ? AND product_id <= ? ORDER BY product_id, position, id`, first, last))
	return products, err
}

// ProductsForIndexByID is ProductsForIndex for the products with the given
// ids (those that no longer exist are left out).
func ProductsForIndexByID(ctx context.Context, db *gorm.DB, ids []int64) ([]Product, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	products, err := scanProducts(db.WithContext(ctx).Raw(
		`SELECT `+indexProductColumns+` FROM products WHERE id IN ? ORDER BY id`, ids))
	if err != nil || len(products) == 0 {
		return products, err
	}
	err = attachForIndex(ctx, db, products, db.WithContext(ctx).Raw(
		`SELECT id, product_id, position, status, thumbs, palette FROM images
		WHERE product_id IN ? ORDER BY product_id, position, id`, ids))
	return products, err
}

func scanProducts(q *gorm.DB) ([]Product, error) {
	rows, err := q.Rows()
	if err != nil {
		return nil, fmt.Errorf("read products: %w", err)
	}
	defer rows.Close()
	var out []Product
	for rows.Next() {
		var p Product
		var override sql.NullString
		if err := rows.Scan(&p.ID, &p.ShopID, &p.Title, &p.Description, &p.Category, &p.PriceMinor, &p.Currency, &p.Stock, &p.Status,
			&p.ColorFamilies, &p.DominantFamily, &p.Multicolour, &override, &p.Popularity, &p.CreatedAt); err != nil {
			return nil, fmt.Errorf("read products: %w", err)
		}
		if override.Valid {
			p.FamilyOverride = &override.String
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read products: %w", err)
	}
	return out, nil
}

// attachForIndex fills in the products' shops and, from the images query,
// their images (products are in id order).
func attachForIndex(ctx context.Context, db *gorm.DB, products []Product, images *gorm.DB) error {
	at := make(map[int64]int, len(products))
	shopIDs := map[int64]bool{}
	for i, p := range products {
		at[p.ID] = i
		shopIDs[p.ShopID] = true
	}
	ids := make([]int64, 0, len(shopIDs))
	for id := range shopIDs {
		ids = append(ids, id)
	}
	var shops []Shop
	if err := db.WithContext(ctx).Select("id", "slug", "name").Where("id IN ?", ids).Find(&shops).Error; err != nil {
		return fmt.Errorf("read shops: %w", err)
	}
	byID := make(map[int64]Shop, len(shops))
	for _, s := range shops {
		byID[s.ID] = s
	}
	for i := range products {
		products[i].Shop = byID[products[i].ShopID]
	}
	rows, err := images.Rows()
	if err != nil {
		return fmt.Errorf("read images: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var im Image
		if err := rows.Scan(&im.ID, &im.ProductID, &im.Position, &im.Status, &im.Thumbs, &im.Palette); err != nil {
			return fmt.Errorf("read images: %w", err)
		}
		// Filtered here, not in SQL: with the status in the query SQLite
		// walks the status index over every image instead of the product's.
		if i, ok := at[im.ProductID]; ok && im.Status == ImageReady {
			products[i].Images = append(products[i].Images, im)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read images: %w", err)
	}
	return nil
}
