package colour

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"
	"strings"
)

// MarshalJSON writes the membership as an object, largest share first (ties
// in the order of Families), so that the JSON reads as it is meant.
func (m Membership) MarshalJSON() ([]byte, error) {
	families := make([]Family, 0, len(m))
	for f := range m {
		families = append(families, f)
	}
	slices.SortFunc(families, func(a, b Family) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(FamilyIndex(a), FamilyIndex(b)), strings.Compare(string(a), string(b)))
	})
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, f := range families {
		if i > 0 {
			buf.WriteByte(',')
		}
		key, err := json.Marshal(string(f))
		if err != nil {
			return nil, err
		}
		value, err := json.Marshal(m[f])
		if err != nil {
			return nil, err
		}
		buf.Write(key)
		buf.WriteByte(':')
		buf.Write(value)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
