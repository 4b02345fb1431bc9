package account

import "testing"

func TestSafeNextRefusesOffsiteRedirects(t *testing.T) {
	for _, next := range []string{"//evil.example", "https://evil.example", "/\\evil.example", "evil", "javascript:alert(1)"} {
		if got := safeNext(next); got != "" {
			t.Errorf("safeNext(%q) = %q, want empty", next, got)
		}
	}
	if got := safeNext("/merchant/products?page=2"); got != "/merchant/products?page=2" {
		t.Errorf("safeNext kept local path as %q", got)
	}
}
