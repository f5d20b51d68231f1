package oauth

import (
	"errors"
	"net/http"

	"github.com/patchbay/patchbay/internal/htmlpage"
	"github.com/patchbay/patchbay/internal/httpapi"
)

// HandleDeviceAuthorization is the device authorization endpoint (RFC 8628
// §3.1).
func HandleDeviceAuthorization(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:     "OAuth 2 device authorization (RFC 8628): a device code to poll with and a user code for the verification page (form-encoded)",
		Description: "A device without a browser starts here: it gets a device code to poll the token endpoint with and a user code to show. Form-encoded, client authentication as at the token endpoint.",
		Response:    DeviceAuthResponse{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			resp, err := s.DeviceAuthorization(r.Context(), r)
			if err != nil {
				s.writeTokenError(w, r, err)
				return
			}
			writeTokenJSON(w, http.StatusOK, resp)
		}),
	}
}

// deviceOutcomes are the messages the verification page shows when a
// device request has ended.
var deviceOutcomes = map[string]string{
	deviceCodeApproved: "Done. Return to your device: it will continue on its own.",
	deviceCodeDenied:   "The request was denied. Nothing was shared with the device.",
}

// HandleDevicePage is the verification page (RFC 8628 §3.3), where the user
// enters the code the device shows; verification_uri_complete fills it in.
func HandleDevicePage(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:     "Device verification page: enter the user code a device shows (?user_code= fills it in)",
		Description: "The page where a user types the code a TV, CLI or other input-constrained device shows (RFC 8628). ?user_code= prefills it.",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			data := map[string]any{"UserCode": q.Get("user_code"), "Done": deviceOutcomes[q.Get("done")]}
			if c := normalizeUserCode(q.Get("user_code")); c != "" {
				data["UserCode"] = displayUserCode(c)
			} else if len(q.Get("user_code")) > 32 {
				data["UserCode"] = ""
			}
			// The form's answer sends the browser on to the SaaS's login page,
			// which the CSP's form-action must allow (browsers hold the
			// redirect after a post to it).
			s.render(w, r, "", htmlpage.Page{Status: http.StatusOK, Name: "device", Title: "device.title", Data: data}, s.cfg.LoginURL)
		}),
	}
}

// HandleDeviceSubmit takes the code from the verification page and sends the
// browser to sign in.
func HandleDeviceSubmit(s *Service) httpapi.Endpoint {
	return httpapi.Endpoint{
		Summary:     "Device verification: the user code from the page; sends the browser to the SaaS's login page",
		Description: "The device page's form: checks the user code and sends the browser to the SaaS's login page to approve the device. A wrong or expired code shows the page again.",
		Status:      http.StatusSeeOther,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := httpapi.ParseTextForm(r); err != nil {
				s.answerFlow(w, r, consentStep{}, pageError("invalid_request", "the form could not be read"))
				return
			}
			typed := r.PostForm.Get("user_code")
			to, b, err := s.StartDeviceVerification(r.Context(), typed)
			if errors.Is(err, errUnknownUserCode) {
				if len(typed) > 32 {
					typed = ""
				}
				s.render(w, r, "", htmlpage.Page{Status: http.StatusBadRequest, Name: "device", Title: "device.title",
					Data: map[string]any{"UserCode": typed, "Error": err.Error()}}, s.cfg.LoginURL)
				return
			}
			if err == nil {
				s.setBrowserCookie(w, b)
			}
			s.answerFlow(w, r, consentStep{RedirectTo: to}, err)
		}),
	}
}
