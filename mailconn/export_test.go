package mailconn

// Hooks for the external tests.
var (
	NTLMChallengeForTest = challengeMessage
	NTLMFieldForTest     = field
	FromUTF16ForTest     = fromUTF16
)
