package web

import "encoding/base64"

func encodeFlash(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func decodeFlash(s string) string {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return ""
	}
	return string(b)
}
