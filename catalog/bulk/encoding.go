package bulk

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/warna/warna/fault"
)

// Text encodings an import file is read in, as the report names them.
const (
	EncodingUTF8        = "UTF-8"
	EncodingUTF8BOM     = "UTF-8 with BOM"
	EncodingUTF16LE     = "UTF-16 LE"
	EncodingUTF16BE     = "UTF-16 BE"
	EncodingWindows1252 = "Windows-1252"
)

// decodeText returns an import file as UTF-8 with the name of the encoding
// it was read in. Spreadsheet programs save CSV as UTF-8 (with or without a
// byte order mark), as UTF-16 with a byte order mark ("Unicode text") or in
// the Windows code page, which for the Latin alphabet is Windows-1252 (a
// superset of Latin-1's printable characters): a file that is not valid
// UTF-8 and has no UTF-16 mark is read as Windows-1252. Every byte is a
// character there, so the result is always valid UTF-8, which PostgreSQL
// requires of text.
func decodeText(data []byte) ([]byte, string, error) {
	switch {
	case bytes.HasPrefix(data, []byte("\xef\xbb\xbf")):
		return bytes.ToValidUTF8(data[3:], []byte("\uFFFD")), EncodingUTF8BOM, nil
	case bytes.HasPrefix(data, []byte("\xff\xfe")):
		return decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), data[2:], EncodingUTF16LE)
	case bytes.HasPrefix(data, []byte("\xfe\xff")):
		return decodeWith(unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), data[2:], EncodingUTF16BE)
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return nil, "", fault.FieldInvalidf("file", "this is an Excel workbook or another zip archive, not a CSV file: open it in your spreadsheet program, save it as CSV (UTF-8) and import that")
	}
	if endian, ok := utf16WithoutMark(data); ok {
		name := EncodingUTF16LE
		if endian == unicode.BigEndian {
			name = EncodingUTF16BE
		}
		return decodeWith(unicode.UTF16(endian, unicode.IgnoreBOM), data, name)
	}
	if utf8.Valid(data) {
		return data, EncodingUTF8, nil
	}
	return decodeWith(charmap.Windows1252, data, EncodingWindows1252)
}

func decodeWith(enc encoding.Encoding, data []byte, name string) ([]byte, string, error) {
	text, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return nil, "", fault.FieldInvalidf("file", "the file could not be read as %s: %v", name, err)
	}
	return bytes.ToValidUTF8(text, []byte("\uFFFD")), name, nil
}

// utf16WithoutMark recognises UTF-16 text saved without a byte order mark:
// in the Latin alphabet every other byte is zero, which no CSV in an 8-bit
// encoding has.
func utf16WithoutMark(data []byte) (unicode.Endianness, bool) {
	n := min(len(data), 1024) &^ 1
	if n < 8 {
		return unicode.LittleEndian, false
	}
	var evenZeros, oddZeros int
	for i := 0; i < n; i += 2 {
		if data[i] == 0 {
			evenZeros++
		}
		if data[i+1] == 0 {
			oddZeros++
		}
	}
	pairs := n / 2
	switch {
	case oddZeros*10 >= pairs*7 && evenZeros*10 < pairs:
		return unicode.LittleEndian, true
	case evenZeros*10 >= pairs*7 && oddZeros*10 < pairs:
		return unicode.BigEndian, true
	}
	return unicode.LittleEndian, false
}
