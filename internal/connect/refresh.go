package connect

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/connect/catalog"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/tracing"
	"github.com/patchbay/patchbay/internal/vault"
)

// refreshTimeout bounds one refresh, however many callers wait for it. It is
// shorter than LeaseTTLDefault, so a lease outlives the refresh it guards.
const refreshTimeout = 20 * time.Second

// leasePoll is how often a caller waiting for another node's refresh looks
// again.
const leasePoll = 50 * time.Millisecond

// Credentials returns a connection's usable credentials, refreshing its
// access token first when it expires within the provider's refresh margin.
//
// One refresh runs per connection at a time: callers in this process share
// one (flight), and across nodes the one holding the connection's database
// lease refreshes while the others wait for its result. This matters most
// for providers that rotate refresh tokens, where a second refresh with the
// old token fails and may revoke the whole grant.
func (s *Service) Credentials(ctx context.Context, connectionID string) (Credentials, error) {
	c, err := s.connection(ctx, s.db, connectionID)
	if err != nil {
		return Credentials{}, err
	}
	if c.Status != StatusActive || !s.due(c, time.Now()) {
		return s.usable(ctx, c)
	}
	return s.flight.do(connectionID, func() (Credentials, error) {
		return s.refresh(ctx, connectionID, refreshNeed{})
	})
}

// rejectedRefreshGap is how long after a refresh that a provider's 401
// caused, another 401 of the same connection refreshes nothing on this
// node: a token refused so soon was refused for something else (a scope, a
// path), and refreshing again would spend the provider's refresh quota and,
// with rotating refresh tokens, risk the grant.
const rejectedRefreshGap = time.Minute

// RefreshRejected refreshes a connection's access token after the provider
// refused it (answered 401), even though it has not expired, unless the
// stored token is no longer the rejected one: then another caller, here or
// on another node, refreshed meanwhile, and its token is returned. It shares
// Credentials' one-refresh-per-connection machinery (flight and lease), and
// refreshes at most once per rejectedRefreshGap per connection.
func (s *Service) RefreshRejected(ctx context.Context, connectionID, rejected string) (Credentials, error) {
	return s.flight.do(connectionID, func() (Credentials, error) {
		if _, recent := s.rejections.Get(connectionID); recent {
			return s.stored(ctx, connectionID)
		}
		defer s.rejections.Put(connectionID, struct{}{})
		return s.refresh(ctx, connectionID, refreshNeed{rejected: rejected})
	})
}

func needsReauth(connectionID string) error {
	return apperr.Errorf(apperr.Conflict, "connection %s needs the user to connect again (status needs_reauth)", connectionID)
}

// due reports whether c's access token should be refreshed before use at
// now (the refresh job looks ahead to its next run).
func (s *Service) due(c Connection, now time.Time) bool {
	p, ok := s.catalog.Get(c.Provider.ID)
	if !ok || !p.Auth.Mode.OAuth() || c.ExpiresAt == nil {
		return false
	}
	return !now.Add(time.Duration(p.Auth.Refresh.Margin)).Before(*c.ExpiresAt)
}

// refreshNeed says why a refresh is wanted: the token is due within ahead
// (zero for now; the refresh job looks ahead to its next run), or it is the
// one a provider rejected ("" when none was).
type refreshNeed struct {
	ahead    time.Duration
	rejected string
}

// stale reports whether c's access token, read again, still needs the
// refresh.
func (s *Service) stale(c Connection, sec secrets, need refreshNeed) bool {
	return s.due(c, time.Now().Add(need.ahead)) || (need.rejected != "" && sec.AccessToken == need.rejected)
}

// refresh takes the connection's refresh lease (or waits for the node that
// holds it), refreshes, and stores the new tokens, unless the token no
// longer needs it when read again.
func (s *Service) refresh(ctx context.Context, connectionID string, need refreshNeed) (Credentials, error) {
	// Callers in this process share the refresh (flight), so it must not end
	// with the first caller's request.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	owner := vault.NewToken(s.cfg.Node + ":")
	for {
		c, err := s.connection(ctx, s.db, connectionID)
		if err != nil {
			return Credentials{}, err
		}
		if c.Status != StatusActive {
			return Credentials{}, needsReauth(c.ID)
		}
		sec, err := s.open(ctx, c)
		if err != nil {
			return Credentials{}, err
		}
		if !s.stale(c, sec, need) { // refreshed meanwhile, by another node
			return credentials(c, sec), nil
		}
		leased, err := s.lease(ctx, connectionID, owner)
		if err != nil {
			return Credentials{}, err
		}
		if leased {
			// From here the provider may rotate the refresh token: the
			// refresh must run to its end and store what it got, whatever
			// was left of the time spent waiting.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
			defer cancel()
			return s.refreshLeased(ctx, connectionID, owner, need)
		}
		select {
		case <-ctx.Done():
			return s.fallback(c, sec, errors.New("another node's refresh did not finish in time"))
		case <-time.After(leasePoll):
		}
	}
}

// lease takes the connection's refresh lease if no live one is held.
func (s *Service) lease(ctx context.Context, connectionID, owner string) (bool, error) {
	var leased bool
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		leased, err = refreshLease.Take(ctx, tx, connectionID, owner, s.cfg.LeaseTTL, false, "")
		return err
	})
	return leased, err
}

func (s *Service) release(ctx context.Context, connectionID, owner string) {
	if err := refreshLease.Release(ctx, s.db, connectionID, owner); err != nil {
		s.logger.Warn("releasing a refresh lease failed; it lapses by itself", "connection_id", connectionID, "error", err)
	}
}

// refreshLeased refreshes a connection whose lease this call holds.
func (s *Service) refreshLeased(ctx context.Context, connectionID, owner string, need refreshNeed) (creds Credentials, err error) {
	if s.tracer != nil {
		var span trace.Span
		ctx, span = s.tracer.Start(ctx, "connect.refresh", trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(tracing.String("patchbay.connection.id", connectionID)))
		defer func() { tracing.End(span, err) }()
	}
	// Read again under the lease: another node may have refreshed between
	// our read and our lease.
	c, err := s.connection(ctx, s.db, connectionID)
	if err != nil {
		s.release(ctx, connectionID, owner)
		return Credentials{}, err
	}
	sec, err := s.open(ctx, c)
	if err != nil {
		s.release(ctx, connectionID, owner)
		return Credentials{}, err
	}
	p, err := s.catalog.Provider(c.Provider.ID)
	if err != nil {
		s.release(ctx, connectionID, owner)
		return Credentials{}, err
	}
	if c.Status != StatusActive {
		s.release(ctx, connectionID, owner)
		return Credentials{}, needsReauth(c.ID)
	}
	// A client's own token is renewed by asking again; a user's, with its
	// refresh token.
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {sec.RefreshToken}}
	if p.Auth.Mode == catalog.AuthOAuth2ClientCredentials {
		form = clientCredentialsForm(p, c.Scopes)
	}
	canRenew := form.Get("grant_type") != "refresh_token" || sec.RefreshToken != ""
	if !canRenew && c.ExpiresAt != nil && !time.Now().Before(*c.ExpiresAt) {
		// Expired, and nothing to renew it with: only the user can.
		s.metrics.refreshes.WithLabelValues(p.ID, "expired").Inc()
		return Credentials{}, s.markNeedsReauth(ctx, c, owner, "expired")
	}
	if !canRenew || !s.stale(c, sec, need) {
		s.release(ctx, connectionID, owner)
		return credentials(c, sec), nil
	}
	in, err := s.integrationWithSecret(ctx, c.IntegrationID)
	if err != nil {
		s.release(ctx, connectionID, owner)
		return Credentials{}, err
	}
	tr, err := s.tokenRequest(ctx, p, in, c.Config, form)
	var pe *ProviderError
	if errors.As(err, &pe) && pe.Code == "invalid_grant" {
		s.metrics.refreshes.WithLabelValues(p.ID, "refused").Inc()
		return s.refused(ctx, c, sec, owner)
	}
	if err != nil {
		s.metrics.refreshes.WithLabelValues(p.ID, "failed").Inc()
		s.recordFailure(ctx, c, owner, err)
		return s.fallback(c, sec, err)
	}
	creds, err = s.storeRefreshed(ctx, c, sec, tr)
	outcome := "refreshed"
	if err != nil {
		outcome = "failed"
	}
	s.metrics.refreshes.WithLabelValues(p.ID, outcome).Inc()
	return creds, err
}

// storeRefreshed writes the new access token together with the rotated
// refresh token, in one statement, and releases the lease. The write does
// not depend on still holding the lease: these tokens are now the only ones
// that work, and losing them would strand the connection. Only a repair
// (new credentials from a connect flow) or a deletion meanwhile wins.
func (s *Service) storeRefreshed(ctx context.Context, c Connection, sec secrets, tr tokenResponse) (Credentials, error) {
	sec.AccessToken = tr.AccessToken
	if tr.TokenType != "" {
		sec.TokenType = tr.TokenType
	}
	if tr.RefreshToken != "" {
		sec.RefreshToken = tr.RefreshToken
	}
	sealed, err := s.seal(ctx, c.TenantID, c.ID, sec)
	if err != nil {
		return Credentials{}, err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	c.ExpiresAt = nil
	if exp := tr.expiry(now); !exp.IsZero() {
		c.ExpiresAt = &exp
	}
	var replaced bool
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		stored, err := connectionStoreRefreshed(ctx, tx, c.ID, sealed, c.ExpiresAt, c.sealed)
		if err != nil {
			return err
		}
		replaced = !stored
		c.RefreshedAt, c.UpdatedAt = new(tx.Now()), tx.Now()
		return nil
	})
	if err != nil {
		return Credentials{}, err
	}
	if replaced {
		// Deleted, or repaired by a connect flow, while refreshing: the
		// tokens of the old grant must not overwrite the new grant's.
		return s.stored(ctx, c.ID)
	}
	return credentials(c, sec), nil
}

// stored returns a connection's credentials as stored, without refreshing.
func (s *Service) stored(ctx context.Context, connectionID string) (Credentials, error) {
	c, err := s.connection(ctx, s.db, connectionID)
	if err != nil {
		return Credentials{}, err
	}
	return s.usable(ctx, c)
}

// usable returns c's credentials as they are, or needs_reauth.
func (s *Service) usable(ctx context.Context, c Connection) (Credentials, error) {
	if c.Status != StatusActive {
		return Credentials{}, needsReauth(c.ID)
	}
	sec, err := s.open(ctx, c)
	if err != nil {
		return Credentials{}, err
	}
	return credentials(c, sec), nil
}

// refused handles the provider's invalid_grant. A refresh that raced a
// rotation (another node whose lease had lapsed, or a repairing connect
// flow) sent a refresh token that was just replaced: the stored credentials
// then differ from those read, and they are the answer. Otherwise the grant
// is gone and the connection needs the user again.
func (s *Service) refused(ctx context.Context, c Connection, sec secrets, owner string) (Credentials, error) {
	now, err := s.connection(ctx, s.db, c.ID)
	if err != nil {
		s.release(ctx, c.ID, owner)
		return Credentials{}, err
	}
	if !bytes.Equal(now.sealed, c.sealed) {
		nowSec, err := s.open(ctx, now)
		if err != nil {
			s.release(ctx, c.ID, owner)
			return Credentials{}, err
		}
		if now.Status != StatusActive {
			s.release(ctx, c.ID, owner)
			return Credentials{}, needsReauth(now.ID)
		}
		if nowSec.RefreshToken != sec.RefreshToken {
			s.release(ctx, c.ID, owner)
			return credentials(now, nowSec), nil
		}
		c = now // the same refresh token, so the refusal stands
	}
	return Credentials{}, s.markNeedsReauth(ctx, c, owner, "invalid_grant")
}

// markNeedsReauth records that the connection's grant is gone (reason:
// invalid_grant, the provider refused the refresh token; or expired, there
// was none) and emits connection.needs_reauth. It changes nothing if the
// credentials changed since c was read: they are newer than the dead ones.
func (s *Service) markNeedsReauth(ctx context.Context, c Connection, owner, reason string) error {
	var marked bool
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		if marked, err = connectionMarkNeedsReauth(ctx, tx, c.ID, c.sealed); err != nil || !marked {
			return err
		}
		return s.emit(ctx, tx, "connection.needs_reauth", map[string]any{
			"connection_id": c.ID, "tenant_id": c.TenantID, "end_user_id": c.EndUserID, "provider_id": c.Provider.ID,
			"reason": reason,
		})
	})
	if err != nil || !marked {
		s.release(ctx, c.ID, owner)
	}
	if err != nil {
		return err
	}
	if !marked {
		// Marked by another node, or repaired or refreshed just now: the
		// caller's next call sees which.
		return &apperr.Error{Code: apperr.Unavailable, Message: "the connection changed during its refresh; try again"}
	}
	s.logger.Info("a connection needs the user to connect again", "connection_id", c.ID, "provider_id", c.Provider.ID, "reason", reason)
	return needsReauth(c.ID)
}

// fallback answers when a refresh could not be made: the current token while
// it has not yet expired (it is only within the margin), 503 otherwise.
func (s *Service) fallback(c Connection, sec secrets, cause error) (Credentials, error) {
	if c.ExpiresAt != nil && time.Now().Before(*c.ExpiresAt) {
		s.logger.Warn("refreshing a connection's token failed; returning the current one, which has not expired yet",
			"connection_id", c.ID, "error", cause)
		return credentials(c, sec), nil
	}
	return Credentials{}, &apperr.Error{Code: apperr.Unavailable, Message: "the provider could not refresh the connection's token; try again later", Err: cause}
}
