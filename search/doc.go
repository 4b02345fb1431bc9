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
//   - follow.go:   the Follower that builds an index from the database and
//     keeps it true by following the catalogue's change log; reindex.go the
//     full rebuild; cursors.go where Elasticsearch keeps its position.
//   - porter.go:   the Porter stemmer of English text.
//
// Backends live in sub-packages: search/embedded (in memory, built from the
// database at start; the default) and search/essearch (Elasticsearch 8).
// search/searchtest holds the contract suite every backend must pass.
package search
