package app

import (
	"context"
	"fmt"
	"io"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/web/auth"
)

// seedDemoAffiliates gives each demo influencer a storefront collection of
// demo products, tracked links, and a few attributed sales reported through
// the conversion API (one approved, so a payout can be made at once). It
// runs once: an influencer who already has links is left alone.
func (a *App) seedDemoAffiliates(ctx context.Context, out io.Writer) error {
	var products []catalog.Product
	if err := a.db.WithContext(ctx).Where("status = ?", catalog.StatusActive).Order("id").Limit(12).Find(&products).Error; err != nil {
		return fmt.Errorf("demo affiliates: %w", err)
	}
	if len(products) == 0 {
		return nil
	}
	var fresh []demoLink
	for n, d := range demoLogins {
		if d.Role != auth.RoleInfluencer {
			continue
		}
		var user auth.User
		if err := a.db.WithContext(ctx).Where("email = ?", d.Email).Take(&user).Error; err != nil {
			return fmt.Errorf("demo affiliates: %w", err)
		}
		links, err := a.affiliates.LinksOf(ctx, user.ID)
		if err == nil && len(links) > 0 {
			continue
		}
		if _, err := a.influencers.EnsureInfluencer(ctx, affiliates.Account{ID: user.ID, Name: user.Name, Email: user.Email}); err != nil {
			return err
		}
		col, err := a.influencers.CreateCollection(ctx, user.ID, "My colour picks")
		if err != nil {
			return err
		}
		for i := n % 2; i < len(products); i += 2 {
			if err := a.influencers.AddToCollection(ctx, user.ID, col.ID, products[i].ID); err != nil {
				return err
			}
		}
		store, err := a.affiliates.CreateLink(ctx, user.ID, affiliates.LinkInput{Kind: affiliates.TargetStorefront, Campaign: "bio"})
		if err != nil {
			return err
		}
		picked := demoLink{link: store}
		for i := n % 2; i < len(products); i += 2 {
			picked.products = append(picked.products, products[i])
		}
		fresh = append(fresh, picked)
		for i, p := range products[n%2 : min(len(products), n%2+3)] {
			link, err := a.affiliates.CreateLink(ctx, user.ID, affiliates.LinkInput{Kind: affiliates.TargetProduct, ProductID: p.ID, Campaign: "launch"})
			if err != nil {
				return err
			}
			fresh = append(fresh, demoLink{link: link, products: []catalog.Product{p}})
			shop, err := catalog.ShopTx(ctx, a.db, p.ShopID)
			if err != nil {
				return err
			}
			order, _, err := a.orders.RecordConversion(ctx, shop.OwnerID, orders.ConversionInput{
				OrderID: fmt.Sprintf("DEMO-%d-%d", user.ID, i), Email: "shopper@example.com", LinkCode: link.Code,
				Lines: []orders.ConversionLine{{ProductID: p.ID, UnitPriceMinor: p.PriceMinor, Quantity: 1 + i%2}},
			})
			if err != nil {
				return err
			}
			if i == 0 {
				if err := a.ledger.ApproveOrder(ctx, shop.OwnerID, order.ID); err != nil {
					return err
				}
			}
		}
	}
	n, err := a.seedDemoHistory(ctx, fresh)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Demo influencers have storefronts (/@handle), tracked links and %d days of clicks, %d orders, refunds and payouts behind them.\n", demoHistoryDays, n)
	return nil
}
