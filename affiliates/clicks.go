package affiliates

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/database"
)

// RecorderOptions tune the click recorder.
type RecorderOptions struct {
	// FlushEvery is the longest a click waits in memory (default 100 ms).
	FlushEvery time.Duration
	// BatchSize flushes early once this many clicks wait (default 200: a
	// batch's insert holds a CPU for a few milliseconds, and larger batches
	// saved little CPU but doubled the redirect's p99 on two cores).
	BatchSize int
	// Buffer is the capacity of the in-memory queue (default 20 000); when
	// it is full clicks go to the spill file instead.
	Buffer int
	// RepeatWindow is how long after a valid click the same visitor's click
	// on the same link counts as a repeat (default 1 h).
	RepeatWindow time.Duration
	// MaxBackoff caps the wait between retries while the database fails
	// (default 2 s).
	MaxBackoff time.Duration
	Now        func() time.Time
	Logger     *slog.Logger
}

// Recorder stores clicks off the request path: Record hands a click to a
// bounded queue without blocking; one goroutine classifies (bot, repeat) and
// inserts them in batches. While the database fails the batch is kept and
// retried with backoff, and clicks that do not fit in memory are appended to
// a spill file in the data directory, replayed once the database answers
// again and on the next start. Inserts ignore ids already stored, so a
// replayed click is stored exactly once.
type Recorder struct {
	db    *gorm.DB
	opts  RecorderOptions
	in    chan Click
	spill *spillFile

	mu       sync.RWMutex // guards closed against in-flight Record calls
	closed   bool
	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
	started  atomic.Bool
	ctx      context.Context

	// recent maps link|visitor to the time of its last valid click; a zero
	// time means "none stored". Only the batcher goroutine touches it.
	recent map[string]time.Time

	stored, spilled, failures atomic.Int64
	needReplay                atomic.Bool
}

// NewRecorder builds a recorder that spills to dir.
func NewRecorder(db *gorm.DB, dir string, opts RecorderOptions) (*Recorder, error) {
	if dir == "" {
		return nil, errors.New("click recorder: a data directory for the spill file is required")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("click recorder: %w", err)
	}
	if opts.FlushEvery <= 0 {
		opts.FlushEvery = 100 * time.Millisecond
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 200
	}
	if opts.Buffer <= 0 {
		opts.Buffer = 20_000
	}
	if opts.RepeatWindow <= 0 {
		opts.RepeatWindow = time.Hour
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 2 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Recorder{
		db: db, opts: opts,
		in:     make(chan Click, opts.Buffer),
		spill:  &spillFile{dir: dir},
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
		recent: make(map[string]time.Time),
		ctx:    context.Background(),
	}, nil
}

// RecorderStats are counters for metrics and tests.
type RecorderStats struct {
	Stored, Spilled, Failures int64
	Queued                    int
}

// Stats reports what the recorder has done so far.
func (r *Recorder) Stats() RecorderStats {
	return RecorderStats{Stored: r.stored.Load(), Spilled: r.spilled.Load(), Failures: r.failures.Load(), Queued: len(r.in)}
}

// Record queues a click without blocking. If the queue is full, or the
// recorder has closed, the click is appended to the spill file.
func (r *Recorder) Record(c Click) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if !r.closed {
		select {
		case r.in <- c:
			return
		default:
		}
	}
	r.spillClicks([]Click{c})
}

func (r *Recorder) spillClicks(cs []Click) {
	if err := r.spill.append(cs); err != nil {
		r.opts.Logger.Error("click spill failed; clicks lost", "clicks", len(cs), "err", err)
		return
	}
	r.spilled.Add(int64(len(cs)))
	r.needReplay.Store(true)
}

// Start replays clicks left in the spill file by an earlier run and starts
// the batcher. Writes use ctx's values but not its cancellation: a click is
// not lost because a request or the process context ended.
func (r *Recorder) Start(ctx context.Context) error {
	if !r.started.CompareAndSwap(false, true) {
		return errors.New("click recorder already started")
	}
	r.ctx = context.WithoutCancel(ctx)
	if err := r.replay(); err != nil {
		r.opts.Logger.Warn("replaying spilled clicks failed; will retry", "err", err)
		r.needReplay.Store(true)
	}
	go r.loop(ctx)
	return nil
}

// Close stops accepting clicks into memory, flushes what is buffered (to the
// database, or to the spill file if the database does not answer) and waits
// for the batcher to end.
func (r *Recorder) Close() error {
	r.markClosed()
	r.stopOnce.Do(func() { close(r.stop) })
	if r.started.Load() {
		<-r.done
		return r.spill.close()
	}
	// Never started: keep the buffered clicks for the next run.
	r.spillClicks(r.drain(nil))
	return r.spill.close()
}

func (r *Recorder) markClosed() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
}

func (r *Recorder) loop(ctx context.Context) {
	defer close(r.done)
	ticker := time.NewTicker(r.opts.FlushEvery)
	defer ticker.Stop()
	batch := make([]Click, 0, r.opts.BatchSize)
	for {
		select {
		case c := <-r.in:
			batch = append(batch, c)
			if len(batch) >= r.opts.BatchSize {
				batch = r.flush(batch)
			}
		case <-ticker.C:
			if len(batch) > 0 {
				batch = r.flush(batch)
			}
			if r.needReplay.Load() {
				if err := r.replay(); err != nil {
					r.opts.Logger.Warn("replaying spilled clicks failed; will retry", "err", err)
				}
			}
		case <-r.stop:
			r.shutdown(batch)
			return
		case <-ctx.Done():
			r.markClosed()
			r.shutdown(batch)
			return
		}
	}
}

// drain takes everything queued without waiting.
func (r *Recorder) drain(batch []Click) []Click {
	for {
		select {
		case c := <-r.in:
			batch = append(batch, c)
		default:
			return batch
		}
	}
}

// flush writes batch, retrying with backoff while the database fails. While
// it waits, newly queued clicks are moved to the spill file so that Record
// never blocks and nothing waits only in memory. It returns the emptied
// batch; on shutdown during an outage the batch is spilled.
func (r *Recorder) flush(batch []Click) []Click {
	backoff := 50 * time.Millisecond
	for failed := false; ; {
		err := r.write(batch)
		if err == nil {
			if failed {
				r.opts.Logger.Info("click storage recovered", "clicks", len(batch))
				r.needReplay.Store(true)
			}
			return batch[:0]
		}
		failed = true
		r.failures.Add(1)
		r.opts.Logger.Warn("storing clicks failed; retrying", "clicks", len(batch), "backoff", backoff, "err", err)
		if queued := r.drain(nil); len(queued) > 0 {
			r.spillClicks(queued)
		}
		select {
		case <-r.stop:
			r.spillClicks(batch)
			return batch[:0]
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, r.opts.MaxBackoff)
	}
}

// shutdown flushes what is left with a few quick attempts, spilling the rest.
func (r *Recorder) shutdown(batch []Click) {
	batch = r.drain(batch)
	for i := 0; len(batch) > 0; i++ {
		n := min(len(batch), r.opts.BatchSize)
		if err := r.write(batch[:n]); err != nil {
			r.opts.Logger.Warn("flushing clicks at shutdown failed; spilling them", "clicks", len(batch), "err", err)
			r.spillClicks(batch)
			return
		}
		batch = batch[n:]
	}
	if r.needReplay.Load() {
		if err := r.replay(); err != nil {
			r.opts.Logger.Warn("replaying spilled clicks at shutdown failed; they stay for the next start", "err", err)
		}
	}
}

// write classifies and inserts one batch. Classification happens once per
// click, so a retried batch is not re-judged against itself.
func (r *Recorder) write(batch []Click) error {
	if len(batch) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(r.ctx, 15*time.Second)
	defer cancel()
	seen, err := r.classify(ctx, batch)
	if err != nil {
		return fmt.Errorf("classify clicks: %w", err)
	}
	stored, err := insertClicks(r.db.WithContext(ctx), batch)
	if err != nil {
		return fmt.Errorf("insert clicks: %w", err)
	}
	if len(r.recent) > 200_000 {
		r.recent = make(map[string]time.Time) // the database answers for evicted visitors
	}
	for k, t := range seen {
		if cur, ok := r.recent[k]; !ok || t.After(cur) {
			r.recent[k] = t
		}
	}
	r.stored.Add(stored)
	return nil
}

const insertClickSQL = "INSERT INTO clicks (id, link_id, influencer_id, visitor, at, valid, reason) "

// sqliteTimeFormat is how the SQLite driver writes times under the
// _time_format=sqlite setting of database.SQLiteDSN; clicks inserted from
// JSON must compare with the others as text.
const sqliteTimeFormat = "2006-01-02 15:04:05.999999999-07:00"

// insertClicks stores a batch with one INSERT statement, skipping ids already
// stored (a retried or replayed click), so each click is stored exactly once.
// PostgreSQL gets a multi-row VALUES list. SQLite gets the rows as one JSON
// array expanded by jsonb_each: the pure-Go SQLite spends more CPU binding
// 1,400 parameters of a VALUES list or stepping one statement per row, and
// jsonb_each hands each row to ->> already parsed where json_each made every
// ->> parse the row's text again (BenchmarkInsertClicks). Written out rather
// than left to gorm's reflection: this runs for every click.
func insertClicks(db *gorm.DB, batch []Click) (int64, error) {
	if database.DialectOf(db) == database.Postgres {
		var sql strings.Builder
		sql.Grow(96 + 16*len(batch))
		sql.WriteString(insertClickSQL + "VALUES ")
		args := make([]any, 0, 7*len(batch))
		for i, c := range batch {
			if i > 0 {
				sql.WriteByte(',')
			}
			sql.WriteString("(?,?,?,?,?,?,?)")
			args = append(args, c.ID, c.LinkID, c.InfluencerID, c.Visitor, c.At.UTC(), c.Valid, c.Reason)
		}
		sql.WriteString(" ON CONFLICT (id) DO NOTHING")
		res := db.Exec(sql.String(), args...)
		return res.RowsAffected, res.Error
	}
	rows := make([][7]any, len(batch))
	for i, c := range batch {
		valid := 0
		if c.Valid {
			valid = 1
		}
		rows[i] = [7]any{c.ID, c.LinkID, c.InfluencerID, c.Visitor, c.At.UTC().Format(sqliteTimeFormat), valid, c.Reason}
	}
	js, err := json.Marshal(rows)
	if err != nil {
		return 0, err
	}
	res := db.Exec(insertClickSQL+`SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6
		FROM jsonb_each(?) WHERE true ON CONFLICT (id) DO NOTHING`, string(js))
	return res.RowsAffected, res.Error
}

func recentKey(linkID int64, visitor string) string {
	return strconv.FormatInt(linkID, 10) + "|" + visitor
}

// classify marks bots and repeats. A repeat is a click on the same link by the
// same visitor within RepeatWindow after their last valid click; the last
// valid click is looked up in memory, then in the database. It returns the
// last-valid-click times learnt, to remember once the batch is stored.
func (r *Recorder) classify(ctx context.Context, batch []Click) (map[string]time.Time, error) {
	sort.SliceStable(batch, func(i, j int) bool { return batch[i].At.Before(batch[j].At) })
	seen := make(map[string]time.Time)
	missing := map[int64][]string{} // link → visitors not known in memory
	missingSet := map[string]bool{}
	var minAt time.Time
	for _, c := range batch {
		if c.Checked {
			continue
		}
		k := recentKey(c.LinkID, c.Visitor)
		if _, ok := r.recent[k]; !ok && !missingSet[k] {
			missingSet[k] = true
			missing[c.LinkID] = append(missing[c.LinkID], c.Visitor)
			if minAt.IsZero() || c.At.Before(minAt) {
				minAt = c.At
			}
		}
	}
	for linkID, visitors := range missing {
		for start := 0; start < len(visitors); start += 400 {
			chunk := visitors[start:min(start+400, len(visitors))]
			var rows []Click
			err := r.db.WithContext(ctx).Select("link_id, visitor, at").
				Where("link_id = ? AND at >= ? AND valid AND visitor IN ?", linkID, minAt.Add(-r.opts.RepeatWindow), chunk).
				Find(&rows).Error
			if err != nil {
				return nil, err
			}
			for _, row := range rows {
				k := recentKey(row.LinkID, row.Visitor)
				if row.At.After(seen[k]) {
					seen[k] = row.At
				}
			}
		}
	}
	for k := range missingSet {
		if _, ok := seen[k]; !ok {
			seen[k] = time.Time{}
		}
	}
	for i := range batch {
		c := &batch[i]
		if c.Checked {
			continue
		}
		c.Checked = true
		if isBot(c.UserAgent) {
			c.Valid, c.Reason = false, "bot"
			continue
		}
		k := recentKey(c.LinkID, c.Visitor)
		last, ok := seen[k]
		if !ok {
			last = r.recent[k]
		}
		if !last.IsZero() && !c.At.Before(last) && c.At.Sub(last) < r.opts.RepeatWindow {
			c.Valid, c.Reason = false, "repeat"
			continue
		}
		c.Valid, c.Reason = true, ""
		seen[k] = c.At
	}
	return seen, nil
}

// replay stores the clicks of every spill file, deleting each file once its
// clicks are in the database.
func (r *Recorder) replay() error {
	files, err := r.spill.rotate()
	if err != nil {
		return err
	}
	r.needReplay.Store(false)
	for _, f := range files {
		clicks, err := readSpill(f)
		if err != nil {
			r.needReplay.Store(true)
			return err
		}
		for start := 0; start < len(clicks); start += r.opts.BatchSize {
			if err := r.write(clicks[start:min(start+r.opts.BatchSize, len(clicks))]); err != nil {
				r.needReplay.Store(true)
				return err
			}
		}
		if err := os.Remove(f); err != nil {
			return err
		}
		r.opts.Logger.Info("replayed spilled clicks", "clicks", len(clicks), "file", filepath.Base(f))
	}
	return nil
}

// spillFile is the append-only JSON-lines file clicks go to when they cannot
// wait in memory. Each append is fsynced before it returns.
type spillFile struct {
	mu  sync.Mutex
	dir string
	f   *os.File
	seq int
}

const spillName = "clicks-spill.jsonl"

func (s *spillFile) append(cs []Click) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		f, err := os.OpenFile(filepath.Join(s.dir, spillName), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			return err
		}
		s.f = f
	}
	w := bufio.NewWriter(s.f)
	enc := json.NewEncoder(w)
	for _, c := range cs {
		if err := enc.Encode(c); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return s.f.Sync()
}

// rotate moves the live spill file aside for replay and returns every file
// waiting to be replayed, oldest first.
func (s *spillFile) rotate() ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f != nil {
		if err := s.f.Close(); err != nil {
			return nil, err
		}
		s.f = nil
	}
	live := filepath.Join(s.dir, spillName)
	if st, err := os.Stat(live); err == nil && st.Size() > 0 {
		s.seq++
		name := fmt.Sprintf("clicks-spill-%d-%04d.replay", time.Now().UnixNano(), s.seq)
		if err := os.Rename(live, filepath.Join(s.dir, name)); err != nil {
			return nil, err
		}
	}
	files, err := filepath.Glob(filepath.Join(s.dir, "clicks-spill-*.replay"))
	sort.Strings(files)
	return files, err
}

func (s *spillFile) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// readSpill decodes a spill file. A torn last line (a crash mid-append) is
// skipped: its append had not been acknowledged.
func readSpill(path string) ([]Click, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Click
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		var c Click
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil || c.ID == "" {
			continue
		}
		out = append(out, c)
	}
	return out, sc.Err()
}
