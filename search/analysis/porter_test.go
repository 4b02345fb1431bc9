package analysis

import (
	"bufio"
	"compress/gzip"
	"os"
	"strings"
	"testing"
)

// porterDepartures are the words of the reference vocabulary whose stem
// differs from the 1980 paper's (the reference output) because of the
// departures in Porter's C code that Warna keeps ("-bli" → "-ble", "-logi"
// → "-log"); words of one or two letters are left alone besides.
var porterDepartures = map[string]string{
	"apologies": "apolog", "apology": "apolog", "archaeologies": "archaeolog", "archaeology": "archaeolog",
	"assemblies": "assembl", "assembly": "assembl", "corruptibly": "corrupt", "dissembly": "dissembl",
	"dumbly": "dumbl", "forcibly": "forcibl", "horribly": "horribl", "humbly": "humbl", "ignobly": "ignobl",
	"inexpressibly": "inexpress", "infallibly": "infal", "nimbly": "nimbl", "palynologies": "palynolog",
	"palynology": "palynolog", "philologies": "philolog", "philology": "philolog", "phonologies": "phonolog",
	"phonology": "phonolog", "possibly": "possibl", "sensibly": "sensibl", "terribly": "terribl",
	"visibly": "visibl", "volubly": "volubl",
}

// TestPorterStemMatchesReference stems all 30,428 words of the reference
// vocabulary (testdata/porter) and expects the reference stem, except for
// the documented departures.
func TestPorterStemMatchesReference(t *testing.T) {
	f, err := os.Open("testdata/porter/voc-output.tsv.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	words, departed, wrong := 0, 0, 0
	lines := bufio.NewScanner(z)
	for lines.Scan() {
		word, ref, ok := strings.Cut(lines.Text(), "\t")
		if !ok {
			t.Fatalf("line %d: no tab in %q", words+1, lines.Text())
		}
		words++
		want := ref
		if d, ok := porterDepartures[word]; ok {
			want = d
			departed++
		} else if len([]rune(word)) <= 2 {
			want = word
		}
		if got := porterStem(word); got != want {
			if wrong++; wrong <= 20 {
				t.Errorf("porterStem(%q) = %q, want %q (reference %q)", word, got, want, ref)
			}
		}
	}
	if err := lines.Err(); err != nil {
		t.Fatal(err)
	}
	if words != 30428 || departed != len(porterDepartures) {
		t.Errorf("read %d words with %d departures, want 30428 and %d", words, departed, len(porterDepartures))
	}
	if wrong > 0 {
		t.Errorf("%d of %d stems differ", wrong, words)
	}
}

// TestPorterStemEdges covers what the vocabulary does not: upper case, other
// scripts, digits, and the rule that a suffix needs a letter before it.
func TestPorterStemEdges(t *testing.T) {
	for _, c := range []struct{ word, want string }{
		{"", ""}, {"a", "a"}, {"is", "is"}, {"ies", "ie"}, {"sses", "sse"}, {"ated", "at"}, {"eed", "e"},
		{"Dresses", "dress"}, {"RUNNING", "run"}, {"batiks", "batik"}, {"café", "café"}, {"cafés", "café"},
		{"2000s", "2000"}, {"kebaya", "kebaya"}, {"sepatu", "sepatu"}, {"relational", "relat"},
		{"hopefulness", "hope"}, {"yellowy", "yellowi"}, {"ıyed", "ıy"},
	} {
		if got := porterStem(c.word); got != c.want {
			t.Errorf("porterStem(%q) = %q, want %q", c.word, got, c.want)
		}
	}
}
