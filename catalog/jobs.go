package catalog

import "github.com/riverqueue/river"

// ProcessImageArgs asks for an image's thumbnails and palette to be made.
type ProcessImageArgs struct {
	ImageID int64 `json:"image_id"`
}

// Kind names the job for River.
func (ProcessImageArgs) Kind() string { return "process_image" }

// ImportCatalogArgs runs a bulk import a merchant uploaded.
type ImportCatalogArgs struct {
	ImportID int64 `json:"import_id"`
}

// Kind names the job for River.
func (ImportCatalogArgs) Kind() string { return "import_catalog" }

// AddWorkers registers the catalogue's job workers.
func AddWorkers(workers *river.Workers, s *Service) {
	river.AddWorker(workers, &ProcessImageWorker{Catalog: s})
	river.AddWorker(workers, &ImportCatalogWorker{Catalog: s})
	river.AddWorker(workers, &MakeWebPWorker{Catalog: s})
}

// MakeWebPArgs asks for WebP variants of a ready image's thumbnails.
type MakeWebPArgs struct {
	ImageID int64 `json:"image_id"`
}

// Kind names the job for River.
func (MakeWebPArgs) Kind() string { return "make_webp" }
