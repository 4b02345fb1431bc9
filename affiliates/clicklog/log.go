package clicklog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The click log is where a click goes before its redirect is answered: an
// append-only file of length-prefixed, checksummed records in the data
// directory, one series of segments per instance. A write(2) that has
// returned is in the kernel's page cache and survives the process being
// killed; a syncer makes it survive a power loss within SyncEvery. The
// recorder's loader reads the segments back and stores the clicks in the
// database.
//
// Record layout (little-endian):
//
//	u32 length of the body | u32 CRC-32C of the body | body
//	body: u8 version (1) | i64 unix nanoseconds | uvarint link id |
//	      uvarint influencer id | uvarint len + click id | uvarint len + visitor |
//	      uvarint len + user agent
//
// A record cut short by a crash in the middle of its write, or not yet
// synced at a power loss, fails its length or checksum; reading stops there
// and the bytes after it are ignored (the redirect of such a click was never
// answered: its write had not returned).

const (
	recordVersion  = 1
	recordHeader   = 8
	maxRecordBody  = 8 << 10 // a user agent is cut to maxUserAgent, so a body is far below this
	maxUserAgent   = 512
	segmentPattern = "clicks-%s-%012d.log"
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// validInstance is what an instance id may look like: it names files and
// database rows.
var validInstance = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// ValidInstanceID reports whether id can name an instance's click log.
func ValidInstanceID(id string) bool { return validInstance.MatchString(id) }

// appendRecord encodes c after dst.
func appendRecord(dst []byte, c *Click) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, recordHeader)...)
	dst = append(dst, recordVersion)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(c.At.UnixNano()))
	dst = binary.AppendUvarint(dst, uint64(c.LinkID))
	dst = binary.AppendUvarint(dst, uint64(c.InfluencerID))
	ua := c.UserAgent
	if len(ua) > maxUserAgent {
		ua = ua[:maxUserAgent]
	}
	for _, s := range []string{c.ID, c.Visitor, ua} {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	body := dst[start+recordHeader:]
	binary.LittleEndian.PutUint32(dst[start:], uint32(len(body)))
	binary.LittleEndian.PutUint32(dst[start+4:], crc32.Checksum(body, crcTable))
	return dst
}

// errTorn marks bytes that are not a whole, intact record.
var errTorn = errors.New("torn or damaged click log record")

// decodeRecord reads the record at the start of b. It returns the click and
// the record's length, io.ErrUnexpectedEOF when b holds only the start of a
// record, or errTorn when the bytes cannot be a record.
func decodeRecord(b []byte) (Click, int, error) {
	if len(b) < recordHeader {
		return Click{}, 0, io.ErrUnexpectedEOF
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n < 12 || n > maxRecordBody {
		return Click{}, 0, errTorn
	}
	if len(b) < recordHeader+n {
		return Click{}, 0, io.ErrUnexpectedEOF
	}
	body := b[recordHeader : recordHeader+n]
	if crc32.Checksum(body, crcTable) != binary.LittleEndian.Uint32(b[4:]) || body[0] != recordVersion {
		return Click{}, 0, errTorn
	}
	c := Click{At: time.Unix(0, int64(binary.LittleEndian.Uint64(body[1:]))).UTC()}
	p := body[9:]
	var ok bool
	var v uint64
	if v, p, ok = uvarint(p); !ok {
		return Click{}, 0, errTorn
	}
	c.LinkID = int64(v)
	if v, p, ok = uvarint(p); !ok {
		return Click{}, 0, errTorn
	}
	c.InfluencerID = int64(v)
	for _, dst := range []*string{&c.ID, &c.Visitor, &c.UserAgent} {
		if v, p, ok = uvarint(p); !ok || v > uint64(len(p)) {
			return Click{}, 0, errTorn
		}
		*dst, p = string(p[:v]), p[v:]
	}
	if len(p) != 0 || c.ID == "" {
		return Click{}, 0, errTorn
	}
	return c, recordHeader + n, nil
}

func uvarint(p []byte) (uint64, []byte, bool) {
	v, n := binary.Uvarint(p)
	if n <= 0 {
		return 0, p, false
	}
	return v, p[n:], true
}

// segment is one file of the log. Only the log's active segment grows.
type segment struct {
	seq  uint64
	name string // file name in the log directory
	// size is how many bytes of it are whole records that may be read: what
	// this process has written, or the file's size for a segment of an
	// earlier run (whose tail may be torn).
	size atomic.Int64
	// sealed: no more appends (rotated, or left by an earlier run).
	sealed atomic.Bool
	// loaded is the offset up to which its clicks are stored.
	loaded atomic.Int64
	// earlier: left by an earlier run of this instance.
	earlier bool
	// Set by the loader when it has read a sealed segment to its end: the
	// offset after its last whole record.
	readDone bool
	validEnd int64
}

// clickLog appends clicks to the active segment. Appends hold a mutex only
// for the write(2); a syncer goroutine fsyncs what was written every
// syncEvery.
type clickLog struct {
	dir, instance string
	segmentBytes  int64
	syncEvery     time.Duration
	now           func() time.Time

	logger *slog.Logger
	// mapped: write segments through a memory mapping (where supported)
	// rather than write(2).
	mapped bool

	mu      sync.Mutex
	w       segmentWriter // the active segment's; nil until the first append after start or a rotation
	active  *segment
	segs    []*segment // every segment not yet deleted, oldest first
	nextSeq uint64
	lastAt  time.Time       // log order is time order: an append never goes back in time
	dirty   bool            // written since the last fsync
	retired []sealedSegment // rotated segments, to fsync and close
	closed  bool
	bufs    sync.Pool

	appended, failures atomic.Int64
	// unreadSince is when the oldest click the loader has not read yet was
	// appended (unix nanoseconds by now), 0 when it has read everything.
	unreadSince atomic.Int64

	syncStop, syncDone chan struct{}
}

// segmentWriter appends to one segment file.
type segmentWriter interface {
	// write appends b whole, or fails having written n bytes of it.
	write(b []byte) (n int, err error)
	// room says whether n more bytes fit.
	room(n int64) bool
	// sync makes what was written durable; it may run beside write.
	sync() error
	// finish syncs, cuts the file to size (the bytes of whole records) and
	// closes it.
	finish(size int64) error
}

// sealedSegment is a rotated segment's writer waiting for the syncer.
type sealedSegment struct {
	w    segmentWriter
	size int64
}

// fileWriter appends with write(2): each append is a system call.
type fileWriter struct {
	f     *os.File
	limit int64
	size  int64
}

func (w *fileWriter) write(b []byte) (int, error) {
	n, err := w.f.Write(b)
	w.size += int64(n)
	return n, err
}

func (w *fileWriter) room(n int64) bool { return w.size == 0 || w.size+n <= w.limit }
func (w *fileWriter) sync() error       { return w.f.Sync() }

func (w *fileWriter) finish(int64) error {
	return errors.Join(w.f.Sync(), w.f.Close())
}

// openClickLog finds the instance's segments left in dir by earlier runs.
// The first append creates a new segment after them.
func openClickLog(dir, instance string, segmentBytes int64, syncEvery time.Duration, now func() time.Time, logger *slog.Logger) (*clickLog, error) {
	if !ValidInstanceID(instance) {
		return nil, fmt.Errorf("click log: instance id %q: use 1–63 letters, digits, '.', '_' or '-'", instance)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("click log: %w", err)
	}
	l := &clickLog{dir: dir, instance: instance, segmentBytes: segmentBytes, syncEvery: syncEvery, now: now, logger: logger,
		mapped: mmapSupported, syncStop: make(chan struct{}), syncDone: make(chan struct{})}
	l.bufs.New = func() any { b := make([]byte, 0, 512); return &b }
	old, err := l.listSegments()
	if err != nil {
		return nil, err
	}
	for _, s := range old {
		st, err := os.Stat(filepath.Join(dir, s.name))
		if err != nil {
			return nil, fmt.Errorf("click log: %w", err)
		}
		s.size.Store(st.Size())
		s.sealed.Store(true)
		s.earlier = true
		l.nextSeq = s.seq + 1
	}
	l.segs = old
	if l.nextSeq == 0 {
		l.nextSeq = 1
	}
	go l.syncLoop()
	return l, nil
}

// listSegments returns the instance's segment files in dir, oldest first.
func (l *clickLog) listSegments() ([]*segment, error) {
	prefix := "clicks-" + l.instance + "-"
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		return nil, fmt.Errorf("click log: %w", err)
	}
	var out []*segment
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, ".log") {
			continue
		}
		seq, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(name, prefix), ".log"), 10, 64)
		if err != nil {
			continue
		}
		out = append(out, &segment{seq: seq, name: name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out, nil
}

// foreignSegments names segment files in dir that belong to other instance
// ids: this process does not load them.
func (l *clickLog) foreignSegments() []string {
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, "clicks-") && strings.HasSuffix(n, ".log") && !strings.HasPrefix(n, "clicks-"+l.instance+"-") {
			out = append(out, n)
		}
	}
	return out
}

// errLogClosed is returned by append after close.
var errLogClosed = errors.New("click log is closed")

// append writes c to the log; when it returns nil the click survives the
// process being killed. c.At is moved forward, if needed, to the time of the
// click appended before it, so that reading the log gives clicks in time
// order.
func (l *clickLog) append(c *Click) error {
	bp := l.bufs.Get().(*[]byte)
	defer l.bufs.Put(bp)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		l.failures.Add(1)
		return errLogClosed
	}
	if c.At.Before(l.lastAt) {
		c.At = l.lastAt
	}
	b := appendRecord((*bp)[:0], c)
	*bp = b
	if l.w == nil || !l.w.room(int64(len(b))) {
		if err := l.rotateLocked(); err != nil {
			l.failures.Add(1)
			return err
		}
	}
	n, err := l.w.write(b)
	if err != nil {
		// A short write leaves a torn record that readers stop at: seal the
		// segment so that the next click starts a new one after it.
		l.failures.Add(1)
		l.active.size.Add(int64(n))
		l.sealLocked()
		return fmt.Errorf("append click to %s: %w", l.active.name, err)
	}
	l.lastAt = c.At
	l.dirty = true
	l.active.size.Add(int64(n))
	if l.unreadSince.Load() == 0 {
		l.unreadSince.CompareAndSwap(0, l.now().UnixNano())
	}
	l.appended.Add(1)
	return nil
}

// rotateLocked seals the active segment and opens the next one.
func (l *clickLog) rotateLocked() error {
	l.sealLocked()
	for {
		s := &segment{seq: l.nextSeq, name: fmt.Sprintf(segmentPattern, l.instance, l.nextSeq)}
		l.nextSeq++
		path := filepath.Join(l.dir, s.name)
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o640)
		if errors.Is(err, os.ErrExist) {
			continue // left by another process with the same instance id; never write into it
		}
		if err != nil {
			return fmt.Errorf("open click log segment: %w", err)
		}
		var w segmentWriter = &fileWriter{f: f, limit: l.segmentBytes}
		if l.mapped {
			mw, err := newMappedWriter(f, l.segmentBytes)
			switch {
			case errors.Is(err, errors.ErrUnsupported): // a file system without fallocate
				l.mapped = false
				l.logger.Info("the click log's file system cannot reserve space; writing it with write(2)", "dir", l.dir)
			case err != nil:
				_ = f.Close()
				_ = os.Remove(path)
				return fmt.Errorf("open click log segment: %w", err)
			default:
				w = mw
			}
		}
		l.w, l.active = w, s
		l.segs = append(l.segs, s)
		l.dirty = true // the new file's directory entry
		return nil
	}
}

// sealLocked ends appends to the active segment; the syncer finishes its
// file.
func (l *clickLog) sealLocked() {
	if l.w == nil {
		return
	}
	l.retired = append(l.retired, sealedSegment{w: l.w, size: l.active.size.Load()})
	l.active.sealed.Store(true)
	l.w = nil
}

// segments returns the segments not yet deleted, oldest first.
func (l *clickLog) segments() []*segment {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*segment(nil), l.segs...)
}

// remove deletes a sealed segment whose clicks are all stored.
func (l *clickLog) remove(s *segment) error {
	if !s.sealed.Load() {
		return fmt.Errorf("click log: segment %s is still being written", s.name)
	}
	if err := os.Remove(filepath.Join(l.dir, s.name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("click log: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, x := range l.segs {
		if x == s {
			l.segs = append(l.segs[:i], l.segs[i+1:]...)
			break
		}
	}
	return nil
}

// syncLoop fsyncs the log every syncEvery until close.
func (l *clickLog) syncLoop() {
	defer close(l.syncDone)
	t := time.NewTicker(l.syncEvery)
	defer t.Stop()
	var lastLogged time.Time
	for {
		select {
		case <-t.C:
			if err := l.sync(); err != nil && time.Since(lastLogged) > 10*time.Second {
				lastLogged = time.Now()
				l.logger.Error("syncing the click log failed; clicks answered since the last sync would not survive a power loss", "err", err)
			}
		case <-l.syncStop:
			return
		}
	}
}

// sync makes what was written so far durable: the rotated segments, the
// active one and the directory (for new segment files).
func (l *clickLog) sync() error {
	l.mu.Lock()
	w, dirty, retired := l.w, l.dirty, l.retired
	l.dirty, l.retired = false, nil
	l.mu.Unlock()
	var errs []error
	for _, r := range retired {
		errs = append(errs, r.w.finish(r.size))
	}
	if dirty && w != nil {
		// The writer stays open while it is synced: only sealLocked takes
		// it out of use, and it hands it to retired instead of closing it.
		errs = append(errs, w.sync())
	}
	if dirty || len(retired) > 0 {
		errs = append(errs, syncDir(l.dir))
	}
	return errors.Join(errs...)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	return errors.Join(err, d.Close())
}

// close refuses further appends, seals the active segment and syncs
// everything.
func (l *clickLog) close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.sealLocked()
	l.mu.Unlock()
	close(l.syncStop)
	<-l.syncDone
	return l.sync()
}

// segmentReader reads whole records from one segment.
type segmentReader struct {
	seg  *segment
	f    *os.File
	buf  []byte
	data []byte // read but not yet decoded
	off  int64  // file offset just after data
}

// read returns the records of seg from offset from up to its readable size,
// at most max of them, each with the offset after it. done says the reader
// reached the end of a sealed segment; torn is how many bytes from the first
// record that is not whole and intact to the end are ignored.
func (r *segmentReader) read(dir string, seg *segment, from int64, max int) (recs []logRecord, done bool, torn int64, err error) {
	if r.seg != seg || r.off-int64(len(r.data)) != from {
		r.close()
		f, err := os.Open(filepath.Join(dir, seg.name))
		if err != nil {
			return nil, false, 0, err
		}
		r.seg, r.f, r.data, r.off = seg, f, nil, from
		if r.buf == nil {
			r.buf = make([]byte, 256<<10)
		}
	}
	sealed := seg.sealed.Load() // before size: a sealed segment's size is final
	size := seg.size.Load()
	pos := from
	for len(recs) < max {
		c, n, derr := decodeRecord(r.data)
		if derr == nil {
			r.data = r.data[n:]
			pos += int64(n)
			recs = append(recs, logRecord{click: c, seg: seg, end: pos})
			continue
		}
		if derr == errTorn {
			if sealed {
				zeros, err := r.zerosTo(pos, size)
				if err != nil {
					return recs, false, 0, err
				}
				if zeros {
					// The unused, reserved end of a mapped segment whose
					// process stopped before cutting it off.
					return recs, true, 0, nil
				}
			}
			return recs, sealed, size - pos, nil
		}
		if r.off >= size {
			if sealed && len(r.data) > 0 {
				return recs, true, size - pos, nil
			}
			return recs, sealed && len(r.data) == 0, 0, nil
		}
		// Keep the start of a record, then read more after it.
		keep := copy(r.buf, r.data)
		want := min(int64(len(r.buf)-keep), size-r.off)
		n, rerr := r.f.ReadAt(r.buf[keep:keep+int(want)], r.off)
		r.off += int64(n)
		r.data = r.buf[:keep+n]
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return recs, false, 0, rerr
		}
		if n == 0 {
			// The file is shorter than its recorded size: an earlier run's
			// size came from stat, so this cannot happen unless the file
			// was cut; treat the rest as torn.
			return recs, true, size - pos, nil
		}
	}
	return recs, false, 0, nil
}

// zerosTo reports whether the segment holds only zero bytes from pos to
// size.
func (r *segmentReader) zerosTo(pos, size int64) (bool, error) {
	buf := make([]byte, 64<<10)
	for pos < size {
		n, err := r.f.ReadAt(buf[:min(int64(len(buf)), size-pos)], pos)
		for _, b := range buf[:n] {
			if b != 0 {
				return false, nil
			}
		}
		pos += int64(n)
		if errors.Is(err, io.EOF) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
	}
	return true, nil
}

func (r *segmentReader) close() {
	if r.f != nil {
		_ = r.f.Close()
	}
	r.seg, r.f, r.data = nil, nil, nil
}

// logRecord is a click read from the log and where its record ends.
type logRecord struct {
	click Click
	seg   *segment
	end   int64
}
