package connect

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestIntegrations: an integration reads back with its callback URL (never
// its secret), one at a time and in lists; a changed secret is what the
// next provider call uses; it cannot be deleted while a connection uses it.
func TestIntegrations(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		b := setup(t, d, map[string]*tokenServer{"fake": newTokenServer(t), "other": newTokenServer(t)})
		ctx := t.Context()
		inID := b.integrations["fake"]

		in, err := b.svc.Integration(ctx, inID)
		if err != nil {
			t.Fatal(err)
		}
		want := Integration{ID: inID, ProviderID: "fake", Name: "fake", ClientID: "client", Scopes: []string{},
			CallbackURL: "https://patchbay.example/connect/callback", CreatedAt: in.CreatedAt, UpdatedAt: in.UpdatedAt}
		if diff := cmp.Diff(want, in, cmp.AllowUnexported(Integration{})); diff != "" {
			t.Errorf("Integration (-want +got):\n%s", diff)
		}
		list, err := b.svc.ListIntegrations(ctx, "fake", httpapi.Page{Limit: 10})
		if err != nil || len(list) != 1 || list[0].ID != inID || list[0].CallbackURL != want.CallbackURL {
			t.Errorf("ListIntegrations(fake) = %+v, %v; want the one integration with its callback URL", list, err)
		}
		if all, err := b.svc.ListIntegrations(ctx, "", httpapi.Page{Limit: 10}); err != nil || len(all) != 2 {
			t.Errorf("ListIntegrations() = %d, %v; want both", len(all), err)
		}

		name, secret := "renamed", "new-secret"
		if _, err := b.svc.UpdateIntegration(ctx, inID, IntegrationChange{Name: &name, ClientSecret: &secret}); err != nil {
			t.Fatal(err)
		}
		got, err := b.svc.integrationWithSecret(ctx, inID)
		if err != nil || got.Name != name || got.clientSecret != secret || got.ClientID != "client" {
			t.Errorf("after the update: %+v, %v; want the new name and secret, the same client ID", got, err)
		}
		if _, err := b.svc.UpdateIntegration(ctx, "int_missing", IntegrationChange{Name: &name}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("updating a missing integration: %v, want NotFound", err)
		}

		connID := b.connection(t, "fake", "rt_1", time.Hour)
		if err := b.svc.DeleteIntegration(ctx, inID); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("deleting an integration in use: %v, want Conflict", err)
		}
		if err := b.svc.DeleteConnection(ctx, connID); err != nil {
			t.Fatal(err)
		}
		if err := b.svc.DeleteIntegration(ctx, inID); err != nil {
			t.Errorf("deleting an unused integration: %v", err)
		}
		if _, err := b.svc.Integration(ctx, inID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("a deleted integration: %v, want NotFound", err)
		}
		if err := b.svc.DeleteIntegration(ctx, inID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("deleting it again: %v, want NotFound", err)
		}
	})
}

// TestConnectionReads: a connection reads back with its provider's display
// details, alone and in lists filtered by tenant and end user, and a deleted
// one is gone with a connection.deleted event.
func TestConnectionReads(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		b := setup(t, d, map[string]*tokenServer{"fake": newTokenServer(t)})
		ctx := t.Context()
		first := b.connection(t, "fake", "rt_1", time.Hour)
		second := b.connection(t, "fake", "rt_2", time.Hour)

		c, err := b.svc.Connection(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		wantProvider := ProviderInfo{ID: "fake", DisplayName: "fake", AuthMode: "oauth2"}
		if diff := cmp.Diff(wantProvider, c.Provider); diff != "" {
			t.Errorf("provider (-want +got):\n%s", diff)
		}
		list, err := b.svc.ListConnections(ctx, ConnectionFilter{TenantID: "acme", EndUserID: "u"}, httpapi.Page{Limit: 1})
		if err != nil || len(list) != 2 {
			t.Fatalf("ListConnections: %d connections, %v; want a page of 1 and one more", len(list), err)
		}
		if list[0].Provider != wantProvider {
			t.Errorf("listed provider %+v, want %+v", list[0].Provider, wantProvider)
		}
		if none, err := b.svc.ListConnections(ctx, ConnectionFilter{TenantID: "acme", EndUserID: "someone else"}, httpapi.Page{Limit: 10}); err != nil || len(none) != 0 {
			t.Errorf("another end user's connections: %d, %v", len(none), err)
		}

		if err := b.svc.DeleteConnection(ctx, second); err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.Connection(ctx, second); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("a deleted connection: %v, want NotFound", err)
		}
		if diff := cmp.Diff([]string{"connection.deleted"}, b.events.all()); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}
