package webhooks

import (
	"context"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/destinations"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/tenants"
	"github.com/patchbay/patchbay/webhook"
)

// reservedHeaders are set by Patchbay on every delivery; custom headers may
// not replace them.
var reservedHeaders = map[string]bool{
	"Content-Type": true, "Content-Length": true, "Host": true, "User-Agent": true, "Transfer-Encoding": true, "Connection": true,
	textproto.CanonicalMIMEHeaderKey(webhook.HeaderID): true, textproto.CanonicalMIMEHeaderKey(webhook.HeaderTimestamp): true,
	textproto.CanonicalMIMEHeaderKey(webhook.HeaderSignature): true,
}

// endpointFields are the writable fields of an endpoint, shared by create and
// update; nil means "not given".
type endpointFields struct {
	Type           *string                   `json:"type,omitempty" enum:"http,nats,rabbitmq,kafka,redis,mqtt" doc:"Where deliveries go: http (the default) or a message broker; fixed once created."`
	Broker         *destinations.Settings    `json:"broker,omitempty" doc:"A broker endpoint's settings; replaced whole when given."`
	Credentials    *destinations.Credentials `json:"credentials,omitempty" doc:"A broker endpoint's credentials, sealed and never returned; replaced whole when given, an empty object removes them."`
	URL            *string                   `json:"url,omitempty" example:"https://hooks.acme.example/patchbay" doc:"Where deliveries are POSTed (https, or http on loopback in development), or the broker's address for a broker type." format:"uri"`
	Description    *string                   `json:"description,omitempty" doc:"What the endpoint is for."`
	EventTypes     *[]string                 `json:"event_types,omitempty" doc:"Event types the endpoint receives; absent or empty receives every type."`
	Channels       *[]string                 `json:"channels,omitempty" doc:"Channels the endpoint subscribes to; absent receives messages of every channel."`
	Headers        *map[string]string        `json:"headers,omitempty" doc:"Extra headers sent with each delivery."`
	Metadata       *map[string]string        `json:"metadata,omitempty" doc:"The SaaS's own key-value pairs about the endpoint."`
	DeliveryOrder  *string                   `json:"delivery_order,omitempty" doc:"unordered (the default) or fifo: one delivery at a time, in publish order." enum:"unordered,fifo"`
	RateLimit      *int                      `json:"rate_limit,omitempty" doc:"Caps deliveries per second; 0 removes the cap."`
	MaxConcurrency *int                      `json:"max_concurrency,omitempty" doc:"Caps deliveries in flight; 0 restores the default."`
	RetrySchedule  *[]int                    `json:"retry_schedule,omitempty" doc:"The delay in seconds before each retry; empty restores the installation's schedule."`
	Disabled       *bool                     `json:"disabled,omitempty" doc:"Pauses (true) or resumes (false) deliveries."`
}

func (f endpointFields) problems(s *Service) map[string]string {
	p := map[string]string{}
	if f.URL != nil && (f.Type == nil || *f.Type == destinations.TypeHTTP) {
		if err := s.urlOptions.CheckURL(*f.URL, s.cfg.AllowHTTP); err != nil {
			p["url"] = err.Error()
		}
	}

	if f.Description != nil && len(*f.Description) > 1000 {
		p["description"] = "must be at most 1000 bytes"
	}
	if f.EventTypes != nil && len(*f.EventTypes) > 200 {
		p["event_types"] = "may list at most 200 event types"
	}
	if f.Channels != nil {
		if len(*f.Channels) > 10 {
			p["channels"] = "may list at most 10 channels" // as a message may
		}
		for _, c := range *f.Channels {
			if c == "" || len(c) > 128 {
				p["channels"] = "each channel must be 1 to 128 bytes"
			}
		}
	}
	if f.Headers != nil {
		for k, v := range *f.Headers {
			switch {
			case !validHeaderName(k):
				p["headers"] = "header names must be HTTP tokens"
			case reservedHeaders[textproto.CanonicalMIMEHeaderKey(k)]:
				p["headers"] = k + " is set by Patchbay and cannot be overridden"
			case strings.ContainsAny(v, "\r\n") || len(v) > 4096:
				p["headers"] = "header values must be one line of at most 4096 bytes"
			}
		}
	}
	if f.Metadata != nil && len(*f.Metadata) > 50 {
		p["metadata"] = "may have at most 50 keys"
	}
	if f.DeliveryOrder != nil && *f.DeliveryOrder != OrderUnordered && *f.DeliveryOrder != OrderFIFO {
		p["delivery_order"] = "must be unordered or fifo"
	}
	if f.RateLimit != nil && (*f.RateLimit < 1 || *f.RateLimit > 100000) {
		p["rate_limit"] = "must be 1 to 100000 deliveries per second"
	}
	if f.MaxConcurrency != nil && (*f.MaxConcurrency < 1 || *f.MaxConcurrency > 256) {
		p["max_concurrency"] = "must be 1 to 256"
	}
	if f.RetrySchedule != nil {
		if len(*f.RetrySchedule) > 30 {
			p["retry_schedule"] = "may have at most 30 retries"
		}
		for _, sec := range *f.RetrySchedule {
			if sec < 1 || sec > 7*24*3600 {
				p["retry_schedule"] = "each delay must be 1 second to 7 days"
			}
		}
	}
	return p
}

func validHeaderName(k string) bool {
	if k == "" || len(k) > 256 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// brokerProblems checks a broker endpoint as it will be once f is applied to
// e (its current state, or the zero Endpoint on create): its type, address,
// settings and credentials together.
func (f endpointFields) brokerProblems(s *Service, e Endpoint, p map[string]string) {
	typ := e.Type
	if f.Type != nil {
		if e.ID != "" && *f.Type != e.Type {
			p["type"] = "cannot be changed; create a new endpoint"
			return
		}
		typ = *f.Type
	}
	if typ == "" || typ == destinations.TypeHTTP {
		if f.Broker != nil {
			p["broker"] = "applies only to a broker endpoint"
		}
		if f.Credentials != nil {
			p["credentials"] = "applies only to a broker endpoint"
		}
		return
	}
	t := destinations.Target{Type: typ, URL: e.URL}
	if f.URL != nil {
		t.URL = *f.URL
	}
	if e.Broker != nil {
		t.Settings = *e.Broker
	}
	if f.Broker != nil {
		t.Settings = *f.Broker
	}
	switch {
	case f.Credentials != nil:
		t.Credentials = *f.Credentials
	case e.CredentialsSet:
		t.Credentials = destinations.Credentials{Username: "(stored)", Password: "(stored)"}
	}
	if f.Broker == nil && e.Broker == nil {
		p["broker"] = "is required for a " + typ + " endpoint"
	}
	for k, v := range destinations.Problems(t, s.urlOptions) {
		if k == "url" && f.URL == nil && e.ID != "" {
			continue // the stored address was checked when saved
		}
		if _, ok := p[k]; !ok {
			p[k] = v
		}
	}
}

func (f endpointFields) apply(e *Endpoint) {
	if f.Type != nil {
		e.Type = *f.Type
	}
	if f.Broker != nil {
		b := *f.Broker
		e.Broker = &b
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&e.URL, f.URL)
	set(&e.Description, f.Description)
	set(&e.DeliveryOrder, f.DeliveryOrder)
	if f.EventTypes != nil {
		e.EventTypes = *f.EventTypes
	}
	if f.Channels != nil {
		e.Channels = *f.Channels
	}
	if f.Headers != nil {
		e.Headers = *f.Headers
	}
	if f.Metadata != nil {
		e.Metadata = *f.Metadata
	}
	if f.RateLimit != nil {
		e.RateLimit = f.RateLimit
	}
	if f.MaxConcurrency != nil {
		e.MaxConcurrency = f.MaxConcurrency
	}
	if f.RetrySchedule != nil {
		e.RetrySchedule = *f.RetrySchedule
	}
	if f.Disabled != nil {
		e.Disabled = *f.Disabled
	}
}

type createEndpointRequest struct {
	endpointFields
	// Secret is the signing secret (whsec_…); empty makes a new one.
	Secret string `json:"secret,omitempty" doc:"The signing secret (whsec_…); empty makes a new one."`
}

// EndpointCreated is a new endpoint with its signing secret.
type EndpointCreated struct {
	Endpoint
	Secret string `json:"secret" doc:"The signing secret (whsec_…), to verify deliveries with."`
}

// endpointPath reads and checks {tenant_id} and {endpoint_id}.
func endpointPath(r *http.Request) (tenantID, endpointID string, err error) {
	tenantID, err = tenants.PathID(r)
	if err != nil {
		return "", "", err
	}
	endpointID, err = httpapi.PathID(r, "endpoint_id", "ep")
	return tenantID, endpointID, err
}

// HandleEndpointCreate adds an endpoint.
func HandleEndpointCreate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[createEndpointRequest, EndpointCreated]{
		Secret:      true,
		Summary:     "Add an endpoint to a tenant; the response includes its signing secret",
		Description: "Creates an endpoint that receives the tenant's messages of the chosen event types and channels. The response carries the signing secret (whsec_…) receivers verify with. 422 names each bad field, such as a URL that is not https or points to a private address.",
		Status:      http.StatusCreated,
		Do: func(r *http.Request, req createEndpointRequest) (EndpointCreated, error) {
			tenantID, err := tenants.PathID(r)
			if err != nil {
				return EndpointCreated{}, err
			}
			problems := req.problems(s)
			if req.URL == nil {
				problems["url"] = "is required"
			}
			req.brokerProblems(s, Endpoint{}, problems)
			if req.Secret != "" {
				if _, err := webhook.ParseSecret(req.Secret); err != nil {
					problems["secret"] = err.Error()
				}
			}
			if len(problems) > 0 {
				return EndpointCreated{}, apperr.InvalidFields(problems)
			}
			e := Endpoint{TenantID: tenantID}
			req.apply(&e)
			secret := req.Secret
			if secret == "" {
				secret = webhook.NewSecret()
			}
			var creds destinations.Credentials
			if req.Credentials != nil {
				creds = *req.Credentials
			}
			created, err := s.CreateBrokerEndpoint(r.Context(), e, secret, creds)
			if err != nil {
				return EndpointCreated{}, err
			}
			return EndpointCreated{Endpoint: created, Secret: secret}, nil
		},
	})
}

// HandleEndpointList lists a tenant's endpoints.
func HandleEndpointList(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Endpoint]]{
		Summary:     "List a tenant's endpoints",
		Description: "Lists the tenant's webhook endpoints, paginated by cursor. The admin API and the embed API share this operation; an embed token reaches only its tenant.",
		Query:       httpapi.PageParams,
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Endpoint], error) {
			tenantID, err := tenants.PathID(r)
			if err != nil {
				return httpapi.List[Endpoint]{}, err
			}
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[Endpoint]{}, err
			}
			list, err := s.Endpoints(r.Context(), tenantID, page)
			return httpapi.NewList(page, list, func(e Endpoint) string { return e.ID }), err
		},
	})
}

// HandleEndpointGet returns an endpoint.
func HandleEndpointGet(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Endpoint]{
		Summary:     "Get an endpoint",
		Description: "Returns an endpoint's settings and whether it is disabled, and why. Its secret is at …/secret. 404 when the endpoint is not the tenant's.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Endpoint, error) {
			tenantID, endpointID, err := endpointPath(r)
			if err != nil {
				return Endpoint{}, err
			}
			return s.Endpoint(r.Context(), tenantID, endpointID)
		},
	})
}

type updateEndpointRequest struct{ endpointFields }

// Valid implements httpapi.Validator.
func (updateEndpointRequest) Valid(context.Context) map[string]string { return nil }

// HandleEndpointUpdate changes an endpoint; "disabled": false re-enables it.
func HandleEndpointUpdate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[updateEndpointRequest, Endpoint]{
		Summary:     "Change an endpoint; set disabled to false to re-enable it and resume its deliveries",
		Description: "Changes only the fields given. An endpoint that Patchbay disabled after failing for days resumes with disabled false; deliveries that failed meanwhile can be resent with …/recover. 422 names each bad field.",
		Do: func(r *http.Request, req updateEndpointRequest) (Endpoint, error) {
			tenantID, endpointID, err := endpointPath(r)
			if err != nil {
				return Endpoint{}, err
			}
			p := req.problems(s)
			if req.Type != nil || req.Broker != nil || req.Credentials != nil || req.URL != nil {
				current, err := s.Endpoint(r.Context(), tenantID, endpointID)
				if err != nil {
					return Endpoint{}, err
				}
				if current.Type != "" && current.Type != destinations.TypeHTTP {
					delete(p, "url") // checked as a broker address below
				}
				req.brokerProblems(s, current, p)
			}
			if len(p) > 0 {
				return Endpoint{}, apperr.InvalidFields(p)
			}
			return s.UpdateBrokerEndpoint(r.Context(), tenantID, endpointID, req.apply, req.Credentials)
		},
	})
}

// HandleEndpointDelete removes an endpoint.
func HandleEndpointDelete(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary:     "Delete an endpoint with its delivery log",
		Description: "Deletes an endpoint, its pending deliveries and its delivery log. Use PATCH disabled true instead to pause it and keep its history.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			tenantID, endpointID, err := endpointPath(r)
			if err != nil {
				return httpapi.NoContent{}, err
			}
			return httpapi.NoContent{}, s.DeleteEndpoint(r.Context(), tenantID, endpointID)
		},
	})
}

// EndpointSecret is an endpoint's signing secret.
type EndpointSecret struct {
	Secret string `json:"secret" doc:"The signing secret (whsec_…), to verify deliveries with."`
}

// HandleEndpointSecret shows an endpoint's current secret.
func HandleEndpointSecret(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, EndpointSecret]{
		Secret:      true,
		Summary:     "Get an endpoint's current signing secret",
		Description: "Returns the secret deliveries are signed with now, for the receiver to verify the webhook-signature header (Standard Webhooks). Needs the secret-reading scope because the answer is a credential; never cached.",
		Do: func(r *http.Request, _ httpapi.NoBody) (EndpointSecret, error) {
			tenantID, endpointID, err := endpointPath(r)
			if err != nil {
				return EndpointSecret{}, err
			}
			secret, err := s.Secret(r.Context(), tenantID, endpointID)
			if err != nil {
				return EndpointSecret{}, err
			}
			return EndpointSecret{Secret: secret}, nil
		},
	})
}

type rotateSecretRequest struct {
	// Secret is the new secret (whsec_…); empty makes one.
	Secret string `json:"secret,omitempty" doc:"The new secret (whsec_…); empty makes one."`
}

func (req rotateSecretRequest) Valid(context.Context) map[string]string {
	if req.Secret != "" {
		if _, err := webhook.ParseSecret(req.Secret); err != nil {
			return map[string]string{"secret": err.Error()}
		}
	}
	return nil
}

// HandleEndpointRotateSecret starts a new secret; the old one keeps signing
// alongside it for the configured overlap.
func HandleEndpointRotateSecret(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[rotateSecretRequest, EndpointSecret]{
		Secret:       true,
		Summary:      "Rotate an endpoint's secret; the old one keeps signing beside the new one for the overlap (default 24 h)",
		Description:  "Replaces an endpoint's signing secret. During the overlap deliveries carry signatures by both secrets, so the receiver can switch without dropping any. A given secret must be whsec_ and base64 of 24 to 64 bytes.",
		OptionalBody: true,
		Do: func(r *http.Request, req rotateSecretRequest) (EndpointSecret, error) {
			tenantID, endpointID, err := endpointPath(r)
			if err != nil {
				return EndpointSecret{}, err
			}
			secret, err := s.RotateSecret(r.Context(), tenantID, endpointID, req.Secret, s.cfg.SecretOverlap)
			if err != nil {
				return EndpointSecret{}, err
			}
			return EndpointSecret{Secret: secret}, nil
		},
	})
}
