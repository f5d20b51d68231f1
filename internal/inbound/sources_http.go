package inbound

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"strings"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/destinations"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/tenants"
	"github.com/patchbay/patchbay/verify"
)

// sourceFields are a source's writable fields, shared by create and update;
// nil means "not given". An empty string clears tenant_id and
// destination_url.
type sourceFields struct {
	Name                *string        `json:"name,omitempty" doc:"The source's name."`
	TenantID            *string        `json:"tenant_id,omitempty" doc:"The tenant the source belongs to; absent for an installation-wide source."`
	Verifier            *verify.Config `json:"verifier,omitempty" doc:"How to verify the provider's requests: its signature scheme and secrets."`
	DedupeWindowSeconds *int           `json:"dedupe_window_seconds,omitempty" doc:"How long, in seconds, a repeated provider event ID counts as a duplicate."`
	DestinationURL      *string        `json:"destination_url,omitempty" doc:"Where each new event is forwarded; absent keeps events only." format:"uri"`
	ForwardHeaderPrefix *string        `json:"forward_header_prefix,omitempty" doc:"Provider headers starting with this prefix are forwarded with the event."`
	// Route given as null removes it.
	Route    json.RawMessage `json:"route,omitempty" doc:"Route given as null removes it."`
	Response *Response       `json:"response,omitempty" doc:"What Patchbay answers the provider with after accepting an event."`
	// Consume given with an empty type stops consuming.
	Consume            *destinations.Consume     `json:"consume,omitempty" doc:"A broker to consume events from too; replaced whole when given, {\"type\": \"\"} stops consuming."`
	ConsumeCredentials *destinations.Credentials `json:"consume_credentials,omitempty" doc:"Credentials for the consumed broker, sealed and never returned; an empty object removes them."`
}

func (f sourceFields) problems() map[string]string {
	p := map[string]string{}
	if f.Name != nil && (*f.Name == "" || len(*f.Name) > 200) {
		p["name"] = "must be 1 to 200 bytes"
	}
	if f.TenantID != nil && *f.TenantID != "" {
		if msg := tenants.ValidID(*f.TenantID); msg != "" {
			p["tenant_id"] = msg
		}
	}
	if f.Verifier != nil {
		var ce *verify.ConfigError
		if err := f.Verifier.Validate(); errors.As(err, &ce) {
			for field, msg := range ce.Fields {
				p["verifier/"+field] = msg
			}
		} else if err != nil {
			p["verifier"] = err.Error()
		}
	}
	if f.DedupeWindowSeconds != nil && (*f.DedupeWindowSeconds < 60 || *f.DedupeWindowSeconds > 90*24*3600) {
		p["dedupe_window_seconds"] = "must be from 60 (a minute) to 7776000 (90 days)"
	}
	if f.DestinationURL != nil && *f.DestinationURL != "" {
		if u, err := url.Parse(*f.DestinationURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			p["destination_url"] = "must be an absolute http(s) URL"
		}
	}
	if f.ForwardHeaderPrefix != nil && (len(*f.ForwardHeaderPrefix) > 40 || strings.ContainsAny(*f.ForwardHeaderPrefix, " :\r\n")) {
		p["forward_header_prefix"] = "must be at most 40 bytes of header-name characters, such as X-Original-"
	}
	if unknown := httpapi.UnknownFields[Route](f.Route, "route/"); len(unknown) > 0 {
		maps.Copy(p, unknown)
	} else if _, err := f.route(); err != nil {
		p["route"] = err.Error()
	}
	if r := f.Response; r != nil {
		switch {
		case r.Status < 200 || r.Status > 299:
			p["response/status"] = "must be a 2xx status: anything else makes providers retry"
		case len(r.Body) > 4096:
			p["response/body"] = "must be at most 4096 bytes"
		case r.ContentType == "" || len(r.ContentType) > 100 || strings.ContainsAny(r.ContentType, "\r\n"):
			p["response/content_type"] = "must be a media type such as application/json"
		}
	}
	return p
}

// apply sets the given fields on src.
func (f sourceFields) apply(src *Source) {
	if f.Name != nil {
		src.Name = *f.Name
	}
	if f.TenantID != nil {
		src.TenantID = f.TenantID
		if *f.TenantID == "" {
			src.TenantID = nil
		}
	}
	if f.Verifier != nil {
		src.verifier = *f.Verifier
	}
	if f.DedupeWindowSeconds != nil {
		src.DedupeWindowSeconds = *f.DedupeWindowSeconds
	}
	if f.DestinationURL != nil {
		src.DestinationURL = f.DestinationURL
		if *f.DestinationURL == "" {
			src.DestinationURL = nil
		}
	}
	if f.ForwardHeaderPrefix != nil {
		src.ForwardHeaderPrefix = *f.ForwardHeaderPrefix
	}
	if f.Response != nil {
		src.Response = *f.Response
	}
	if f.Consume != nil {
		src.Consume = f.Consume
		if f.Consume.Type == "" {
			src.Consume = nil
			src.consumeCredentials = &destinations.Credentials{} // removed with it
		}
	}
	if f.ConsumeCredentials != nil {
		src.consumeCredentials = f.ConsumeCredentials
	}
	if f.Route != nil {
		src.Route, _ = f.route() // checked by problems
	}
}

// route decodes and checks the route field; null means none.
func (f sourceFields) route() (*Route, error) {
	if f.Route == nil || string(f.Route) == "null" {
		return nil, nil
	}
	var r Route
	dec := json.NewDecoder(bytes.NewReader(f.Route))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, errors.New(`must be {"event_type": "…", "tenant_id": "…"} or {"event_type": "…", "tenant_pointer": "/…"}`)
	}
	switch {
	case r.EventType == "" || len(r.EventType) > 128:
		return nil, errors.New("event_type must name an event type")
	case (r.TenantID == "") == (r.TenantPointer == ""):
		return nil, errors.New("give tenant_id or tenant_pointer, one of them")
	case r.TenantID != "" && tenants.ValidID(r.TenantID) != "":
		return nil, errors.New("tenant_id " + tenants.ValidID(r.TenantID))
	}
	if r.TenantPointer != "" {
		if _, err := verify.LookupPointer(nil, r.TenantPointer); err != nil {
			return nil, errors.New("tenant_pointer must be an RFC 6901 JSON pointer such as /data/object/tenant")
		}
	}
	return &r, nil
}

type createSourceRequest struct{ sourceFields }

func (req createSourceRequest) Valid(context.Context) map[string]string {
	p := req.problems()
	if req.Name == nil {
		p["name"] = "is required"
	}
	if req.Verifier == nil {
		p["verifier"] = `is required: {"scheme": "stripe", "secrets": ["whsec_…"]}, or {"scheme": "none"} to accept anything`
	}
	return p
}

type updateSourceRequest struct{ sourceFields }

func (req updateSourceRequest) Valid(context.Context) map[string]string { return req.problems() }

func sourceFromPath(r *http.Request) (string, error) { return httpapi.PathID(r, "source_id", "src") }

// HandleSourceCreate adds a source.
func HandleSourceCreate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[createSourceRequest, Source]{
		Secret:      true, // a none source's ingest_url carries its token
		Summary:     "Add a source of incoming webhooks: how its requests are verified, deduplicated, answered and forwarded; the answer has its ingest_url",
		Description: "Creates a source for a provider's webhooks: its verifier (signature scheme and secrets), dedupe window, answer and destination. Give the answer's ingest_url to the provider. 422 names each bad field.",
		Status:      http.StatusCreated,
		Do: func(r *http.Request, req createSourceRequest) (Source, error) {
			src := Source{DedupeWindowSeconds: int(DedupeWindowDefault.Seconds()),
				Response: Response{Status: http.StatusOK, Body: `{"ok":true}`, ContentType: "application/json"}}
			req.apply(&src)
			return s.CreateSource(r.Context(), src)
		},
	})
}

// HandleSourceList lists sources.
func HandleSourceList(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[Source]]{
		Summary:     "List sources ordered by ID (never their secrets)",
		Description: "Lists incoming-webhook sources, paginated by cursor, optionally one tenant's; never their signing secrets.",
		Query:       append([]httpapi.Param{{Name: "tenant_id", Description: "only this tenant's sources"}}, httpapi.PageParams...),
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[Source], error) {
			page, err := httpapi.ParsePage(r)
			if err != nil {
				return httpapi.List[Source]{}, err
			}
			tenantID := r.URL.Query().Get("tenant_id")
			if msg := tenants.ValidID(tenantID); tenantID != "" && msg != "" {
				return httpapi.List[Source]{}, apperr.InvalidFields(map[string]string{"tenant_id": msg})
			}
			list, err := s.ListSources(r.Context(), tenantID, page)
			return httpapi.NewList(page, list, func(src Source) string { return src.ID }), err
		},
	})
}

// HandleSourceGet returns a source.
func HandleSourceGet(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Source]{
		Summary:     "Get a source (never its secrets)",
		Description: "Returns a source's settings; never its secrets. 404 for an unknown ID.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Source, error) {
			sourceID, err := sourceFromPath(r)
			if err != nil {
				return Source{}, err
			}
			return s.Source(r.Context(), sourceID)
		},
	})
}

// HandleSourceUpdate changes a source.
func HandleSourceUpdate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[updateSourceRequest, Source]{
		Secret:      true, // a none source's ingest_url carries its token
		Summary:     "Change a source; a verifier given replaces the old one whole (list old and new secrets to rotate)",
		Description: "Changes only the fields given. To rotate a provider secret without losing events, give a verifier listing the new and the old secret, then later only the new one.",
		Do: func(r *http.Request, req updateSourceRequest) (Source, error) {
			sourceID, err := sourceFromPath(r)
			if err != nil {
				return Source{}, err
			}
			return s.UpdateSource(r.Context(), sourceID, req.sourceFields)
		},
	})
}

// HandleSourceDelete deletes a source.
func HandleSourceDelete(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary:     "Delete a source and its events",
		Description: "Deletes a source with its events; its ingest URL answers 404 from then on.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			sourceID, err := sourceFromPath(r)
			if err != nil {
				return httpapi.NoContent{}, err
			}
			return httpapi.NoContent{}, s.DeleteSource(r.Context(), sourceID)
		},
	})
}

// HandleIngestTokenRotate gives a none source a new ingest token.
func HandleIngestTokenRotate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Source]{
		Secret:      true, // a none source's ingest_url carries its token
		Summary:     "Give a source with scheme none a new ingest token: the answer's ingest_url carries it (shown only here), and the old URL stops accepting",
		Description: "For sources whose only credential is their URL: issues a new ingest URL and retires the old one at once. Give the new URL to the provider first. 409 for a source with a signature scheme.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Source, error) {
			sourceID, err := sourceFromPath(r)
			if err != nil {
				return Source{}, err
			}
			return s.RotateIngestToken(r.Context(), sourceID)
		},
	})
}
