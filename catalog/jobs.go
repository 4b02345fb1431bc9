package catalog

import "github.com/riverqueue/river"

// ProcessImageArgs asks for an image's thumbnails and palette to be made.
type ProcessImageArgs struct {
	ImageID int64 `json:"image_id"`
}

// Kind names the job for River.
func (ProcessImageArgs) Kind() string { return "process_image" }

// AddWorkers registers the catalogue's job workers.
func AddWorkers(workers *river.Workers, c *Catalog) {
	river.AddWorker(workers, &ProcessImageWorker{Pipeline: c.Pipeline})
	river.AddWorker(workers, &MakeWebPWorker{Pipeline: c.Pipeline})
}

// MakeWebPArgs asks for WebP variants of a ready image's thumbnails.
type MakeWebPArgs struct {
	ImageID int64 `json:"image_id"`
}

// Kind names the job for River.
func (MakeWebPArgs) Kind() string { return "make_webp" }
