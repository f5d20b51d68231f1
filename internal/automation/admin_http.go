package automation

import (
	"net/http"

	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/tenants"
)

// HandleCatalog answers the live catalog.
func HandleCatalog(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Catalog]{
		Summary: "Get the automation catalog: product, OAuth, hook endpoints, triggers and actions",
		Description: "The one definition that Zapier, Make and n8n apps are generated from and the MCP server serves: " +
			"the exposed event types as triggers (display names, schemas, samples, filter fields), the exposed actions with their " +
			"input fields, and the OAuth and hook endpoints. The same data always gives the same document.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Catalog, error) { return s.Catalog(r.Context()) },
	})
}

// HandleTriggerList lists the triggers.
func HandleTriggerList(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[TriggerSettings]]{
		Summary: "List every live event type with its trigger settings",
		Description: "Each event type that is not archived is a trigger; its settings say whether platforms and agents see it, " +
			"its display name, and which payload fields subscribers may filter on (from available_filter_fields).",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[TriggerSettings], error) {
			list, err := s.Triggers(r.Context())
			return httpapi.List[TriggerSettings]{Data: list}, err
		},
	})
}

// HandleTriggerGet returns one trigger.
func HandleTriggerGet(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, TriggerSettings]{
		Summary:     "Get a trigger's settings",
		Description: "The event type {event_type} as a trigger. 404 when no live event type has that name.",
		Do: func(r *http.Request, _ httpapi.NoBody) (TriggerSettings, error) {
			return s.Trigger(r.Context(), r.PathValue("event_type"))
		},
	})
}

// HandleTriggerUpdate changes a trigger's settings.
func HandleTriggerUpdate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[TriggerPatch, TriggerSettings]{
		Summary: "Change a trigger's settings: exposed, display name, filter fields",
		Description: "Fields left out stay as they are. filter_fields must be pointers listed in available_filter_fields (scalar " +
			"fields of the event type's schema); others are refused with 400 naming the entry.",
		Do: func(r *http.Request, in TriggerPatch) (TriggerSettings, error) {
			return s.UpdateTrigger(r.Context(), r.PathValue("event_type"), in)
		},
	})
}

// HandleActionCreate declares an action.
func HandleActionCreate(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[ActionDef, ActionDef]{
		Summary: "Declare an action: an operation of the SaaS's API that platforms and agents may call",
		Description: "The URL template must lie on the configured API base URL, the input schema must compile (an object whose " +
			"properties are the fields; {placeholders} name required ones), every scope must be in the OAuth scope catalog, and " +
			"x-patchbay-choices must name another declared action. 409 when the key exists (replace it with PUT).",
		Status: http.StatusCreated,
		Do:     func(r *http.Request, in ActionDef) (ActionDef, error) { return s.CreateAction(r.Context(), in) },
	})
}

// HandleActionList lists the actions.
func HandleActionList(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.List[ActionDef]]{
		Summary:     "List the declared actions, in key order",
		Description: "Every action, exposed or not, declared through the API or imported from OpenAPI.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.List[ActionDef], error) {
			list, err := s.Actions(r.Context())
			return httpapi.List[ActionDef]{Data: list}, err
		},
	})
}

// HandleActionGet returns one action.
func HandleActionGet(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, ActionDef]{
		Summary:     "Get an action",
		Description: "The action {key}; 404 when there is none.",
		Do: func(r *http.Request, _ httpapi.NoBody) (ActionDef, error) {
			return s.Action(r.Context(), r.PathValue("key"))
		},
	})
}

// HandleActionPut replaces or declares an action.
func HandleActionPut(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[ActionDef, httpapi.Upsert[ActionDef]]{
		Summary:     "Replace an action, or declare it under {key}",
		Description: "The body's key is ignored: the path names the action. Checked as on create; 201 when it is new, 200 when replaced.",
		Do: func(r *http.Request, in ActionDef) (httpapi.Upsert[ActionDef], error) {
			a, created, err := s.ReplaceAction(r.Context(), r.PathValue("key"), in)
			return httpapi.Upsert[ActionDef]{Value: a, Created: created}, err
		},
	})
}

// HandleActionDelete removes an action.
func HandleActionDelete(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, httpapi.NoContent]{
		Summary:     "Remove an action",
		Description: "Platforms' generated apps and agents stop seeing it at their next catalog load. 404 when there is none.",
		Do: func(r *http.Request, _ httpapi.NoBody) (httpapi.NoContent, error) {
			return httpapi.NoContent{}, s.DeleteAction(r.Context(), r.PathValue("key"))
		},
	})
}

// HandleActionImport imports actions from an OpenAPI document.
func HandleActionImport(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[ImportRequest, ImportResult]{
		Summary: "Import actions from the SaaS's OpenAPI document (operations marked x-patchbay-action)",
		Description: "Each operation with x-patchbay-action (true, or an object of key, display_name, search, idempotency, scopes, " +
			"exposed) becomes an action: its path and query parameters and JSON body properties the input schema (local $refs " +
			"inlined), its first 2xx JSON example the output sample, its security requirement's scopes the scopes; the URL is " +
			"the API base URL (or the document's first server under it) and the path. GETs are searches unless the extension " +
			"says otherwise. All or nothing: 400 names each refused operation or action field.",
		Do: func(r *http.Request, in ImportRequest) (ImportResult, error) { return s.ImportOpenAPI(r.Context(), in) },
	})
}

// HandleTriggerSample returns a trigger's sample for a tenant.
func HandleTriggerSample(s *Service) httpapi.Endpoint {
	return httpapi.Handle(httpapi.Op[httpapi.NoBody, Event]{
		Summary: "Get a trigger's sample for a tenant: its latest real event, or the event type's example",
		Description: "What a platform's test step shows: the tenant's newest event of the type when it has one, otherwise a sample " +
			"made from the event type's example (id msg_sample). 404 for a trigger that is not exposed.",
		Do: func(r *http.Request, _ httpapi.NoBody) (Event, error) {
			tenantID, err := tenants.PathID(r)
			if err != nil {
				return Event{}, err
			}
			return s.Sample(r.Context(), tenantID, r.PathValue("event_type"))
		},
	})
}
