package imaging

import (
	"encoding/binary"
	"image"
	"image/draw"
)

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
