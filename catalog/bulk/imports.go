package bulk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"reflect"
	"runtime/debug"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/media"
	"github.com/warna/warna/money"
)

// MaxImportBytes bounds an uploaded import file.
const MaxImportBytes = 20 << 20

// ImportStatus is where a background import is.
type ImportStatus string

// Import statuses.
const (
	ImportQueued  ImportStatus = "queued"
	ImportRunning ImportStatus = "running"
	ImportDone    ImportStatus = "done"
	ImportFailed  ImportStatus = "failed"
)

// Import is a bulk import a merchant uploaded, run in the background; its
// progress and row report are kept for the merchant to read.
type Import struct {
	ID        int64        `gorm:"primaryKey"`
	ShopID    int64        `gorm:"not null;index"`
	Filename  string       `gorm:"size:200;not null"`
	FileKey   string       `gorm:"size:80;not null"`
	Format    string       `gorm:"size:8;not null"`
	Locale    string       `gorm:"size:16;not null;default:''"`
	Status    ImportStatus `gorm:"size:16;not null"`
	Total     int          `gorm:"not null;default:0"`
	Done      int          `gorm:"not null;default:0"`
	Created   int          `gorm:"not null;default:0"`
	Updated   int          `gorm:"not null;default:0"`
	Unchanged int          `gorm:"not null;default:0"`
	Failed    int          `gorm:"not null;default:0"`
	Report    string       `gorm:"type:text;not null;default:'[]'"` // JSON []storedRow
	Encoding  string       `gorm:"size:20;not null;default:''"`     // what the file was read as; "" until it is read
	Error     string       `gorm:"size:500;not null;default:''"`    // why it failed as a whole, in English
	// ErrorProblem is Error's message format and arguments (JSON), so
	// that a page can say it in its reader's language; see Problem.
	ErrorProblem string `gorm:"column:error_problem;type:text;not null;default:''"`
	CreatedAt    time.Time
	StartedAt    *time.Time
	FinishedAt   *time.Time
}

// TableName keeps the table name plain.
func (Import) TableName() string { return "imports" }

// Problem is why the import failed as a whole, as a domain error for
// translation; nil when it did not fail.
func (imp Import) Problem() error {
	if imp.Error == "" {
		return nil
	}
	var p storedProblem
	if json.Unmarshal([]byte(imp.ErrorProblem), &p) != nil || p.Format == "" {
		return &fault.Error{Kind: fault.Invalid, Message: imp.Error} // failed before formats were kept
	}
	return p.rebuild(imp.Error)
}

// Running reports whether the import has not finished yet.
func (imp Import) Running() bool { return imp.Status == ImportQueued || imp.Status == ImportRunning }

// Percent is the share of rows done, 0 to 100.
func (imp Import) Percent() int {
	if imp.Total == 0 {
		if imp.Running() {
			return 0
		}
		return 100
	}
	return imp.Done * 100 / imp.Total
}

// Rows is the row report, failures first.
func (imp Import) Rows() []RowResult {
	var stored []storedRow
	_ = json.Unmarshal([]byte(imp.Report), &stored)
	failed := make([]RowResult, 0, imp.Failed)
	rest := make([]RowResult, 0, len(stored))
	for _, sr := range stored {
		r := sr.row()
		if r.Status == catalog.RowFailed {
			failed = append(failed, r)
		} else {
			rest = append(rest, r)
		}
	}
	return append(failed, rest...)
}

// importFormat names the format of an uploaded file from its name and
// start, read in its text encoding (decodeText).
func importFormat(filename string, data []byte) (string, error) {
	text, _, err := decodeText(data[:min(len(data), 4096)&^1])
	if err != nil {
		return "", err
	}
	switch strings.ToLower(path.Ext(filename)) {
	case ".csv", ".tsv", ".txt":
		return "csv", nil
	case ".jsonl", ".ndjson", ".json":
		return "jsonl", nil
	}
	if trimmed := bytes.TrimSpace(text); len(trimmed) > 0 && trimmed[0] == '{' {
		return "jsonl", nil
	}
	if bytes.IndexByte(text, 0) >= 0 {
		return "", fault.FieldInvalidf("file", "%s is not a CSV or JSON Lines file (export it from your marketplace as CSV)", filename)
	}
	return "csv", nil
}

// Service runs merchants' bulk imports and exports their catalogues.
type Service struct {
	db           *gorm.DB
	media        media.Store
	queue        enqueuer
	now          func() time.Time
	fetchTimeout time.Duration
	logger       *slog.Logger
	products     *catalog.Products
	images       *catalog.Images
}

// enqueuer is the part of jobs.Queue imports need: adding a job inside the
// transaction that records the import.
type enqueuer interface {
	EnqueueTx(ctx context.Context, tx *gorm.DB, args river.JobArgs, opts *river.InsertOpts) error
}

// Options tune the service; zero fields take defaults.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// FetchTimeout bounds one image download during import; 0 means 10 s.
	FetchTimeout time.Duration
	// Logger receives what merchants are only told in general terms (errors
	// on our side); nil discards it.
	Logger *slog.Logger
}

// NewService builds the import and export service over db and the
// catalogue's services, keeping uploaded files in store and queuing import
// runs on queue.
func NewService(db *gorm.DB, store media.Store, queue enqueuer, cat *catalog.Catalog, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.FetchTimeout <= 0 {
		opts.FetchTimeout = 10 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	now := opts.Now
	return &Service{db: db, media: store, queue: queue, now: func() time.Time { return now().UTC() },
		fetchTimeout: opts.FetchTimeout, logger: opts.Logger, products: cat.Products, images: cat.Images}
}

// ImportCatalogArgs runs a bulk import a merchant uploaded.
type ImportCatalogArgs struct {
	ImportID int64 `json:"import_id"`
}

// Kind names the job for River.
func (ImportCatalogArgs) Kind() string { return "import_catalog" }

// StartImport keeps an uploaded file and queues its import in one
// transaction; the returned Import shows progress as it runs.
func (s *Service) StartImport(ctx context.Context, ownerID int64, filename string, r io.Reader, locale string) (Import, error) {
	db := s.db.WithContext(ctx)
	shop, err := catalog.ShopOfOwnerTx(ctx, db, ownerID)
	if err != nil {
		return Import{}, err
	}
	if !money.ValidLocale(locale) {
		return Import{}, fault.FieldInvalidf("locale", "unknown locale %q: use a language code such as en, id or de", locale)
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return Import{}, err
	}
	if len(data) > MaxImportBytes {
		err := fault.TooLargef("the file is larger than the %s limit; split it into smaller files", mebibytes(MaxImportBytes))
		err.Field = "file"
		return Import{}, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return Import{}, fault.FieldInvalidf("file", "the file is empty")
	}
	format, err := importFormat(filename, data)
	if err != nil {
		return Import{}, err
	}
	key := media.Key(data, format)
	existed, err := s.media.Exists(ctx, key)
	if err != nil {
		return Import{}, err
	}
	if !existed {
		if err := s.media.Put(ctx, key, bytes.NewReader(data)); err != nil {
			return Import{}, err
		}
	}
	imp := Import{
		ShopID: shop.ID, Filename: truncate(path.Base(filename), 200), FileKey: key, Format: format,
		Locale: locale, Status: ImportQueued, Report: "[]", CreatedAt: s.now(),
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&imp).Error; err != nil {
			return err
		}
		return s.queue.EnqueueTx(ctx, tx, ImportCatalogArgs{ImportID: imp.ID}, nil)
	})
	if err != nil && !existed {
		_ = s.media.Delete(context.WithoutCancel(ctx), key)
	}
	return imp, err
}

// Import returns one of the merchant's imports.
func (s *Service) Import(ctx context.Context, ownerID, importID int64) (Import, error) {
	db := s.db.WithContext(ctx)
	shop, err := catalog.ShopOfOwnerTx(ctx, db, ownerID)
	if err != nil {
		return Import{}, fault.NotFoundf("no such import")
	}
	var imp Import
	err = db.Where("id = ? AND shop_id = ?", importID, shop.ID).Take(&imp).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Import{}, fault.NotFoundf("no such import")
	}
	return imp, err
}

// Imports lists the merchant's recent imports, newest first.
func (s *Service) Imports(ctx context.Context, ownerID int64) ([]Import, error) {
	db := s.db.WithContext(ctx)
	shop, err := catalog.ShopOfOwnerTx(ctx, db, ownerID)
	if err != nil {
		return nil, err
	}
	var list []Import
	err = db.Omit("report").Where("shop_id = ?", shop.ID).Order("id DESC").Limit(20).Find(&list).Error
	return list, err
}

// RunImport runs a queued import, recording progress as it goes. Running it
// again after a crash is safe: rows already imported come out unchanged.
func (s *Service) RunImport(ctx context.Context, importID int64) error {
	db := s.db.WithContext(ctx)
	var imp Import
	if err := db.Take(&imp, importID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		return err
	}
	if !imp.Running() {
		return nil
	}
	started := s.now()
	if err := db.Model(&imp).Updates(map[string]any{"status": ImportRunning, "started_at": &started, "done": 0}).Error; err != nil {
		return err
	}
	file, err := s.media.Open(ctx, imp.FileKey)
	if err != nil {
		return err
	}
	defer file.Close()
	lastSaved := time.Time{}
	report, err := s.ImportInto(ctx, imp.ShopID, file, ImportOptions{
		Format: imp.Format, Locale: imp.Locale,
		Progress: func(done, total int) {
			if now := time.Now(); now.Sub(lastSaved) >= 300*time.Millisecond || done == total {
				lastSaved = now
				db.Model(&Import{}).Where("id = ?", imp.ID).Updates(map[string]any{"done": done, "total": total})
			}
		},
	})
	finished := s.now()
	fields := map[string]any{"finished_at": &finished, "status": ImportDone}
	if err != nil {
		if fault.KindOf(err) == fault.Internal && ctx.Err() == nil {
			return err // retry: the import is idempotent
		}
		fields["status"], fields["error"], fields["error_problem"] = ImportFailed, truncate(fault.MessageOf(err), 500), problemJSON(err)
	}
	rows, jerr := json.Marshal(storedRows(report.Rows))
	if jerr != nil {
		return jerr
	}
	fields["report"], fields["total"], fields["done"], fields["encoding"] = string(rows), len(report.Rows), len(report.Rows), report.Encoding
	fields["created"], fields["updated"], fields["unchanged"], fields["failed"] = report.Created, report.Updated, report.Unchanged, report.Failed
	return s.db.WithContext(context.WithoutCancel(ctx)).Model(&Import{}).Where("id = ?", imp.ID).Updates(fields).Error
}

// ImportCatalogWorker runs uploaded imports.
//
// An import always ends done or failed, never "running" for good: an error
// on our side (storage, database) is retried by River with backoff, and
// after the last attempt the import is marked failed; a panic marks it
// failed at once and cancels the job, since the same file would panic again.
type ImportCatalogWorker struct {
	river.WorkerDefaults[ImportCatalogArgs]
	Bulk *Service
}

// Work runs one import.
func (w *ImportCatalogWorker) Work(ctx context.Context, job *river.Job[ImportCatalogArgs]) (err error) {
	id := job.Args.ImportID
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		w.Bulk.logger.Error("import panicked", "import_id", id, "panic", p, "stack", string(debug.Stack()))
		err = river.JobCancel(fmt.Errorf("import %d panicked: %v", id, p))
		reason := fault.Unavailablef(nil, "the import stopped on an error on our side and will not be retried; rows imported before it are kept, and importing the file again is safe")
		if ferr := w.Bulk.failImport(ctx, id, reason); ferr != nil {
			err = errors.Join(err, ferr)
		}
	}()
	err = w.Bulk.RunImport(ctx, id)
	if err != nil && job.Attempt >= job.MaxAttempts {
		w.Bulk.logger.Error("import gave up", "import_id", id, "attempts", job.Attempt, "err", err)
		reason := fault.Unavailablef(nil, "the import gave up after %d attempts on an error on our side; rows imported before it are kept, and importing the file again is safe", job.Attempt)
		if ferr := w.Bulk.failImport(ctx, id, reason); ferr != nil {
			return errors.Join(err, ferr)
		}
	}
	return err
}

// failImport marks an unfinished import failed with a reason for the merchant.
func (s *Service) failImport(ctx context.Context, importID int64, reason *fault.Error) error {
	finished := s.now()
	return s.db.WithContext(context.WithoutCancel(ctx)).Model(&Import{}).
		Where("id = ? AND status IN ?", importID, []ImportStatus{ImportQueued, ImportRunning}).
		Updates(map[string]any{"status": ImportFailed, "error": truncate(reason.Message, 500), "error_problem": problemJSON(reason),
			"finished_at": &finished}).Error
}

// Timeout allows for big files with many image downloads.
func (w *ImportCatalogWorker) Timeout(*river.Job[ImportCatalogArgs]) time.Duration { return time.Hour }

// Migrations creates the imports table (made by catalog's 0201 until this
// package existed, so on such a database it is there already), then adds
// the encoding each file was read in and the format of a failed import's
// reason (imports that failed before keep their English reason).
func Migrations() []database.Migration {
	return []database.Migration{{
		ID: "0250_bulk_imports",
		Up: func(tx *gorm.DB) error {
			if tx.Migrator().HasTable(&Import{}) {
				return nil
			}
			return tx.AutoMigrate(&Import{})
		},
	}, {
		ID: "0630_imports_encoding",
		Up: func(tx *gorm.DB) error {
			if tx.Migrator().HasColumn(&Import{}, "Encoding") {
				return nil
			}
			return tx.Migrator().AddColumn(&Import{}, "Encoding")
		},
	}, {
		ID: "0710_imports_error_problem",
		Up: func(tx *gorm.DB) error {
			if tx.Migrator().HasColumn(&Import{}, "ErrorProblem") {
				return nil
			}
			return tx.Migrator().AddColumn(&Import{}, "ErrorProblem")
		},
	}}
}

// AddWorkers registers the import job's worker.
func AddWorkers(workers *river.Workers, s *Service) {
	river.AddWorker(workers, &ImportCatalogWorker{Bulk: s})
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

func mebibytes(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// storedRow is a row of the report as the database keeps it: the row, and
// the format and arguments of its reason so that pages can translate it
// (the API shows the row without them).
type storedRow struct {
	RowResult
	Problem *storedProblem `json:"problem,omitempty"`
}

// storedProblem is a domain error's message format and its arguments.
type storedProblem struct {
	Format string      `json:"format"`
	Args   []storedArg `json:"args,omitempty"`
}

func problemOf(err error) *storedProblem {
	format, args := fault.FormatOf(err)
	p := &storedProblem{Format: format}
	for _, a := range args {
		p.Args = append(p.Args, argOf(a))
	}
	return p
}

// problemJSON is err's storedProblem as the imports table keeps it.
func problemJSON(err error) string {
	b, _ := json.Marshal(problemOf(err)) // strings and numbers only: cannot fail
	return string(b)
}

// rebuild is the domain error the problem was made of; message is its
// English text as stored.
func (p *storedProblem) rebuild(message string) *fault.Error {
	e := &fault.Error{Kind: fault.Invalid, Message: message, Format: p.Format}
	for _, a := range p.Args {
		e.Args = append(e.Args, a.value())
	}
	return e
}

// storedArg is one argument of a reason's format, by its type, so that it
// reads back as the type its verb wants (JSON alone would make every
// number a float64, which %d prints as an error).
type storedArg struct {
	Int    *int64   `json:"i,omitempty"`
	Float  *float64 `json:"f,omitempty"`
	String *string  `json:"s,omitempty"`
}

func storedRows(rows []RowResult) []storedRow {
	out := make([]storedRow, 0, len(rows))
	for _, r := range rows {
		sr := storedRow{RowResult: r}
		if r.problem != nil {
			sr.Problem = problemOf(r.problem)
		}
		out = append(out, sr)
	}
	return out
}

func argOf(a any) storedArg {
	switch v := reflect.ValueOf(a); v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i := v.Int()
		return storedArg{Int: &i}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		i := int64(v.Uint())
		return storedArg{Int: &i}
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		return storedArg{Float: &f}
	}
	s := fmt.Sprint(a)
	return storedArg{String: &s}
}

func (a storedArg) value() any {
	switch {
	case a.Int != nil:
		return *a.Int
	case a.Float != nil:
		return *a.Float
	case a.String != nil:
		return *a.String
	}
	return ""
}

// row is the stored row with its reason's domain error rebuilt.
func (sr storedRow) row() RowResult {
	r := sr.RowResult
	if sr.Problem != nil && r.Reason != "" {
		r.problem = sr.Problem.rebuild(r.Reason)
	}
	return r
}
