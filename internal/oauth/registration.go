package oauth

import "time"

// Who may register clients at POST /oauth/register (RFC 7591 §3).
const (
	RegistrationOff   = "off"
	RegistrationToken = "token" // a party holding an initial access token
	RegistrationOpen  = "open"
)

// Defaults of the caps on self-registered clients. Registration needs no
// user, so these are what bounds the table when it is open.
const (
	RegistrationsPerAddressDefault = 20
	RegistrationsDefault           = 10000
	RegistrationUnusedTTLDefault   = 24 * time.Hour
)
