package app

import (
	"context"

	"github.com/warna/warna/stats"
)

// RebuildStats recomputes the dashboards' hourly roll-ups from the orders,
// clicks and ledger, from the first fact on. It is safe while a server runs:
// each run of hours is replaced in one transaction, and the server's own
// refresh job takes turns with it.
func RebuildStats(ctx context.Context, cfg Config, progress stats.Progress) (stats.RefreshResult, error) {
	db, err := OpenDatabase(ctx, cfg)
	if err != nil {
		return stats.RefreshResult{}, ExplainLockTimeout(ctx, cfg, err)
	}
	defer closeDB(db)
	res, err := stats.NewService(db, nil, nil).Rebuild(ctx, progress)
	return res, ExplainLockTimeout(ctx, cfg, err)
}
