package clicklog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"github.com/warna/warna/database"
)

// Options tune the click recorder.
type Options struct {
	// FlushEvery is how often the loader looks at the log: the longest a
	// click waits there while the site is quiet (default 100 ms).
	FlushEvery time.Duration
	// SyncEvery is how often the log is fsynced: the clicks answered in the
	// last SyncEvery (and one fsync's time) can be lost on a power loss or
	// kernel crash, never on a process crash (default 100 ms).
	SyncEvery time.Duration
	// BatchSize is how many clicks one insert transaction stores (default
	// 1000).
	BatchSize int
	// BusyRate is the rate of new clicks (per second) above which the site
	// counts as busy: the loader then leaves clicks in the log, so that the
	// redirects keep the CPU, until they are MaxLag old (default 300).
	BusyRate float64
	// MaxLag is how long a click may wait in the log while the site is busy
	// before the loader stores it anyway (default 20 s).
	MaxLag time.Duration
	// SegmentBytes is the size at which the log starts a new segment file;
	// a segment is deleted once all its clicks are stored (default 16 MiB).
	SegmentBytes int64
	// SettleTimeout bounds how long Settle waits for clicks to be stored
	// (default 10 s).
	SettleTimeout time.Duration
	// RepeatWindow is how long after a valid click the same visitor's click
	// on the same link counts as a repeat (default 1 h).
	RepeatWindow time.Duration
	// MaxBackoff caps the wait between retries while the database fails
	// (default 2 s).
	MaxBackoff time.Duration
	Now        func() time.Time
	Logger     *slog.Logger
}

func (o *Options) defaults() {
	if o.FlushEvery <= 0 {
		o.FlushEvery = 100 * time.Millisecond
	}
	if o.SyncEvery <= 0 {
		o.SyncEvery = 100 * time.Millisecond
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	if o.BusyRate <= 0 {
		o.BusyRate = 300
	}
	if o.MaxLag <= 0 {
		o.MaxLag = 20 * time.Second
	}
	if o.SegmentBytes <= 0 {
		o.SegmentBytes = 16 << 20
	}
	if o.SettleTimeout <= 0 {
		o.SettleTimeout = 10 * time.Second
	}
	if o.RepeatWindow <= 0 {
		o.RepeatWindow = time.Hour
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Recorder keeps every answered click. Record appends the click to the
// instance's click log before the redirect is answered; one loader
// goroutine reads the log back, classifies the clicks (bot, repeat) and
// stores them in large batches. While the site is busy the loader leaves
// clicks in the log (up to MaxLag), so that storing them does not take CPU
// from the redirects, and catches up when the burst is over. Each batch is
// inserted in one transaction together with how far its segment is stored,
// and inserts skip click ids already stored, so a restart after a crash
// stores what the database does not have yet, exactly once.
type Recorder struct {
	db   *gorm.DB
	opts Options
	log  *clickLog
	ctx  context.Context

	started    atomic.Bool
	stopOnce   sync.Once
	finishOnce sync.Once
	stop       chan struct{}
	done       chan struct{}
	kick       chan struct{} // Settle asks the loader to look now

	// Loader state: only the loader goroutine touches these.
	repeats        classifier
	reader         segmentReader
	cur            *segment // segment being read; nil: pick the next
	curOff         int64
	pending        []logRecord // read, not yet stored, in log order
	positionsKnown bool
	busyness       busyMeter
	retryAt        time.Time
	backoff        time.Duration
	finalUntil     time.Time // shutdown: stop storing then

	// Shared with Settle, Lag and Stats.
	mu          sync.Mutex
	progress    chan struct{} // closed and replaced whenever clicks are stored
	want        int64         // Settle: store this process's first want clicks now
	headAt      atomic.Int64  // unix ns of the oldest read, unstored click; 0: none
	headIDms    atomic.Int64  // the time in that click's id (ms); 0: unknown
	loadedNew   atomic.Int64  // clicks appended by this process and stored
	loaded      atomic.Int64  // clicks stored, including earlier runs' and ids already there
	earlierDone atomic.Bool   // every segment of earlier runs is stored and deleted
	failures    atomic.Int64
}

// New builds a recorder whose log lives in dir under the given
// instance id. Segments the instance left in dir are loaded once it starts.
func New(db *gorm.DB, dir, instance string, opts Options) (*Recorder, error) {
	if dir == "" {
		return nil, errors.New("click recorder: a data directory for the click log is required")
	}
	opts.defaults()
	log, err := openClickLog(dir, instance, opts.SegmentBytes, opts.SyncEvery, opts.Now, opts.Logger)
	if err != nil {
		return nil, err
	}
	r := &Recorder{
		db: db, opts: opts, log: log, ctx: context.Background(),
		stop: make(chan struct{}), done: make(chan struct{}), kick: make(chan struct{}, 1),
		progress: make(chan struct{}),
		repeats:  classifier{db: db, window: opts.RepeatWindow, recent: make(map[string]time.Time)},
		busyness: busyMeter{every: opts.FlushEvery, rate: opts.BusyRate},
	}
	earlier := false
	for _, s := range log.segments() {
		if s.size.Load() > 0 {
			earlier = true
		}
	}
	if earlier {
		// Until the loader reads them, the clicks left by an earlier run are
		// at least as old as this start.
		log.unreadSince.Store(opts.Now().UnixNano())
	}
	r.earlierDone.Store(len(log.segments()) == 0)
	if foreign := log.foreignSegments(); len(foreign) > 0 {
		opts.Logger.Warn("the click log directory holds segments of other instance ids; they are not loaded by this one",
			"dir", dir, "instance", instance, "files", foreign)
	}
	return r, nil
}

// Record appends a click to the log. When it returns nil the click is kept
// even if the process is killed; the caller may answer the redirect.
func (r *Recorder) Record(c *Click) error {
	return r.log.append(c)
}

// Stats are counters for metrics and tests.
type Stats struct {
	Appended       int64 // clicks appended to the log by this process
	Loaded         int64 // clicks stored from the log (also earlier runs')
	AppendFailures int64 // clicks that could not be appended (not answered with a cookie)
	LoadFailures   int64 // failed attempts to store a batch
	UnloadedBytes  int64 // log bytes not yet stored
	Lag            time.Duration
}

// Stats reports what the recorder has done so far.
func (r *Recorder) Stats() Stats {
	var unloaded int64
	for _, s := range r.log.segments() {
		unloaded += max(0, s.size.Load()-s.loaded.Load())
	}
	return Stats{Appended: r.log.appended.Load(), Loaded: r.loaded.Load(), AppendFailures: r.log.failures.Load(),
		LoadFailures: r.failures.Load(), UnloadedBytes: unloaded, Lag: r.Lag()}
}

// Lag is how long ago the oldest click not yet stored was made; 0 when the
// database holds every click.
func (r *Recorder) Lag() time.Duration {
	oldest := r.headAt.Load()
	if oldest == 0 {
		oldest = r.log.unreadSince.Load()
	}
	if oldest == 0 {
		return 0
	}
	return max(0, r.opts.Now().Sub(time.Unix(0, oldest)))
}

// Collectors are the recorder's Prometheus metrics.
func (r *Recorder) Collectors() []prometheus.Collector {
	counter := func(name, help string, v func() int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(v()) })
	}
	return []prometheus.Collector{
		counter("warna_click_log_appended_total", "Clicks appended to the click log before their redirect was answered.", r.log.appended.Load),
		counter("warna_click_log_loaded_total", "Clicks moved from the click log into the database.", r.loaded.Load),
		counter("warna_click_log_append_failures_total", "Clicks that could not be appended to the click log (redirected without an attribution cookie).", r.log.failures.Load),
		counter("warna_click_log_load_failures_total", "Failed attempts to store a batch of clicks from the log (retried).", r.failures.Load),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "warna_click_log_lag_seconds",
			Help: "Age of the oldest click still in the click log and not yet in the database; 0 when none is."},
			func() float64 { return r.Lag().Seconds() }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "warna_click_log_unloaded_bytes",
			Help: "Bytes of the click log not yet stored in the database."},
			func() float64 { return float64(r.Stats().UnloadedBytes) }),
	}
}

// Start starts the loader, which first stores what earlier runs left in the
// log. Writes use ctx's values but not its cancellation. The loader ends on
// Close, which then stores what is left, or when ctx ends (what is left
// then waits in the log for Close or the next start).
func (r *Recorder) Start(ctx context.Context) error {
	if !r.started.CompareAndSwap(false, true) {
		return errors.New("click recorder already started")
	}
	r.ctx = context.WithoutCancel(ctx)
	go r.loop(ctx)
	return nil
}

// Close stops appends, stores what is in the log (what the database does not
// take stays in the log for the next start), waits for the loader to end and
// syncs the log.
func (r *Recorder) Close() error {
	err := r.log.close()
	r.stopOnce.Do(func() { close(r.stop) })
	if r.started.Load() {
		<-r.done // the loader has ended: its state is this goroutine's now
		r.finishOnce.Do(func() {
			r.finish()
			r.reader.close()
		})
	}
	return err
}

// Settle waits until the clicks named are stored, if they may still be in
// the log: an order's attribution reads clicks from the database. It asks
// the loader to store everything appended so far now, busy or not, and
// waits at most SettleTimeout (then it logs and returns nil: the order is
// attributed from what is stored). It returns an error only when ctx ends.
func (r *Recorder) Settle(ctx context.Context, clickIDs []string) error {
	if len(clickIDs) == 0 || !r.started.Load() {
		return nil
	}
	target := r.log.appended.Load()
	if r.settled(target) {
		return nil
	}
	if head := r.headIDms.Load(); head > 0 && allMadeBefore(clickIDs, head-10_000) {
		return nil // the clicks were appended before the oldest one waiting
	}
	r.mu.Lock()
	r.want = max(r.want, target)
	r.mu.Unlock()
	timer := time.NewTimer(r.opts.SettleTimeout)
	defer timer.Stop()
	for {
		r.mu.Lock()
		progress := r.progress
		r.mu.Unlock()
		select {
		case r.kick <- struct{}{}:
		default:
		}
		if r.settled(target) {
			return nil
		}
		select {
		case <-progress:
		case <-r.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			r.opts.Logger.Warn("clicks not stored in time for an order's attribution; attributing from the stored ones",
				"timeout", r.opts.SettleTimeout, "lag", r.Lag())
			return nil
		}
	}
}

// settled reports whether the first target clicks this process appended,
// and every click of earlier runs, are stored.
func (r *Recorder) settled(target int64) bool {
	return r.earlierDone.Load() && r.loadedNew.Load() >= target
}

// allMadeBefore reports whether every id is a click id made before ms (its
// first 48 bits are the milliseconds it was made at).
func allMadeBefore(ids []string, ms int64) bool {
	for _, id := range ids {
		if len(id) != 32 {
			return false
		}
		t, err := strconv.ParseInt(id[:12], 16, 64)
		if err != nil || t >= ms {
			return false
		}
	}
	return true
}

func (r *Recorder) loop(ctx context.Context) {
	defer close(r.done)
	ticker := time.NewTicker(r.opts.FlushEvery)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
		case <-r.kick:
		case <-r.stop:
			return
		case <-ctx.Done():
			return
		}
		if time.Now().Before(r.retryAt) {
			continue
		}
		if err := r.step(false); err != nil {
			r.failed(err)
			continue
		}
		r.backoff = 0
	}
}

// failed counts a failed step and waits longer before the next one.
func (r *Recorder) failed(err error) {
	r.failures.Add(1)
	r.backoff = min(max(2*r.backoff, 50*time.Millisecond), r.opts.MaxBackoff)
	r.retryAt = time.Now().Add(r.backoff)
	r.opts.Logger.Warn("storing clicks from the log failed; they stay in the log and are retried", "retry_in", r.backoff, "err", err)
}

// errShutdownTime ends the loading at shutdown: what is left is stored at
// the next start.
var errShutdownTime = errors.New("shutdown: out of time to store clicks")

// finish stores what is in the log at shutdown, for at most 15 s, trying a
// few times while the database fails; the rest is stored at the next start.
func (r *Recorder) finish() {
	r.finalUntil = time.Now().Add(15 * time.Second)
	for attempt := 0; ; attempt++ {
		err := r.step(true)
		if err == nil {
			return
		}
		if !errors.Is(err, errShutdownTime) {
			r.failures.Add(1)
		}
		if attempt >= 3 || errors.Is(err, errShutdownTime) || time.Now().After(r.finalUntil) {
			r.opts.Logger.Warn("clicks left in the log at shutdown; they are stored at the next start",
				"unloaded_bytes", r.Stats().UnloadedBytes, "err", err)
			return
		}
		time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
	}
}

// step reads new records and stores as many batches as the policy allows:
// all of them when final or when the site is quiet, else those Settle waits
// for and those older than MaxLag.
func (r *Recorder) step(final bool) error {
	if !r.positionsKnown {
		if err := r.loadPositions(); err != nil {
			return err
		}
	}
	for {
		if err := r.fill(); err != nil {
			return err
		}
		if err := r.cleanup(); err != nil {
			return err
		}
		n := r.due(final)
		if n == 0 {
			return nil
		}
		if final && time.Now().After(r.finalUntil) {
			return errShutdownTime
		}
		if err := r.store(n); err != nil {
			return err
		}
		if !final {
			select {
			case <-r.stop: // Close takes over, with its time limit
				return nil
			default:
			}
		}
	}
}

// due is how many of the pending clicks to store now.
func (r *Recorder) due(final bool) int {
	if len(r.pending) == 0 {
		return 0
	}
	n := min(len(r.pending), r.opts.BatchSize)
	if final || !r.busyness.busy(r.log.appended.Load()) {
		return n
	}
	r.mu.Lock()
	want := r.want
	r.mu.Unlock()
	if want > r.loadedNew.Load() || (want > 0 && !r.earlierDone.Load()) {
		return n
	}
	if r.opts.Now().Sub(r.pending[0].click.At) >= r.opts.MaxLag {
		return n
	}
	return 0
}

// maxPending bounds the clicks read ahead of storing.
func maxPending(o Options) int { return 4 * o.BatchSize }

// busyMeter tells whether clicks arrive faster than Options.BusyRate. Only
// the loader goroutine uses it.
type busyMeter struct {
	every    time.Duration // Options.FlushEvery
	rate     float64       // Options.BusyRate
	sampleAt time.Time
	sampleN  int64
	wasBusy  bool
}

// busy reports whether clicks arrive faster than BusyRate, measured over
// at least half a FlushEvery; appended is the count of clicks appended so
// far.
func (m *busyMeter) busy(appended int64) bool {
	now := time.Now()
	el := now.Sub(m.sampleAt)
	if el < m.every/2 {
		return m.wasBusy
	}
	m.wasBusy = !m.sampleAt.IsZero() && float64(appended-m.sampleN)/el.Seconds() > m.rate
	m.sampleAt, m.sampleN = now, appended
	return m.wasBusy
}

// fill reads records after the last one read, segment by segment, until it
// has read all there is or holds maxPending.
func (r *Recorder) fill() error {
	if len(r.pending) < maxPending(r.opts) {
		r.log.unreadSince.Store(0) // set again by the next append
	}
	for len(r.pending) < maxPending(r.opts) {
		if r.cur == nil && !r.nextSegment() {
			break
		}
		recs, done, torn, err := r.reader.read(r.log.dir, r.cur, r.curOff, maxPending(r.opts)-len(r.pending))
		if err != nil {
			r.log.unreadSince.CompareAndSwap(0, r.opts.Now().UnixNano())
			return fmt.Errorf("read click log %s: %w", r.cur.name, err)
		}
		r.pending = append(r.pending, recs...)
		if len(recs) > 0 {
			r.curOff = recs[len(recs)-1].end
		}
		if torn > 0 && !done {
			return fmt.Errorf("click log %s: damaged record at offset %d in a segment still being written", r.cur.name, r.curOff)
		}
		if !done {
			if len(recs) == 0 {
				break // read all of the active segment
			}
			continue
		}
		if torn > 0 {
			r.opts.Logger.Warn("click log segment ends with an incomplete record (a write cut short by a crash or power loss); its bytes are ignored",
				"segment", r.cur.name, "offset", r.curOff, "bytes", torn)
			r.cur.size.Store(r.curOff)
		}
		r.cur.readDone, r.cur.validEnd = true, r.curOff
		r.reader.close()
		r.cur = nil
	}
	r.setHead()
	return nil
}

// nextSegment moves the reader to the first segment after the current one
// that it has not finished.
func (r *Recorder) nextSegment() bool {
	for _, s := range r.log.segments() {
		if !s.readDone {
			r.cur, r.curOff = s, s.loaded.Load()
			return true
		}
	}
	return false
}

func (r *Recorder) setHead() {
	if len(r.pending) == 0 {
		r.headAt.Store(0)
		r.headIDms.Store(0)
		return
	}
	c := r.pending[0].click
	r.headAt.Store(c.At.UnixNano())
	ms, err := strconv.ParseInt(c.ID[:min(12, len(c.ID))], 16, 64)
	if err != nil || len(c.ID) != 32 {
		ms = 0
	}
	r.headIDms.Store(ms)
}

// store classifies and inserts the first n pending clicks in one
// transaction with their segments' new positions.
func (r *Recorder) store(n int) error {
	recs := r.pending[:n]
	batch := make([]Click, n)
	positions := map[*segment]int64{}
	newClicks := int64(0)
	for i, rec := range recs {
		batch[i] = rec.click
		positions[rec.seg] = rec.end
		if !rec.seg.earlier {
			newClicks++
		}
	}
	ctx, cancel := context.WithTimeout(r.ctx, 30*time.Second)
	defer cancel()
	seen, err := r.repeats.classify(ctx, batch)
	if err != nil {
		return fmt.Errorf("classify clicks: %w", err)
	}
	now := time.Now().UTC()
	err = r.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := insertClicks(tx, batch); err != nil {
			return fmt.Errorf("insert clicks: %w", err)
		}
		for s, end := range positions {
			if err := tx.Exec(upsertPositionSQL, s.name, end, now).Error; err != nil {
				return fmt.Errorf("save click log position: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.repeats.remember(seen)
	for s, end := range positions {
		s.loaded.Store(end)
	}
	r.pending = append(r.pending[:0], r.pending[n:]...)
	r.setHead()
	r.loaded.Add(int64(n))
	r.loadedNew.Add(newClicks)
	err = r.cleanup() // before waking Settle: what it sees stored is also tidied
	r.notify()
	return err
}

// notify wakes Settle calls waiting for progress.
func (r *Recorder) notify() {
	r.mu.Lock()
	close(r.progress)
	r.progress = make(chan struct{})
	r.mu.Unlock()
}

const upsertPositionSQL = "INSERT INTO click_log_positions (segment, loaded_to, updated_at) VALUES (?, ?, ?) " +
	"ON CONFLICT (segment) DO UPDATE SET loaded_to = excluded.loaded_to, updated_at = excluded.updated_at"

// loadPositions reads how far earlier runs' segments are stored, and forgets
// the positions of this instance's segments that are gone.
func (r *Recorder) loadPositions() error {
	ctx, cancel := context.WithTimeout(r.ctx, 30*time.Second)
	defer cancel()
	db := r.db.WithContext(ctx)
	segs := r.log.segments()
	names := make([]string, 0, len(segs))
	byName := map[string]*segment{}
	for _, s := range segs {
		names = append(names, s.name)
		byName[s.name] = s
	}
	prefix := "clicks-" + r.log.instance + "-"
	var rows []Position
	if err := db.Where("substr(segment, 1, ?) = ?", len(prefix), prefix).Find(&rows).Error; err != nil {
		return fmt.Errorf("read click log positions: %w", err)
	}
	var gone []string
	for _, row := range rows {
		if s, ok := byName[row.Segment]; ok {
			s.loaded.Store(row.LoadedTo)
		} else {
			gone = append(gone, row.Segment)
		}
	}
	if len(gone) > 0 {
		if err := db.Where("segment IN ?", gone).Delete(&Position{}).Error; err != nil {
			return fmt.Errorf("forget click log positions: %w", err)
		}
	}
	r.positionsKnown = true
	return nil
}

// cleanup deletes the segments that are sealed, read to their end and
// stored, then their positions.
func (r *Recorder) cleanup() error {
	earlier := false
	for _, s := range r.log.segments() {
		if !s.readDone || s.loaded.Load() < s.validEnd {
			earlier = earlier || s.earlier
			continue
		}
		if err := r.log.remove(s); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(r.ctx, 30*time.Second)
		err := r.db.WithContext(ctx).Where("segment = ?", s.name).Delete(&Position{}).Error
		cancel()
		if err != nil {
			return fmt.Errorf("forget click log position: %w", err)
		}
		if s.earlier {
			r.opts.Logger.Info("stored the clicks an earlier run left in the log", "segment", filepath.Base(s.name))
		}
	}
	if !earlier && !r.earlierDone.Load() {
		r.earlierDone.Store(true)
		r.notify()
	}
	return nil
}

const insertClickSQL = "INSERT INTO clicks (id, link_id, influencer_id, visitor, at, valid, reason) "

// sqliteTimeFormat is how the SQLite driver writes times under the
// _time_format=sqlite setting of database.SQLiteDSN; clicks inserted from
// JSON must compare with the others as text.
const sqliteTimeFormat = "2006-01-02 15:04:05.999999999-07:00"

// insertClicks stores a batch with one INSERT statement, skipping ids already
// stored (a batch stored again after a crash), so each click is stored
// exactly once. PostgreSQL gets a multi-row VALUES list. SQLite gets the rows
// as one JSON array expanded by jsonb_each: the pure-Go SQLite spends more
// CPU binding 1,400 parameters of a VALUES list or stepping one statement per
// row, and jsonb_each hands each row to ->> already parsed where json_each
// made every ->> parse the row's text again (BenchmarkInsertClicks). Written
// out rather than left to gorm's reflection: this runs for every click.
func insertClicks(db *gorm.DB, batch []Click) (int64, error) {
	if database.DialectOf(db) == database.Postgres {
		var stored int64
		// PostgreSQL takes at most 65,535 parameters in one statement.
		for start := 0; start < len(batch); start += 5000 {
			chunk := batch[start:min(start+5000, len(batch))]
			var sql strings.Builder
			sql.Grow(96 + 16*len(chunk))
			sql.WriteString(insertClickSQL + "VALUES ")
			args := make([]any, 0, 7*len(chunk))
			for i, c := range chunk {
				if i > 0 {
					sql.WriteByte(',')
				}
				sql.WriteString("(?,?,?,?,?,?,?)")
				args = append(args, c.ID, c.LinkID, c.InfluencerID, c.Visitor, c.At.UTC(), c.Valid, c.Reason)
			}
			sql.WriteString(" ON CONFLICT (id) DO NOTHING")
			res := db.Exec(sql.String(), args...)
			if res.Error != nil {
				return stored, res.Error
			}
			stored += res.RowsAffected
		}
		return stored, nil
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
