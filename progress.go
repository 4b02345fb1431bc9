package main

import (
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progressBar draws a bar on a terminal for work whose size the first report
// gives. The bar is made then, with its length: a bar of unknown length runs
// a spinner goroutine of its own that races with updates. report may be
// called from several goroutines.
type progressBar struct {
	mu   sync.Mutex
	w    io.Writer
	desc string
	bar  *progressbar.ProgressBar
}

func newProgressBar(w io.Writer, desc string) *progressBar {
	return &progressBar{w: w, desc: desc}
}

// report shows done of total.
func (p *progressBar) report(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if total <= 0 {
		return
	}
	if p.bar == nil {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(p.w), progressbar.OptionSetDescription(p.desc),
			progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	} else if total != p.bar.GetMax() {
		p.bar.ChangeMax(total)
	}
	_ = p.bar.Set(done)
}

// finish clears the bar.
func (p *progressBar) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
