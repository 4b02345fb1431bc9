package catalog

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// The functions below are how other packages read the catalogue: inside
// their own transaction when what they read must agree with what they write
// (an order's lines and prices), otherwise with the plain database handle.

// ShopOfOwnerTx returns the merchant's shop, or fault.NotFound when they
// have none yet.
func ShopOfOwnerTx(ctx context.Context, tx *gorm.DB, ownerID int64) (Shop, error) {
	return shopOf(tx.WithContext(ctx), ownerID)
}

// ShopTx returns a shop by id.
func ShopTx(ctx context.Context, tx *gorm.DB, shopID int64) (Shop, error) {
	var shop Shop
	err := tx.WithContext(ctx).Take(&shop, shopID).Error
	return shop, notFound(err, "no such shop")
}

// ShopsByIDTx returns the shops with the given ids; unknown ids are left out.
func ShopsByIDTx(ctx context.Context, tx *gorm.DB, ids []int64) (map[int64]Shop, error) {
	out := make(map[int64]Shop, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var shops []Shop
	if err := tx.WithContext(ctx).Where("id IN ?", ids).Find(&shops).Error; err != nil {
		return nil, fmt.Errorf("load shops: %w", err)
	}
	for _, s := range shops {
		out[s.ID] = s
	}
	return out, nil
}

// AllShopsTx returns every shop, in id order.
func AllShopsTx(ctx context.Context, tx *gorm.DB) ([]Shop, error) {
	var shops []Shop
	if err := tx.WithContext(ctx).Order("id").Find(&shops).Error; err != nil {
		return nil, fmt.Errorf("load shops: %w", err)
	}
	return shops, nil
}

// ProductTx returns a product by id, whatever its status (without images).
func ProductTx(ctx context.Context, tx *gorm.DB, productID int64) (Product, error) {
	var p Product
	err := tx.WithContext(ctx).Take(&p, productID).Error
	return p, notFound(err, "no such product")
}

// ProductsByIDTx returns the products with the given ids, whatever their
// status (without images); unknown ids are left out.
func ProductsByIDTx(ctx context.Context, tx *gorm.DB, ids []int64) (map[int64]Product, error) {
	out := make(map[int64]Product, len(ids))
	for start := 0; start < len(ids); start += 500 {
		var products []Product
		if err := tx.WithContext(ctx).Where("id IN ?", ids[start:min(start+500, len(ids))]).Find(&products).Error; err != nil {
			return nil, fmt.Errorf("load products: %w", err)
		}
		for _, p := range products {
			out[p.ID] = p
		}
	}
	return out, nil
}

// ShopProductTx returns the shop's product with the given id, or when id is
// 0 the one with the given SKU; fault.NotFound when the shop has none.
func ShopProductTx(ctx context.Context, tx *gorm.DB, shopID, productID int64, sku string) (Product, error) {
	q := tx.WithContext(ctx).Where("shop_id = ?", shopID)
	if productID != 0 {
		q = q.Where("id = ?", productID)
	} else {
		q = q.Where("sku = ?", sku)
	}
	var p Product
	err := q.Take(&p).Error
	return p, notFound(err, "no such product in the shop")
}

// EachProductOfShop calls fn with the shop's products, with their photos in
// order, in batches of 200 by id.
func EachProductOfShop(ctx context.Context, tx *gorm.DB, shopID int64, fn func([]Product) error) error {
	var batch []Product
	return withImages(tx.WithContext(ctx)).Where("shop_id = ?", shopID).Order("id").
		FindInBatches(&batch, 200, func(*gorm.DB, int) error { return fn(batch) }).Error
}

// ProductShopsTx maps each of the given products that exists to its shop.
func ProductShopsTx(ctx context.Context, tx *gorm.DB, ids []int64) (map[int64]int64, error) {
	out := make(map[int64]int64, len(ids))
	for start := 0; start < len(ids); start += 500 {
		var rows []Product
		if err := tx.WithContext(ctx).Select("id", "shop_id").Where("id IN ?", ids[start:min(start+500, len(ids))]).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("load product shops: %w", err)
		}
		for _, p := range rows {
			out[p.ID] = p.ShopID
		}
	}
	return out, nil
}

// ProductIDsOfShop selects, as a subquery for the caller's own query, the
// ids of the shop's products.
func ProductIDsOfShop(tx *gorm.DB, shopID int64) *gorm.DB {
	return tx.Model(&Product{}).Select("id").Where("shop_id = ?", shopID)
}

// ProductTitlesTx maps each of the given products that exists to its title.
func ProductTitlesTx(ctx context.Context, tx *gorm.DB, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	for start := 0; start < len(ids); start += 500 {
		var rows []Product
		if err := tx.WithContext(ctx).Select("id", "title").Where("id IN ?", ids[start:min(start+500, len(ids))]).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("load product titles: %w", err)
		}
		for _, p := range rows {
			out[p.ID] = p.Title
		}
	}
	return out, nil
}
