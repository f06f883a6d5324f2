package mailconn

// Hooks for the external tests.
var (
	NTLMChallengeForTest = challengeMessage
	NTLMFieldForTest     = field
	FromUTF16ForTest     = fromUTF16
)

// RootsWarmedForTest is how many times the system's CA certificates were
// loaded in the background.
func RootsWarmedForTest() int64 { return rootsWarmed.Load() }
