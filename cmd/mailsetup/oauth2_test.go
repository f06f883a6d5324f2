package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
	"github.com/mailsetup/mailsetup/mailconn/oauth/oauthtest"
)

// oauthConfig writes a config with auth = "oauth2" at provider p and
// returns its path and the token file's.
func oauthConfig(t *testing.T, p *oauthtest.Provider, edit func(*config.Config)) (path, tokenFile string) {
	t.Helper()
	dir := t.TempDir()
	path, tokenFile = filepath.Join(dir, "config.toml"), filepath.Join(dir, "oauth2-token.json")
	c := config.Default()
	c.Incoming.Server = "127.0.0.1"
	c.Incoming.Username = mailtest.Alice.Name
	c.Incoming.Auth = config.AuthOAuth2
	c.Incoming.OAuth2 = &config.OAuth2{
		Provider: config.ProviderCustom, ClientID: p.ClientID,
		DeviceAuthorizationURL: p.DeviceAuthorizationURL, TokenURL: p.TokenURL,
		Scopes: []string{"mail", "offline_access"}, TokenFile: tokenFile,
	}
	if edit != nil {
		edit(&c)
	}
	if err := config.Save(path, &c, config.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	return path, tokenFile
}

// oauthJSONLines decodes each line of out.
func oauthJSONLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q (%v)\n%s", l, err, out)
		}
		lines = append(lines, m)
	}
	return lines
}

// tokensIn returns the access and refresh token of a token file.
func tokensIn(t *testing.T, tokenFile string) []string {
	t.Helper()
	data, err := os.ReadFile(tokenFile)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Token struct {
			Access  string `json:"access_token"`
			Refresh string `json:"refresh_token"`
		} `json:"token"`
	}
	if err := json.Unmarshal(data, &st); err != nil || st.Token.Access == "" || st.Token.Refresh == "" {
		t.Fatalf("token file: %v %s", err, data)
	}
	return []string{st.Token.Access, st.Token.Refresh}
}

func assertNoOAuthToken(t *testing.T, tokens []string, outputs ...string) {
	t.Helper()
	for _, tok := range tokens {
		for _, o := range outputs {
			if strings.Contains(o, tok) {
				t.Errorf("a token (%.10s…) appears in the output:\n%s", tok, o)
			}
		}
	}
}

func TestOAuth2Login(t *testing.T) {
	p := oauthtest.Start(t, oauthtest.Options{Claims: map[string]any{"upn": "alice@contoso.com"}})

	t.Run("json", func(t *testing.T) {
		path, tokenFile := oauthConfig(t, p, nil)
		code, out, errs := cli(t, "", "oauth2", "login", "--json", "--config", path)
		if code != 0 {
			t.Fatalf("code %d\n%s\n%s", code, out, errs)
		}
		lines := oauthJSONLines(t, out)
		first, last := lines[0], lines[len(lines)-1]
		if len(lines) != 2 || first["type"] != "device_code" || first["user_code"] != "WDJB-MJHT" ||
			first["verification_uri"] != p.URL+"/device" || first["expires_in"].(float64) <= 0 {
			t.Errorf("want a device_code line first:\n%s", out)
		}
		if last["type"] != "result" || last["ok"] != true || last["token_file"] != tokenFile || last["account"] != "alice@contoso.com" {
			t.Errorf("want an ok result naming the token file and account:\n%s", out)
		}
		if info, err := os.Stat(tokenFile); err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("token file: %v", err)
		}
		assertNoOAuthToken(t, tokensIn(t, tokenFile), out, errs)
	})

	t.Run("text", func(t *testing.T) {
		t.Setenv("LC_ALL", "C") // plain ASCII: the box in +-|, [ok]
		path, tokenFile := oauthConfig(t, p, nil)
		code, out, errs := cli(t, "", "oauth2", "login", "--config", path)
		if code != 0 {
			t.Fatalf("code %d\n%s\n%s", code, out, errs)
		}
		for _, want := range []string{p.URL + "/device", "+---------------+\n       |   WDJB-MJHT   |", "The code works for 15 minutes", "Ctrl+C cancels",
			"[ok] Signed in as alice@contoso.com. The token is stored in " + tokenFile, "refreshed automatically", "mailsetup test --config " + path} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		assertNoOAuthToken(t, tokensIn(t, tokenFile), out, errs)
	})

	t.Run("declined", func(t *testing.T) {
		path, tokenFile := oauthConfig(t, p, nil)
		p.ScriptDevice(oauthtest.AuthorizationPending, oauthtest.AccessDenied)
		code, out, _ := cli(t, "", "oauth2", "login", "--json", "--config", path)
		lines := oauthJSONLines(t, out)
		last := lines[len(lines)-1]
		if code != exitTestFailed || last["ok"] != false || !strings.Contains(last["hint"].(string), "declined") {
			t.Errorf("code %d, want 1 and a result with the hint:\n%s", code, out)
		}
		if _, err := os.Stat(tokenFile); err == nil {
			t.Error("a declined sign-in stored a token")
		}
	})

	t.Run("client credentials", func(t *testing.T) {
		q := oauthtest.Start(t, oauthtest.Options{ClientSecret: "cc-secret-value"})
		path, _ := oauthConfig(t, q, func(c *config.Config) {
			c.Incoming.OAuth2.Flow = config.FlowClientCredentials
			c.Incoming.OAuth2.ClientSecret = "cc-secret-value"
		})
		if err := os.Chmod(path, 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errs := cli(t, "", "oauth2", "login", "--config", path)
		if code != 0 || !strings.Contains(out, "The app's credentials work") {
			t.Errorf("code %d\n%s\n%s", code, out, errs)
		}
		assertNoOAuthToken(t, []string{"cc-secret-value"}, out, errs)
	})
}

func TestOAuth2LoginUsage(t *testing.T) {
	p := oauthtest.Start(t, oauthtest.Options{})
	tests := []struct {
		name string
		edit func(*config.Config)
		want string
	}{
		{"password config", func(c *config.Config) {
			c.Incoming.Auth, c.Incoming.OAuth2, c.Incoming.Password = config.AuthPassword, nil, "x"
		}, `auth = "password"`},
		{"no token file", func(c *config.Config) { c.Incoming.OAuth2.TokenFile = "" }, "add token_file = "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path, _ := oauthConfig(t, p, tc.edit)
			code, _, errs := cli(t, "", "oauth2", "login", "--config", path)
			if code != exitUsage || !strings.Contains(errs, tc.want) {
				t.Errorf("code %d, stderr %q; want 2 and %q", code, errs, tc.want)
			}
		})
	}
	if n := p.Count("device_authorization"); n != 0 {
		t.Errorf("a usage error still asked the provider (%d requests)", n)
	}
}

// oauthSignalWriter is a buffer that closes seen when it first holds want.
type oauthSignalWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func (w *oauthSignalWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(b)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return n, err
}

func TestOAuth2LoginInterrupted(t *testing.T) {
	p := oauthtest.Start(t, oauthtest.Options{})
	p.ScriptDevice(oauthtest.AuthorizationPending, oauthtest.AuthorizationPending, oauthtest.AuthorizationPending)
	path, tokenFile := oauthConfig(t, p, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out := &oauthSignalWriter{want: `"user_code"`, seen: make(chan struct{})}
	go func() {
		<-out.seen
		cancel() // Ctrl+C
	}()
	var errs bytes.Buffer
	code := run(ctx, []string{"oauth2", "login", "--json", "--config", path}, strings.NewReader(""), out, &errs)
	if code != exitInterrupted {
		t.Fatalf("code %d, want 130\n%s\n%s", code, out.buf.String(), errs.String())
	}
	if !strings.Contains(out.buf.String(), `"canceled":true`) {
		t.Errorf("no cancelled result:\n%s", out.buf.String())
	}
	if _, err := os.Stat(tokenFile); err == nil {
		t.Error("an interrupted sign-in stored a token")
	}
}

// TestOAuth2TestCommand runs mailsetup test with auth = "oauth2" against
// Dovecot, whose oauth2 passdb asks the provider about the token: it
// passes with a fresh token, refreshes an expired one, and says "sign in
// again" when the provider has revoked the sign-in. No token is printed
// or traced.
func TestOAuth2TestCommand(t *testing.T) {
	p := oauthtest.Start(t, oauthtest.Options{Username: mailtest.Alice.Name})
	srv := mailtest.Start(t, mailtest.Options{OAuth2IntrospectionURL: p.IntrospectionURL})
	path, tokenFile := oauthConfig(t, p, func(c *config.Config) {
		c.Incoming.Port = srv.IMAPS
		c.Incoming.CAFile = srv.CAFile
	})
	if code, out, errs := cli(t, "", "oauth2", "login", "--config", path); code != 0 {
		t.Fatalf("login: %d\n%s\n%s", code, out, errs)
	}
	tokens := tokensIn(t, tokenFile)
	trace := filepath.Join(t.TempDir(), "trace.txt")

	code, out, errs := cli(t, "", "test", "--json", "--trace", trace, "--config", path)
	traced, _ := os.ReadFile(trace)
	if code != 0 || !strings.Contains(string(traced), "AUTHENTICATE XOAUTH2") {
		t.Fatalf("test: code %d\n%s\n%s\ntrace:\n%s\ndovecot:\n%s", code, out, errs, traced, srv.Log())
	}
	assertNoOAuthToken(t, tokens, out, errs, string(traced))

	expireTokenFile(t, tokenFile)
	if code, out, errs := cli(t, "", "test", "--config", path); code != 0 || p.Count("refresh_token") != 1 {
		t.Fatalf("test with an expired token: code %d, %d refreshes\n%s\n%s", code, p.Count("refresh_token"), out, errs)
	}
	assertNoOAuthToken(t, tokens, out, errs)

	p.RevokeAll()
	expireTokenFile(t, tokenFile)
	// A revoked sign-in is a failed test (exit 1) at step authenticate,
	// after the network steps, with the exact command to sign in again.
	code, out, errs = cli(t, "", "test", "--json", "--config", path)
	login := "sign in again with: mailsetup oauth2 login --config " + path
	if code != exitTestFailed {
		t.Fatalf("revoked sign-in: code %d, want 1\nstdout:\n%s\nstderr: %q", code, out, errs)
	}
	titles, res := checkJSONLines(t, out)
	if res["ok"] != false || res["failed_step"] != "authenticate" || res["field"] != "oauth2" ||
		res["error"] != "cannot get an OAuth 2.0 token" || !strings.Contains(res["hint"].(string), login) {
		t.Fatalf("revoked sign-in: result %v, want failed at authenticate, field oauth2, hint with %q\n%s", res, login, out)
	}
	if len(titles) < 4 || !strings.Contains(out, `"step":"tls","status":"ok"`) || !strings.Contains(out, `"step":"authenticate","status":"fail"`) {
		t.Errorf("revoked sign-in: want the network steps, then authenticate failed:\n%s", out)
	}
	assertNoOAuthToken(t, append(tokens, tokensIn(t, tokenFile)...), out, errs)

	code, out, errs = cli(t, "", "test", "--config", path)
	if code != exitTestFailed || !strings.Contains(out, "failed at step authenticate") || !strings.Contains(out, "Fix oauth2: ") ||
		!strings.Contains(out, login) {
		t.Fatalf("revoked sign-in, text: code %d, want 1, the step and the command\nstdout:\n%s\nstderr: %q", code, out, errs)
	}
}

// expireTokenFile backdates the stored access token's expiry.
func expireTokenFile(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	st["token"].(map[string]any)["expiry"] = time.Now().Add(-time.Hour).Format(time.RFC3339)
	data, _ = json.Marshal(st)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestOAuthSecretPreflight: the token preflight's findings reach the
// notes writer, without the token.
func TestOAuthSecretPreflight(t *testing.T) {
	p := oauthtest.Start(t, oauthtest.Options{Claims: map[string]any{"exp": time.Now().Add(-time.Hour).Unix()}})
	path, tokenFile := oauthConfig(t, p, nil)
	if code, out, errs := cli(t, "", "oauth2", "login", "--config", path); code != 0 {
		t.Fatalf("login: %d\n%s\n%s", code, out, errs)
	}
	c, _, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var notes bytes.Buffer
	token, err := oauthSecret(context.Background(), &c.Incoming, path, &notes)
	if err != nil || token == "" {
		t.Fatalf("oauthSecret: %v", err)
	}
	if !strings.Contains(notes.String(), "mailsetup: warning: the OAuth 2.0 token: the access token expired at") {
		t.Errorf("notes %q lack the expired-token finding", notes.String())
	}
	assertNoOAuthToken(t, tokensIn(t, tokenFile), notes.String())
}
