package bearer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxAnswerBytes caps the introspection answer read, which is a few hundred
// bytes; anything longer is not an answer.
const maxAnswerBytes = 64 << 10

// introspect asks Patchbay about token (RFC 7662 §2.1). It returns a Token for
// an active access token, an error wrapping ErrInvalidToken for any other
// token, and one wrapping ErrUnavailable when there was no usable answer. Error
// messages never include the token, and include the answer's text only for
// Patchbay's own error code.
func (g *Guard) introspect(ctx context.Context, token string) (Token, error) {
	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.introspectionURL, strings.NewReader(form.Encode()))
	if err != nil {
		return Token{}, fmt.Errorf("bearer: %w: %w", ErrUnavailable, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if g.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+g.apiKey)
	} else {
		// RFC 6749 §2.3.1 form-encodes both parts before Basic encoding, so that
		// a ":" in the client ID cannot shift the split.
		req.SetBasicAuth(url.QueryEscape(g.clientID), url.QueryEscape(g.clientSecret))
	}

	resp, err := g.client.Do(req)
	if err != nil {
		// *url.Error names the URL (without any password) but never the body.
		return Token{}, fmt.Errorf("bearer: %w: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	switch {
	case err != nil:
		return Token{}, fmt.Errorf("bearer: %w: reading introspection answer: %w", ErrUnavailable, err)
	case len(body) > maxAnswerBytes:
		return Token{}, fmt.Errorf("bearer: %w: introspection answer exceeds %d bytes", ErrUnavailable, maxAnswerBytes)
	case resp.StatusCode == http.StatusUnauthorized:
		var problem struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(body, &problem) // the status says enough without it
		return Token{}, fmt.Errorf("bearer: %w: introspection endpoint refused the guard's credentials (401 %.40q); check APIKey or ClientID and ClientSecret", ErrUnavailable, problem.Error)
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return Token{}, fmt.Errorf("bearer: %w: introspection endpoint redirected (%s), which is not followed; set IntrospectionURL to the final URL", ErrUnavailable, resp.Status)
	case resp.StatusCode != http.StatusOK:
		return Token{}, fmt.Errorf("bearer: %w: introspection endpoint answered %s", ErrUnavailable, resp.Status)
	}

	var answer struct {
		Active   *bool    `json:"active"`
		TokenUse string   `json:"token_use"`
		Scope    string   `json:"scope"`
		ClientID string   `json:"client_id"`
		AppID    string   `json:"app_id"`
		Subject  string   `json:"sub"`
		TeamID   string   `json:"team_id"`
		Exp      int64    `json:"exp"`
		Iat      int64    `json:"iat"`
		Aud      audience `json:"aud"`
		Act      struct {
			Subject string `json:"sub"`
		} `json:"act"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return Token{}, fmt.Errorf("bearer: %w: introspection answer is not the expected JSON: %w", ErrUnavailable, err)
	}
	switch {
	case answer.Active == nil:
		return Token{}, fmt.Errorf(`bearer: %w: introspection answer has no "active" member`, ErrUnavailable)
	case !*answer.Active:
		return Token{}, fmt.Errorf("bearer: token is not active: %w", ErrInvalidToken)
	case answer.TokenUse != "access_token":
		// Most likely a refresh token, which must never stand in for an access
		// token; an absent token_use is refused for the same reason.
		return Token{}, fmt.Errorf("bearer: token use %.40q is not access_token: %w", answer.TokenUse, ErrInvalidToken)
	}
	return Token{
		Subject:   answer.Subject,
		TeamID:    answer.TeamID,
		ClientID:  answer.ClientID,
		AppID:     answer.AppID,
		Scopes:    strings.Fields(answer.Scope),
		ExpiresAt: unixTime(answer.Exp),
		IssuedAt:  unixTime(answer.Iat),
		Audiences: answer.Aud,
		Actor:     answer.Act.Subject,
	}, nil
}

// audience is an aud member, which RFC 7662 §2.2 (after RFC 7519 §4.1.3)
// allows as one string or an array of them.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("aud is neither a string nor an array of strings")
	}
	*a = many
	return nil
}

// unixTime converts an RFC 7662 NumericDate, where zero means absent.
func unixTime(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0)
}
