package colour

// The colour words of Indonesian shoppers and sellers, beside the English
// family names and the XKCD survey names of names.go. terms.go turns them
// into ColourTerms; the tables here are only data.

// indonesianFamilyWords are the basic Indonesian colour terms, each a whole
// family (a region, like "red"). Spelling variants sellers use are listed
// too: "abu-abu" is tokenised as "abu abu"; "abu2" is the shorthand of the
// doubled word. "Merah muda" (literally young red) is pink, and "krem" is
// the beige family, as shops file cream and beige goods under it.
var indonesianFamilyWords = map[string]Family{
	"merah": Red, "biru": Blue, "hijau": Green, "kuning": Yellow,
	"hitam": Black, "putih": White, "abu abu": Gray, "abu": Gray, "abu2": Gray,
	"kelabu": Gray, "coklat": Brown, "cokelat": Brown, "ungu": Purple,
	"oranye": Orange, "jingga": Orange, "merah muda": Pink, "krem": Beige,
}

// Modifiers of a basic Indonesian colour: "biru tua" is dark blue, "hijau
// muda" light green. Tua (old) and gelap (dark) darken; muda (young) and
// terang (light) lighten.
var indonesianModifiers = map[string]int{"tua": 0, "gelap": 0, "muda": 1, "terang": 1}

// familyShades are the dark and light shade of each family a modifier
// names, chosen as the colours the phrases mean in shops (a dark yellow is
// a deep golden yellow, not the olive that darkening yellow in Lab gives;
// a light blue is a sky blue; "merah terang" is a bright red, as light
// red is "merah muda", pink). TestIndonesianShades checks that each is
// named as its own family and that the dark one is darker.
var familyShades = map[Family][2]string{
	Red: {"#8b1a1a", "#f23a30"}, Orange: {"#c2560f", "#f8b47a"}, Yellow: {"#d9a80c", "#f9e76b"},
	Green: {"#1e5631", "#9ed9a0"}, Teal: {"#0d5c5c", "#8fd6d0"}, Blue: {"#1a3a7a", "#9cc8f0"},
	Purple: {"#4b1f73", "#c9a7eb"}, Pink: {"#b0306a", "#f7b6d0"}, Brown: {"#4a2c1a", "#b88a65"},
	Beige: {"#b8a07a", "#f0e6d0"}, Gray: {"#505050", "#c8c8c8"},
}

// shadeTolerance is the tolerance of a shaded family ("biru tua").
const shadeTolerance = 12.0

// sellerWord is a fine colour name as sellers write it in titles, with the
// colour they mean and how far from it a product still answers to the name
// (ΔE00 at which a swatch counts about half; it reaches twice as far).
// Names near white are tight (sellers tell broken white from cream), strong
// named colours wider.
type sellerWord struct {
	names     []string // the spellings; the first is the canonical one
	hex       string
	tolerance float64
}

// sellerWords are the colour words of Indonesian listings ("kemeja batik
// merah maroon", "gamis broken white", "tas tosca"), most of them English or
// Dutch loans. Where the XKCD survey has the same name its colour is
// replaced by the one shops mean: the survey's khaki, cream, mint and navy
// are a greenish tan, a pale yellow, a neon green and a near-black.
var sellerWords = []sellerWord{
	{[]string{"broken white", "brokenwhite", "bw"}, "#f0ece2", 7},
	{[]string{"putih tulang"}, "#eeeadf", 7},
	{[]string{"cream", "creme"}, "#f2e6c9", 8},
	{[]string{"tosca", "toska", "tosca green", "hijau tosca", "hijau toska"}, "#1fb5a3", 12},
	{[]string{"mocca", "moka", "mocha", "moca", "mocca brown"}, "#a07f66", 10},
	{[]string{"army", "hijau army", "army green"}, "#4f5a2a", 12},
	{[]string{"salem", "salmon", "pink salem"}, "#f4a08c", 10},
	{[]string{"coksu", "coklat susu", "cokelat susu"}, "#a57b5b", 10},
	{[]string{"milo", "coklat milo"}, "#9a7560", 10},
	{[]string{"maroon", "merah maroon", "marun"}, "#7b1a24", 12},
	{[]string{"navy", "biru navy", "dongker", "biru dongker", "navy blue"}, "#1f2a48", 12},
	{[]string{"dusty pink", "dusty rose", "pink dusty"}, "#d3a1a3", 10},
	{[]string{"sage", "sage green", "hijau sage"}, "#9caf88", 10},
	{[]string{"terracotta", "terakota", "terracota", "merah bata", "bata"}, "#c0583b", 12},
	{[]string{"nude"}, "#e2bfa3", 10},
	{[]string{"lilac", "lilak", "ungu lilac"}, "#c2a2cc", 10},
	{[]string{"mustard", "kuning mustard", "mustard yellow"}, "#d9a514", 12},
	{[]string{"olive", "hijau olive", "olive green", "hijau zaitun"}, "#707d32", 12},
	{[]string{"denim", "biru denim", "denim blue"}, "#3e5f8a", 12},
	{[]string{"khaki", "kaki", "khaky"}, "#c3ae8c", 10},
	{[]string{"burgundy", "merah burgundy", "burgundi"}, "#7c1c34", 12},
	{[]string{"fuchsia", "fuschia", "fuksia", "pink fuchsia"}, "#d2338f", 12},
	{[]string{"fanta", "pink fanta", "merah fanta"}, "#e4306f", 12},
	{[]string{"mint", "hijau mint", "mint green"}, "#a3dcb4", 10},
	{[]string{"peach", "pich", "persik"}, "#f9b58f", 10},
	{[]string{"emas", "gold", "keemasan"}, "#cfa63a", 12},
	{[]string{"perak", "silver", "keperakan"}, "#bfc1c2", 10},
	{[]string{"sky blue", "biru langit"}, "#80bde6", 12},
	{[]string{"bottle green", "hijau botol"}, "#1e5b3c", 12},
}

// notColourAlone are seller words that, alone in free text, usually mean
// something else: "denim" is the cloth, "bata" also a shoe brand, "gold" and
// "silver" the metal or a tier ("gold member"). They still parse as colours
// (colors=denim, `warna colors gold`) and inside longer names ("biru
// denim", "merah bata").
var notColourAlone = map[string]bool{
	"bata": true, "gold": true, "silver": true, "kaki": true, "bw": true,
}
