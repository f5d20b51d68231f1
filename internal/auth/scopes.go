package auth

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/tenants"
)

// ScopeAll grants everything: the scope of every key made before scopes
// existed, and of keys made without naming any.
const ScopeAll = "*"

// ScopeInfo is one scope an API key may hold.
type ScopeInfo struct {
	Name        string
	Description string
	// Implies are the scopes this one includes; a key holding it holds them
	// too (and what they imply).
	Implies []string
}

// Scopes is the whole vocabulary, declared once: keys are checked against it,
// routes name one of it, and the README and /openapi.json list it. Levels run
// read ⊂ write ⊂ admin; admin adds reading secrets.
var Scopes = []ScopeInfo{
	{ScopeAll, "everything, now and as capabilities are added", nil},
	{"keys:admin", "create API keys (with no more than the calling key holds), list, change and revoke them", nil},
	{"tenants:read", "read tenants", nil},
	{"tenants:write", "create, update and delete tenants", []string{"tenants:read"}},
	{"webhooks:read", "read event types, endpoints (without their secrets), messages and deliveries", nil},
	{"webhooks:write", "change event types and endpoints, publish messages, resend deliveries, recover endpoints", []string{"webhooks:read"}},
	{"webhooks:admin", "also read and rotate endpoint signing secrets", []string{"webhooks:write"}},
	{"inbound:read", "read sources (without their secrets), received events and replays", nil},
	{"inbound:write", "create, change and delete sources; replay events", []string{"inbound:read"}},
	{"inbound:admin", "also read source secrets", []string{"inbound:write"}},
	{"oauth:read", "read OAuth scopes, apps, login and consent requests, and authorizations; introspect tokens", nil},
	{"oauth:write", "change OAuth scopes and apps, accept or reject login and consent requests, revoke authorizations", []string{"oauth:read"}},
	{"oauth:admin", "also rotate app client secrets", []string{"oauth:write"}},
	{"connections:read", "read providers, integrations, connections (without credentials), syncs and their records", nil},
	{"connections:write", "create connect sessions, connections and syncs; change and delete them; run syncs", []string{"connections:read"}},
	{"connections:credentials", "read connections' decrypted credentials and call providers through the proxy", []string{"connections:read"}},
	{"connections:admin", "everything on connections, and change the provider catalog and integrations", []string{"connections:write", "connections:credentials"}},
	{"audit:read", "read the audit log", nil},
	{"branding:read", "read the branding of pages and components, the installation's and tenants' overrides", nil},
	{"branding:write", "change the branding and upload logos", []string{"branding:read"}},
	{"embed", "mint, list and revoke embed tokens, which let a tenant's user use the browser components", nil},
	{"marketplace:read", "read marketplace listings, revisions, the workflow log, installations, reviews and categories", nil},
	{"marketplace:admin", "review, publish and suspend listings, manage categories, installations, reviews and apps' lifecycle webhooks; mint marketplace:review embed tokens", []string{"marketplace:read"}},
	{"automation:read", "read the automation catalog, triggers, actions, platform hooks and tenants' automation switches", nil},
	{"automation:write", "change triggers and actions, import actions from OpenAPI, remove platform hooks, switch automation per tenant", []string{"automation:read"}},
}

// implied maps each scope to every scope it grants, itself included.
var implied = func() map[string][]string {
	byName := map[string]ScopeInfo{}
	for _, s := range Scopes {
		byName[s.Name] = s
	}
	out := map[string][]string{}
	for _, s := range Scopes {
		var all []string
		var walk func(name string)
		walk = func(name string) {
			if slices.Contains(all, name) {
				return
			}
			all = append(all, name)
			for _, n := range byName[name].Implies {
				walk(n)
			}
		}
		walk(s.Name)
		out[s.Name] = all
	}
	return out
}()

// KnownScope reports whether name is in the vocabulary.
func KnownScope(name string) bool {
	_, ok := implied[name]
	return ok
}

// grants reports whether holding the scopes held grants need.
func grants(held []string, need string) bool {
	for _, h := range held {
		if h == ScopeAll || slices.Contains(implied[h], need) {
			return true
		}
	}
	return false
}

// Allows reports whether the key holds scope need.
func (k Key) Allows(need string) bool { return grants(k.Scopes, need) }

// Covers returns a 403 error unless the key holds at least what a key with
// the given scopes and tenant holds: no scope it lacks, and its tenant when
// it is restricted itself. A key may make, change and revoke only such keys.
func (k Key) Covers(scopes []string, tenantID *string) error {
	for i, s := range scopes {
		if !k.Allows(s) { // only ScopeAll grants ScopeAll
			return apperr.Errorf(apperr.Forbidden, "scopes/%d: this key does not hold %q, so it cannot grant it", i, s)
		}
	}
	if k.TenantID != nil && (tenantID == nil || *tenantID != *k.TenantID) {
		return apperr.Errorf(apperr.Forbidden, "this key is restricted to tenant %s; the keys it makes must be restricted to it too", *k.TenantID)
	}
	return nil
}

// validScopes names the problems with a key's requested scopes by field; nil
// scopes (not given) have none.
func validScopes(scopes []string) map[string]string {
	problems := map[string]string{}
	if scopes != nil && len(scopes) == 0 {
		problems["scopes"] = "must list at least one scope"
		return problems
	}
	if len(scopes) > len(Scopes) {
		problems["scopes"] = fmt.Sprintf("must list at most %d scopes", len(Scopes))
		return problems
	}
	for i, s := range scopes {
		if !KnownScope(s) {
			problems["scopes/"+strconv.Itoa(i)] = fmt.Sprintf("%q is not a scope; see the scopes in the API reference", s)
		}
	}
	return problems
}

// distinct returns scopes without repeats, in their first order.
func distinct(scopes []string) []string {
	var out []string
	for _, s := range scopes {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// joinScopes and splitScopes store a key's scopes as one space-separated
// column value.
func joinScopes(scopes []string) string { return strings.Join(scopes, " ") }

func splitScopes(s string) []string { return strings.Fields(s) }

// Access is what a route asks of the key that calls it, declared beside the
// route in routes.go.
type Access struct {
	// Scope is the scope the key must hold.
	Scope string
	// Installation marks routes that reach objects belonging to no single
	// tenant (API keys, catalogs, OAuth apps): keys restricted to a tenant get
	// 403 there.
	Installation bool
}

// TenantAccess is a route that keys restricted to a tenant may call: it
// reaches only that tenant's objects (through {tenant_id} in the path, or
// because its service checks the object's tenant).
func TenantAccess(scope string) Access { return Access{Scope: scope} }

// InstallationAccess is a route over objects of no single tenant, which only
// unrestricted keys may call.
func InstallationAccess(scope string) Access { return Access{Scope: scope, Installation: true} }

// Check panics unless the access names a known scope, so a route registered
// without one stops the server at start instead of running unguarded.
func (a Access) Check(pattern string) {
	if !KnownScope(a.Scope) {
		panic(fmt.Sprintf("route %s: access scope %q is not a scope in auth.Scopes", pattern, a.Scope))
	}
}

// Permit returns a 403 error when key lacks the scope, or is restricted to a
// tenant and the access is the installation's.
func (a Access) Permit(key Key) error {
	if !key.Allows(a.Scope) {
		return apperr.Errorf(apperr.Forbidden, "this API key lacks the scope %s that this route needs", a.Scope)
	}
	if key.TenantID != nil && a.Installation {
		return apperr.Errorf(apperr.Forbidden, "this API key is restricted to tenant %s, and this route reaches objects of no single tenant", *key.TenantID)
	}
	return nil
}

// Require answers 403 when the authenticated key lacks the route's scope or is
// restricted to a tenant on an installation route, and 404 when {tenant_id}
// in the path is not the key's tenant (as if it did not exist). It runs after
// RequireKey.
func Require(a Access) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key, ok := KeyFrom(r.Context())
			if !ok {
				httpapi.Error(w, r, errBadToken)
				return
			}
			if err := a.Permit(key); err != nil {
				httpapi.Error(w, r, err)
				return
			}
			if t := r.PathValue("tenant_id"); key.TenantID != nil && t != "" && t != *key.TenantID {
				httpapi.Error(w, r, tenants.NotFound(t))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
