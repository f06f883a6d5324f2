package oauthtest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
)

// SigningKey is the HS256 key every token of this package is signed with.
// Nothing checks the signature except tests that want to.
var SigningKey = []byte("oauthtest-signing-key-not-a-secret")

// JWT returns a JSON Web Token with claims as its payload, signed HS256
// with SigningKey. It is the shape of Microsoft's access tokens, so a test
// can craft one with any aud, scp, roles, upn, exp or nbf.
func JWT(claims map[string]any) string {
	enc := base64.RawURLEncoding.EncodeToString
	header, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT"})
	payload, err := json.Marshal(claims)
	if err != nil {
		panic("oauthtest: claims are not JSON: " + err.Error())
	}
	signed := enc(header) + "." + enc(payload)
	mac := hmac.New(sha256.New, SigningKey)
	mac.Write([]byte(signed))
	return signed + "." + enc(mac.Sum(nil))
}

// randomID returns 16 random bytes in hex: token ids, codes, refresh tokens.
func randomID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}
