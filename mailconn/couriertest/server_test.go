//go:build linux

package couriertest_test

import (
	"testing"

	"github.com/mailsetup/mailsetup/mailconn/couriertest"
	"github.com/mailsetup/mailsetup/mailconn/internal/nsrig"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// expect is what Courier does where the rigs differ (see the package doc).
var expect = nsrig.Expect{
	List:        []string{`"." "INBOX"`, `"INBOX.Support"`, `"INBOX.K&APw-che"`},
	NonASCII:    "INBOX.K&APw-che",
	TLSRequired: "LOGINDISABLED",
	POP3Refusal: "-ERR TLS required",
	LoginLogged: "LOGIN",
}

func TestServer(t *testing.T) {
	srv := couriertest.Start(t)
	nsrig.CheckServer(t, &srv.Rig, expect)
}

// TestClose checks that Close leaves no Courier process behind.
func TestClose(t *testing.T) {
	srv := couriertest.Start(t)
	nsrig.CheckClose(t, &srv.Rig, expect)
}
