package imaging

import (
	"encoding/binary"
	"image"
	"image/draw"
)

// jpegHeader is what Decode needs from the segments of a JPEG before its
// first scan.
type jpegHeader struct {
	orientation int  // EXIF orientation, 1 to 8
	jpegnSafe   bool // false for files jpegn v0.3.0 is known to decode wrongly
}

// readJPEGHeader walks the segments of a JPEG up to its first scan. Anything
// it cannot read leaves orientation 1 and jpegn allowed: the decoders judge
// the file itself.
func readJPEGHeader(data []byte) jpegHeader {
	hdr := jpegHeader{orientation: 1, jpegnSafe: true}
	pos := 2 // after SOI
	for pos+4 <= len(data) {
		if data[pos] != 0xFF {
			return hdr
		}
		marker := data[pos+1]
		switch {
		case marker == 0xFF: // fill byte
			pos++
			continue
		case marker == 0x01 || marker >= 0xD0 && marker <= 0xD7: // no length
			pos += 2
			continue
		case marker == 0xDA || marker == 0xD9: // first scan, or end
			return hdr
		}
		length := int(binary.BigEndian.Uint16(data[pos+2:]))
		end := pos + 2 + length
		if length < 2 || end > len(data) {
			return hdr
		}
		segment := data[pos+4 : end]
		switch {
		case marker == 0xE1 && len(segment) > 6 && string(segment[:6]) == "Exif\x00\x00":
			hdr.orientation = tiffOrientation(segment[6:])
		case marker == 0xC2: // progressive frame
			hdr.jpegnSafe = !ragged(segment)
		}
		pos = end
	}
	return hdr
}

// ragged reports whether a progressive frame (the body of its SOF2 segment)
// has a component whose width in 8 × 8 blocks falls short of the MCU grid,
// for example 4:2:0 with a width of 2056: ceil(2056/8) = 257 luma blocks per
// row, 258 in whole MCUs. jpegn v0.3.0 decodes such files without an error
// but with every row of blocks misplaced (found on a real photo), so Decode
// gives them to image/jpeg.
func ragged(sof []byte) bool {
	if len(sof) < 6 {
		return false
	}
	width := int(binary.BigEndian.Uint16(sof[3:]))
	n := int(sof[5])
	if len(sof) < 6+3*n || n == 0 {
		return false
	}
	hmax := 1
	for i := range n {
		hmax = max(hmax, int(sof[7+3*i]>>4))
	}
	mcus := (width + 8*hmax - 1) / (8 * hmax)
	for i := range n {
		h := int(sof[7+3*i] >> 4)
		compWidth := (width*h + hmax - 1) / hmax
		if (compWidth+7)/8 != mcus*h {
			return true
		}
	}
	return false
}

// tiffOrientation reads tag 0x0112 from IFD0 of a TIFF structure (the body of
// an EXIF segment).
func tiffOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	ifd := int64(order.Uint32(tiff[4:]))
	if ifd+2 > int64(len(tiff)) {
		return 1
	}
	entries := int(order.Uint16(tiff[ifd:]))
	for i := range entries {
		entry := ifd + 2 + 12*int64(i)
		if entry+12 > int64(len(tiff)) {
			return 1
		}
		const tagOrientation, typeShort = 0x0112, 3
		if order.Uint16(tiff[entry:]) != tagOrientation {
			continue
		}
		if order.Uint16(tiff[entry+2:]) != typeShort {
			return 1
		}
		if v := int(order.Uint16(tiff[entry+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 1
	}
	return 1
}

// orient returns img turned upright according to EXIF orientation o. img is
// one of the types normalize returns; a YCbCr image is converted to RGBA.
func orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	switch m := img.(type) {
	case *image.Gray:
		p := orientPlane(planeOf(m.Pix, m.Stride, m.Rect, 1), o)
		return &image.Gray{Pix: p.pix, Stride: p.stride, Rect: image.Rect(0, 0, p.w, p.h)}
	case *image.NRGBA:
		p := orientPlane(planeOf(m.Pix, m.Stride, m.Rect, 4), o)
		return &image.NRGBA{Pix: p.pix, Stride: p.stride, Rect: image.Rect(0, 0, p.w, p.h)}
	case *image.RGBA:
		p := orientPlane(planeOf(m.Pix, m.Stride, m.Rect, 4), o)
		return &image.RGBA{Pix: p.pix, Stride: p.stride, Rect: image.Rect(0, 0, p.w, p.h)}
	default:
		rgba := image.NewRGBA(img.Bounds())
		draw.Draw(rgba, rgba.Rect, img, img.Bounds().Min, draw.Src)
		return orient(rgba, o)
	}
}

// orientPlane returns a copy of p transformed by EXIF orientation o (2 to 8):
// 2 mirror, 3 rotate 180°, 4 flip, 5 transpose, 6 rotate 90° clockwise,
// 7 transverse, 8 rotate 90° anticlockwise.
func orientPlane(p plane, o int) plane {
	dw, dh := p.w, p.h
	if o >= 5 {
		dw, dh = p.h, p.w
	}
	c := p.channels
	dst := newPlane(dw, dh, c)
	offset := func(sx, sy int) int {
		dx, dy := orientedXY(o, sx, sy, p.w, p.h)
		return dy*dst.stride + dx*c
	}
	for sy := range p.h {
		d := offset(0, sy)
		step := 0
		if p.w > 1 {
			step = offset(1, sy) - d
		}
		row := p.pix[sy*p.stride:][:p.w*c]
		for sx := 0; sx < len(row); sx += c {
			copy(dst.pix[d:d+c], row[sx:sx+c])
			d += step
		}
	}
	return dst
}

// orientedXY maps a source pixel to its position in the upright image.
func orientedXY(o, x, y, w, h int) (int, int) {
	switch o {
	case 2:
		return w - 1 - x, y
	case 3:
		return w - 1 - x, h - 1 - y
	case 4:
		return x, h - 1 - y
	case 5:
		return y, x
	case 6:
		return h - 1 - y, x
	case 7:
		return h - 1 - y, w - 1 - x
	case 8:
		return y, w - 1 - x
	default:
		return x, y
	}
}
