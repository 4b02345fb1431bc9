// Package search finds products by text and by colour.
//
// The parts and the files that own them:
//
//   - document.go: the Document indexed per product, built from a catalog
//     Product with its images and shop (the palette is the share-weighted
//     union of the images' palettes, the first image counting double).
//   - query.go:    the one query language of pages and /api/v1/search.
//   - score.go:    the one scorer both backends share for the final ranking
//     (exact CIEDE2000 palette coverage, proportion agreement, exclusion,
//     blend with text relevance and popularity, ties by product id).
//   - cells.go:    the coarse Lab grid that turns a colour and a tolerance
//     into index terms (embedded backend) or a Lab box (Elasticsearch).
//   - service.go:  Service, what web calls: Search, MoreInColour, Reindex.
//   - indexer.go:  the outbox-draining Indexer that keeps the index true.
//
// Backends live in sub-packages: search/embedded (bleve on disk, the
// default) and search/essearch (Elasticsearch 8). search/searchtest holds the
// contract suite every backend must pass.
package search
