package indexing

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/warna/warna/search"

	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
)

// Progress is told how many products of total a long job has handled.
type Progress func(done, total int)

// loadPage is how many products one query of a full load reads.
const loadPage = 1000

// rebuildFromDatabase builds a fresh index in the backend from every product
// and swaps it in; searches use the old index meanwhile. It returns the
// change log's head read before the first product: every change after it
// may be missing from what was loaded and must be applied afterwards.
// Reading the next page from the database overlaps with making the
// documents of the last one, on every core.
//
// Every document carries ChangeVersion(head): it was loaded after head was
// read. Documents the backend refuses for good are recorded (not an
// error); rejected counts them.
func rebuildFromDatabase(ctx context.Context, db *gorm.DB, backend search.Backend, progress Progress) (head catalog.ChangePosition, indexed, rejected int, err error) {
	head, err = catalog.ChangeHead(ctx, db)
	if err != nil {
		return catalog.ChangePosition{}, 0, 0, err
	}
	var total int64
	if err := db.WithContext(ctx).Model(&catalog.Product{}).Count(&total).Error; err != nil {
		return catalog.ChangePosition{}, 0, 0, fmt.Errorf("count products: %w", err)
	}
	version, done := ChangeVersion(head), 0
	err = backend.Rebuild(ctx, func(put func([]search.Document) error) error {
		pages, stop := readPages(ctx, db)
		defer stop()
		for page := range pages {
			if page.err != nil {
				return page.err
			}
			docs, err := buildDocuments(page.products)
			if err != nil {
				return err
			}
			for i := range docs {
				docs[i].Version = version
			}
			if err := put(docs); err != nil {
				var rej *search.RejectedError
				if !errors.As(err, &rej) {
					return err
				}
				if err := recordRejections(context.WithoutCancel(ctx), db, rej.Rejections, time.Now()); err != nil {
					return err
				}
				rejected += len(rej.Rejections)
			}
			indexed += len(docs)
			done += len(page.products)
			if progress != nil {
				progress(done, max(done, int(total)))
			}
		}
		return nil
	})
	if err != nil {
		return catalog.ChangePosition{}, indexed, rejected, err
	}
	return head, indexed, rejected, nil
}

type productPage struct {
	products []catalog.Product
	err      error
}

// readPages reads every product, a page at a time, into the channel it
// returns (one page ahead of the reader); the channel closes after the last
// page or an error. stop ends the reading early and waits for it.
func readPages(ctx context.Context, db *gorm.DB) (<-chan productPage, func()) {
	pages := make(chan productPage, 1)
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		defer close(pages)
		var lastID int64
		for {
			products, err := catalog.ProductsForIndex(ctx, db, lastID, loadPage)
			if err == nil && len(products) == 0 {
				return
			}
			select {
			case pages <- productPage{products: products, err: err}:
			case <-quit:
				return
			}
			if err != nil {
				return
			}
			lastID = products[len(products)-1].ID
		}
	}()
	return pages, func() {
		close(quit)
		<-finished
	}
}

// buildDocuments makes the documents of the visible products, on every core.
func buildDocuments(products []catalog.Product) ([]search.Document, error) {
	docs := make([]search.Document, len(products))
	keep := make([]bool, len(products))
	errs := make([]error, len(products))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(products)/64))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(products); i += workers {
				if search.Visible(products[i]) {
					docs[i], errs[i] = search.BuildDocument(products[i])
					keep[i] = true
				}
			}
		}()
	}
	wg.Wait()
	out := docs[:0]
	for i := range docs {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if keep[i] {
			out = append(out, docs[i])
		}
	}
	return out, nil
}

// Reindex rebuilds a shared backend (Elasticsearch) from the database and
// swaps it in; searches use the old index meanwhile. The products whose
// changes were logged while it ran are logged again afterwards: the
// servers' followers may have sent those changes to the old index only.
// It returns how many products are visible to shoppers.
//
// The changes are logged again even when the rebuild fails: it may have
// swapped the new index in before failing (deleting the old one), and a
// change logged twice is only looked at twice.
func Reindex(ctx context.Context, db *gorm.DB, backend search.Backend, progress Progress) (int, error) {
	head, err := catalog.ChangeHead(ctx, db)
	if err != nil {
		return 0, err
	}
	_, n, _, err := rebuildFromDatabase(ctx, db, backend, progress)
	if lerr := relogAfter(context.WithoutCancel(ctx), db, head); lerr != nil {
		return n, errors.Join(err, lerr)
	}
	return n, err
}

// relogAfter logs again every product changed after head.
func relogAfter(ctx context.Context, db *gorm.DB, head catalog.ChangePosition) error {
	var ids []int64
	seen := map[int64]bool{}
	for p := head; ; {
		rows, err := catalog.ChangesAfter(ctx, db, p, 1000)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			break
		}
		for _, r := range rows {
			if !r.RebuildAll() && !seen[r.ProductID] {
				seen[r.ProductID] = true
				ids = append(ids, r.ProductID)
			}
		}
		p = rows[len(rows)-1].Position()
	}
	return catalog.LogChanges(ctx, db, ids, time.Now())
}

// RequestRebuild asks every process that keeps an embedded index on this
// database to rebuild it from the database; each does so on its next round
// of the change log.
func RequestRebuild(ctx context.Context, db *gorm.DB) error {
	return catalog.RequestRebuild(ctx, db, time.Now())
}
