package oauth

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/mailsetup/mailsetup/internal/hostiletest"
)

// A provider's error code and description are text from outside: the
// ProviderError that carries them is safe to print.
func TestProviderErrorIsCleaned(t *testing.T) {
	p := hostiletest.UTF8Payload
	err := providerError("sign-in", &oauth2.RetrieveError{
		Response:         &http.Response{StatusCode: 400},
		ErrorCode:        "invalid_grant" + p,
		ErrorDescription: "AADSTS70000: bad grant " + p + "\r\nTrace ID: 1",
	})
	var pe *ProviderError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a *ProviderError", err)
	}
	for name, s := range map[string]string{"error": err.Error(), "code": pe.Code, "description": pe.Description} {
		if bad := hostiletest.Unsafe(s); bad != "" {
			t.Errorf("%s: %s", name, bad)
		}
	}
	if !strings.Contains(pe.Description, `bad grant \x1b[2J`) {
		t.Errorf("description = %q, want the payload shown escaped", pe.Description)
	}

	// Any other error of the provider's client keeps its type and loses its
	// controls.
	inner := errors.New("oauth2: cannot parse json: " + hostiletest.Payload)
	err = providerError("refresh", inner)
	if !errors.Is(err, inner) {
		t.Errorf("err %v does not wrap the cause", err)
	}
	if bad := hostiletest.Unsafe(err.Error()); bad != "" {
		t.Errorf("other error: %s", bad)
	}
}
