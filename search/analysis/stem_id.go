package analysis

// stemIndonesian is a light stemmer for Indonesian without a dictionary: the
// algorithm of F. Z. Tala, "A Study of Stemming Effects on Information
// Retrieval in Bahasa Indonesia" (University of Amsterdam, 2003), as
// Lucene's IndonesianStemmer implements it with derivational stemming on,
// which is what Elasticsearch's "indonesian" stemmer runs. Both backends
// must produce the same tokens, so it follows that implementation step for
// step, including its quirks ("menuduh" gives "uduh", "kemeja" "meja").
//
// Each step runs only while the word keeps more than two syllables
// (counted as vowels): first the particles -kah, -lah, -pun, then the
// possessives -ku, -mu, -nya; then the first-order prefixes (meng-, meny-,
// men-, mem-, me-, peng-, peny-, pen-, pem-, di-, ter-, ke-). When one was
// removed, a suffix (-kan, -an, -i) and then a second-order prefix (ber-,
// be-, per-, pe-) follow; when none was, the second-order prefix comes
// first and the suffix after. Which suffix may go depends on the prefix
// removed (ke-...-an keeps no -kan, di-...-an no -an, ber-...-i no -i).
func stemIndonesian(word string) string {
	s := idStemmer{text: []rune(word)}
	for _, r := range s.text {
		if isIDVowel(r) {
			s.syllables++
		}
	}
	if s.syllables > 2 {
		s.removeParticle()
	}
	if s.syllables > 2 {
		s.removePossessive()
	}
	s.stemDerivational()
	return string(s.text)
}

// The prefixes a suffix rule asks about.
const (
	removedKe = 1 << iota
	removedPeng
	removedDi
	removedMeng
	removedTer
	removedBer
	removedPe
)

type idStemmer struct {
	text      []rune
	syllables int
	flags     int
}

func isIDVowel(r rune) bool {
	switch r {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}

func (s *idStemmer) hasPrefix(p string) bool {
	if len(s.text) < len(p) {
		return false
	}
	for i, r := range p {
		if s.text[i] != r {
			return false
		}
	}
	return true
}

func (s *idStemmer) hasSuffix(p string) bool {
	n := len(s.text) - len(p)
	if n < 0 {
		return false
	}
	for i, r := range p {
		if s.text[n+i] != r {
			return false
		}
	}
	return true
}

// dropPrefix removes n runes from the front and one syllable.
func (s *idStemmer) dropPrefix(n int, flag int) {
	s.text = s.text[n:]
	s.flags |= flag
	s.syllables--
}

// dropSuffix removes n runes from the end and one syllable.
func (s *idStemmer) dropSuffix(n int) {
	s.text = s.text[:len(s.text)-n]
	s.syllables--
}

func (s *idStemmer) removeParticle() {
	if s.hasSuffix("kah") || s.hasSuffix("lah") || s.hasSuffix("pun") {
		s.dropSuffix(3)
	}
}

func (s *idStemmer) removePossessive() {
	switch {
	case s.hasSuffix("ku") || s.hasSuffix("mu"):
		s.dropSuffix(2)
	case s.hasSuffix("nya"):
		s.dropSuffix(3)
	}
}

func (s *idStemmer) stemDerivational() {
	before := len(s.text)
	if s.syllables > 2 {
		s.removeFirstOrderPrefix()
	}
	if len(s.text) != before {
		before = len(s.text)
		if s.syllables > 2 {
			s.removeSuffix()
		}
		if len(s.text) != before && s.syllables > 2 {
			s.removeSecondOrderPrefix()
		}
		return
	}
	if s.syllables > 2 {
		s.removeSecondOrderPrefix()
	}
	if s.syllables > 2 {
		s.removeSuffix()
	}
}

// vowelAt reports whether the rune at i is a vowel.
func (s *idStemmer) vowelAt(i int) bool { return i < len(s.text) && isIDVowel(s.text[i]) }

func (s *idStemmer) removeFirstOrderPrefix() {
	switch {
	case s.hasPrefix("meng"):
		s.dropPrefix(4, removedMeng)
	case s.hasPrefix("meny") && s.vowelAt(4):
		s.text[3] = 's' // menyapu → sapu
		s.dropPrefix(3, removedMeng)
	case s.hasPrefix("men"), s.hasPrefix("mem"):
		s.dropPrefix(3, removedMeng)
	case s.hasPrefix("me"):
		s.dropPrefix(2, removedMeng)
	case s.hasPrefix("peng"):
		s.dropPrefix(4, removedPeng)
	case s.hasPrefix("peny") && s.vowelAt(4):
		s.text[3] = 's' // penyapu → sapu
		s.dropPrefix(3, removedPeng)
	case s.hasPrefix("peny"):
		s.dropPrefix(4, removedPeng)
	case s.hasPrefix("pen") && s.vowelAt(3):
		s.text[2] = 't' // penulis → tulis
		s.dropPrefix(2, removedPeng)
	case s.hasPrefix("pen"), s.hasPrefix("pem"):
		s.dropPrefix(3, removedPeng)
	case s.hasPrefix("di"):
		s.dropPrefix(2, removedDi)
	case s.hasPrefix("ter"):
		s.dropPrefix(3, removedTer)
	case s.hasPrefix("ke"):
		s.dropPrefix(2, removedKe)
	}
}

func (s *idStemmer) removeSecondOrderPrefix() {
	switch {
	case s.hasPrefix("ber"):
		s.dropPrefix(3, removedBer)
	case len(s.text) == 7 && s.hasPrefix("belajar"):
		s.dropPrefix(3, removedBer)
	case s.hasPrefix("be") && len(s.text) > 4 && !s.vowelAt(2) && s.text[3] == 'e' && s.text[4] == 'r':
		s.dropPrefix(2, removedBer) // bekerja → kerja
	case s.hasPrefix("per"):
		s.dropPrefix(3, 0)
	case len(s.text) == 7 && s.hasPrefix("pelajar"):
		s.dropPrefix(3, 0)
	case s.hasPrefix("pe"):
		s.dropPrefix(2, removedPe)
	}
}

func (s *idStemmer) removeSuffix() {
	switch {
	case s.hasSuffix("kan") && s.flags&(removedKe|removedPeng|removedPe) == 0:
		s.dropSuffix(3)
	case s.hasSuffix("an") && s.flags&(removedDi|removedMeng|removedTer) == 0:
		s.dropSuffix(2)
	case s.hasSuffix("i") && !s.hasSuffix("si") && s.flags&(removedBer|removedKe|removedPeng) == 0:
		s.dropSuffix(1)
	}
}
