package analysis

import "testing"

// TestStemIndonesian checks the stemmer on the examples of Lucene's
// TestIndonesianStemmer (the algorithm's reference implementation, which
// Elasticsearch runs), then on words from product titles.
func TestStemIndonesian(t *testing.T) {
	cases := map[string]string{
		// Lucene's testExamples
		"bukukah": "buku", "adalah": "ada", "bukupun": "buku", "bukuku": "buku", "bukumu": "buku",
		"bukunya": "buku", "mengukur": "ukur", "menyapu": "sapu", "menduga": "duga", "menuduh": "uduh",
		"membaca": "baca", "merusak": "rusak", "pengukur": "ukur", "penyapu": "sapu", "penduga": "duga",
		"pembaca": "baca", "diukur": "ukur", "tersapu": "sapu", "kekasih": "kasih", "berlari": "lari",
		"belajar": "ajar", "bekerja": "kerja", "perjelas": "jelas", "pelajar": "ajar", "pekerja": "kerja",
		"tarikkan": "tarik", "ambilkan": "ambil", "mengambilkan": "ambil", "makanan": "makan",
		"janjian": "janji", "perjanjian": "janji", "tandai": "tanda", "dapati": "dapat",
		"mendapati": "dapat", "pantai": "panta",
		// Lucene's testIRExamples
		"penyalahgunaan": "salahguna", "menyalahgunakan": "salahguna", "disalahgunakan": "salahguna",
		"pertanggungjawaban": "tanggungjawab", "mempertanggungjawabkan": "tanggungjawab",
		"dipertanggungjawabkan": "tanggungjawab", "pelaksanaan": "laksana", "pelaksana": "laksana",
		"melaksanakan": "laksana", "dilaksanakan": "laksana", "melibatkan": "libat", "terlibat": "libat",
		"penculikan": "culik", "menculik": "culik", "diculik": "culik", "penculik": "culik",
		"perubahan": "ubah", "peledakan": "ledak", "penanganan": "tangan", "kepolisian": "polisi",
		"kenaikan": "naik", "bersenjata": "senjata", "penyelewengan": "seleweng", "kecelakaan": "celaka",
		"gigi": "gigi", "": "",
		// Lucene's TestIndonesianAnalyzer
		"pembunuhan": "bunuh",
		// product words: short words are left alone, affixes go
		"batik": "batik", "merah": "merah", "celana": "celana", "sepatu": "sepatu", "tas": "tas",
		"pakaian": "pakai", "rajutan": "rajut", "kemerahan": "merah", "tasnya": "tasnya",
		"kemejanya": "meja", "sepatunya": "sepatu", "bajulah": "baju", "penutup": "tutup",
	}
	for in, want := range cases {
		if got := stemIndonesian(in); got != want {
			t.Errorf("stemIndonesian(%q) = %q, want %q", in, got, want)
		}
	}
}
