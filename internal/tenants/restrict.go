package tenants

import (
	"context"

	"github.com/patchbay/patchbay/internal/apperr"
)

type restrictCtx struct{}

// Restrict returns a context whose caller may reach only tenantID's objects:
// an API key restricted to one tenant puts it there, and services check it
// with Visible. Workers and unrestricted keys carry no restriction.
func Restrict(ctx context.Context, tenantID string) context.Context {
	return context.WithValue(ctx, restrictCtx{}, tenantID)
}

// RestrictedTo returns the only tenant the caller may reach, if it is
// restricted to one.
func RestrictedTo(ctx context.Context) (string, bool) {
	t, ok := ctx.Value(restrictCtx{}).(string)
	return t, ok
}

// Visible reports whether the caller may reach an object of tenantID ("" for
// an object of no tenant, which only unrestricted callers reach).
func Visible(ctx context.Context, tenantID string) bool {
	only, ok := RestrictedTo(ctx)
	return !ok || only == tenantID
}

// NotFound is the answer for a tenant the caller may not reach: the same as
// for one that does not exist, so a restricted key learns nothing about other
// tenants.
func NotFound(tenantID string) error {
	return apperr.Errorf(apperr.NotFound, "tenant %s not found", tenantID)
}

// Own returns the tenant for a new object, or for a list's tenant filter:
// given as it is for unrestricted callers; for a caller restricted to a
// tenant, that tenant when given is empty, and not found when given names
// another.
func Own(ctx context.Context, given string) (string, error) {
	only, ok := RestrictedTo(ctx)
	switch {
	case !ok:
		return given, nil
	case given == "":
		return only, nil
	case given != only:
		return "", NotFound(given)
	}
	return given, nil
}
