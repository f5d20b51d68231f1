package connect

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/patchbay/patchbay/internal/connect/catalog"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// tokenServer is a provider's token endpoint on loopback whose refresh
// tokens rotate: the old one is refused (invalid_grant) once used.
type tokenServer struct {
	*httptest.Server

	mu        sync.Mutex
	live      map[string]bool // refresh tokens that still work
	requests  int             // refresh requests received
	issued    int
	status    int    // when not 0, every refresh fails with this status
	beforeRef func() // runs before a refresh is answered
}

func newTokenServer(t testing.TB) *tokenServer {
	t.Helper()
	ts := &tokenServer{live: map[string]bool{}}
	ts.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.mu.Lock()
		ts.requests++
		hook, status := ts.beforeRef, ts.status
		ts.mu.Unlock()
		if hook != nil {
			hook()
		}
		if status != 0 {
			w.WriteHeader(status)
			return
		}
		ts.mu.Lock()
		defer ts.mu.Unlock()
		rt := r.PostFormValue("refresh_token")
		if !ts.live[rt] {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error": "invalid_grant"}`)
			return
		}
		delete(ts.live, rt)
		ts.issued++
		refresh := fmt.Sprintf("rt_%d", ts.issued)
		ts.live[refresh] = true
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token": "at_%d", "refresh_token": %q, "token_type": "Bearer", "expires_in": 3600}`, ts.issued, refresh)
	}))
	t.Cleanup(ts.Close)
	return ts
}

// grant makes a refresh token live, as a finished connect flow would.
func (ts *tokenServer) grant(refreshToken string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.live[refreshToken] = true
}

func (ts *tokenServer) counts() (requests, issued int) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.requests, ts.issued
}

// eventLog records operational events.
type eventLog struct {
	mu    sync.Mutex
	types []string
}

func (l *eventLog) EmitOperational(_ context.Context, _ *store.Tx, eventType string, _ map[string]any) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.types = append(l.types, eventType)
	return nil
}

func (l *eventLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.types...)
}

type testBundle struct {
	svc          *Service
	db           *store.DB
	events       *eventLog
	integrations map[string]string // provider ID → integration ID
}

// setup builds the package tests' bundle: a service whose catalog has one
// OAuth provider per token server, named by the map's keys, each refreshing
// a minute early, with an integration for each and the tenant acme.
func setup(t testing.TB, d storetest.Dialect, servers map[string]*tokenServer) *testBundle {
	t.Helper()
	db := d.Open(t)
	ctx := t.Context()
	defs := fstest.MapFS{}
	var client *http.Client
	for name, ts := range servers {
		defs[name+".yaml"] = &fstest.MapFile{Data: []byte(`id: ` + name + `
display_name: ` + name + `
categories: [testing]
docs_url: https://example.com/docs
auth:
  mode: oauth2
  authorization_url: ` + ts.URL + `/authorize
  token_url: ` + ts.URL + `/token
  client_auth: client_secret_basic
  refresh: {margin: 1m, rotating: true}
proxy:
  base_url: ` + ts.URL + `/api
`)}
		client = ts.Client() // every httptest TLS server has the same certificate
	}
	// Keep a connection per concurrent refresh, as the production client does.
	tr := client.Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = refreshConcurrency
	client = &http.Client{Transport: tr}
	c, err := catalog.Load(defs)
	if err != nil {
		t.Fatal(err)
	}
	b := &testBundle{db: db, events: &eventLog{}, integrations: map[string]string{}}
	b.svc = NewService(db, NewKeyring(db, newKEK(t)), c, client, b.events, slog.New(slog.NewTextHandler(io.Discard, nil)),
		Config{PublicURL: "https://patchbay.example", Node: "test"})
	if _, err := db.Exec(ctx, "INSERT INTO tenants (id, name, metadata, created_at, updated_at) VALUES ('acme', 'Acme', '{}', ?, ?)",
		db.NowFunc(), db.NowFunc()); err != nil {
		t.Fatal(err)
	}
	for name := range servers {
		in, err := b.svc.CreateIntegration(ctx, Integration{ProviderID: name, Name: name, ClientID: "client"}, "client-secret")
		if err != nil {
			t.Fatal(err)
		}
		b.integrations[name] = in.ID
	}
	return b
}

// connection stores an active connection as a connect flow would, with an
// access token expiring in expiresIn.
func (b *testBundle) connection(t testing.TB, providerID, refreshToken string, expiresIn time.Duration) string {
	t.Helper()
	ctx := t.Context()
	exp := time.Now().Add(expiresIn).UTC().Truncate(time.Microsecond)
	c := Connection{ID: id.New("conn"), TenantID: "acme", EndUserID: "u", IntegrationID: b.integrations[providerID],
		Provider: ProviderInfo{ID: providerID}, Status: StatusActive, Config: map[string]string{}, ExpiresAt: &exp}
	sealed, err := b.svc.seal(ctx, c.TenantID, c.ID, secrets{AccessToken: "at_first", RefreshToken: refreshToken, TokenType: "Bearer"})
	if err != nil {
		t.Fatal(err)
	}
	c.sealed = sealed
	err = b.db.WithTx(ctx, func(tx *store.Tx) error {
		c.CreatedAt, c.UpdatedAt = tx.Now(), tx.Now()
		return connectionInsert(ctx, tx, c)
	})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// refreshState is what the refresh job keeps on a connection.
type refreshState struct {
	Status      string
	Failures    int
	BackingOff  bool // next_refresh_at in the future
	ExpiresSoon bool // the access token expires within 2 minutes
}

func (b *testBundle) state(t testing.TB, connectionID string) refreshState {
	t.Helper()
	var st refreshState
	var next sql.NullTime
	var exp time.Time
	err := b.db.QueryRow(t.Context(), "SELECT status, refresh_failures, next_refresh_at, expires_at FROM connections WHERE id = ?", connectionID).
		Scan(&st.Status, &st.Failures, &next, &exp)
	if err != nil {
		t.Fatal(err)
	}
	st.BackingOff = next.Valid && next.Time.After(time.Now())
	st.ExpiresSoon = exp.Before(time.Now().Add(2 * time.Minute))
	return st
}

// TestRefreshRacingRotationReReads: when the provider refuses a refresh
// token because another node (whose lease had lapsed) rotated it meanwhile,
// the refresh answers with the stored, newer credentials instead of moving
// the connection to needs_reauth. A refusal with nothing newer stored does.
func TestRefreshRacingRotationReReads(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		ts := newTokenServer(t)
		b := setup(t, d, map[string]*tokenServer{"fake": ts})
		ctx := t.Context()
		ts.grant("rt_granted")
		connID := b.connection(t, "fake", "rt_granted", 30*time.Second)

		// The other node refreshes while this one's request is on its way:
		// the provider rotates, the other node stores its tokens, and this
		// node's (now stale) token is refused.
		var once sync.Once
		ts.mu.Lock()
		ts.beforeRef = func() {
			once.Do(func() {
				c, err := b.svc.connection(context.Background(), b.db, connID)
				if err != nil {
					t.Error(err)
					return
				}
				sec, err := b.svc.open(context.Background(), c)
				if err != nil {
					t.Error(err)
					return
				}
				ts.mu.Lock()
				delete(ts.live, sec.RefreshToken)
				ts.live["rt_other_node"] = true
				ts.mu.Unlock()
				_, err = b.svc.storeRefreshed(context.Background(), c, sec, tokenResponse{AccessToken: "at_other_node",
					RefreshToken: "rt_other_node", TokenType: "Bearer", ExpiresIn: json.RawMessage("3600")})
				if err != nil {
					t.Error(err)
				}
			})
		}
		ts.mu.Unlock()

		creds, err := b.svc.Credentials(ctx, connID)
		if err != nil {
			t.Fatalf("Credentials after a racing rotation: %v", err)
		}
		if creds.AccessToken != "at_other_node" {
			t.Errorf("access token %q, want the other node's at_other_node", creds.AccessToken)
		}
		if st := b.state(t, connID); st.Status != StatusActive {
			t.Errorf("status %s after a racing rotation, want active", st.Status)
		}
		if got := b.events.all(); len(got) != 0 {
			t.Errorf("events %v after a racing rotation, want none", got)
		}

		// A refresh token the provider refuses with nothing newer stored:
		// needs_reauth, and one event.
		dead := b.connection(t, "fake", "rt_never_granted", 30*time.Second)
		if _, err := b.svc.Credentials(ctx, dead); err == nil || !strings.Contains(err.Error(), "needs_reauth") {
			t.Errorf("Credentials with a refused refresh token: %v, want needs_reauth", err)
		}
		if st := b.state(t, dead); st.Status != StatusNeedsReauth {
			t.Errorf("status %s after invalid_grant, want needs_reauth", st.Status)
		}
		if diff := cmp.Diff([]string{"connection.needs_reauth"}, b.events.all()); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}

// TestRefreshJob: one run refreshes what comes due before the next run and
// nothing else; a provider that fails is backed off from (and, failing
// again and again, skipped for the rest of the run) without holding up the
// others or emitting events; it is refreshed again once it recovers.
func TestRefreshJob(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		good, broken := newTokenServer(t), newTokenServer(t)
		broken.status = http.StatusServiceUnavailable
		b := setup(t, d, map[string]*tokenServer{"good": good, "broken": broken})
		ctx := t.Context()
		const interval = 30 * time.Second

		due := map[string]string{}
		for i, expiresIn := range map[int]time.Duration{
			1: 30 * time.Second, // within the margin
			2: 80 * time.Second, // not yet within the margin, but by the next run
		} {
			rt := fmt.Sprintf("rt_good_%d", i)
			good.grant(rt)
			due[rt] = b.connection(t, "good", rt, expiresIn)
		}
		good.grant("rt_later")
		later := b.connection(t, "good", "rt_later", 2*time.Hour)
		reauth := b.connection(t, "good", "rt_refused", 30*time.Second) // refused: needs_reauth, no provider failure
		var brokenIDs []string
		for i := range refreshProviderTrip + 1 {
			brokenIDs = append(brokenIDs, b.connection(t, "broken", fmt.Sprintf("rt_broken_%d", i), 30*time.Second))
		}

		run, err := b.svc.refreshDue(ctx, interval)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(refreshRun{refreshed: 2, refused: 1, failed: refreshProviderTrip, skipped: 1}, run, cmp.AllowUnexported(refreshRun{})); diff != "" {
			t.Errorf("first run (-want +got):\n%s", diff)
		}
		if _, issued := good.counts(); issued != 2 {
			t.Errorf("good provider issued %d tokens, want 2", issued)
		}
		if requests, _ := broken.counts(); requests != refreshProviderTrip {
			t.Errorf("broken provider got %d requests, want %d (then skipped)", requests, refreshProviderTrip)
		}
		for _, connID := range due {
			if st := b.state(t, connID); st != (refreshState{Status: StatusActive}) {
				t.Errorf("refreshed connection: %+v", st)
			}
		}
		if st := b.state(t, later); st != (refreshState{Status: StatusActive}) {
			t.Errorf("connection not due: %+v", st)
		}
		if st := b.state(t, reauth); st.Status != StatusNeedsReauth {
			t.Errorf("refused connection: %+v", st)
		}
		failing := 0
		for _, connID := range brokenIDs {
			st := b.state(t, connID)
			if st.Status != StatusActive || !st.ExpiresSoon {
				t.Errorf("connection of the broken provider: %+v", st)
			}
			if st.Failures == 1 && st.BackingOff {
				failing++
			}
		}
		if failing != refreshProviderTrip {
			t.Errorf("%d connections of the broken provider back off, want %d", failing, refreshProviderTrip)
		}
		if diff := cmp.Diff([]string{"connection.needs_reauth"}, b.events.all()); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}

		// The next run calls only the connection the trip skipped.
		if _, err := b.svc.refreshDue(ctx, interval); err != nil {
			t.Fatal(err)
		}
		if requests, _ := broken.counts(); requests != refreshProviderTrip+1 {
			t.Errorf("broken provider got %d requests after the second run, want %d", requests, refreshProviderTrip+1)
		}

		// Recovered, and the backoff over: refreshed, and the count starts over.
		broken.mu.Lock()
		broken.status = 0
		broken.mu.Unlock()
		for i := range brokenIDs {
			broken.grant(fmt.Sprintf("rt_broken_%d", i))
		}
		if _, err := b.db.Exec(ctx, "UPDATE connections SET next_refresh_at = ? WHERE provider_id = 'broken'", time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		run, err = b.svc.refreshDue(ctx, interval)
		if err != nil {
			t.Fatal(err)
		}
		if run.refreshed != len(brokenIDs) || run.failed != 0 {
			t.Errorf("run after recovery: %+v, want %d refreshed", run, len(brokenIDs))
		}
		for _, connID := range brokenIDs {
			if st := b.state(t, connID); st != (refreshState{Status: StatusActive}) {
				t.Errorf("connection of the recovered provider: %+v", st)
			}
		}
	})
}

func TestRefreshBackoff(t *testing.T) {
	t.Parallel()
	for n, want := range map[int][2]time.Duration{
		1:  {30 * time.Second, time.Minute},
		2:  {time.Minute, 2 * time.Minute},
		6:  {16 * time.Minute, 32 * time.Minute},
		7:  {30 * time.Minute, time.Hour},
		40: {30 * time.Minute, time.Hour},
	} {
		for range 20 {
			if got := refreshBackoff.Delay(n); got < want[0] || got > want[1] {
				t.Errorf("refreshBackoff.Delay(%d) = %v, want in [%v, %v]", n, got, want[0], want[1])
			}
		}
	}
}

// TestRefreshEdges: an expired token with no refresh token needs the user;
// one not yet expired is used as it is; and a repair that lands while a
// refresh is on its way wins over the old grant's new tokens.
func TestRefreshEdges(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		ts := newTokenServer(t)
		b := setup(t, d, map[string]*tokenServer{"fake": ts})
		ctx := t.Context()

		expired := b.connection(t, "fake", "", -time.Second)
		if _, err := b.svc.Credentials(ctx, expired); err == nil || !strings.Contains(err.Error(), "needs_reauth") {
			t.Errorf("Credentials of an expired token with no refresh token: %v, want needs_reauth", err)
		}
		if st := b.state(t, expired); st.Status != StatusNeedsReauth {
			t.Errorf("status %s, want needs_reauth", st.Status)
		}
		due := b.connection(t, "fake", "", 30*time.Second)
		if creds, err := b.svc.Credentials(ctx, due); err != nil || creds.AccessToken != "at_first" {
			t.Errorf("Credentials of a due token with no refresh token: %+v, %v; want it as it is", creds, err)
		}
		if diff := cmp.Diff([]string{"connection.needs_reauth"}, b.events.all()); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}

		ts.grant("rt_old_grant")
		repaired := b.connection(t, "fake", "rt_old_grant", 30*time.Second)
		var once sync.Once
		ts.mu.Lock()
		ts.beforeRef = func() {
			once.Do(func() { // a connect flow repairs the connection meanwhile
				sealed, err := b.svc.seal(context.Background(), "acme", repaired, secrets{AccessToken: "at_repaired", RefreshToken: "rt_repaired"})
				if err == nil {
					_, err = b.db.Exec(context.Background(), "UPDATE connections SET credentials = ?, expires_at = ? WHERE id = ?",
						sealed, time.Now().Add(time.Hour), repaired)
				}
				if err != nil {
					t.Error(err)
				}
			})
		}
		ts.mu.Unlock()
		creds, err := b.svc.Credentials(ctx, repaired)
		if err != nil || creds.AccessToken != "at_repaired" {
			t.Errorf("Credentials when a repair raced the refresh: %+v, %v; want the repaired token", creds, err)
		}
		c, err := b.svc.connection(ctx, b.db, repaired)
		if err != nil {
			t.Fatal(err)
		}
		if sec, err := b.svc.open(ctx, c); err != nil || sec.RefreshToken != "rt_repaired" {
			t.Errorf("stored refresh token %q (%v), want the repair's", sec.RefreshToken, err)
		}
	})
}
