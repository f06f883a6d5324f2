package pop3_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-sasl"

	"github.com/mailsetup/mailsetup/mailconn/pop3"
)

// A connection test: greeting, capabilities, STLS when offered, SASL PLAIN
// when offered (else USER/PASS), STAT and a UIDL probe, then QUIT without
// waiting for the reply.
func ExampleClient() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// Real use dials the server; implicit TLS (port 995) would wrap conn in
	// tls.Client here, before NewClient:
	//
	//	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", "pop.example.com:110")
	conn := exampleServer()
	defer conn.Close()

	c, err := pop3.NewClient(ctx, conn, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("greeting:", c.Greeting())

	caps, err := c.Capa(ctx) // -ERR: a server without CAPA, carry on without
	if _, ok := pop3.CapaArgs(caps, "STLS"); ok && err == nil {
		if _, err := c.StartTLS(ctx, &tls.Config{ServerName: "pop.example.com"}); err != nil {
			fmt.Println(err)
			return
		}
		caps, _ = c.Capa(ctx) // capabilities change after STLS
	}

	if mechs, _ := pop3.CapaArgs(caps, "SASL"); slices.Contains(mechs, "PLAIN") {
		err = c.Auth(ctx, sasl.NewPlainClient("", "alice", "wrong password"))
	} else {
		err = c.Login(ctx, "alice", "wrong password")
	}
	var refused *pop3.Error
	if errors.As(err, &refused) {
		fmt.Printf("refused: code %s, text %q\n", refused.Code, refused.Text)
		err = c.Auth(ctx, sasl.NewPlainClient("", "alice", "Secret-Pa55"))
	}
	if err != nil {
		fmt.Println(err)
		return
	}

	count, size, err := c.Stat(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d messages, %d octets\n", count, size)
	if uid, err := c.UIDL(ctx, 1); err == nil {
		fmt.Println("first message:", uid)
	}
	_ = c.QuitNoWait()
	// Output:
	// greeting: POP3 ready
	// refused: code AUTH, text "Authentication failed."
	// 2 messages, 4096 octets
	// first message: 00000001.1709285400
}

// exampleServer stands in for a POP3 server; it knows one password.
func exampleServer() net.Conn {
	client, server := net.Pipe()
	go func() {
		defer server.Close()
		r := bufio.NewReader(server)
		reply := func(s string) { _, _ = server.Write([]byte(s)) }
		reply("+OK POP3 ready\r\n")
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			switch cmd := strings.TrimSpace(line); cmd {
			case "CAPA":
				reply("+OK\r\nUSER\r\nSASL PLAIN\r\nUIDL\r\n.\r\n")
			case "AUTH PLAIN AGFsaWNlAFNlY3JldC1QYTU1":
				reply("+OK Logged in.\r\n")
			case "STAT":
				reply("+OK 2 4096\r\n")
			case "UIDL 1":
				reply("+OK 1 00000001.1709285400\r\n")
			case "QUIT":
				reply("+OK Logging out.\r\n")
				return
			default:
				if strings.HasPrefix(cmd, "AUTH ") {
					reply("-ERR [AUTH] Authentication failed.\r\n")
				} else {
					reply("-ERR unknown command\r\n")
				}
			}
		}
	}()
	return client
}
