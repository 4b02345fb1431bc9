package indexing

import "testing"

func TestBackoff(t *testing.T) {
	for attempts, want := range map[int]string{1: "2s", 2: "4s", 5: "32s", 20: "5m0s"} {
		if got := Backoff(attempts).String(); got != want {
			t.Errorf("Backoff(%d) = %s, want %s", attempts, got, want)
		}
	}
}
