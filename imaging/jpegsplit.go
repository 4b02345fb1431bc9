package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
)

// image/jpeg cannot read progressive JPEGs that have restart markers and
// subsampled chroma (what `jpegtran -progressive -restart N` makes of an
// ordinary 4:2:0 photo): in a scan of one component, the specification
// counts the restart interval in blocks, and image/jpeg counts it in whole
// MCUs of the frame (four luma blocks for 4:2:0), so it fails at the first
// restart marker. It reads such scans right when the frame has only one
// component, where blocks and MCUs are the same.
//
// decodeSplitProgressive therefore splits the file into one greyscale
// progressive JPEG per component, decodes each with image/jpeg and puts the
// planes together. Single-component scans are copied as they are, restart
// markers and all. The DC scans, which interleave every component, are
// decoded to their DC values and written again per component in raster
// order, with a standard Huffman table and no restart markers; refinement
// DC scans carry one raw bit per block and are split likewise. No AC
// coefficient is decoded: the pixels are the ones image/jpeg would give.
func decodeSplitProgressive(data []byte, f jpegFile) (image.Image, error) {
	if !f.splittable() {
		return nil, errors.New("not a 3-component YCbCr frame with 1x1 chroma")
	}
	src, err := readProgressiveStream(data)
	if err != nil {
		return nil, err
	}
	hmax, vmax := f.components[0].h, f.components[0].v
	mxx, myy := (f.width+8*hmax-1)/(8*hmax), (f.height+8*vmax-1)/(8*vmax)
	planes := make([]*image.Gray, 3)
	for k, c := range f.components {
		split := splitComponent{src: src, index: k, comp: c, mxx: mxx, myy: myy,
			w: (f.width*c.h + hmax - 1) / hmax, h: (f.height*c.v + vmax - 1) / vmax}
		stream, err := split.stream()
		if err != nil {
			return nil, fmt.Errorf("component %d: %w", c.id, err)
		}
		img, err := jpeg.Decode(bytes.NewReader(stream))
		if err != nil {
			return nil, fmt.Errorf("component %d: %w", c.id, err)
		}
		gray, ok := img.(*image.Gray)
		if !ok || gray.Rect.Dx() != split.w || gray.Rect.Dy() != split.h {
			return nil, fmt.Errorf("component %d decoded to %T %v", c.id, img, img.Bounds())
		}
		planes[k] = gray
	}
	ratio := map[[2]int]image.YCbCrSubsampleRatio{
		{2, 1}: image.YCbCrSubsampleRatio422, {2, 2}: image.YCbCrSubsampleRatio420,
		{1, 2}: image.YCbCrSubsampleRatio440, {4, 1}: image.YCbCrSubsampleRatio411,
		{4, 2}: image.YCbCrSubsampleRatio410,
	}[[2]int{hmax, vmax}]
	out := image.NewYCbCr(image.Rect(0, 0, f.width, f.height), ratio)
	copyPlane(out.Y, out.YStride, planes[0])
	copyPlane(out.Cb, out.CStride, planes[1])
	copyPlane(out.Cr, out.CStride, planes[2])
	return out, nil
}

// splittable reports whether decodeSplitProgressive can take the frame:
// YCbCr (no Adobe transform other than 1) whose chroma is 1×1 and whose
// luma sampling is one image.YCbCr has.
func (f jpegFile) splittable() bool {
	if len(f.components) != 3 || f.adobe && f.transform != 1 {
		return false
	}
	for _, c := range f.components[1:] {
		if c.h != 1 || c.v != 1 {
			return false
		}
	}
	switch [2]int{f.components[0].h, f.components[0].v} {
	case [2]int{2, 1}, [2]int{2, 2}, [2]int{1, 2}, [2]int{4, 1}, [2]int{4, 2}:
		return true
	}
	return false
}

func copyPlane(dst []uint8, stride int, src *image.Gray) {
	w := src.Rect.Dx()
	for y := range src.Rect.Dy() {
		copy(dst[y*stride:][:w], src.Pix[y*src.Stride:][:w])
	}
}

// progressiveStream is a progressive JPEG cut into the parts the split
// needs, in file order.
type progressiveStream struct {
	sof   []byte // body of the SOF2 segment
	parts []streamPart
}

// streamPart is a table segment (DQT, DHT, DRI) or a scan.
type streamPart struct {
	marker  byte
	body    []byte
	entropy []byte // for a scan: its entropy-coded data, restart markers included
}

func readProgressiveStream(data []byte) (progressiveStream, error) {
	var s progressiveStream
	pos := 2
	for {
		marker, next, ok := nextMarker(data, pos)
		if !ok {
			return s, errors.New("no end marker")
		}
		pos = next
		if marker == markerEOI {
			return s, nil
		}
		if marker >= 0xD0 && marker <= 0xD7 || marker == 0x01 {
			continue
		}
		if pos+2 > len(data) {
			return s, errors.New("segment past the end")
		}
		length := int(binary.BigEndian.Uint16(data[pos:]))
		if length < 2 || pos+length > len(data) {
			return s, errors.New("segment past the end")
		}
		body := data[pos+2 : pos+length]
		pos += length
		switch marker {
		case markerSOF2:
			s.sof = body
		case 0xDB, markerDHT, markerDRI: // DQT, DHT, DRI
			s.parts = append(s.parts, streamPart{marker: marker, body: body})
		case markerSOS:
			end := skipEntropyData(data, pos)
			s.parts = append(s.parts, streamPart{marker: marker, body: body, entropy: data[pos:end]})
			pos = end
		}
	}
}

// splitComponent writes the greyscale progressive JPEG of one component.
type splitComponent struct {
	src      progressiveStream
	index    int // of the component in the frame
	comp     jpegComponent
	mxx, myy int // MCUs of the frame
	w, h     int // the component's size in samples
}

func (s splitComponent) stream() ([]byte, error) {
	var out bytes.Buffer
	out.Write([]byte{0xFF, markerSOI})
	if len(s.src.sof) < 6+3*(s.index+1) {
		return nil, errors.New("short frame header")
	}
	tq := s.src.sof[6+3*s.index+2]
	writeSegment(&out, markerSOF2, []byte{8, byte(s.h >> 8), byte(s.h), byte(s.w >> 8), byte(s.w), 1, s.comp.id, 0x11, tq})

	tables := huffmanTables{}
	restartInterval := 0
	for _, p := range s.src.parts {
		switch p.marker {
		case markerDHT:
			if err := tables.define(p.body); err != nil {
				return nil, err
			}
			writeSegment(&out, p.marker, p.body)
		case markerDRI:
			if len(p.body) < 2 {
				return nil, errors.New("short DRI segment")
			}
			restartInterval = int(binary.BigEndian.Uint16(p.body))
			writeSegment(&out, p.marker, p.body)
		case markerSOS:
			scan, err := parseScan(p.body)
			if err != nil {
				return nil, err
			}
			at := scan.find(s.comp.id)
			switch {
			case at < 0:
			case len(scan.comps) == 1:
				writeSegment(&out, p.marker, p.body)
				out.Write(p.entropy)
			default:
				if err := s.splitDCScan(&out, scan, at, p.entropy, tables, restartInterval); err != nil {
					return nil, err
				}
			}
		default:
			writeSegment(&out, p.marker, p.body)
		}
	}
	out.Write([]byte{0xFF, markerEOI})
	return out.Bytes(), nil
}

func writeSegment(out *bytes.Buffer, marker byte, body []byte) {
	out.Write([]byte{0xFF, marker, byte((len(body) + 2) >> 8), byte(len(body) + 2)})
	out.Write(body)
}

// scanHeader is the body of an SOS segment.
type scanHeader struct {
	comps  []scanComponent
	ss, se byte // spectral selection
	ah, al byte // successive approximation
}

type scanComponent struct{ id, dcTable byte }

func parseScan(body []byte) (scanHeader, error) {
	if len(body) < 1 || len(body) < 1+2*int(body[0])+3 || body[0] == 0 {
		return scanHeader{}, errors.New("short scan header")
	}
	n := int(body[0])
	h := scanHeader{ss: body[1+2*n], se: body[2+2*n], ah: body[3+2*n] >> 4, al: body[3+2*n] & 15}
	for i := range n {
		h.comps = append(h.comps, scanComponent{id: body[1+2*i], dcTable: body[2+2*i] >> 4})
	}
	return h, nil
}

func (h scanHeader) find(id byte) int {
	for i, c := range h.comps {
		if c.id == id {
			return i
		}
	}
	return -1
}

// splitDCScan decodes an interleaved DC scan and writes the part of it that
// belongs to the component at position at, in a scan of its own.
func (s splitComponent) splitDCScan(out *bytes.Buffer, scan scanHeader, at int, entropy []byte, tables huffmanTables, restartInterval int) error {
	if scan.ss != 0 || scan.se != 0 {
		return errors.New("an interleaved scan that is not a DC scan")
	}
	blocksW, blocksH := (s.w+7)/8, (s.h+7)/8
	values := make([]int32, blocksW*blocksH)
	r := bitReader{data: entropy}
	var pred [4]int32
	for mcu := range s.mxx * s.myy {
		if restartInterval > 0 && mcu > 0 && mcu%restartInterval == 0 {
			if err := r.restart(); err != nil {
				return err
			}
			pred = [4]int32{}
		}
		mx, my := mcu%s.mxx, mcu/s.mxx
		for i, c := range scan.comps {
			hi, vi := s.componentFactors(c.id)
			for j := range hi * vi {
				var v int32
				if scan.ah == 0 {
					table := tables[[2]byte{0, c.dcTable}]
					if table == nil {
						return fmt.Errorf("DC table %d is not defined", c.dcTable)
					}
					size, err := r.decode(table)
					if err != nil {
						return err
					}
					diff, err := r.receive(size)
					if err != nil {
						return err
					}
					pred[i] += diff
					v = pred[i]
				} else {
					bit, err := r.bit()
					if err != nil {
						return err
					}
					v = int32(bit)
				}
				if i != at {
					continue
				}
				bx, by := mx*hi+j%hi, my*vi+j/hi
				if bx < blocksW && by < blocksH {
					values[by*blocksW+bx] = v
				}
			}
		}
	}

	// The scan of this component alone: no restart markers, and for a first
	// scan the standard DC table (ITU T.81 K.3), which codes every size.
	writeSegment(out, markerDRI, []byte{0, 0})
	if scan.ah == 0 {
		writeSegment(out, markerDHT, standardDCTable)
	}
	writeSegment(out, markerSOS, []byte{1, s.comp.id, 0x00, 0, 0, scan.ah<<4 | scan.al})
	var w bitWriter
	var prev int32
	for _, v := range values {
		if scan.ah != 0 {
			w.write(uint32(v&1), 1)
			continue
		}
		diff := int64(v) - int64(prev)
		prev = v
		size := bitLength(diff)
		if size >= len(standardDCCodes) {
			return fmt.Errorf("DC difference %d too large for 8-bit samples", diff)
		}
		w.write(standardDCCodes[size].code, standardDCCodes[size].length)
		if size > 0 {
			bits := diff
			if diff < 0 {
				bits = diff - 1
			}
			w.write(uint32(bits)&(1<<size-1), size)
		}
	}
	out.Write(w.flush())
	// Later scans may use DC table 0 and the restart interval as the file
	// defined them.
	if scan.ah == 0 {
		for key, t := range tables {
			if key[0] == 0 && key[1] == 0 {
				writeSegment(out, markerDHT, t.segment)
			}
		}
	}
	writeSegment(out, markerDRI, []byte{byte(restartInterval >> 8), byte(restartInterval)})
	return nil
}

// componentFactors returns the sampling factors of the component with id.
func (s splitComponent) componentFactors(id byte) (int, int) {
	f := s.src.sof
	for i := 0; 6+3*i+2 < len(f); i++ {
		if f[6+3*i] == id {
			return int(f[7+3*i] >> 4), int(f[7+3*i] & 15)
		}
	}
	return 1, 1
}

func bitLength(v int64) int {
	if v < 0 {
		v = -v
	}
	n := 0
	for v > 0 {
		n++
		v >>= 1
	}
	return n
}

// huffmanTable decodes canonical Huffman codes (ITU T.81 F.2.2.3).
type huffmanTable struct {
	maxCode [17]int32 // largest code of each length, -1 when none
	valPtr  [17]int32 // index in values of the first code of each length
	minCode [17]int32
	values  []byte
	segment []byte // the table as the body of a DHT segment
}

// huffmanTables are the tables in force, by class (0 DC, 1 AC) and id.
type huffmanTables map[[2]byte]*huffmanTable

func (ts huffmanTables) define(body []byte) error {
	for len(body) > 0 {
		if len(body) < 17 {
			return errors.New("short DHT segment")
		}
		class, id := body[0]>>4, body[0]&15
		t := &huffmanTable{}
		total, code := 0, int32(0)
		for length := 1; length <= 16; length++ {
			n := int(body[length])
			t.valPtr[length] = int32(total)
			t.minCode[length] = code
			t.maxCode[length] = -1
			if n > 0 {
				t.maxCode[length] = code + int32(n) - 1
			}
			code = (code + int32(n)) << 1
			total += n
		}
		if len(body) < 17+total {
			return errors.New("short DHT segment")
		}
		t.values = body[17 : 17+total]
		t.segment = body[:17+total]
		ts[[2]byte{class, id}] = t
		body = body[17+total:]
	}
	return nil
}

// bitReader reads entropy-coded data, removing stuffed zero bytes.
type bitReader struct {
	data  []byte
	pos   int
	acc   uint32
	nbits int
}

var errEntropyEnd = errors.New("entropy-coded data ends early")

func (r *bitReader) bit() (uint32, error) {
	if r.nbits == 0 {
		if r.pos >= len(r.data) {
			return 0, errEntropyEnd
		}
		b := r.data[r.pos]
		if b == 0xFF {
			if r.pos+1 >= len(r.data) || r.data[r.pos+1] != 0 {
				return 0, errEntropyEnd // a marker
			}
			r.pos++
		}
		r.pos++
		r.acc, r.nbits = uint32(b), 8
	}
	r.nbits--
	return r.acc >> r.nbits & 1, nil
}

func (r *bitReader) decode(t *huffmanTable) (int, error) {
	code := int32(0)
	for length := 1; length <= 16; length++ {
		b, err := r.bit()
		if err != nil {
			return 0, err
		}
		code = code<<1 | int32(b)
		if code <= t.maxCode[length] {
			i := t.valPtr[length] + code - t.minCode[length]
			if i < 0 || int(i) >= len(t.values) {
				return 0, errors.New("bad Huffman code")
			}
			return int(t.values[i]), nil
		}
	}
	return 0, errors.New("bad Huffman code")
}

// receive reads a size-bit difference and extends its sign (T.81 F.2.2.1).
func (r *bitReader) receive(size int) (int32, error) {
	if size > 16 {
		return 0, errors.New("DC difference too large")
	}
	var v int32
	for range size {
		b, err := r.bit()
		if err != nil {
			return 0, err
		}
		v = v<<1 | int32(b)
	}
	if size > 0 && v < 1<<(size-1) {
		v += -1<<size + 1
	}
	return v, nil
}

// restart drops the bits left in the current byte and reads a restart
// marker.
func (r *bitReader) restart() error {
	r.nbits = 0
	for r.pos+1 < len(r.data) && r.data[r.pos] == 0xFF && r.data[r.pos+1] == 0xFF {
		r.pos++
	}
	if r.pos+1 >= len(r.data) || r.data[r.pos] != 0xFF || r.data[r.pos+1] < 0xD0 || r.data[r.pos+1] > 0xD7 {
		return errors.New("missing restart marker")
	}
	r.pos += 2
	return nil
}

// bitWriter writes entropy-coded data with byte stuffing.
type bitWriter struct {
	out   []byte
	acc   uint32
	nbits int
}

func (w *bitWriter) write(bits uint32, n int) {
	for i := n - 1; i >= 0; i-- {
		w.acc = w.acc<<1 | bits>>i&1
		w.nbits++
		if w.nbits == 8 {
			w.out = append(w.out, byte(w.acc))
			if byte(w.acc) == 0xFF {
				w.out = append(w.out, 0)
			}
			w.acc, w.nbits = 0, 0
		}
	}
}

// flush pads the last byte with one bits, as T.81 F.1.2.3 asks.
func (w *bitWriter) flush() []byte {
	if w.nbits > 0 {
		w.write(1<<(8-w.nbits)-1, 8-w.nbits)
	}
	return w.out
}

// standardDCTable is the DHT body of the luminance DC table of ITU T.81
// K.3 as table 0, class 0: code lengths, then the sizes 0 to 11.
var standardDCTable = []byte{0x00, 0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}

// standardDCCodes are its codes, by size.
var standardDCCodes = func() (codes [12]struct {
	code   uint32
	length int
}) {
	code, k := uint32(0), 0
	for length := 1; length <= 16; length++ {
		for range standardDCTable[length] {
			codes[standardDCTable[17+k]].code, codes[standardDCTable[17+k]].length = code, length
			code++
			k++
		}
		code <<= 1
	}
	return codes
}()
