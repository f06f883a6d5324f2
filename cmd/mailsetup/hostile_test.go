package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/internal/hostiletest"
)

// assertSafeOutput fails when out (a command's stdout or stderr) carries a
// byte a terminal could act on; with asJSON, each line is also decoded and
// every string in it checked the same way.
func assertSafeOutput(t *testing.T, name, out string, asJSON bool) {
	t.Helper()
	if bad := hostiletest.Unsafe(out); bad != "" {
		t.Errorf("%s: %s\n%s", name, bad, out)
	}
	if !asJSON || out == "" {
		return
	}
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var v any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Errorf("%s: not a JSON line: %q: %v", name, l, err)
			continue
		}
		walkStrings(v, func(s string) {
			if bad := hostiletest.Unsafe(s); bad != "" {
				t.Errorf("%s: a decoded JSON string is not safe: %s", name, bad)
			}
		})
	}
}

func walkStrings(v any, fn func(string)) {
	switch v := v.(type) {
	case string:
		fn(v)
	case []any:
		for _, x := range v {
			walkStrings(x, fn)
		}
	case map[string]any:
		for k, x := range v {
			fn(k)
			walkStrings(x, fn)
		}
	}
}

// hostileCLIConfig writes a config for a hostile server.
func hostileCLIConfig(t *testing.T, edit func(in *config.Incoming)) string {
	t.Helper()
	c := config.Default()
	c.Incoming.Server = "127.0.0.1"
	c.Incoming.Username = "user"
	c.Incoming.Password = "secret"
	c.Incoming.Timeout = config.Duration{Duration: 10 * time.Second}
	edit(&c.Incoming)
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := config.Save(path, &c, config.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestHostileServerOutput runs `mailsetup test` and `test --json` against
// servers that put escape sequences, controls and invalid UTF-8 into every
// text (greeting, capabilities, mechanisms, every error, the certificate's
// names) and checks the bytes of stdout and stderr.
func TestHostileServerOutput(t *testing.T) {
	t.Setenv("LANG", "C.UTF-8")
	t.Setenv("LC_ALL", "")
	type tc struct {
		security string
		fail     hostiletest.Fail
		cert     string
	}
	var cases []tc
	for _, f := range []hostiletest.Fail{hostiletest.FailNone, hostiletest.FailGreeting, hostiletest.FailCapa, hostiletest.FailLogin, hostiletest.FailMailbox} {
		cases = append(cases, tc{config.SecurityNone, f, ""})
	}
	cases = append(cases,
		tc{config.SecurityStartTLS, hostiletest.FailNone, "verified"},
		tc{config.SecurityStartTLS, hostiletest.FailStartTLS, "verified"},
		tc{config.SecurityTLS, hostiletest.FailLogin, "verified"},
		tc{config.SecurityTLS, hostiletest.FailNone, "wrong-host"},
		tc{config.SecurityTLS, hostiletest.FailNone, "unknown-ca"},
		tc{config.SecurityTLS, hostiletest.FailMailbox, "wrong-host-accepted"},
	)
	for _, proto := range []string{config.ProtocolIMAP, config.ProtocolPOP3} {
		for _, c := range cases {
			name := fmt.Sprintf("%s/%s/fail-%s", proto, c.security, c.fail)
			if c.cert != "" {
				name += "/cert-" + c.cert
			}
			t.Run(name, func(t *testing.T) {
				opts := hostiletest.Options{Fail: c.fail, ImplicitTLS: c.security == config.SecurityTLS}
				var caFile string
				if c.cert != "" {
					certs := hostiletest.NewCerts(t, c.cert == "verified" || c.cert == "unknown-ca")
					opts.TLS = certs.Server
					if c.cert != "unknown-ca" {
						caFile = certs.CAFile
					}
				}
				var srv *hostiletest.Server
				if proto == config.ProtocolPOP3 {
					srv = hostiletest.StartPOP3(t, opts)
				} else {
					srv = hostiletest.StartIMAP(t, opts)
				}
				path := hostileCLIConfig(t, func(in *config.Incoming) {
					in.Protocol, in.Security, in.Port, in.CAFile = proto, c.security, srv.Port(), caFile
					in.RejectInvalidCertificates = c.cert != "wrong-host-accepted"
				})
				_, out, errs := cli(t, "", "test", "--config", path)
				assertSafeOutput(t, "test stdout", out, false)
				assertSafeOutput(t, "test stderr", errs, false)
				if !strings.Contains(out, `\x1b`) {
					t.Errorf("the payload is not shown escaped:\n%s", out)
				}
				_, jout, jerrs := cli(t, "", "test", "--json", "--config", path)
				assertSafeOutput(t, "test --json stdout", jout, true)
				assertSafeOutput(t, "test --json stderr", jerrs, false)
			})
		}
	}
}

// TestHostileDiscoverOutput runs `mailsetup discover` and `discover
// --json` against hostile servers on every candidate kind.
func TestHostileDiscoverOutput(t *testing.T) {
	t.Setenv("LANG", "C.UTF-8")
	t.Setenv("LC_ALL", "")
	for _, cert := range []string{"verified", "wrong-host", "unknown-ca"} {
		t.Run(cert, func(t *testing.T) {
			certs := hostiletest.NewCerts(t, cert != "wrong-host")
			ports := fmt.Sprintf("imaps=%d,imap=%d,pop3s=%d,pop3=%d",
				hostiletest.StartIMAP(t, hostiletest.Options{TLS: certs.Server, ImplicitTLS: true}).Port(),
				hostiletest.StartIMAP(t, hostiletest.Options{TLS: certs.Server}).Port(),
				hostiletest.StartPOP3(t, hostiletest.Options{TLS: certs.Server, ImplicitTLS: true}).Port(),
				hostiletest.StartPOP3(t, hostiletest.Options{TLS: certs.Server}).Port())
			args := []string{"discover", "127.0.0.1", "--ports", ports, "--timeout", "10s"}
			if cert != "unknown-ca" {
				args = append(args, "--ca-file", certs.CAFile)
			}
			code, out, errs := cli(t, "", args...)
			if code != exitOK {
				t.Errorf("exit %d\n%s\n%s", code, out, errs)
			}
			assertSafeOutput(t, "discover stdout", out, false)
			assertSafeOutput(t, "discover stderr", errs, false)
			if !strings.Contains(strings.ToLower(out), `\x1b`) { // mechanisms are upper case
				t.Errorf("the payload is not shown escaped:\n%s", out)
			}
			_, jout, jerrs := cli(t, "", append(args, "--json")...)
			assertSafeOutput(t, "discover --json stdout", jout, true)
			assertSafeOutput(t, "discover --json stderr", jerrs, false)
		})
	}
}

// autoconfigTransport answers every request with body.
type autoconfigTransport string

func (b autoconfigTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != "autoconfig.evil.test" {
		return nil, errors.New("test network: no route to " + r.URL.Host)
	}
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Header: http.Header{"Content-Type": {"text/xml"}},
		Body: io.NopCloser(strings.NewReader(string(b))), Request: r}, nil
}

// TestHostileDiscoverEmailOutput prints email discovery of a domain whose
// autoconfig file carries controls in its user name and points to a
// hostile server, as `discover user@evil.test` and with --json.
func TestHostileDiscoverEmailOutput(t *testing.T) {
	t.Setenv("LANG", "C.UTF-8")
	t.Setenv("LC_ALL", "")
	certs := hostiletest.NewCerts(t, true)
	srv := hostiletest.StartIMAP(t, hostiletest.Options{TLS: certs.Server, ImplicitTLS: true})
	xml := fmt.Sprintf(`<?xml version="1.0"?><clientConfig version="1.1"><emailProvider id="evil.test">
<incomingServer type="imap"><hostname>127.0.0.1</hostname><port>%d</port><socketType>SSL</socketType>
<username>user&#x9b;2J&#x85;&#x202e;evil</username></incomingServer></emailProvider></clientConfig>`, srv.Port())
	noDNS := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("test network: no DNS")
	}}
	for _, asJSON := range []bool{false, true} {
		t.Run(fmt.Sprintf("json=%v", asJSON), func(t *testing.T) {
			var buf bytes.Buffer
			p := newDiscoverPrinter(&buf, asJSON)
			opts := discoverFlags{json: asJSON, timeout: 10 * time.Second, caFile: certs.CAFile}.options()
			opts.Resolver, opts.HTTPClient = noDNS, &http.Client{Transport: autoconfigTransport(xml)}
			d, err := discover(context.Background(), "user@evil.test", opts, p)
			if err != nil {
				t.Fatal(err)
			}
			if !d.ok {
				t.Fatalf("nothing answered:\n%s", buf.String())
			}
			p.finish(d, discoverFlags{json: asJSON}, "")
			assertSafeOutput(t, "discover (email)", buf.String(), asJSON)
			if !asJSON && !strings.Contains(buf.String(), `\u009b`) {
				t.Errorf("the user name is not shown escaped:\n%s", buf.String())
			}
		})
	}
}

// TestHostileCommandStderr: a password_command's stderr reaches the
// output of `mailsetup test` without its controls. The command runs at the
// authenticate step, so the server must be reachable: the Dovecot rig.
func TestHostileCommandStderr(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	path := hostileCLIConfig(t, func(in *config.Incoming) {
		in.Port, in.Security = srv.IMAPPlainOnly, config.SecurityNone
		in.Password = ""
		in.PasswordCommand = `printf 'vault \033[2J\033]52;c;aGk=\007 \r\000 \377 \302\233 denied\n' >&2; exit 3`
	})
	for _, args := range [][]string{{"test", "--config", path}, {"test", "--json", "--config", path}} {
		code, out, errs := cli(t, "", args...)
		if code != exitTestFailed || !strings.Contains(out, "denied") {
			t.Fatalf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
		asJSON := len(args) == 4
		assertSafeOutput(t, "stdout", out, asJSON)
		assertSafeOutput(t, "stderr", errs, false)
	}
}
