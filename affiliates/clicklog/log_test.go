package clicklog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/internal/proctest"
)

// logFiles lists the click log segments in dir.
func logFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "clicks-*.log"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func positionRows(t *testing.T, db *gorm.DB) []Position {
	t.Helper()
	var rows []Position
	if err := db.Order("segment").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return rows
}

// writers runs a test with each way of writing segments: through a memory
// mapping (where supported) and with write(2).
func writers(t *testing.T, test func(t *testing.T, mapped bool)) {
	for _, mapped := range []bool{true, false} {
		if mapped && !mmapSupported {
			continue
		}
		t.Run(map[bool]string{true: "mapped", false: "write"}[mapped], func(t *testing.T) { test(t, mapped) })
	}
}

// newTestRecorder is New writing its segments as mapped says.
func newTestRecorder(t *testing.T, db *gorm.DB, dir, instance string, mapped bool, opts Options) *Recorder {
	t.Helper()
	rec, err := New(db, dir, instance, opts)
	if err != nil {
		t.Fatal(err)
	}
	rec.log.mapped = mapped
	return rec
}

// appendOnly writes n clicks to a recorder that never starts its loader, as
// a process killed before loading them would leave them.
func appendOnly(t *testing.T, f *fixture, dir, instance string, n int, mapped bool) []string {
	t.Helper()
	rec := newTestRecorder(t, f.db, dir, instance, mapped, Options{})
	var ids []string
	for i := range n {
		c := testClick(NewID(), f.clock.Now(), fmt.Sprintf("visitor-%d", i))
		if err := rec.Record(c); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// load starts a recorder on dir and closes it, which stores everything in
// the log; it returns what the recorder did and what it logged.
func load(t *testing.T, f *fixture, dir, instance string) (Stats, string) {
	t.Helper()
	var logs proctest.Output
	rec, err := New(f.db, dir, instance, Options{FlushEvery: 5 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return rec.Stats(), logs.String()
}

func TestRecordEncoding(t *testing.T) {
	at := time.Date(2026, 3, 10, 12, 0, 0, 123456789, time.UTC)
	long := strings.Repeat("x", 2000)
	for _, c := range []Click{
		{ID: NewID(), LinkID: 1, InfluencerID: 2, Visitor: "0123456789abcdef0123456789abcdef", At: at, UserAgent: browserUA},
		{ID: "a", LinkID: 1 << 40, InfluencerID: 1<<62 + 5, Visitor: "", At: at, UserAgent: ""},
		{ID: NewID(), LinkID: 7, InfluencerID: 8, Visitor: "v", At: at, UserAgent: long},
	} {
		rec := appendRecord(nil, &c)
		got, n, err := decodeRecord(append(rec, 0xFF, 0x00)) // bytes after it are the next record's
		if err != nil || n != len(rec) {
			t.Fatalf("decode: n=%d err=%v, want %d nil", n, err, len(rec))
		}
		want := c
		want.UserAgent = c.UserAgent[:min(len(c.UserAgent), maxUserAgent)]
		if got != want {
			t.Errorf("round trip: got %+v, want %+v", got, want)
		}
		// Every record cut short is seen as cut short, never as a click.
		for cut := range len(rec) {
			if _, _, err := decodeRecord(rec[:cut]); !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("record cut to %d of %d bytes: err = %v, want unexpected EOF", cut, len(rec), err)
			}
		}
		// Every changed byte is caught (the length field may then ask for
		// more bytes than there are).
		for i := range rec {
			bad := bytes.Clone(rec)
			bad[i] ^= 0x41
			if _, _, err := decodeRecord(bad); err == nil {
				t.Fatalf("byte %d changed: decoded without error", i)
			} else if i >= 4 && !errors.Is(err, errTorn) {
				t.Fatalf("byte %d changed: err = %v, want a damaged record", i, err)
			}
		}
	}
}

func TestTornFinalRecordIgnoredOnReplay(t *testing.T) {
	torn := appendRecord(nil, testClick("torn0000000000000000000000000000", time.Now(), "v"))
	writers(t, func(t *testing.T, mapped bool) {
		for _, tc := range []struct {
			name string
			tail []byte
		}{
			{"half a record", torn[:len(torn)/2]},
			{"a header only", torn[:recordHeader]},
			{"a record with a changed byte", append(bytes.Clone(torn[:len(torn)-1]), torn[len(torn)-1]^1)},
			{"garbage", bytes.Repeat([]byte{0xA5}, 300)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := newFixture(t)
				dir := t.TempDir()
				ids := appendOnly(t, f, dir, "torn", 50, mapped)
				files := logFiles(t, dir)
				if len(files) != 1 {
					t.Fatalf("segments %v, want 1", files)
				}
				fh, err := os.OpenFile(files[0], os.O_WRONLY|os.O_APPEND, 0)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := fh.Write(tc.tail); err != nil {
					t.Fatal(err)
				}
				if err := fh.Close(); err != nil {
					t.Fatal(err)
				}
				st, logs := load(t, f, dir, "torn")
				if st.Loaded != 50 {
					t.Errorf("loaded %d clicks, want the 50 whole records", st.Loaded)
				}
				if !strings.Contains(logs, "incomplete record") || !strings.Contains(logs, fmt.Sprintf("bytes=%d", len(tc.tail))) {
					t.Errorf("the torn tail of %d bytes was not reported: %s", len(tc.tail), logs)
				}
				var stored []string
				if err := f.db.Model(&Click{}).Order("id").Pluck("id", &stored).Error; err != nil {
					t.Fatal(err)
				}
				slices.Sort(ids)
				if !slices.Equal(stored, ids) {
					t.Errorf("stored %d clicks, want the 50 appended", len(stored))
				}
				if left := logFiles(t, dir); len(left) != 0 {
					t.Errorf("segment with a torn tail not deleted after loading: %v", left)
				}
				if rows := positionRows(t, f.db); len(rows) != 0 {
					t.Errorf("positions left: %+v", rows)
				}
			})
		}
	})
}

// A process killed while writing a mapped segment leaves it at its reserved
// size, zeros after the last record: the zeros are not a torn record.
func TestKilledMappedSegmentLoadsToItsLastRecord(t *testing.T) {
	if !mmapSupported {
		t.Skip("segments are not memory-mapped on this system")
	}
	f := newFixture(t)
	dir := t.TempDir()
	killed := newTestRecorder(t, f.db, dir, "k", true, Options{SegmentBytes: 1 << 20})
	for i := range 30 {
		if err := killed.Record(testClick(NewID(), f.clock.Now(), fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	// No Close: the segment stays mapped and at its reserved size, as the
	// kernel keeps it after a kill -9.
	t.Cleanup(func() { _ = killed.log.close() })
	if st, err := os.Stat(logFiles(t, dir)[0]); err != nil || st.Size() != 1<<20 {
		t.Fatalf("segment of a live writer: %v %v, want its reserved 1 MiB", st, err)
	}
	st, logs := load(t, f, dir, "k")
	if st.Loaded != 30 || f.count(&Click{}) != 30 {
		t.Errorf("loaded %d, stored %d, want 30", st.Loaded, f.count(&Click{}))
	}
	if strings.Contains(logs, "incomplete record") {
		t.Errorf("the reserved zeros were reported as a torn record: %s", logs)
	}
}

func TestSegmentsRotateAndAreDeletedOnceLoaded(t *testing.T) {
	writers(t, testSegmentsRotate)
}

func testSegmentsRotate(t *testing.T, mapped bool) {
	f := newFixture(t)
	dir := t.TempDir()
	// FlushEvery of an hour: the loader stores only when Settle asks.
	rec := newTestRecorder(t, f.db, dir, "rot", mapped, Options{FlushEvery: time.Hour, SegmentBytes: 2048, BatchSize: 64})
	if err := rec.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 200 {
		c := testClick(NewID(), f.clock.Now(), fmt.Sprintf("visitor-%d", i))
		if err := rec.Record(c); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	files := logFiles(t, dir)
	if len(files) < 5 {
		t.Fatalf("%d segments for 200 clicks of ~110 bytes in 2 KiB segments, want at least 5", len(files))
	}
	for i, name := range files {
		if want := fmt.Sprintf("clicks-rot-%012d.log", i+1); filepath.Base(name) != want {
			t.Errorf("segment %d is %s, want %s", i, filepath.Base(name), want)
		}
		if st, err := os.Stat(name); err != nil || st.Size() > 2048 {
			t.Errorf("segment %s: size %v err %v, want at most 2 KiB", name, st.Size(), err)
		}
	}
	waitFor(t, "the syncer to finish the rotated segments", func() bool {
		for _, name := range files[:len(files)-1] { // cut to their records once finished
			if st, err := os.Stat(name); err != nil || st.Size() == 2048 {
				return false
			}
		}
		return true
	})
	if n := f.count(&Click{}); n != 0 {
		t.Fatalf("%d clicks stored before Settle", n)
	}
	if err := rec.Settle(context.Background(), ids[len(ids)-1:]); err != nil {
		t.Fatal(err)
	}
	if n := f.count(&Click{}); n != 200 {
		t.Fatalf("after Settle %d clicks stored, want 200", n)
	}
	if left := logFiles(t, dir); len(left) != 1 || filepath.Base(left[0]) != filepath.Base(files[len(files)-1]) {
		t.Errorf("segments left %v, want only the one being written (%s)", left, filepath.Base(files[len(files)-1]))
	}
	if rows := positionRows(t, f.db); len(rows) != 1 || rows[0].Segment != filepath.Base(files[len(files)-1]) {
		t.Errorf("positions %+v, want only the active segment's", rows)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if left := logFiles(t, dir); len(left) != 0 {
		t.Errorf("segments left after Close: %v", left)
	}
	if rows := positionRows(t, f.db); len(rows) != 0 {
		t.Errorf("positions left after Close: %+v", rows)
	}
	if st := rec.Stats(); st.Appended != 200 || st.Loaded != 200 || st.UnloadedBytes != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestReplayIsIdempotent(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	appendOnly(t, f, dir, "again", 100, mmapSupported)
	files := logFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("segments %v", files)
	}
	saved, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	// The same visitor twice: the second is a repeat, and must stay one.
	if st, _ := load(t, f, dir, "again"); st.Loaded != 100 {
		t.Fatalf("first load: %+v", st)
	}
	before := storedClicks(t, f.db)
	// The segment comes back, its position forgotten: as if a crash had
	// struck between storing its clicks and deleting it, and the position
	// had been lost as well. Loading it again must add nothing.
	if err := os.WriteFile(files[0], saved, 0o640); err != nil {
		t.Fatal(err)
	}
	if st, _ := load(t, f, dir, "again"); st.Loaded != 100 {
		t.Fatalf("second load read %d clicks, want the 100 again", st.Loaded)
	}
	after := storedClicks(t, f.db)
	if len(after) != len(before) {
		t.Fatalf("%d clicks after loading the segment again, want %d", len(after), len(before))
	}
	for i := range before {
		if before[i] != after[i] {
			t.Errorf("click %d changed: %+v → %+v", i, before[i], after[i])
		}
	}
	if left := logFiles(t, dir); len(left) != 0 {
		t.Errorf("segments left: %v", left)
	}
}

func TestLoadResumesAtStoredPosition(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	appendOnly(t, f, dir, "resume", 100, mmapSupported)
	files := logFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("segments %v", files)
	}
	// A first run stored 40 clicks with their position, then was killed.
	seg := &segment{name: filepath.Base(files[0])}
	st, err := os.Stat(files[0])
	if err != nil {
		t.Fatal(err)
	}
	seg.size.Store(st.Size())
	seg.sealed.Store(true)
	var r segmentReader
	recs, _, _, err := r.read(dir, seg, 0, 40)
	r.close()
	if err != nil || len(recs) != 40 {
		t.Fatalf("read %d records: %v", len(recs), err)
	}
	batch := make([]Click, 40)
	for i, rec := range recs {
		batch[i] = rec.click
		batch[i].Valid = true
	}
	err = f.db.Transaction(func(tx *gorm.DB) error {
		if _, err := insertClicks(tx, batch); err != nil {
			return err
		}
		return tx.Exec(upsertPositionSQL, seg.name, recs[39].end, time.Now()).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := load(t, f, dir, "resume"); got.Loaded != 60 {
		t.Errorf("the restart read %d clicks, want the 60 after the stored position", got.Loaded)
	}
	if n := f.count(&Click{}); n != 100 {
		t.Errorf("%d clicks stored, want 100", n)
	}
}

func TestSecondRecorderOnSameInstanceNeverWritesIntoFirstsSegment(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	a, err := New(f.db, dir, "twin", Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(f.db, dir, "twin", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, rec := range []*Recorder{a, b, a, b} {
		if err := rec.Record(testClick(NewID(), f.clock.Now(), fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	for _, rec := range []*Recorder{a, b} {
		if err := rec.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if files := logFiles(t, dir); len(files) != 2 {
		t.Fatalf("segments %v, want one per recorder", files)
	}
	if st, _ := load(t, f, dir, "twin"); st.Loaded != 4 {
		t.Errorf("loaded %d, want 4", st.Loaded)
	}
}
