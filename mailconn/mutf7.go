package mailconn

import (
	"encoding/base64"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// mutf7 is RFC 3501's modified base64: "," instead of "/", no padding.
var mutf7 = base64.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,").WithPadding(base64.NoPadding)

// decodeModifiedUTF7 decodes an IMAP mailbox name in modified UTF-7 (RFC
// 3501 section 5.1.3), as servers put it on the wire and in their logs:
// "INBOX.K&APw-che" → "INBOX.Küche". ok is false when name is not valid
// modified UTF-7 or holds no encoded part (then it is meant as typed).
func decodeModifiedUTF7(name string) (decoded string, ok bool) {
	if !strings.Contains(name, "&") {
		return "", false
	}
	var b strings.Builder
	encoded := false
	for i := 0; i < len(name); {
		c := name[i]
		if c < 0x20 || c > 0x7e {
			return "", false // modified UTF-7 is printable ASCII
		}
		if c != '&' {
			b.WriteByte(c)
			i++
			continue
		}
		end := strings.IndexByte(name[i+1:], '-')
		if end < 0 {
			return "", false
		}
		chunk := name[i+1 : i+1+end]
		i += end + 2
		if chunk == "" {
			b.WriteByte('&')
			continue
		}
		raw, err := mutf7.DecodeString(chunk)
		if err != nil || len(raw)%2 != 0 {
			return "", false
		}
		units := make([]uint16, len(raw)/2)
		for j := range units {
			units[j] = uint16(raw[2*j])<<8 | uint16(raw[2*j+1])
		}
		s := string(utf16.Decode(units))
		if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
			return "", false
		}
		b.WriteString(s)
		encoded = true
	}
	if !encoded {
		return "", false
	}
	return b.String(), true
}
