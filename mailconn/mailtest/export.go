package mailtest

// CertPEM returns, in PEM, the rig CA's certificate and the server
// certificate of kind k with its private key (SEC 1 "EC PRIVATE KEY"), the
// same ones a Server serves. Other rigs (couriertest, mailutilstest) use it
// so that every rig's certificates are checked against one CA.
func CertPEM(k CertKind) (caPEM, certPEM, keyPEM []byte, err error) {
	ca, err := rigCA()
	if err != nil {
		return nil, nil, nil, err
	}
	kp, err := leaf(k)
	if err != nil {
		return nil, nil, nil, err
	}
	return ca.certPEM, kp.certPEM, kp.keyPEM, nil
}

// MessageText returns message m as the rig stores it for user, with LF
// line endings; i numbers the message within its mailbox (it goes into the
// Message-ID).
func MessageText(i int, user User, m Message) ([]byte, error) {
	return messageText(i, user, m)
}

// EncodeMUTF7 encodes a mailbox name in IMAP's modified UTF-7 (RFC 3501
// 5.1.3), as servers show it on the wire: "Küche" is "K&APw-che".
func EncodeMUTF7(s string) string { return encodeMUTF7(s) }
