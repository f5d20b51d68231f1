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

// Observe makes o hear of every grant and revocation from now on, after
// the observers before it. It is called while the node is wired, before it
// serves.
func (s *Service) Observe(o GrantObserver) { s.observers = append(s.observers, o) }

func (s *Service) granted(ctx context.Context, tx *store.Tx, g Grant) error {
	for _, o := range s.observers {
		if err := o.Granted(ctx, tx, g); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) revoked(ctx context.Context, tx *store.Tx, gs []Grant) error {
	if len(gs) == 0 {
		return nil
	}
	for _, o := range s.observers {
		if err := o.Revoked(ctx, tx, gs); err != nil {
			return err
		}
	}
	return nil
}
