package oauth

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/patchbay/patchbay/internal/httpapi"
)

// writeRegistrationError answers a registration endpoint's error: a wrong
// bearer token as RFC 6750 §3.1 says, everything else as RFC 7591 §3.2.2.
func (s *Service) writeRegistrationError(w http.ResponseWriter, r *http.Request, err error) {
	var te *tokenError
	if errors.As(err, &te) && te.Code == "invalid_token" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="patchbay", error="invalid_token"`)
		writeTokenJSON(w, te.Status, map[string]string{"error": te.Code, "error_description": te.Description})
		return
	}
	s.writeTokenError(w, r, err)
}

// HandleRegister is the client registration endpoint (RFC 7591 §3).
func HandleRegister(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Secret:      true,
		Summary:     "OAuth 2 dynamic client registration (RFC 7591): open, with an initial access token (Bearer), or off, by --oauth-registration",
		Description: "Lets an app register itself as an OAuth client (RFC 7591), for example an MCP client. Whether it is open, needs an initial access token, or is off depends on --oauth-registration. 400 invalid_client_metadata names the bad field.",
		Request:     ClientMetadata{}, Response: RegistrationResponse{}, Status: http.StatusCreated,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			resp, err := s.Register(r.Context(), r)
			if err != nil {
				s.writeRegistrationError(w, r, err)
				return
			}
			writeTokenJSON(w, http.StatusCreated, resp)
		}),
	}
}

// HandleRegistrationRead is RFC 7592 §2.1.
func HandleRegistrationRead(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Secret:      true,
		Summary:     "Read a self-registered client's registration (RFC 7592), with its registration access token (Bearer)",
		Description: "The client reads back its registration (RFC 7592). Authenticated by the registration access token the registration returned.",
		Response:    RegistrationResponse{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			resp, err := s.ReadRegistration(r.Context(), r, r.PathValue("client_id"))
			if err != nil {
				s.writeRegistrationError(w, r, err)
				return
			}
			writeTokenJSON(w, http.StatusOK, resp)
		}),
	}
}

// HandleRegistrationUpdate is RFC 7592 §2.2.
func HandleRegistrationUpdate(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Secret:      true,
		Summary:     "Replace a self-registered client's metadata (RFC 7592), with its registration access token (Bearer)",
		Description: "The client replaces its metadata (RFC 7592): every field, not a patch. Authenticated by its registration access token.",
		Request:     ClientMetadata{}, Response: RegistrationResponse{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			resp, err := s.UpdateRegistration(r.Context(), r, r.PathValue("client_id"))
			if err != nil {
				s.writeRegistrationError(w, r, err)
				return
			}
			writeTokenJSON(w, http.StatusOK, resp)
		}),
	}
}

// HandleRegistrationDelete is RFC 7592 §2.3.
func HandleRegistrationDelete(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:     "Delete a self-registered client and everything issued to it (RFC 7592), with its registration access token (Bearer)",
		Description: "The client deletes its own registration (RFC 7592), which revokes every token issued to it. Authenticated by its registration access token.",
		Status:      http.StatusNoContent,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := s.DeleteRegistration(r.Context(), r, r.PathValue("client_id")); err != nil {
				s.writeRegistrationError(w, r, err)
				return
			}
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusNoContent)
		}),
	}
}

type createInitialTokenRequest struct {
	Description string `json:"description" doc:"What the token is for."`
	// ExpiresIn is in seconds; absent means until deleted.
	ExpiresIn int64 `json:"expires_in,omitempty" doc:"In seconds; absent means until deleted."`
}

func (req createInitialTokenRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	if len(req.Description) > 200 {
		p["description"] = "must be at most 200 bytes"
	}
	if req.ExpiresIn < 0 || req.ExpiresIn > 10*365*24*3600 {
		p["expires_in"] = "must be 0 to 315360000 seconds (ten years)"
	}
	return p
}

// HandleInitialTokenCreate issues an initial access token.
func HandleInitialTokenCreate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[createInitialTokenRequest, CreatedInitialAccessToken]{
		Secret:      true,
		Summary:     "Issue an initial access token that lets its holder register OAuth clients at /oauth/register (the token is in this answer only)",
		Description: "Issues a token to give a partner so they can register OAuth clients themselves at /oauth/register when registration requires one. The token is in this answer only.",
		Status:      http.StatusCreated,
		Do: func(r *http.Request, req createInitialTokenRequest) (CreatedInitialAccessToken, error) {
			return s.CreateInitialAccessToken(r.Context(), req.Description, time.Duration(req.ExpiresIn)*time.Second)
		},
	})
}

// HandleInitialTokenList lists initial access tokens.
func HandleInitialTokenList(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[InitialAccessToken]]{
		Summary:     "List initial access tokens (never the tokens themselves)",
		Description: "Lists the initial access tokens that allow dynamic client registration, without the tokens themselves.",
		Query:       httpapi.PageParams,
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[InitialAccessToken], error) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[InitialAccessToken]{}, err
			}
			list, err := s.ListInitialAccessTokens(r.Context(), page)
			return httpapi.NewList(page, list, func(t InitialAccessToken) string { return t.ID }), err
		},
	})
}

// HandleInitialTokenDelete withdraws an initial access token.
func HandleInitialTokenDelete(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary:     "Withdraw an initial access token; clients registered with it stay",
		Description: "Withdraws an initial access token; further registrations with it answer 401.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			tokenID, err := httpapi.PathID(r, "token_id", "oiat")
			if err != nil {
				return httpapi.NoContent{}, err
			}
			return httpapi.NoContent{}, s.DeleteInitialAccessToken(r.Context(), tokenID)
		},
	})
}
