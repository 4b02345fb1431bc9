package affiliates

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/media"
)

// Account is what the service needs to know about a logged-in user.
type Account struct {
	ID    int64
	Name  string
	Email string
}

// Influencers keeps influencers' public profiles (handle, bio, photo) and
// their storefronts: collections of picked products, each card carrying the
// influencer's tracked link.
type Influencers struct {
	db     *gorm.DB
	links  *Service
	media  media.Store
	now    func() time.Time
	logger *slog.Logger
}

// NewInfluencers builds the profile and storefront service. links makes the
// storefront cards' tracked links; store keeps profile photos (nil refuses
// them); now is the clock (nil: time.Now).
func NewInfluencers(db *gorm.DB, links *Service, store media.Store, now func() time.Time, logger *slog.Logger) *Influencers {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Influencers{db: db, links: links, media: store, now: utcClock(now), logger: logger}
}

var handlePattern = regexp.MustCompile(`^[a-z0-9_]{3,30}$`)

// ValidHandle reports whether h can be a storefront handle (/@h).
func ValidHandle(h string) bool { return handlePattern.MatchString(h) }

// EnsureInfluencer returns the influencer profile of an account, creating it
// with a handle derived from the name on first use.
func (s *Influencers) EnsureInfluencer(ctx context.Context, acct Account) (Influencer, error) {
	db := s.db.WithContext(ctx)
	var inf Influencer
	err := db.Where("user_id = ?", acct.ID).Take(&inf).Error
	if err == nil {
		return inf, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return inf, fmt.Errorf("load influencer: %w", err)
	}
	base := handleFrom(acct.Name)
	for i := 0; i < 20; i++ {
		handle := base
		if i > 0 {
			handle = fmt.Sprintf("%s%d", base, i+1)
		}
		inf = Influencer{UserID: acct.ID, Handle: handle, Name: acct.Name, Email: strings.ToLower(acct.Email)}
		err = db.Create(&inf).Error
		if err == nil {
			return inf, nil
		}
		if !errors.Is(err, gorm.ErrDuplicatedKey) {
			return inf, fmt.Errorf("create influencer: %w", err)
		}
		// The user id itself may have raced in: return that profile.
		if err := db.Where("user_id = ?", acct.ID).Take(&inf).Error; err == nil {
			return inf, nil
		}
	}
	return inf, fault.Conflictf("could not find a free handle; choose one on your profile")
}

func handleFrom(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '_' || r == '-' || r == '.':
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
				b.WriteByte('_')
			}
		}
	}
	h := strings.Trim(b.String(), "_")
	if len(h) > 24 {
		h = h[:24]
	}
	if len(h) < 3 {
		h = "creator" + h
	}
	return h
}

// ProfileInput is an influencer's editable profile.
type ProfileInput struct {
	Handle string
	Bio    string
}

// Validate checks the profile.
func (in *ProfileInput) Validate() error {
	in.Handle = strings.ToLower(strings.TrimSpace(in.Handle))
	in.Bio = strings.TrimSpace(in.Bio)
	if !ValidHandle(in.Handle) {
		return fault.FieldInvalidf("handle", "a handle is 3–30 lower-case letters, digits or underscores")
	}
	if len(in.Bio) > 500 {
		return fault.FieldInvalidf("bio", "keep the bio under 500 characters")
	}
	return nil
}

// UpdateProfile changes an influencer's handle and bio.
func (s *Influencers) UpdateProfile(ctx context.Context, influencerID int64, in ProfileInput) error {
	if err := in.Validate(); err != nil {
		return err
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Model(&Influencer{}).Where("user_id = ?", influencerID).
			Updates(map[string]any{"handle": in.Handle, "bio": in.Bio, "updated_at": s.now()}).Error
		if err != nil {
			return err
		}
		return recordLinkChangeTx(tx, s.now(), allLinks) // storefront and collection links redirect to /@handle
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return fault.FieldInvalidf("handle", "the handle @%s is taken", in.Handle)
	}
	if err != nil {
		return fmt.Errorf("update profile: %w", err)
	}
	s.links.links.clear() // storefront and collection links redirect to /@handle
	return nil
}

// InfluencerByHandle finds a public profile.
func (s *Influencers) InfluencerByHandle(ctx context.Context, handle string) (Influencer, error) {
	var inf Influencer
	if !ValidHandle(handle) {
		return inf, fault.NotFoundf("no storefront @%s", handle)
	}
	err := s.db.WithContext(ctx).Where("handle = ?", handle).Take(&inf).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return inf, fault.NotFoundf("no storefront @%s", handle)
	}
	return inf, err
}

// CreateCollection adds an empty collection to an influencer's storefront.
func (s *Influencers) CreateCollection(ctx context.Context, influencerID int64, title string) (Collection, error) {
	title = strings.TrimSpace(title)
	if title == "" || len(title) > 100 {
		return Collection{}, fault.FieldInvalidf("title", "give the collection a title of up to 100 characters")
	}
	c := Collection{InfluencerID: influencerID, Title: title, CreatedAt: s.now()}
	if err := s.db.WithContext(ctx).Create(&c).Error; err != nil {
		return c, fmt.Errorf("create collection: %w", err)
	}
	return c, nil
}

// AddToCollection picks a product into one of the influencer's collections.
// The storefront card carries a tracked product link, made now (with its rate
// promise) or reused.
func (s *Influencers) AddToCollection(ctx context.Context, influencerID, collectionID, productID int64) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := ownCollection(tx, influencerID, collectionID); err != nil {
			return err
		}
		var link Link
		err := tx.Where("influencer_id = ? AND kind = ? AND product_id = ? AND campaign = ? AND disabled = ?",
			influencerID, TargetProduct, productID, "storefront", false).Order("id").Take(&link).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			link, err = s.links.createLinkTx(ctx, tx, influencerID, LinkInput{Kind: TargetProduct, ProductID: productID, Campaign: "storefront"})
		}
		if err != nil {
			return err
		}
		item := CollectionItem{CollectionID: collectionID, ProductID: productID, LinkID: link.ID, CreatedAt: s.now()}
		if err := tx.Create(&item).Error; errors.Is(err, gorm.ErrDuplicatedKey) {
			return fault.Conflictf("that product is already in the collection")
		} else if err != nil {
			return fmt.Errorf("add to collection: %w", err)
		}
		return nil
	})
}

// RemoveFromCollection takes a product out of a collection.
func (s *Influencers) RemoveFromCollection(ctx context.Context, influencerID, collectionID, productID int64) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := ownCollection(tx, influencerID, collectionID); err != nil {
			return err
		}
		return tx.Where("collection_id = ? AND product_id = ?", collectionID, productID).Delete(&CollectionItem{}).Error
	})
}

func ownCollection(tx *gorm.DB, influencerID, collectionID int64) (Collection, error) {
	var c Collection
	err := tx.Where("id = ? AND influencer_id = ?", collectionID, influencerID).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return c, fault.NotFoundf("no such collection")
	}
	return c, err
}

// Card is a product on a storefront with the influencer's tracked link.
type Card struct {
	ProductID  int64
	Title      string
	PriceMinor int64
	Currency   string
	Code       string
}

// ShelfView is a collection with its cards.
type ShelfView struct {
	Collection Collection
	Cards      []Card
}

// Storefront is an influencer's public page.
type Storefront struct {
	Influencer  Influencer
	Collections []ShelfView
}

// StorefrontOf loads the public storefront: every collection with its active
// products, each carrying the tracked link.
func (s *Influencers) StorefrontOf(ctx context.Context, influencerID int64) (Storefront, error) {
	db := s.db.WithContext(ctx)
	var sf Storefront
	if err := db.Where("user_id = ?", influencerID).Take(&sf.Influencer).Error; err != nil {
		return sf, fmt.Errorf("load storefront: %w", err)
	}
	var cols []Collection
	if err := db.Where("influencer_id = ?", influencerID).Order("id").Find(&cols).Error; err != nil {
		return sf, fmt.Errorf("load collections: %w", err)
	}
	if len(cols) == 0 {
		return sf, nil
	}
	colIDs := make([]int64, 0, len(cols))
	for _, c := range cols {
		colIDs = append(colIDs, c.ID)
	}
	var items []struct {
		CollectionItem
		Code string
	}
	err := db.Table("collection_items AS ci").Select("ci.*, l.code").Joins("JOIN links l ON l.id = ci.link_id").
		Where("ci.collection_id IN ?", colIDs).Order("ci.created_at, ci.product_id").Scan(&items).Error
	if err != nil {
		return sf, fmt.Errorf("load collection items: %w", err)
	}
	productIDs := make([]int64, 0, len(items))
	for _, it := range items {
		productIDs = append(productIDs, it.ProductID)
	}
	products, err := catalog.ProductsByIDTx(ctx, db, productIDs)
	if err != nil {
		return sf, err
	}
	cards := map[int64][]Card{}
	for _, it := range items {
		if p, ok := products[it.ProductID]; ok && p.Status == catalog.StatusActive {
			cards[it.CollectionID] = append(cards[it.CollectionID],
				Card{ProductID: p.ID, Title: p.Title, PriceMinor: p.PriceMinor, Currency: p.Currency, Code: it.Code})
		}
	}
	for _, c := range cols {
		sf.Collections = append(sf.Collections, ShelfView{Collection: c, Cards: cards[c.ID]})
	}
	return sf, nil
}

// Initial is the upper-case first letter of the name, for the initials
// avatar shown until profiles have photos.
func (i Influencer) Initial() string {
	for _, r := range i.Name {
		return strings.ToUpper(string(r))
	}
	return "?"
}
