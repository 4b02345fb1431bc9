package indexing

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database"
)

// storedCursor is a durable backend's position in the change log.
type storedCursor struct {
	Name      string `gorm:"primaryKey;size:60"`
	Tx        int64  `gorm:"column:txid;not null"`
	ChangeID  int64  `gorm:"not null"`
	UpdatedAt time.Time
}

func (storedCursor) TableName() string { return "search_cursors" }

// Migrations creates the search package's table and, when its documents
// change shape, asks every index to rebuild them from the catalogue (an
// Elasticsearch index of an older mapping needs `warna reindex`).
func Migrations() []database.Migration {
	return []database.Migration{{
		ID: "0611_search_cursors",
		Up: func(tx *gorm.DB) error { return tx.AutoMigrate(&storedCursor{}) },
	}, {
		// Documents gained each swatch's family_p and the soft FamilyShare
		// that family words match by.
		ID: "0640_search_documents_soft_families",
		Up: func(tx *gorm.DB) error { return catalog.RequestRebuild(context.Background(), tx, time.Now()) },
	}, {
		// Documents the index refuses for good are recorded, not retried.
		ID: "0670_search_rejections",
		Up: func(tx *gorm.DB) error { return tx.AutoMigrate(&storedRejection{}) },
	}}
}

// DBCursor keeps a backend's cursor in the database under a name; Save
// never moves it backwards (several processes may follow into one
// Elasticsearch cluster).
type DBCursor struct {
	db   *gorm.DB
	name string
}

var _ CursorStore = (*DBCursor)(nil)

// NewDBCursor returns the cursor stored under name.
func NewDBCursor(db *gorm.DB, name string) *DBCursor { return &DBCursor{db: db, name: name} }

// Load implements CursorStore.
func (c *DBCursor) Load(ctx context.Context) (catalog.ChangePosition, bool, error) {
	var rows []storedCursor
	if err := c.db.WithContext(ctx).Where("name = ?", c.name).Find(&rows).Error; err != nil {
		return catalog.ChangePosition{}, false, fmt.Errorf("read search cursor %s: %w", c.name, err)
	}
	if len(rows) == 0 {
		return catalog.ChangePosition{}, false, nil
	}
	return catalog.ChangePosition{Tx: rows[0].Tx, ID: rows[0].ChangeID}, true, nil
}

// Save implements CursorStore.
func (c *DBCursor) Save(ctx context.Context, p catalog.ChangePosition) error {
	row := storedCursor{Name: c.name, Tx: p.Tx, ChangeID: p.ID, UpdatedAt: time.Now().UTC()}
	err := c.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "name"}},
		DoUpdates: clause.Assignments(map[string]any{
			"txid":       gorm.Expr("CASE WHEN excluded.txid > search_cursors.txid OR (excluded.txid = search_cursors.txid AND excluded.change_id > search_cursors.change_id) THEN excluded.txid ELSE search_cursors.txid END"),
			"change_id":  gorm.Expr("CASE WHEN excluded.txid > search_cursors.txid OR (excluded.txid = search_cursors.txid AND excluded.change_id > search_cursors.change_id) THEN excluded.change_id ELSE search_cursors.change_id END"),
			"updated_at": row.UpdatedAt,
		}),
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("store search cursor %s: %w", c.name, err)
	}
	return nil
}
