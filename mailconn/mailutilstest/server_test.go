//go:build linux

package mailutilstest_test

import (
	"crypto/md5"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/mailsetup/mailsetup/mailconn/internal/nsrig"
	"github.com/mailsetup/mailsetup/mailconn/mailtest"
	"github.com/mailsetup/mailsetup/mailconn/mailutilstest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// expect is what Mailutils does where the rigs differ (see the package doc).
var expect = nsrig.Expect{
	List:        []string{`NIL INBOX`, `"/" Support`, `"/" K&APw-che`},
	NonASCII:    "K&APw-che",
	TLSRequired: "XTLSREQUIRED",
	POP3Refusal: "-ERR",
	LoginLogged: "logged in",
}

func TestServer(t *testing.T) {
	srv := mailutilstest.Start(t)
	nsrig.CheckServer(t, &srv.Rig, expect)
	t.Run("pop3s apop", func(t *testing.T) {
		c := nsrig.Dial(t, &srv.Rig, srv.POP3S, true)
		g := c.Line()
		i, j := strings.Index(g, "<"), strings.LastIndex(g, ">")
		if i < 0 || j < i {
			t.Fatalf("greeting without an APOP timestamp: %q", g)
		}
		sum := md5.Sum([]byte(g[i:j+1] + mailtest.Bob.Password))
		if r := c.POP("APOP " + mailtest.Bob.Name + " " + hex.EncodeToString(sum[:])); !strings.HasPrefix(r, "+OK") {
			t.Fatalf("APOP: %q\n%s", r, srv.Log())
		}
	})
}

// TestClose checks that Close leaves no Mailutils process behind.
func TestClose(t *testing.T) {
	srv := mailutilstest.Start(t)
	nsrig.CheckClose(t, &srv.Rig, expect)
}
