package oauth

import (
	"context"

	"github.com/patchbay/patchbay/internal/store"
)

// Grant is what a user granted an app in a team: a live authorization.
type Grant struct {
	AuthorizationID string
	AppID           string
	UserID          string
	TeamID          string
	Scopes          []string
}

// GrantObserver hears of grants made and revoked, in the transaction that
// makes the change, so that what it keeps (the marketplace's installations)
// commits or rolls back with the grant. An error fails the change.
type GrantObserver interface {
	Granted(ctx context.Context, tx *store.Tx, g Grant) error
	Revoked(ctx context.Context, tx *store.Tx, gs []Grant) error
}

// Observe makes o hear of every grant and revocation from now on. It is
// called once, while the node is wired, before it serves.
func (s *Service) Observe(o GrantObserver) { s.observer = o }

func (s *Service) granted(ctx context.Context, tx *store.Tx, g Grant) error {
	if s.observer == nil {
		return nil
	}
	return s.observer.Granted(ctx, tx, g)
}

func (s *Service) revoked(ctx context.Context, tx *store.Tx, gs []Grant) error {
	if s.observer == nil || len(gs) == 0 {
		return nil
	}
	return s.observer.Revoked(ctx, tx, gs)
}
