package imaging

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"slices"
)

// jpegFile is what the markers of a JPEG say about it, read by walking the
// whole file (segments and entropy-coded data, without decoding any of it)
// before a decoder is chosen.
type jpegFile struct {
	frame         byte // SOF marker: 0xC0 baseline, 0xC1 extended, 0xC2 progressive, …
	precision     int  // bits per sample
	width, height int
	components    []jpegComponent
	restarts      bool // some DRI segment sets a non-zero restart interval
	adobe         bool // an Adobe APP14 segment is present
	transform     byte // its colour transform: 0 none (RGB or CMYK), 1 YCbCr, 2 YCCK
	orientation   int  // EXIF orientation, 1 to 8
	icc           []byte
	complete      bool // the file reaches its EOI marker
}

type jpegComponent struct {
	id   byte
	h, v int // sampling factors
}

// JPEG markers the reader needs by name.
const (
	markerSOF0 = 0xC0
	markerSOF2 = 0xC2
	markerDHT  = 0xC4
	markerDAC  = 0xCC
	markerSOI  = 0xD8
	markerEOI  = 0xD9
	markerSOS  = 0xDA
	markerDRI  = 0xDD
	markerAPP1 = 0xE1
	markerAPP2 = 0xE2
	markerAPPE = 0xEE
)

// readJPEGFile walks data from SOI to EOI. It fails only when the structure
// itself is broken (no frame header, a segment running past the end); a file
// cut short inside its image data reads with complete false.
func readJPEGFile(data []byte) (jpegFile, error) {
	f := jpegFile{orientation: 1}
	if len(data) < 4 || data[0] != 0xFF || data[1] != markerSOI {
		return f, fmt.Errorf("no JPEG start marker")
	}
	var icc iccChunks
	pos := 2
	for {
		marker, next, ok := nextMarker(data, pos)
		if !ok {
			break
		}
		pos = next
		switch {
		case marker == markerEOI:
			f.complete = true
			f.icc = icc.profile()
			return f, f.checkFrame()
		case marker >= 0xD0 && marker <= 0xD7 || marker == 0x01: // RSTn, TEM: no length
			continue
		}
		if pos+2 > len(data) {
			break
		}
		length := int(binary.BigEndian.Uint16(data[pos:]))
		if length < 2 {
			return f, fmt.Errorf("segment %#x has length %d", marker, length)
		}
		if pos+length > len(data) {
			break
		}
		body := data[pos+2 : pos+length]
		pos += length
		switch {
		case isSOF(marker):
			if f.frame != 0 {
				continue // a hierarchical file's later frames: the first one decides
			}
			if err := f.readFrame(marker, body); err != nil {
				return f, err
			}
		case marker == markerDRI && len(body) >= 2:
			f.restarts = f.restarts || binary.BigEndian.Uint16(body) != 0
		case marker == markerAPP1 && f.orientation == 1 && bytes.HasPrefix(body, []byte("Exif\x00\x00")):
			f.orientation = tiffOrientation(body[6:])
		case marker == markerAPP2:
			icc.add(body)
		case marker == markerAPPE && len(body) >= 12 && bytes.HasPrefix(body, []byte("Adobe")):
			f.adobe, f.transform = true, body[11]
		case marker == markerSOS:
			pos = skipEntropyData(data, pos)
		}
	}
	if f.frame == 0 {
		return f, fmt.Errorf("no frame header before the end of the file")
	}
	f.icc = icc.profile()
	return f, f.checkFrame()
}

// nextMarker finds the marker at pos, skipping fill bytes, and returns it
// with the position of its segment's length field.
func nextMarker(data []byte, pos int) (marker byte, next int, ok bool) {
	// Like libjpeg, skip stray bytes before a marker and fill bytes.
	for pos+1 < len(data) && (data[pos] != 0xFF || data[pos+1] == 0xFF || data[pos+1] == 0x00) {
		pos++
	}
	if pos+1 >= len(data) {
		return 0, pos, false
	}
	return data[pos+1], pos + 2, true
}

// skipEntropyData returns the position of the first marker after the
// entropy-coded data starting at pos: 0xFF followed by anything but a
// stuffed zero, a restart marker or a fill byte. It returns len(data) when
// the data runs to the end of the file.
func skipEntropyData(data []byte, pos int) int {
	for {
		i := bytes.IndexByte(data[pos:], 0xFF)
		if i < 0 || pos+i+1 >= len(data) {
			return len(data)
		}
		pos += i
		switch b := data[pos+1]; {
		case b == 0x00 || b >= 0xD0 && b <= 0xD7:
			pos += 2
		case b == 0xFF:
			pos++
		default:
			return pos
		}
	}
}

func isSOF(m byte) bool {
	return m >= 0xC0 && m <= 0xCF && m != markerDHT && m != 0xC8 && m != markerDAC
}

// readFrame reads a start-of-frame segment.
func (f *jpegFile) readFrame(marker byte, body []byte) error {
	if len(body) < 6 {
		return fmt.Errorf("frame header of %d bytes", len(body))
	}
	n := int(body[5])
	if n == 0 || len(body) < 6+3*n {
		return fmt.Errorf("frame header with %d components in %d bytes", n, len(body))
	}
	f.frame = marker
	f.precision = int(body[0])
	f.height = int(binary.BigEndian.Uint16(body[1:]))
	f.width = int(binary.BigEndian.Uint16(body[3:]))
	for i := range n {
		c := body[6+3*i:]
		f.components = append(f.components, jpegComponent{id: c[0], h: int(c[1] >> 4), v: int(c[1] & 15)})
	}
	return nil
}

func (f jpegFile) checkFrame() error {
	if f.frame == 0 {
		return fmt.Errorf("no frame header")
	}
	if f.width == 0 || f.height == 0 {
		return fmt.Errorf("frame of %d × %d pixels", f.width, f.height)
	}
	for _, c := range f.components {
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 {
			return fmt.Errorf("component %d has sampling factors %d×%d", c.id, c.h, c.v)
		}
	}
	return nil
}

// config is the image.Config the frame header describes.
func (f jpegFile) config() image.Config {
	model := color.YCbCrModel
	switch {
	case len(f.components) == 1:
		model = color.GrayModel
	case len(f.components) == 4:
		model = color.CMYKModel
	}
	return image.Config{ColorModel: model, Width: f.width, Height: f.height}
}

// unreadable says, in words for the person who uploaded the file, why no
// decoder here can read it, or returns "" when image/jpeg can.
func (f jpegFile) unreadable() string {
	const again = "save it again as a standard JPEG (for example with “Export” or “Save as”) and upload that file"
	switch {
	case f.frame >= 0xC9 && f.frame <= 0xCF:
		return "this JPEG uses arithmetic coding, which Warna cannot read: " + again
	case f.frame == 0xC3 || f.frame == 0xC7:
		return "this is a lossless JPEG, which Warna cannot read: " + again
	case f.frame == 0xC5 || f.frame == 0xC6:
		return "this is a hierarchical JPEG, which Warna cannot read: " + again
	case f.precision != 8:
		return fmt.Sprintf("this JPEG has %d-bit samples, which Warna cannot read (only 8-bit): %s", f.precision, again)
	case len(f.components) != 1 && len(f.components) != 3 && len(f.components) != 4:
		return fmt.Sprintf("this JPEG has %d colour components, which Warna cannot read: %s", len(f.components), again)
	case !f.complete:
		// Refused rather than decoded in part: libjpeg fills the missing
		// rows with grey and image/jpeg fails, and a grey band would count
		// in the palette as part of the product.
		return "the JPEG file is cut short (its end is missing): upload the complete file"
	case f.needsSplit() && !f.splittable():
		return "this progressive JPEG has restart markers and an unusual colour layout, which Warna cannot read: " + again
	}
	return ""
}

// needsSplit reports whether image/jpeg can read the file only through
// decodeSplitProgressive: progressive, with restart markers and subsampled
// chroma.
func (f jpegFile) needsSplit() bool {
	return f.frame == markerSOF2 && f.restarts && f.subsampled()
}

// subsampled reports whether the components of a colour image have
// different sampling factors.
func (f jpegFile) subsampled() bool {
	return len(f.components) > 1 && slices.ContainsFunc(f.components, func(c jpegComponent) bool {
		return c.h != f.components[0].h || c.v != f.components[0].v
	})
}

// fastSamplings are the luma sampling factors (chroma 1×1) with which jpegn
// v0.3.0 decodes like libjpeg-turbo: 4:4:4, 4:2:2, 4:2:0, 4:4:0 and 4:1:1,
// each proven by TestDecodeMatchesLibjpeg.
var fastSamplings = [][2]int{{1, 1}, {2, 1}, {2, 2}, {1, 2}, {4, 1}}

// fast reports whether jpegn v0.3.0 decodes files of this kind exactly like
// image/jpeg and libjpeg-turbo: baseline only. TestDecodeMatchesLibjpeg
// checks every kind it admits against djpeg and image/jpeg on files made by
// jpegtran and cjpeg; everything else goes to image/jpeg. Found by that
// test: jpegn turns files with restart markers into a uniform or scrambled
// picture, decodes arithmetic coding and CMYK as garbage without an error,
// misplaces the rows of progressive files whose width is not a whole number
// of MCUs, and gets blocks of other progressive files wrong by up to 20
// levels (the last block row of a 640 × 400 4:2:2 file from cjpeg).
func (f jpegFile) fast() bool {
	if f.frame != markerSOF0 || f.precision != 8 || f.restarts || !f.complete {
		return false
	}
	switch len(f.components) {
	case 1:
		return f.components[0].h == 1 && f.components[0].v == 1
	case 3:
		// No Adobe segment, or one that says YCbCr; not the 'R', 'G', 'B'
		// component ids by which image/jpeg recognises an RGB JPEG.
		if f.adobe && f.transform != 1 || string([]byte{f.components[0].id, f.components[1].id, f.components[2].id}) == "RGB" {
			return false
		}
		y, cb, cr := f.components[0], f.components[1], f.components[2]
		return cb.h == 1 && cb.v == 1 && cr.h == 1 && cr.v == 1 && slices.Contains(fastSamplings, [2]int{y.h, y.v})
	}
	return false
}

// iccChunks collects the APP2 segments that carry an ICC profile in pieces
// ("ICC_PROFILE\0", sequence number from 1, count, data).
type iccChunks struct {
	count  int
	chunks map[int][]byte
}

func (c *iccChunks) add(body []byte) {
	const sig = "ICC_PROFILE\x00"
	if len(body) < len(sig)+2 || string(body[:len(sig)]) != sig {
		return
	}
	seq, count := int(body[len(sig)]), int(body[len(sig)+1])
	if seq < 1 || count < 1 || seq > count || c.count != 0 && count != c.count {
		return
	}
	if c.chunks == nil {
		c.chunks = map[int][]byte{}
	}
	c.count = count
	c.chunks[seq] = body[len(sig)+2:]
}

// profile reassembles the chunks in sequence order, or returns nil when
// any is missing.
func (c *iccChunks) profile() []byte {
	if c.count == 0 || len(c.chunks) != c.count {
		return nil
	}
	var out []byte
	for seq := 1; seq <= c.count; seq++ {
		out = append(out, c.chunks[seq]...)
	}
	return out
}
