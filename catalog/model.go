// Package catalog owns merchants' shops, their products and product images:
// creating and editing them, image intake and the image-processing job, and
// the change log that keeps search in step (changes.go). Bulk import and export of a
// catalogue are in catalog/bulk.
package catalog

import (
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/database"
)

// Shop is a merchant's storefront and the commercial terms it offers.
type Shop struct {
	ID          int64  `gorm:"primaryKey"`
	OwnerID     int64  `gorm:"not null;uniqueIndex"` // the merchant's user id
	Slug        string `gorm:"size:60;not null;uniqueIndex"`
	Name        string `gorm:"size:100;not null"`
	Description string `gorm:"size:2000;not null;default:''"`
	Currency    string `gorm:"size:3;not null"`
	TimeZone    string `gorm:"size:64;not null"`
	// DefaultCommissionBps is the commission influencers earn, in basis points
	// (1/100 of a percent), unless a product overrides it.
	DefaultCommissionBps int `gorm:"not null"`
	// ReturnWindowDays is how long after delivery a refund may still
	// reverse commission; commission is approved once it has passed
	// (orders.DueForApproval: the window starts at delivery, not at the sale).
	ReturnWindowDays int `gorm:"not null"`
	// AttributionWindowDays is how long after a click a sale is credited to it.
	AttributionWindowDays int `gorm:"not null"`
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

// Status is a product's lifecycle state.
type Status string

// Product statuses. Only active products with stock show to shoppers.
const (
	StatusDraft    Status = "draft"
	StatusActive   Status = "active"
	StatusArchived Status = "archived"
)

// Product is one item for sale in a shop.
type Product struct {
	ID          int64  `gorm:"primaryKey"`
	ShopID      int64  `gorm:"not null;uniqueIndex:idx_products_shop_sku,priority:1;index:idx_products_shop_status,priority:1"`
	Shop        Shop   `gorm:"constraint:OnDelete:CASCADE" json:"-"`
	SKU         string `gorm:"column:sku;size:64;not null;uniqueIndex:idx_products_shop_sku,priority:2"`
	Title       string `gorm:"size:200;not null"`
	Description string `gorm:"size:5000;not null;default:''"`
	Category    string `gorm:"size:40;not null;index"`
	PriceMinor  int64  `gorm:"not null"`
	Currency    string `gorm:"size:3;not null"`
	Stock       int    `gorm:"not null"`
	Status      Status `gorm:"size:16;not null;index:idx_products_shop_status,priority:2"`
	// CommissionBps overrides the shop's default commission when set.
	CommissionBps *int
	// DeclaredColor is the colour the merchant says the product is, if any.
	DeclaredColor string `gorm:"size:60;not null;default:''"`
	// Colour categorisation derived from the images' palettes (see Categorise
	// in package imaging), stored so pages and search need not recompute it.
	ColorFamilies  string `gorm:"type:text;not null;default:'{}'"` // JSON {"red":0.7,...}
	DominantFamily string `gorm:"size:20;not null;default:''"`
	Multicolour    bool   `gorm:"not null;default:false"`
	ColorMismatch  bool   `gorm:"not null;default:false"`
	// FamilyOverride, when set by the merchant, replaces the derived families
	// (a JSON list like ["red","white"]) and survives reprocessing.
	FamilyOverride *string `gorm:"type:text"`
	Popularity     int64   `gorm:"not null;default:0"`
	Images         []Image `gorm:"constraint:OnDelete:CASCADE" json:"-"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// ImageStatus is where an image is in the processing pipeline.
type ImageStatus string

// Image statuses.
const (
	ImagePending    ImageStatus = "pending"
	ImageProcessing ImageStatus = "processing"
	ImageReady      ImageStatus = "ready"
	ImageFailed     ImageStatus = "failed"
)

// Image is one photo of a product. The original is stored content-addressed
// under its SHA-256; thumbnails and the palette are filled in by the
// processing job.
type Image struct {
	ID        int64       `gorm:"primaryKey"`
	ProductID int64       `gorm:"not null;index"`
	Position  int         `gorm:"not null"`
	SHA256    string      `gorm:"column:sha256;size:64;not null;index"`
	Format    string      `gorm:"size:8;not null"`
	Width     int         `gorm:"not null"`
	Height    int         `gorm:"not null"`
	Bytes     int64       `gorm:"not null"`
	Status    ImageStatus `gorm:"size:16;not null;index"`
	Error     string      `gorm:"size:500;not null;default:''"`
	// Thumbs is a JSON list of {"size","width","height","key"} for JPEG
	// thumbnails; WebP likewise once the low-priority job has made them.
	Thumbs string `gorm:"type:text;not null;default:'[]'"`
	WebP   string `gorm:"column:webp;type:text;not null;default:'[]'"`
	// SourceURL is where a bulk import fetched the original from; a later
	// import with the same URL does not fetch it again.
	SourceURL string `gorm:"column:source_url;size:2000;not null;default:''"`
	// Palette is the JSON of palette.Palette, with its engine and version.
	Palette        string `gorm:"type:text;not null;default:''"`
	PaletteEngine  string `gorm:"size:20;not null;default:''"`
	PaletteVersion int    `gorm:"not null;default:0"`
	ProcessedAt    *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// outboxEntry is the table the change log replaced (migration 0610 drops
// it); migration 0200 still creates it on a new database.
type outboxEntry struct {
	ID            int64 `gorm:"primaryKey"`
	ProductID     int64 `gorm:"not null;index"`
	CreatedAt     time.Time
	Attempts      int       `gorm:"not null;default:0"`
	NextAttemptAt time.Time `gorm:"not null;index"`
	LastError     string    `gorm:"size:500;not null;default:''"`
}

func (outboxEntry) TableName() string { return "outbox" }

// Migrations creates the catalogue tables.
func Migrations() []database.Migration {
	return []database.Migration{{
		ID: "0200_catalog",
		Up: func(tx *gorm.DB) error { return tx.AutoMigrate(&Shop{}, &Product{}, &Image{}, &outboxEntry{}) },
	}, {
		// This also made the imports table before package catalog/bulk
		// did (its 0250 makes it where it is missing).
		ID: "0201_catalog_imports",
		Up: func(tx *gorm.DB) error { return tx.AutoMigrate(&Image{}) },
	}, {
		ID: "0610_catalog_change_log",
		Up: changeLogMigration,
	}}
}
