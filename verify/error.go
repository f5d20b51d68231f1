package verify

// Reason says in one word why a request was refused. Reasons are stable
// snake_case strings, so that metrics and logs can be labelled with them.
type Reason string

const (
	// ReasonMissingHeader: a header the scheme requires is absent or empty. The
	// request was probably not sent by the provider at all, or the source is
	// configured with the wrong scheme.
	ReasonMissingHeader Reason = "missing_header"
	// ReasonMalformedHeader: a required header is present but cannot be parsed,
	// such as a timestamp that is not Unix seconds or a signature that is not hex.
	ReasonMalformedHeader Reason = "malformed_header"
	// ReasonBadSignature: no signature in the request matches the body under any
	// of the configured secrets. The body was altered, the secret is wrong, or the
	// request is forged.
	ReasonBadSignature Reason = "bad_signature"
	// ReasonTimestampExpired: the signed timestamp is further from the receiver's
	// clock than the tolerance, in either direction. Checked before the
	// signature, as the providers' own libraries do, so it is a replay, a clock
	// that is off, or a forgery that got the format right.
	ReasonTimestampExpired Reason = "timestamp_expired"
	// ReasonMissingCredentials: a basic or api_key source got no credentials.
	ReasonMissingCredentials Reason = "missing_credentials"
	// ReasonBadCredentials: a basic or api_key source got credentials that match
	// none of the configured ones.
	ReasonBadCredentials Reason = "bad_credentials"
	// ReasonBadHandshake: a GET handshake lacked its parameters, carried a
	// challenge that is not a plain token, or (meta) the wrong verify token.
	ReasonBadHandshake Reason = "bad_handshake"
)

// Error is the error of [Verifier.Verify]. Its message names the header or
// parameter at fault and says what was wrong, but never contains the body, a
// received or expected signature, or a credential, so it is safe to log and to
// send back to the sender.
type Error struct {
	Reason  Reason
	Message string // human-readable, without the "verify: " prefix
}

func (e *Error) Error() string { return "verify: " + e.Message }

func fail(r Reason, msg string) *Error { return &Error{Reason: r, Message: msg} }
