package mailconn_test

import (
	"context"
	"fmt"

	"github.com/mailsetup/mailsetup/config"
	"github.com/mailsetup/mailsetup/mailconn"
)

// A test reports each step as it runs; the result names the failed step,
// the config field at fault and a hint. Here nothing listens on the port.
func ExampleTest() {
	in := config.Default().Incoming
	in.Server = "127.0.0.1"
	in.Port = 1
	in.Username = "support@example.com"

	res := mailconn.Test(context.Background(), in, mailconn.Options{Secret: "…"}, func(e mailconn.Event) {
		if e.Status != mailconn.StatusRunning {
			fmt.Printf("%-8s %s\n", e.Step, e.Status)
		}
	})
	fmt.Println("failed at:", res.FailedStep)
	fmt.Println("field:", res.Field)
	fmt.Println("error:", res.Error)
	fmt.Println("hint:", res.Hint)
	// Output:
	// resolve  ok
	// connect  fail
	// failed at: connect
	// field: port
	// error: connection refused
	// hint: Nothing accepts connections on port 1: check the port (IMAP over TLS is usually 993).
}
