package mailconn

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/mailsetup/mailsetup/config"
)

// challengeMessage builds an NTLM type-2 message with NTLMv2 target info.
func challengeMessage() []byte {
	const flags = 1<<0 | 1<<9 | 1<<15 | 1<<19 | 1<<23 // unicode, NTLM, always sign, ESS, target info
	target := utf16le("EXAMPLE")
	var info bytes.Buffer
	for _, av := range []struct {
		id  uint16
		val []byte
	}{{2, utf16le("EXAMPLE")}, {1, utf16le("MAIL")}} {
		_ = binary.Write(&info, binary.LittleEndian, av.id)
		_ = binary.Write(&info, binary.LittleEndian, uint16(len(av.val)))
		info.Write(av.val)
	}
	info.Write([]byte{0, 0, 0, 0}) // MsvAvEOL
	const header = 48
	var b bytes.Buffer
	b.WriteString("NTLMSSP\x00")
	_ = binary.Write(&b, binary.LittleEndian, uint32(2))
	varField(&b, len(target), header)
	_ = binary.Write(&b, binary.LittleEndian, uint32(flags))
	b.Write([]byte("\x01\x23\x45\x67\x89\xab\xcd\xef")) // server challenge
	b.Write(make([]byte, 8))
	varField(&b, info.Len(), header+len(target))
	b.Write(target)
	b.Write(info.Bytes())
	return b.Bytes()
}

func varField(b *bytes.Buffer, n, offset int) {
	_ = binary.Write(b, binary.LittleEndian, uint16(n))
	_ = binary.Write(b, binary.LittleEndian, uint16(n))
	_ = binary.Write(b, binary.LittleEndian, uint32(offset))
}

func utf16le(s string) []byte {
	var b bytes.Buffer
	for _, u := range utf16.Encode([]rune(s)) {
		_ = binary.Write(&b, binary.LittleEndian, u)
	}
	return b.Bytes()
}

// field reads var field i (0 LM, 1 NT, 2 domain, 3 user, 4 workstation) of
// a type-3 message.
func field(t *testing.T, msg []byte, i int) []byte {
	t.Helper()
	at := 12 + 8*i
	n := int(binary.LittleEndian.Uint16(msg[at:]))
	off := int(binary.LittleEndian.Uint32(msg[at+4:]))
	if off+n > len(msg) {
		t.Fatalf("field %d out of range", i)
	}
	return msg[off : off+n]
}

func fromUTF16(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

func TestNTLMClient(t *testing.T) {
	tests := []struct {
		name, username, wantUser, wantDomain string
	}{
		{"domain backslash user", `EXAMPLE\alice`, "alice", "EXAMPLE"},
		{"lower-case domain is upper-cased", `example\alice`, "alice", "EXAMPLE"},
		{"mixed-case domain is upper-cased", `Corp.Example\Alice`, "Alice", "CORP.EXAMPLE"},
		{"user at domain", "alice@example.com", "alice@example.com", ""},
		{"bare user", "alice", "alice", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var blobs []string
			c := &ntlmClient{user: tt.username, password: "Secret-Pa55", onBlob: func(s string) { blobs = append(blobs, s) }}
			mech, neg, err := c.Start()
			if err != nil || mech != "NTLM" {
				t.Fatalf("Start: %q %v", mech, err)
			}
			if !bytes.HasPrefix(neg, []byte("NTLMSSP\x00\x01\x00\x00\x00")) {
				t.Fatalf("negotiate message %x", neg)
			}
			msg, err := c.Next(challengeMessage())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(msg, []byte("NTLMSSP\x00\x03\x00\x00\x00")) {
				t.Fatalf("not a type-3 message: %x", msg[:12])
			}
			if got := fromUTF16(field(t, msg, 3)); got != tt.wantUser {
				t.Errorf("user %q, want %q", got, tt.wantUser)
			}
			if got := fromUTF16(field(t, msg, 2)); got != tt.wantDomain {
				t.Errorf("domain %q, want %q", got, tt.wantDomain)
			}
			// NTLMv2: a 16-byte proof followed by a blob that echoes the
			// server's target info; NTLMv1 would be exactly 24 bytes.
			nt := field(t, msg, 1)
			if len(nt) <= 24 || !bytes.Contains(nt, utf16le("MAIL")) {
				t.Errorf("NT response of %d bytes is not NTLMv2", len(nt))
			}
			if bytes.Contains(msg, []byte("Secret-Pa55")) || bytes.Contains(msg, utf16le("Secret-Pa55")) {
				t.Error("the password is in the message")
			}
			if len(blobs) != 1 || blobs[0] != base64Std(msg) {
				t.Error("the authenticate blob was not handed to the trace for redaction")
			}
			if _, err := c.Next(challengeMessage()); err == nil {
				t.Error("a second challenge was accepted")
			}
		})
	}
}

func TestOAuthClients(t *testing.T) {
	errJSON := []byte(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`)
	t.Run("xoauth2", func(t *testing.T) {
		c := &xoauth2Client{user: "a@example.com", token: "tok"}
		mech, ir, _ := c.Start()
		if mech != "XOAUTH2" || string(ir) != "user=a@example.com\x01auth=Bearer tok\x01\x01" {
			t.Fatalf("Start: %q %q", mech, ir)
		}
		resp, err := c.Next(errJSON)
		if err != nil || len(resp) != 0 {
			t.Fatalf("the error challenge must get an empty answer: %q %v", resp, err)
		}
		if got := oauthFailure(c).String(); !strings.Contains(got, "401") {
			t.Fatalf("failure %q", got)
		}
	})
	t.Run("oauthbearer", func(t *testing.T) {
		c := newOAuthBearerClient("a@example.com", "tok", "mail.example.com", 993)
		mech, ir, _ := c.Start()
		if mech != "OAUTHBEARER" || !strings.Contains(string(ir), "auth=Bearer tok") {
			t.Fatalf("Start: %q %q", mech, ir)
		}
		resp, err := c.Next(errJSON)
		if err != nil || !bytes.Equal(resp, []byte{1}) {
			t.Fatalf("the error challenge must get %%x01: %q %v", resp, err)
		}
	})
}

func TestChooseOAuthMech(t *testing.T) {
	tests := []struct {
		forced  string
		offered []string
		want    string
		ok      bool
	}{
		{"", []string{"PLAIN", "XOAUTH2", "OAUTHBEARER"}, "XOAUTH2", true},
		{"", []string{"OAUTHBEARER"}, "OAUTHBEARER", true},
		{config.MechanismOAUTHBEARER, []string{"XOAUTH2", "OAUTHBEARER"}, "OAUTHBEARER", true},
		{config.MechanismOAUTHBEARER, []string{"XOAUTH2"}, "OAUTHBEARER", false},
		{"", []string{"PLAIN"}, "XOAUTH2 or OAUTHBEARER", false},
	}
	for _, tt := range tests {
		t.Run(tt.forced+"/"+strings.Join(tt.offered, "+"), func(t *testing.T) {
			got, ok := chooseOAuthMech(tt.forced, tt.offered)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("got %q %v, want %q %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestNTLMDomainDetail(t *testing.T) {
	tests := []struct{ username, want string }{
		{`example\alice`, "NTLM domain EXAMPLE"},
		{"alice@example.com", "empty NTLM domain"},
		{"alice", "empty NTLM domain"},
	}
	for _, tt := range tests {
		t.Run(tt.username, func(t *testing.T) {
			if got := ntlmDomainDetail(tt.username); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
