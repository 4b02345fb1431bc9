//go:build linux

package clicklog

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// mmapSupported: on Linux segments are written through a memory mapping.
const mmapSupported = true

// mappedWriter appends by copying into a shared memory mapping of the
// segment file: no system call per click (a write(2) cost a tracked
// redirect about as much CPU as all its other work). The mapped pages are
// the file's page cache, so a click copied in survives the process being
// killed exactly as a completed write(2) does, and fsync writes them to
// disk. fallocate reserves the segment's blocks first, so a full disk fails
// the rotation (the click is then not answered with a cookie) instead of a
// later page fault.
type mappedWriter struct {
	f    *os.File
	mem  []byte
	size int
}

func newMappedWriter(f *os.File, capacity int64) (*mappedWriter, error) {
	fd := int(f.Fd())
	if err := syscall.Fallocate(fd, 0, 0, capacity); err != nil {
		return nil, fmt.Errorf("reserve %d bytes: %w", capacity, err)
	}
	mem, err := syscall.Mmap(fd, 0, int(capacity), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("map segment: %w", err)
	}
	return &mappedWriter{f: f, mem: mem}, nil
}

var errSegmentFull = errors.New("click log segment full")

func (w *mappedWriter) write(b []byte) (int, error) {
	if len(b) > len(w.mem)-w.size {
		return 0, errSegmentFull
	}
	w.size += copy(w.mem[w.size:], b)
	return len(b), nil
}

func (w *mappedWriter) room(n int64) bool { return int64(w.size)+n <= int64(len(w.mem)) }

// sync: fsync writes back the pages dirtied through the mapping too.
func (w *mappedWriter) sync() error { return w.f.Sync() }

// finish unmaps the segment and cuts off the reserved space after its last
// record.
func (w *mappedWriter) finish(size int64) error {
	err := w.f.Sync()
	if w.mem != nil {
		err = errors.Join(err, syscall.Munmap(w.mem))
		w.mem = nil
	}
	return errors.Join(err, w.f.Truncate(size), w.f.Sync(), w.f.Close())
}
