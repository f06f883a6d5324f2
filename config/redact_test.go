package config

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	c := oauth(OAuth2{Provider: ProviderCustom, ClientID: "app", ClientSecret: "topsecret",
		TokenURL: "https://i/t", DeviceAuthorizationURL: "https://i/d", Scopes: []string{"a"}})
	c.Incoming.Password = "hunter2"
	r := Redact(c)
	if r.Incoming.Password != "<redacted>" || r.Incoming.OAuth2.ClientSecret != "<redacted>" {
		t.Errorf("not redacted: %+v %+v", r.Incoming, r.Incoming.OAuth2)
	}
	if c.Incoming.Password != "hunter2" || c.Incoming.OAuth2.ClientSecret != "topsecret" {
		t.Error("Redact changed its argument")
	}
	r.Incoming.OAuth2.Scopes[0] = "changed"
	if c.Incoming.OAuth2.Scopes[0] != "a" {
		t.Error("Redact shares the scopes slice with its argument")
	}
	out, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "hunter2") || strings.Contains(string(out), "topsecret") ||
		!strings.Contains(string(out), `"password":"\u003credacted\u003e"`) {
		t.Errorf("JSON of the redacted config: %s", out)
	}
}

func TestRedactKeepsReferencesAndUnset(t *testing.T) {
	c := base()
	c.Incoming.Password = ""
	c.Incoming.PasswordCommand = "pass show mail"
	r := Redact(c)
	if r.Incoming.Password != "" || r.Incoming.PasswordCommand != "pass show mail" || r.Incoming.OAuth2 != nil {
		t.Errorf("Redact = %+v; an unset secret stays unset and references stay", r.Incoming)
	}
}

func TestJSONKeysMatchTOML(t *testing.T) {
	c := everyKey()["every incoming key"]
	out, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"reject_invalid_certificates":false`, `"pinned_certificate_sha256":`, `"timeout":"1m30s"`, `"tls_min_version":"1.3"`} {
		if !strings.Contains(string(out), k) {
			t.Errorf("JSON lacks %s: %s", k, out)
		}
	}
	if strings.Contains(string(out), `"oauth2"`) {
		t.Errorf("JSON has an oauth2 key for a config without one: %s", out)
	}
}
