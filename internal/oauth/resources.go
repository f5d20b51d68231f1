package oauth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
)

// Resource is one of the SaaS's protected resources: an API or an MCP
// server that accepts Patchbay's tokens. Apps name it in the resource
// parameter (RFC 8707), and the tokens they get are bound to it: its
// identifier is their audience (aud).
type Resource struct {
	ID string `json:"id" doc:"The resource's ID."`
	// Identifier is the resource indicator, such as https://mcp.example.com/mcp.
	Identifier string `json:"resource" doc:"The resource indicator, such as https://mcp.example.com/mcp."`
	Name       string `json:"name" doc:"The resource's name for people."`
	// Scopes are those the resource accepts; each is in the catalog. A token
	// for the resource carries only scopes one of its resources accepts.
	Scopes    []string  `json:"scopes" doc:"Those the resource accepts; each is in the catalog. A token for the resource carries only scopes one of its resources accepts."`
	CreatedAt time.Time `json:"created_at" doc:"When the resource was created."`
	UpdatedAt time.Time `json:"updated_at" doc:"When the resource last changed."`
}

// maxResources bounds the resource parameters of one request: enough for
// any real client, few enough that checking them stays cheap.
const maxResources = 10

// checkResourceIndicator reports what is wrong with a resource identifier,
// or "". RFC 8707 §2: an absolute URI without a fragment. Patchbay asks for
// more: https (or http on a loopback IP, for development), no user
// information and no query, so that the RFC 9728 well-known URL formed from
// it is unambiguous.
func checkResourceIndicator(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case raw == "" || len(raw) > 2000 || err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "":
		return "must be an absolute https URL of at most 2000 bytes"
	case strings.IndexFunc(raw, func(c rune) bool { return !uriChar(c) }) >= 0:
		return "must be a URI: ASCII letters, digits and the characters RFC 3986 allows, others percent-encoded"
	case strings.Contains(raw, "#"):
		return "must not contain a fragment (RFC 8707 §2)"
	case u.User != nil:
		return "must not contain user information"
	case !strings.HasPrefix(raw, u.Scheme+"://"): // identifiers compare as strings
		return "must begin with https:// in lower case"
	case strings.Contains(raw, "?"):
		return "must not contain a query"
	case u.Scheme == "https":
		return ""
	case u.Scheme == "http" && isLoopbackIP(u.Hostname()):
		return ""
	}
	return "must be https (or http on a loopback IP such as http://127.0.0.1:8080, for development)"
}

// uriChar reports whether c may appear in a URI as written (RFC 3986 §2:
// unreserved, reserved and the percent sign).
func uriChar(c rune) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.ContainsRune("-._~:/?#[]@!$&'()*+,;=%", c)
}

type resourceFields struct {
	Identifier *string   `json:"resource,omitempty" doc:"The resource's identifier (RFC 8707), an absolute URL." format:"uri"`
	Name       *string   `json:"name,omitempty" doc:"The resource's name for people."`
	Scopes     *[]string `json:"scopes,omitempty" doc:"The scopes tokens for this resource may carry."`
}

func (f resourceFields) problems() map[string]string {
	p := map[string]string{}
	if f.Identifier != nil {
		if msg := checkResourceIndicator(*f.Identifier); msg != "" {
			p["resource"] = msg
		}
	}
	if f.Name != nil && (*f.Name == "" || len(*f.Name) > 100) {
		p["name"] = "must be 1 to 100 bytes: the consent screen shows it to users"
	}
	if f.Scopes != nil {
		if len(*f.Scopes) == 0 || len(*f.Scopes) > 100 {
			p["scopes"] = "must list 1 to 100 scopes from the catalog"
		}
		for _, sc := range *f.Scopes {
			if msg := validScopeName(sc); msg != "" {
				p["scopes"] = fmt.Sprintf("%q %s", sc, msg)
			}
		}
	}
	return p
}

func resourceFromRow(row *sql.Row, what string) (Resource, error) {
	r, err := scanResource(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Resource{}, apperr.Errorf(apperr.NotFound, "resource %s not found", what)
	}
	return r, err
}

// CreateResource registers a protected resource.
func (s *Service) CreateResource(ctx context.Context, r Resource) (Resource, error) {
	if err := s.checkAppScopes(ctx, r.Scopes); err != nil {
		return Resource{}, err
	}
	r.ID = id.New("res")
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		r.CreatedAt, r.UpdatedAt = tx.Now(), tx.Now()
		err := resourceInsert(ctx, tx, r)
		if store.IsUniqueViolation(err) {
			return apperr.Errorf(apperr.Conflict, "a resource with the identifier %s is already registered", r.Identifier)
		}
		return err
	})
	return r, err
}

// Resource returns a resource by ID.
func (s *Service) Resource(ctx context.Context, resourceID string) (Resource, error) {
	return resourceGetByID(ctx, s.db, resourceID)
}

// resourceByIdentifier returns the resource an indicator names.
func (s *Service) resourceByIdentifier(ctx context.Context, q store.Querier, identifier string) (Resource, error) {
	return resourceGetByIdentifier(ctx, q, identifier)
}

// ListResources returns a page of resources ordered by ID.
func (s *Service) ListResources(ctx context.Context, page httpapi.Page) ([]Resource, error) {
	list, err := resourcesList(ctx, s.db, page.After, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list resources: %w", err)
	}
	return list, nil
}

// allResourceIdentifiers lists every resource for the server metadata.
func (s *Service) allResourceIdentifiers(ctx context.Context) ([]string, error) {
	return resourceIdentifiersAll(ctx, s.db)
}

// UpdateResource changes a resource. Tokens already issued keep their
// audience: it is a fact about them, not a reference.
func (s *Service) UpdateResource(ctx context.Context, resourceID string, f resourceFields) (Resource, error) {
	if f.Scopes != nil {
		if err := s.checkAppScopes(ctx, *f.Scopes); err != nil {
			return Resource{}, err
		}
	}
	return store.WithTxValue(ctx, s.db, func(tx *store.Tx) (Resource, error) {
		r, err := resourceGetByID(ctx, tx, resourceID)
		if err != nil {
			return Resource{}, err
		}
		setIf(&r.Identifier, f.Identifier)
		setIf(&r.Name, f.Name)
		setIf(&r.Scopes, f.Scopes)
		r.UpdatedAt = tx.Now()
		err = resourceUpdate(ctx, tx, r)
		if store.IsUniqueViolation(err) {
			return Resource{}, apperr.Errorf(apperr.Conflict, "a resource with the identifier %s is already registered", r.Identifier)
		}
		return r, err
	})
}

// DeleteResource removes a resource: apps can no longer ask for it. Tokens
// already bound to it stay valid until they expire or are revoked.
func (s *Service) DeleteResource(ctx context.Context, resourceID string) error {
	if found, err := resourceDelete(ctx, s.db, resourceID); err != nil {
		return err
	} else if !found {
		return apperr.Errorf(apperr.NotFound, "resource %s not found", resourceID)
	}
	return nil
}

// parseResourceParams checks the resource parameters of a request (RFC 8707
// §2): each an absolute URI without a fragment, distinct, and at most
// maxResources of them. It returns a description of the first problem.
func parseResourceParams(values []string) ([]string, string) {
	if len(values) > maxResources {
		return nil, fmt.Sprintf("at most %d resource parameters are accepted", maxResources)
	}
	var out []string
	for _, v := range values {
		if msg := checkResourceIndicator(v); msg != "" {
			return nil, "resource " + v + " " + msg
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out, ""
}

// targets looks up the resources a request named, all of which must be
// registered, and checks that each scope is accepted by one of them. It
// returns the problem as an RFC 8707 error code and description:
// invalid_target for an unknown resource, invalid_scope for a scope none of
// them accepts.
func (s *Service) targets(ctx context.Context, q store.Querier, identifiers, scopes []string) ([]Resource, string, string, error) {
	var found []Resource
	for _, ident := range identifiers {
		r, err := s.resourceByIdentifier(ctx, q, ident)
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil, "invalid_target", "the resource " + ident + " is not registered with this authorization server", nil
		} else if err != nil {
			return nil, "", "", err
		}
		found = append(found, r)
	}
	if len(found) == 0 {
		return nil, "", "", nil
	}
	for _, sc := range scopes {
		if !slices.ContainsFunc(found, func(r Resource) bool { return slices.Contains(r.Scopes, sc) }) {
			return nil, "invalid_scope", "none of the requested resources accepts the scope " + sc, nil
		}
	}
	return found, "", "", nil
}

// audiences is the aud of a token for resources: them, or the configured
// default audience when the request named none (or no audience at all, as
// before resource indicators, when none is configured).
func (s *Service) audiences(resources []string) []string {
	if len(resources) > 0 {
		return resources
	}
	if s.cfg.DefaultAudience != "" {
		return []string{s.cfg.DefaultAudience}
	}
	return []string{}
}

// binding is what a token is bound to: the resources its grant covers, its
// audience and its scopes.
type binding struct {
	resources, audiences, scopes []string
}

// bind works out a token's audience and scopes at the token endpoint.
// granted are the resources the grant covers (nil: any registered resource,
// for an app acting for itself or a trusted exchange); requested are the
// request's resource parameters, which must be among granted (RFC 8707
// §2.2); scopes are the token's scopes, explicit when the client named them.
// A token carries only the scopes its resources accept: scopes the client
// named must all be accepted (or the request fails with invalid_scope),
// scopes it did not name are narrowed to those accepted.
func (s *Service) bind(ctx context.Context, q store.Querier, granted, requested, scopes []string, explicit bool) (binding, error) {
	named, msg := parseResourceParams(requested)
	if msg != "" {
		return binding{}, invalidTarget(msg)
	}
	targets := granted
	if len(named) > 0 {
		if granted != nil {
			for _, r := range named {
				if !slices.Contains(granted, r) {
					return binding{}, invalidTarget("the resource " + r + " was not part of the authorization request")
				}
			}
		}
		targets = named
	}
	b := binding{resources: targets, scopes: scopes, audiences: s.audiences(targets)}
	if b.resources == nil {
		b.resources = []string{}
	}
	if len(targets) == 0 {
		return b, nil
	}
	found, code, msg, err := s.targets(ctx, q, targets, nil)
	if err != nil {
		return binding{}, err
	} else if code != "" {
		return binding{}, invalidTarget(msg)
	}
	b.scopes = nil
	for _, sc := range scopes {
		if slices.ContainsFunc(found, func(r Resource) bool { return slices.Contains(r.Scopes, sc) }) {
			b.scopes = append(b.scopes, sc)
		} else if explicit {
			return binding{}, &tokenError{Status: http.StatusBadRequest, Code: "invalid_scope", Description: "none of the requested resources accepts the scope " + sc}
		}
	}
	if len(b.scopes) == 0 {
		return binding{}, &tokenError{Status: http.StatusBadRequest, Code: "invalid_scope", Description: "the requested resources accept none of the granted scopes"}
	}
	return b, nil
}

// invalidTarget is RFC 8707 §2's error for a resource that cannot be had.
func invalidTarget(description string) *tokenError {
	return &tokenError{Status: http.StatusBadRequest, Code: "invalid_target", Description: description}
}
