// Package affiliates owns the influencer side of the marketplace: profiles and
// storefronts, tracked links and their redirect, click recording, the
// attribution of orders to clicks, and the append-only commission ledger with
// its approvals, payouts and clawbacks.
package affiliates

import (
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/affiliates/clicklog"
	"github.com/warna/warna/database"
)

// Influencer is an influencer's public profile, keyed by their user id.
type Influencer struct {
	UserID int64  `gorm:"primaryKey;autoIncrement:false"`
	Handle string `gorm:"size:30;not null;uniqueIndex"`
	Name   string `gorm:"size:100;not null"`
	Email  string `gorm:"size:254;not null"` // copied from the account, for self-referral checks
	Bio    string `gorm:"size:500;not null;default:''"`
	// AvatarKey is the media key of the profile photo; empty shows initials.
	AvatarKey string `gorm:"size:80;not null;default:''"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Collection is a named group of picked products on an influencer's storefront.
type Collection struct {
	ID           int64  `gorm:"primaryKey"`
	InfluencerID int64  `gorm:"not null;index"`
	Title        string `gorm:"size:100;not null"`
	CreatedAt    time.Time
}

// CollectionItem is one product picked into a collection.
type CollectionItem struct {
	CollectionID int64 `gorm:"primaryKey;autoIncrement:false"`
	ProductID    int64 `gorm:"primaryKey;autoIncrement:false"`
	// LinkID is the influencer's tracked product link the storefront card uses.
	LinkID    int64 `gorm:"not null"`
	CreatedAt time.Time
}

// TargetKind says what a link points at.
type TargetKind string

// The pages a link can point at; nothing else (no arbitrary URLs).
const (
	TargetProduct    TargetKind = "product"
	TargetCollection TargetKind = "collection"
	TargetStorefront TargetKind = "storefront"
)

// Link is an influencer's tracked short link.
type Link struct {
	ID           int64      `gorm:"primaryKey"`
	Code         string     `gorm:"size:16;not null;uniqueIndex"`
	InfluencerID int64      `gorm:"not null;index"`
	Kind         TargetKind `gorm:"size:16;not null"`
	ProductID    *int64     `gorm:"index"`
	CollectionID *int64
	// Campaign is an optional label passed on as utm_campaign.
	Campaign  string `gorm:"size:60;not null;default:''"`
	Disabled  bool   `gorm:"not null;default:false"`
	CreatedAt time.Time
	UpdatedAt time.Time
	// Reused is set by CreateLink when it answered with the influencer's
	// existing link for the same target and campaign (not stored).
	Reused bool `gorm:"-"`
}

// LinkRate is the commission rate promised, when the link was made, for sales
// of one product through it. It is honoured if the merchant lowers the rate
// later; a higher current rate applies instead.
type LinkRate struct {
	LinkID    int64 `gorm:"primaryKey;autoIncrement:false"`
	ProductID int64 `gorm:"primaryKey;autoIncrement:false"`
	Bps       int   `gorm:"not null"`
}

// Click is one follow of a tracked link (package clicklog keeps them).
type Click = clicklog.Click

// RuleVersion names the attribution rule, stored on every receipt.
const RuleVersion = "last-valid-click/v1"

// EntryKind is the kind of a ledger entry.
type EntryKind string

// Ledger entry kinds. Amounts are signed so that the buckets are sums:
//
//	pending  = accrue + reverse − approve
//	approved = approve + clawback − pay
//	paid     = pay
//
// accrue (+) earns commission on a line; reverse (−) takes back pending
// commission on a refund; approve (+, moves pending to approved) once the
// return window has passed; clawback (−) takes back commission that was
// already approved or paid; pay (+, moves approved to paid) inside a payout.
const (
	EntryAccrue   EntryKind = "accrue"
	EntryReverse  EntryKind = "reverse"
	EntryApprove  EntryKind = "approve"
	EntryClawback EntryKind = "clawback"
	EntryPay      EntryKind = "pay"
)

// RateSource says where a commission rate came from.
type RateSource string

// Rate sources.
const (
	RateLinkPromise     RateSource = "link_promise"
	RateProductOverride RateSource = "product_override"
	RateShopDefault     RateSource = "shop_default"
)

// LedgerEntry is one append-only line of the commission ledger. Entries are
// never updated except for PayoutID, which a payout claims exactly once.
type LedgerEntry struct {
	ID           int64     `gorm:"primaryKey"`
	Kind         EntryKind `gorm:"size:16;not null"`
	InfluencerID int64     `gorm:"not null;index:idx_ledger_owner,priority:1"`
	ShopID       int64     `gorm:"not null;index:idx_ledger_owner,priority:2"`
	OrderID      int64     `gorm:"not null;index"`
	LineID       *int64    `gorm:"index"`
	AmountMinor  int64     `gorm:"not null"`
	Currency     string    `gorm:"size:3;not null"`
	RateBps      int       `gorm:"not null;default:0"`
	RateSource   string    `gorm:"size:20;not null;default:''"`
	// OnceKey makes an entry that may exist only once (accrue:LINE,
	// approve:LINE, pay:PAYOUT) unique; NULL for the others.
	OnceKey *string `gorm:"size:40;uniqueIndex"`
	// PayoutID is set when a payout takes this approve or clawback entry.
	PayoutID  *int64 `gorm:"index"`
	Note      string `gorm:"size:200;not null;default:''"`
	CreatedAt time.Time
}

// Payout pays one influencer the approved balance they have with one shop.
type Payout struct {
	ID           int64  `gorm:"primaryKey"`
	InfluencerID int64  `gorm:"not null;index"`
	ShopID       int64  `gorm:"not null;index"`
	AmountMinor  int64  `gorm:"not null"`
	Currency     string `gorm:"size:3;not null"`
	Entries      int    `gorm:"not null"`
	// PaidTo is the influencer's payout account when it was made, masked
	// ("BCA •••• 6789"); empty when they had given none.
	PaidTo    string `gorm:"size:60;not null;default:''"`
	CreatedAt time.Time
}

// Migrations creates the affiliate tables. They come after the catalogue's
// and the orders'. 0300 and 0302 also made the order tables while orders
// were part of this package; package orders makes them now (0500, listed
// before these), so on a new database they are there already and on an old
// one these have run.
func Migrations() []database.Migration {
	return append([]database.Migration{{
		ID: "0300_affiliates",
		Up: func(tx *gorm.DB) error {
			return tx.AutoMigrate(&Influencer{}, &Collection{}, &CollectionItem{}, &Link{}, &LinkRate{}, &Click{},
				&LedgerEntry{}, &Payout{})
		},
	}, {
		// Every click is inserted on the busiest path. An index starting with
		// the random visitor hash cost about a third of each insert's CPU;
		// (link_id, at) grows at its end and still serves the repeat check
		// (one link, the last hour, then the visitor).
		ID: "0301_clicks_index",
		Up: func(tx *gorm.DB) error {
			if err := tx.Exec("DROP INDEX IF EXISTS idx_clicks_link_visitor").Error; err != nil {
				return err
			}
			return tx.Exec("CREATE INDEX IF NOT EXISTS idx_clicks_link_at ON clicks (link_id, at)").Error
		},
	}, {
		ID: "0302_webhooks",
		Up: func(*gorm.DB) error { return nil }, // see above: orders' 0500
	}, {
		ID: "0303_influencer_avatar",
		Up: func(tx *gorm.DB) error {
			if tx.Migrator().HasColumn(&Influencer{}, "AvatarKey") {
				return nil
			}
			return tx.Migrator().AddColumn(&Influencer{}, "AvatarKey")
		},
	}, {
		// The dashboards read clicks by time. stats' 0350 made this index
		// first; it belongs with the table, so that the clicks table has the
		// same indexes with or without the stats package's migrations.
		ID: "0304_clicks_at_index",
		Up: func(tx *gorm.DB) error {
			return tx.Exec("CREATE INDEX IF NOT EXISTS idx_clicks_at ON clicks (at)").Error
		},
	}, {
		// Clicks go to a log file before their redirect is answered and are
		// loaded from it in batches; this is how far each segment is loaded.
		ID: "0620_click_log_positions",
		Up: func(tx *gorm.DB) error { return tx.AutoMigrate(&clicklog.Position{}) },
	}}, append(linkChangeMigrations(), database.Migration{
		// Where influencers are paid, and where each payout went.
		ID: "0700_payout_accounts",
		Up: func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(&PayoutAccount{}); err != nil {
				return err
			}
			if tx.Migrator().HasColumn(&Payout{}, "PaidTo") {
				return nil
			}
			return tx.Migrator().AddColumn(&Payout{}, "PaidTo")
		},
	})...)
}
