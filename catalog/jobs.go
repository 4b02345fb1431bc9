package catalog

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
