package mailtest_test

import (
	"bufio"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mailsetup/mailsetup/mailconn/mailtest"
)

func TestNewRejectsBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts mailtest.Options
		want string
	}{
		{"separator", mailtest.Options{Separator: ':'}, "separator"},
		{"certificate kind", mailtest.Options{Cert: mailtest.CertKind(99)}, "certificate kind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := mailtest.New(tc.opts)
			if err == nil {
				srv.Close()
				t.Fatal("New accepted bad options")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name the %s", err, tc.want)
			}
		})
	}
}

// TestNewOutsideATest starts a Server with New, as bench/ does, and checks
// that it greets and that Close removes its folder.
func TestNewOutsideATest(t *testing.T) {
	srv, err := mailtest.New(mailtest.Options{})
	if err != nil {
		if os.Getenv(mailtest.EnvRequireDovecot) != "1" && strings.Contains(err.Error(), "not found") {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	dir := srv.Dir
	c, err := net.DialTimeout("tcp", srv.Addr(srv.POP3), 5*time.Second)
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second)) // a hang guard
	line, err := bufio.NewReader(c).ReadString('\n')
	_ = c.Close()
	srv.Close()
	if err != nil || !strings.HasPrefix(line, "+OK") {
		t.Errorf("POP3 greeting %q, %v", line, err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("Close left %s: %v", dir, err)
	}
}
