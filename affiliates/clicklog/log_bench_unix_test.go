//go:build unix

package clicklog

import (
	"log/slog"
	"syscall"
	"testing"
	"time"
)

// BenchmarkClickLogAppend measures what a tracked redirect pays to keep its
// click: one append to the click log, from as many goroutines as
// GOMAXPROCS, with the log synced every 100 ms as in production. It reports
// the process's CPU time per append (the syncer's fsyncs included), for
// each way of writing segments.
func BenchmarkClickLogAppend(b *testing.B) {
	for _, mapped := range []bool{true, false} {
		if mapped && !mmapSupported {
			continue
		}
		b.Run(map[bool]string{true: "mapped", false: "write"}[mapped], func(b *testing.B) {
			log, err := openClickLog(b.TempDir(), "bench", 16<<20, 100*time.Millisecond, time.Now, slog.New(slog.DiscardHandler))
			if err != nil {
				b.Fatal(err)
			}
			log.mapped = mapped
			cpu0 := processCPU()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c := Click{ID: NewID(), LinkID: 12, InfluencerID: 34, Visitor: "0123456789abcdef0123456789abcdef", At: time.Now(),
						UserAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"}
					if err := log.append(&c); err != nil {
						b.Fatal(err)
					}
				}
			})
			if err := log.close(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/float64(b.N)/1000, "cpu-µs/op")
		})
	}
}

// processCPU is the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
