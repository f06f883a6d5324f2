package oauth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// loopbackLimit bounds how long the loopback flow waits for the browser.
const loopbackLimit = 15 * time.Minute

// callback is what the browser brought back to the loopback listener.
type callback struct {
	code        string
	errCode     string
	description string
}

// loopback runs the authorization-code flow with PKCE (RFC 7636) and a
// redirect to a listener on 127.0.0.1 (RFC 8252 section 7.3).
func (c *client) loopback(ctx context.Context, opts LoginOptions) (*oauth2.Token, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(opts.ListenPort)))
	if err != nil {
		return nil, fmt.Errorf("sign-in: cannot listen on a loopback port for the browser's answer: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	cfg := *c.cfg
	cfg.RedirectURL = fmt.Sprintf("http://127.0.0.1:%d/", port)
	verifier := oauth2.GenerateVerifier()
	state := randomState()
	authOpts := []oauth2.AuthCodeOption{oauth2.AccessTypeOffline, oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("prompt", "consent")}
	if c.in.Username != "" {
		authOpts = append(authOpts, oauth2.SetAuthURLParam("login_hint", c.in.Username))
	}
	authURL := cfg.AuthCodeURL(state, authOpts...)

	got := make(chan callback, 1)
	srv := &http.Server{Handler: callbackHandler(state, got), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln)
	}()
	defer func() {
		_ = srv.Close()
		<-served
	}()

	if opts.OnBrowser != nil {
		opts.OnBrowser(BrowserSignIn{URL: authURL, Port: port, RedirectURI: cfg.RedirectURL, SSHCommand: sshCommand(port)})
	}
	wait, cancel := context.WithTimeout(ctx, loopbackLimit)
	defer cancel()
	var cb callback
	select {
	case <-wait.Done():
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &ProviderError{Op: "sign-in", Code: "expired_token", Hint: "the browser did not come back within 15 minutes; run the sign-in again"}
	case cb = <-got:
	}
	if cb.errCode != "" {
		return nil, &ProviderError{Op: "sign-in", Code: cb.errCode, Description: describe(cb.description, c.cfg.ClientSecret), Hint: hintFor(cb.errCode, cb.description)}
	}
	tok, err := cfg.Exchange(c.ctx(ctx), cb.code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, providerError("sign-in", err, c.cfg.ClientSecret)
	}
	return tok, nil
}

// callbackHandler answers the browser's redirect and hands the first
// answer with the right state to got.
func callbackHandler(state string, got chan<- callback) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.URL.Path != "/" || q.Get("state") != state {
			http.NotFound(w, r)
			return
		}
		cb := callback{code: q.Get("code"), errCode: clean(q.Get("error"), 60), description: q.Get("error_description")}
		msg := "Signed in. You can close this tab and go back to the terminal."
		switch {
		case cb.errCode != "":
			msg = "The sign-in did not finish: " + cb.errCode + ". Go back to the terminal."
		case cb.code == "":
			http.Error(w, "no code in the answer", http.StatusBadRequest)
			return
		}
		select {
		case got <- cb:
		default:
			msg = "This sign-in has already finished. Go back to the terminal."
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = fmt.Fprintf(w, "<!doctype html><title>mailsetup</title><p>%s</p>\n", html.EscapeString(msg))
	})
}

// sshCommand is the port forward the admin runs on their own machine so
// that its browser reaches this machine's loopback port: to the address
// and port of the current SSH session when there is one, else to this
// host's name.
func sshCommand(port int) string {
	host, _ := os.Hostname()
	sshPort := ""
	if f := strings.Fields(os.Getenv("SSH_CONNECTION")); len(f) == 4 {
		host = f[2]
		if f[3] != "22" {
			sshPort = " -p " + f[3]
		}
	}
	if host == "" {
		host = "THIS-SERVER"
	}
	target := host
	if u, err := user.Current(); err == nil && u.Username != "" {
		target = u.Username + "@" + host
	}
	return fmt.Sprintf("ssh -L %d:127.0.0.1:%d%s %s", port, port, sshPort, target)
}

func randomState() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(errors.New("crypto/rand failed: " + err.Error()))
	}
	return hex.EncodeToString(b[:])
}
