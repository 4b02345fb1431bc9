//go:build !linux

package clicklog

import (
	"errors"
	"os"
)

// mmapSupported: elsewhere segments are written with write(2).
const mmapSupported = false

func newMappedWriter(*os.File, int64) (segmentWriter, error) {
	return nil, errors.ErrUnsupported
}
