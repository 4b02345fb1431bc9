package affiliates

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/orders"
)

// ProductPath is the site path of a product page.
func ProductPath(productID int64) string { return "/products/" + strconv.FormatInt(productID, 10) }

// StorefrontPath is the site path of an influencer's storefront.
func StorefrontPath(handle string) string { return "/@" + url.PathEscape(handle) }

// CollectionPath is the site path of one collection on a storefront.
func CollectionPath(handle string, collectionID int64) string {
	return StorefrontPath(handle) + "/c/" + strconv.FormatInt(collectionID, 10)
}

// LinkInput is what an influencer asks for when making a link.
type LinkInput struct {
	Kind         TargetKind
	ProductID    int64
	CollectionID int64
	Campaign     string
}

// Validate checks the input.
func (in *LinkInput) Validate() error {
	in.Campaign = strings.TrimSpace(in.Campaign)
	if len(in.Campaign) > 60 {
		return fault.FieldInvalidf("campaign", "keep the campaign label under 60 characters")
	}
	for _, r := range in.Campaign {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fault.FieldInvalidf("campaign", "use letters, digits, '-', '_' or '.' in the campaign label")
		}
	}
	switch in.Kind {
	case TargetProduct:
		if in.ProductID <= 0 {
			return fault.FieldInvalidf("product_id", "pick a product")
		}
	case TargetCollection:
		if in.CollectionID <= 0 {
			return fault.FieldInvalidf("collection_id", "pick a collection")
		}
	case TargetStorefront:
	default:
		return fault.FieldInvalidf("kind", "a link points at a product, a collection or your storefront")
	}
	return nil
}

// CreateLink makes a tracked link and records the commission rate promised
// for each product it can sell, or answers with the influencer's working
// link to the same target and campaign (Reused), whose promise stands.
func (s *Service) CreateLink(ctx context.Context, influencerID int64, in LinkInput) (Link, error) {
	var link Link
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		link, err = s.createLinkTx(ctx, tx, influencerID, in)
		return err
	})
	return link, err
}

func (s *Service) createLinkTx(ctx context.Context, tx *gorm.DB, influencerID int64, in LinkInput) (Link, error) {
	if err := in.Validate(); err != nil {
		return Link{}, err
	}
	link := Link{InfluencerID: influencerID, Kind: in.Kind, Campaign: in.Campaign, CreatedAt: s.now(), UpdatedAt: s.now()}
	var productIDs []int64
	switch in.Kind {
	case TargetProduct:
		p, err := catalog.ProductTx(ctx, tx, in.ProductID)
		if fault.Is(err, fault.NotFound) || (err == nil && p.Status != catalog.StatusActive) {
			return link, fault.FieldInvalidf("product_id", "that product is not for sale")
		} else if err != nil {
			return link, err
		}
		link.ProductID = &p.ID
		productIDs = []int64{p.ID}
	case TargetCollection:
		if _, err := ownCollection(tx, influencerID, in.CollectionID); err != nil {
			return link, err
		}
		link.CollectionID = &in.CollectionID
		if err := tx.Model(&CollectionItem{}).Where("collection_id = ?", in.CollectionID).Pluck("product_id", &productIDs).Error; err != nil {
			return link, err
		}
	case TargetStorefront:
		err := tx.Model(&CollectionItem{}).Distinct("product_id").
			Where("collection_id IN (?)", tx.Model(&Collection{}).Select("id").Where("influencer_id = ?", influencerID)).
			Pluck("product_id", &productIDs).Error
		if err != nil {
			return link, err
		}
	}
	if same, ok, err := sameLinkTx(tx, link); err != nil || ok {
		return same, err
	}
	for attempt := 0; ; attempt++ {
		link.ID = 0
		link.Code = newCode()
		err := tx.Create(&link).Error
		if err == nil {
			// Evicts a cached "no such link" for the new code everywhere.
			if err := recordLinkChangeTx(tx, s.now(), link.Code); err != nil {
				return link, err
			}
			break
		}
		if !errors.Is(err, gorm.ErrDuplicatedKey) || attempt > 5 {
			return link, fmt.Errorf("create link: %w", err)
		}
	}
	rates, err := ratesFor(ctx, tx, productIDs)
	if err != nil {
		return link, err
	}
	for pid, bps := range rates {
		if err := tx.Create(&LinkRate{LinkID: link.ID, ProductID: pid, Bps: bps}).Error; err != nil {
			return link, fmt.Errorf("record rate promise: %w", err)
		}
	}
	return link, nil
}

// sameLinkTx finds the influencer's working link to the same target with
// the same campaign: sharing a product twice gives one link (one set of
// numbers on the dashboard), not a new code each time. Two requests at
// the same instant can still make two; both work.
func sameLinkTx(tx *gorm.DB, want Link) (Link, bool, error) {
	q := tx.Where("influencer_id = ? AND kind = ? AND campaign = ? AND disabled = ?", want.InfluencerID, want.Kind, want.Campaign, false)
	if want.ProductID != nil {
		q = q.Where("product_id = ?", *want.ProductID)
	} else {
		q = q.Where("product_id IS NULL")
	}
	if want.CollectionID != nil {
		q = q.Where("collection_id = ?", *want.CollectionID)
	} else {
		q = q.Where("collection_id IS NULL")
	}
	var found []Link
	if err := q.Order("id").Limit(1).Find(&found).Error; err != nil {
		return Link{}, false, fmt.Errorf("find link: %w", err)
	}
	if len(found) == 0 {
		return Link{}, false, nil
	}
	found[0].Reused = true
	return found[0], true, nil
}

// RatesOf is the commission rate, in basis points, an influencer would be
// promised today for each product (its own rate or its shop's default), as
// the link picker shows it before a link is made. Unknown ids are left out.
func (s *Service) RatesOf(ctx context.Context, productIDs []int64) (map[int64]int, error) {
	return ratesFor(ctx, s.db.WithContext(ctx), productIDs)
}

// ratesFor returns today's commission rate of each product.
func ratesFor(ctx context.Context, tx *gorm.DB, productIDs []int64) (map[int64]int, error) {
	out := make(map[int64]int, len(productIDs))
	products, err := catalog.ProductsByIDTx(ctx, tx, productIDs)
	if err != nil {
		return nil, err
	}
	shopIDs := make([]int64, 0, len(products))
	for _, p := range products {
		shopIDs = append(shopIDs, p.ShopID)
	}
	shops, err := catalog.ShopsByIDTx(ctx, tx, shopIDs)
	if err != nil {
		return nil, err
	}
	for _, p := range products {
		out[p.ID], _ = currentRate(shops[p.ShopID], p)
	}
	return out, nil
}

const codeAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// newCode returns a random 8-character link code (~46 bits).
func newCode() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}

// validCode reports whether s could be a link code; anything else is refused
// before any lookup.
func validCode(s string) bool {
	if len(s) < 4 || len(s) > 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(codeAlphabet, rune(s[i])) {
			return false
		}
	}
	return true
}

// SetLinkDisabled turns an influencer's link off or back on.
func (s *Service) SetLinkDisabled(ctx context.Context, influencerID, linkID int64, disabled bool) error {
	var link Link
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ? AND influencer_id = ?", linkID, influencerID).Take(&link).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return fault.NotFoundf("no such link")
		} else if err != nil {
			return err
		}
		if err := tx.Model(&link).Updates(map[string]any{"disabled": disabled, "updated_at": s.now()}).Error; err != nil {
			return err
		}
		return recordLinkChangeTx(tx, s.now(), link.Code)
	})
	if err == nil {
		s.links.invalidate(link.Code)
	}
	return err
}

// LinkFor returns one of the influencer's links.
func (s *Service) LinkFor(ctx context.Context, influencerID, linkID int64) (Link, error) {
	var link Link
	err := s.db.WithContext(ctx).Where("id = ? AND influencer_id = ?", linkID, influencerID).Take(&link).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return link, fault.NotFoundf("no such link")
	}
	return link, err
}

// LinkStats is a link with its click counts and promised rate.
type LinkStats struct {
	Link
	Target      string // the page it points at
	TargetTitle string
	RawClicks   int64
	ValidClicks int64
	Orders      int64
	PromisedBps *int
}

// LinksOf lists an influencer's links, newest first, with click counts.
func (s *Service) LinksOf(ctx context.Context, influencerID int64) ([]LinkStats, error) {
	db := s.db.WithContext(ctx)
	var links []Link
	if err := db.Where("influencer_id = ?", influencerID).Order("id DESC").Limit(500).Find(&links).Error; err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	type count struct {
		LinkID int64
		Raw    int64
		Valid  int64
	}
	var counts []count
	err := db.Model(&Click{}).Select("link_id, COUNT(*) AS raw, SUM(CASE WHEN valid THEN 1 ELSE 0 END) AS valid").
		Where("influencer_id = ?", influencerID).Group("link_id").Scan(&counts).Error
	if err != nil {
		return nil, fmt.Errorf("count clicks: %w", err)
	}
	byLink := map[int64]count{}
	for _, c := range counts {
		byLink[c.LinkID] = c
	}
	ordersBy, err := orders.CountByLinkTx(ctx, db, influencerID)
	if err != nil {
		return nil, err
	}
	var productIDs []int64
	for _, l := range links {
		if l.ProductID != nil {
			productIDs = append(productIDs, *l.ProductID)
		}
	}
	titles, err := catalog.ProductTitlesTx(ctx, db, productIDs)
	if err != nil {
		return nil, err
	}
	var inf Influencer
	if err := db.Where("user_id = ?", influencerID).Take(&inf).Error; err != nil {
		return nil, err
	}
	out := make([]LinkStats, 0, len(links))
	for _, l := range links {
		ls := LinkStats{Link: l, RawClicks: byLink[l.ID].Raw, ValidClicks: byLink[l.ID].Valid, Orders: ordersBy[l.ID]}
		switch l.Kind {
		case TargetProduct:
			ls.Target = ProductPath(*l.ProductID)
			ls.TargetTitle = titles[*l.ProductID]
			var r LinkRate
			if db.Where("link_id = ? AND product_id = ?", l.ID, *l.ProductID).Take(&r).Error == nil {
				ls.PromisedBps = &r.Bps
			}
		case TargetCollection:
			ls.Target = CollectionPath(inf.Handle, *l.CollectionID)
			var c Collection
			if db.Take(&c, *l.CollectionID).Error == nil {
				ls.TargetTitle = c.Title
			}
		case TargetStorefront:
			ls.Target = StorefrontPath(inf.Handle)
			ls.TargetTitle = "Storefront @" + inf.Handle
		}
		out = append(out, ls)
	}
	return out, nil
}

// resolved is a link as the redirect needs it, cached in memory.
type resolved struct {
	LinkID       int64
	InfluencerID int64
	Location     string // an on-site path with its query
	MaxAge       time.Duration
}

// resolve looks a code up, through the cache. An unknown or disabled code,
// or one whose target is gone, is fault.NotFound.
func (s *Service) resolve(ctx context.Context, code string) (resolved, error) {
	if !validCode(code) {
		return resolved{}, fault.NotFoundf("this link does not exist or has been switched off")
	}
	if r, found, ok := s.links.get(code); ok {
		if !found {
			return resolved{}, fault.NotFoundf("this link does not exist or has been switched off")
		}
		return r, nil
	}
	r, found, err := s.lookup(ctx, code)
	if err != nil {
		return r, err
	}
	s.links.put(code, r, found)
	if !found {
		return r, fault.NotFoundf("this link does not exist or has been switched off")
	}
	return r, nil
}

func (s *Service) lookup(ctx context.Context, code string) (resolved, bool, error) {
	db := s.db.WithContext(ctx)
	var link Link
	err := db.Where("code = ?", code).Take(&link).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && link.Disabled) {
		return resolved{}, false, nil
	}
	if err != nil {
		return resolved{}, false, fmt.Errorf("look up link: %w", err)
	}
	r := resolved{LinkID: link.ID, InfluencerID: link.InfluencerID, MaxAge: DefaultAttributionDays * 24 * time.Hour}
	var inf Influencer
	if err := db.Where("user_id = ?", link.InfluencerID).Take(&inf).Error; err != nil {
		return r, false, nil
	}
	var path string
	switch link.Kind {
	case TargetProduct:
		if link.ProductID == nil {
			return r, false, nil
		}
		p, err := catalog.ProductTx(ctx, db, *link.ProductID)
		if fault.Is(err, fault.NotFound) || (err == nil && p.Status == catalog.StatusArchived) {
			return r, false, nil
		} else if err != nil {
			return r, false, fmt.Errorf("look up link: %w", err)
		}
		shop, err := catalog.ShopTx(ctx, db, p.ShopID)
		if err != nil {
			return r, false, fmt.Errorf("look up link: %w", err)
		}
		if shop.AttributionWindowDays > 0 {
			r.MaxAge = time.Duration(shop.AttributionWindowDays) * 24 * time.Hour
		}
		path = ProductPath(p.ID)
	case TargetCollection:
		var c Collection
		if link.CollectionID == nil || db.Where("id = ? AND influencer_id = ?", *link.CollectionID, link.InfluencerID).Take(&c).Error != nil {
			return r, false, nil
		}
		path = CollectionPath(inf.Handle, c.ID)
	case TargetStorefront:
		path = StorefrontPath(inf.Handle)
	default:
		return r, false, nil
	}
	if link.Campaign != "" {
		q := url.Values{"utm_source": {"warna"}, "utm_medium": {"influencer"}, "utm_campaign": {link.Campaign}}
		path += "?" + q.Encode()
	}
	if !SitePath(path) {
		return r, false, nil
	}
	r.Location = path
	return r, true, nil
}

// SitePath reports whether p is a path on this site: it starts with one '/'
// and cannot be read by a browser as another host ("//host", "/\host") or
// carry a scheme.
func SitePath(p string) bool {
	if len(p) < 1 || p[0] != '/' {
		return false
	}
	if len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return false
	}
	if strings.ContainsAny(p, "\\\r\n\t") {
		return false
	}
	u, err := url.Parse(p)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil
}
