package connect

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/patchbay/patchbay/internal/lease"
	"github.com/patchbay/patchbay/internal/store"
)

// The queries of connect's tables: connections, connect_sessions,
// integrations, data_keys and provider_definitions (docs/architecture.md,
// "Where queries live"). Rows come back as stored: a connection's provider
// is its ID only, an integration has no callback URL; the service adds what
// the catalog and its configuration know.

const connectionColumns = `id, tenant_id, end_user_id, integration_id, provider_id, status, scopes, config, credentials,
	expires_at, refreshed_at, created_at, updated_at, refresh_failures`

func scanConnection(sc store.Scanner) (Connection, error) {
	var c Connection
	var scopes, config string
	var expires, refreshed sql.NullTime
	err := sc.Scan(&c.ID, &c.TenantID, &c.EndUserID, &c.IntegrationID, &c.Provider.ID, &c.Status, &scopes, &config, &c.sealed,
		&expires, &refreshed, &c.CreatedAt, &c.UpdatedAt, &c.refreshFailures)
	if err != nil {
		return Connection{}, err
	}
	if expires.Valid {
		c.ExpiresAt = &expires.Time
	}
	if refreshed.Valid {
		c.RefreshedAt = &refreshed.Time
	}
	if err := json.Unmarshal([]byte(scopes), &c.Scopes); err != nil {
		return Connection{}, fmt.Errorf("connection %s scopes: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(config), &c.Config); err != nil {
		return Connection{}, fmt.Errorf("connection %s config: %w", c.ID, err)
	}
	return c, nil
}

// refreshLease is where a node refreshing a connection's credentials holds
// the connection.
var refreshLease = lease.Columns{Table: "connections", Owner: "refresh_lease_owner", Until: "refresh_lease_until"}

// connectionGet returns a connection; sql.ErrNoRows when there is none.
func connectionGet(ctx context.Context, q store.Querier, id string) (Connection, error) {
	return scanConnection(q.QueryRow(ctx, "SELECT "+connectionColumns+" FROM connections WHERE id = ?", id))
}

// connectionsList returns up to limit connections after the ID after,
// only of tenantID and endUserID where they are not empty.
func connectionsList(ctx context.Context, q store.Querier, after, tenantID, endUserID string, limit int) ([]Connection, error) {
	rows, err := q.Query(ctx, "SELECT "+connectionColumns+` FROM connections WHERE id > ?
		AND (? = '' OR tenant_id = ?) AND (? = '' OR end_user_id = ?) ORDER BY id LIMIT ?`,
		after, tenantID, tenantID, endUserID, endUserID, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanConnection)
}

// connectionsDueForRefresh returns up to limit active connections whose
// token expires by until, that are not backing off at now, after
// (afterExpiry, afterID) in (expires_at, id) order.
func connectionsDueForRefresh(ctx context.Context, q store.Querier, now, until, afterExpiry time.Time, afterID string, limit int) ([]Connection, error) {
	rows, err := q.Query(ctx, "SELECT "+connectionColumns+` FROM connections
		WHERE status = ? AND expires_at <= ? AND (next_refresh_at IS NULL OR next_refresh_at <= ?)
		AND (expires_at > ? OR (expires_at = ? AND id > ?))
		ORDER BY expires_at, id LIMIT ?`,
		StatusActive, until, now, afterExpiry, afterExpiry, afterID, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanConnection)
}

// connectionStatusCreated returns a connection's status and creation time;
// sql.ErrNoRows when there is none.
func connectionStatusCreated(ctx context.Context, q store.Querier, id string) (status string, createdAt time.Time, err error) {
	err = q.QueryRow(ctx, "SELECT status, created_at FROM connections WHERE id = ?", id).Scan(&status, &createdAt)
	return status, createdAt, err
}

// connectionsCountOfIntegration counts the connections made through an
// integration.
func connectionsCountOfIntegration(ctx context.Context, q store.Querier, integrationID string) (int, error) {
	var n int
	err := q.QueryRow(ctx, "SELECT count(*) FROM connections WHERE integration_id = ?", integrationID).Scan(&n)
	return n, err
}

// connectionInsert stores a new connection with its sealed credentials.
func connectionInsert(ctx context.Context, tx *store.Tx, c Connection) error {
	scopes, _ := json.Marshal(nonNil(c.Scopes))
	config, _ := json.Marshal(c.Config)
	_, err := tx.Exec(ctx, `INSERT INTO connections (id, tenant_id, end_user_id, integration_id, provider_id, status, scopes, config,
		credentials, expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.TenantID, c.EndUserID, c.IntegrationID, c.Provider.ID, c.Status, string(scopes), string(config),
		c.sealed, c.ExpiresAt, c.CreatedAt, c.UpdatedAt)
	return err
}

// connectionRepair replaces a connection's status, scopes, configuration
// and credentials with c's; its refresh history starts over.
func connectionRepair(ctx context.Context, tx *store.Tx, c Connection) error {
	scopes, _ := json.Marshal(nonNil(c.Scopes))
	config, _ := json.Marshal(c.Config)
	_, err := tx.Exec(ctx, `UPDATE connections SET status = ?, scopes = ?, config = ?, credentials = ?, expires_at = ?, updated_at = ?,
		refresh_failures = 0, next_refresh_at = NULL, refresh_lease_owner = NULL, refresh_lease_until = NULL WHERE id = ?`,
		c.Status, string(scopes), string(config), c.sealed, c.ExpiresAt, c.UpdatedAt, c.ID)
	return err
}

// connectionStoreRefreshed writes refreshed credentials and their expiry,
// clears the refresh backoff and lease, and reports whether the stored
// credentials were still read (those the refresh started from).
func connectionStoreRefreshed(ctx context.Context, tx *store.Tx, id string, sealed []byte, expiresAt *time.Time, read []byte) (bool, error) {
	return store.Changed(tx.Exec(ctx, `UPDATE connections SET credentials = ?, expires_at = ?, refreshed_at = ?, updated_at = ?,
		refresh_failures = 0, next_refresh_at = NULL, refresh_lease_owner = NULL, refresh_lease_until = NULL
		WHERE id = ? AND credentials = ?`,
		sealed, expiresAt, tx.Now(), tx.Now(), id, read))
}

// connectionMarkNeedsReauth moves an active connection to needs_reauth and
// releases its refresh lease, if its credentials are still read; it reports
// whether it did.
func connectionMarkNeedsReauth(ctx context.Context, tx *store.Tx, id string, read []byte) (bool, error) {
	return store.Changed(tx.Exec(ctx, `UPDATE connections SET status = ?, refresh_lease_owner = NULL, refresh_lease_until = NULL, updated_at = ?
		WHERE id = ? AND status = ? AND credentials = ?`, StatusNeedsReauth, tx.Now(), id, StatusActive, read))
}

// connectionDeferRefresh sets when the refresh job may next pick a
// connection, unless a backoff beyond now is already set.
func connectionDeferRefresh(ctx context.Context, q store.Querier, id string, until, now time.Time) error {
	_, err := q.Exec(ctx, "UPDATE connections SET next_refresh_at = ? WHERE id = ? AND (next_refresh_at IS NULL OR next_refresh_at <= ?)",
		until, id, now)
	return err
}

// connectionRecordRefreshFailure records a transient refresh failure and its
// backoff, and releases the refresh lease if owner holds it.
func connectionRecordRefreshFailure(ctx context.Context, q store.Querier, id, owner string, failures int, next time.Time) error {
	_, err := q.Exec(ctx, `UPDATE connections SET refresh_failures = ?, next_refresh_at = ?, refresh_lease_owner = NULL, refresh_lease_until = NULL
		WHERE id = ? AND refresh_lease_owner = ?`, failures, next, id, owner)
	return err
}

// connectionDelete deletes a connection and reports whether there was one.
func connectionDelete(ctx context.Context, tx *store.Tx, id string) (bool, error) {
	return store.Changed(tx.Exec(ctx, "DELETE FROM connections WHERE id = ?", id))
}

const sessionColumns = `cs.id, cs.tenant_id, cs.end_user_id, cs.integration_id, cs.scopes, cs.return_url, cs.expires_at, cs.created_at,
	i.provider_id, cs.status, cs.browser_hash, cs.csrf_hash, cs.code_verifier, cs.config, cs.connection_id, cs.opener_origin, cs.return_to`

func scanSession(sc store.Scanner) (Session, error) {
	var ss Session
	var scopes, config string
	var connectionID sql.NullString
	err := sc.Scan(&ss.ID, &ss.TenantID, &ss.EndUserID, &ss.IntegrationID, &scopes, &ss.ReturnURL, &ss.ExpiresAt, &ss.CreatedAt,
		&ss.providerID, &ss.status, &ss.browserHash, &ss.csrfHash, &ss.codeVerifier, &config, &connectionID, &ss.openerOrigin, &ss.returnTo)
	if err != nil {
		return Session{}, err
	}
	ss.ConnectionID = connectionID.String
	if err := json.Unmarshal([]byte(scopes), &ss.Scopes); err != nil {
		return Session{}, err
	}
	if err := json.Unmarshal([]byte(config), &ss.config); err != nil {
		return Session{}, err
	}
	return ss, nil
}

// sessionGetWhere returns the session that column equals value, with its
// integration's provider; sql.ErrNoRows when there is none. column comes
// from code, never from input.
func sessionGetWhere(ctx context.Context, q store.Querier, column string, value any) (Session, error) {
	return scanSession(q.QueryRow(ctx, "SELECT "+sessionColumns+
		" FROM connect_sessions cs JOIN integrations i ON i.id = cs.integration_id WHERE cs."+column+" = ?", value))
}

func sessionGetByTokenHash(ctx context.Context, q store.Querier, tokenHash []byte) (Session, error) {
	return sessionGetWhere(ctx, q, "token_hash", tokenHash)
}

func sessionGetByID(ctx context.Context, q store.Querier, id string) (Session, error) {
	return sessionGetWhere(ctx, q, "id", id)
}

func sessionGetByStateHash(ctx context.Context, q store.Querier, stateHash []byte) (Session, error) {
	return sessionGetWhere(ctx, q, "state_hash", stateHash)
}

// sessionInsert stores a new pending session.
func sessionInsert(ctx context.Context, tx *store.Tx, cs CreatedSession, tokenHash []byte) error {
	scopes, _ := json.Marshal(cs.Scopes)
	var repairs *string
	if cs.ConnectionID != "" {
		repairs = &cs.ConnectionID
	}
	_, err := tx.Exec(ctx, `INSERT INTO connect_sessions (id, token_hash, tenant_id, end_user_id, integration_id, scopes, return_url,
		status, connection_id, expires_at, created_at, updated_at, opener_origin, return_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		cs.ID, tokenHash, cs.TenantID, cs.EndUserID, cs.IntegrationID, string(scopes), cs.ReturnURL, sessionPending,
		repairs, cs.ExpiresAt, cs.CreatedAt, cs.CreatedAt, cs.openerOrigin, cs.returnTo)
	return err
}

// sessionOpen binds a pending session to a browser and a form's CSRF token,
// and reports whether it was still pending.
func sessionOpen(ctx context.Context, tx *store.Tx, id string, browserHash, csrfHash []byte) (bool, error) {
	return store.Changed(tx.Exec(ctx, "UPDATE connect_sessions SET status = ?, browser_hash = ?, csrf_hash = ?, updated_at = ? WHERE id = ? AND status = ?",
		sessionOpened, browserHash, csrfHash, tx.Now(), id, sessionPending))
}

// sessionRenewCSRF replaces an opened session's CSRF token, and reports
// whether it was still opened.
func sessionRenewCSRF(ctx context.Context, tx *store.Tx, id string, csrfHash []byte) (bool, error) {
	return store.Changed(tx.Exec(ctx, "UPDATE connect_sessions SET csrf_hash = ?, updated_at = ? WHERE id = ? AND status = ?",
		csrfHash, tx.Now(), id, sessionOpened))
}

// sessionAuthorize records that an opened session's browser went to the
// provider, with the state, sealed PKCE verifier and configuration to check
// and use on its return; it reports whether the session was still opened.
func sessionAuthorize(ctx context.Context, tx *store.Tx, id string, stateHash, sealedVerifier []byte, config map[string]string) (bool, error) {
	configJSON, _ := json.Marshal(config)
	return store.Changed(tx.Exec(ctx, `UPDATE connect_sessions SET status = ?, state_hash = ?, code_verifier = ?, config = ?, updated_at = ?
		WHERE id = ? AND status = ?`, sessionAuthorizing, stateHash, sealedVerifier, string(configJSON), tx.Now(), id, sessionOpened))
}

// sessionComplete completes a session in status from with the connection
// it made, and reports whether it was still in that status.
func sessionComplete(ctx context.Context, tx *store.Tx, id, connectionID, from string) (bool, error) {
	return store.Changed(tx.Exec(ctx, "UPDATE connect_sessions SET status = ?, connection_id = ?, updated_at = ? WHERE id = ? AND status = ?",
		sessionCompleted, connectionID, tx.Now(), id, from))
}

// sessionFail ends a session in status from as failed, and reports whether
// it was still in that status.
func sessionFail(ctx context.Context, tx *store.Tx, id, from string) (bool, error) {
	return store.Changed(tx.Exec(ctx, "UPDATE connect_sessions SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
		sessionFailed, tx.Now(), id, from))
}

// sessionsDeleteExpiredBefore deletes the sessions that expired before t.
func sessionsDeleteExpiredBefore(ctx context.Context, q store.Querier, t time.Time) error {
	_, err := q.Exec(ctx, "DELETE FROM connect_sessions WHERE expires_at < ?", t)
	return err
}

const integrationColumns = "id, provider_id, name, client_id, client_secret, scopes, created_at, updated_at"

// scanIntegration reads a row; the client secret stays sealed in sealed.
func scanIntegration(sc store.Scanner) (in Integration, sealed []byte, err error) {
	var scopes string
	if err := sc.Scan(&in.ID, &in.ProviderID, &in.Name, &in.ClientID, &sealed, &scopes, &in.CreatedAt, &in.UpdatedAt); err != nil {
		return Integration{}, nil, err
	}
	if err := json.Unmarshal([]byte(scopes), &in.Scopes); err != nil {
		return Integration{}, nil, fmt.Errorf("integration %s scopes: %w", in.ID, err)
	}
	return in, sealed, nil
}

// integrationGet returns an integration and its sealed client secret;
// sql.ErrNoRows when there is none.
func integrationGet(ctx context.Context, q store.Querier, id string) (Integration, []byte, error) {
	return scanIntegration(q.QueryRow(ctx, "SELECT "+integrationColumns+" FROM integrations WHERE id = ?", id))
}

// integrationsList returns up to limit integrations after the ID after,
// only of providerID unless it is empty.
func integrationsList(ctx context.Context, q store.Querier, after, providerID string, limit int) ([]Integration, error) {
	rows, err := q.Query(ctx, "SELECT "+integrationColumns+` FROM integrations
		WHERE id > ? AND (? = '' OR provider_id = ?) ORDER BY id LIMIT ?`, after, providerID, providerID, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, func(sc store.Scanner) (Integration, error) {
		in, _, err := scanIntegration(sc)
		return in, err
	})
}

// integrationFirstOfProvider returns the ID of the first integration of a
// provider; sql.ErrNoRows when it has none.
func integrationFirstOfProvider(ctx context.Context, q store.Querier, providerID string) (string, error) {
	var id string
	err := q.QueryRow(ctx, "SELECT id FROM integrations WHERE provider_id = ? ORDER BY id LIMIT 1", providerID).Scan(&id)
	return id, err
}

func integrationInsert(ctx context.Context, tx *store.Tx, in Integration, sealedSecret []byte) error {
	scopes, _ := json.Marshal(in.Scopes)
	_, err := tx.Exec(ctx, `INSERT INTO integrations (id, provider_id, name, client_id, client_secret, scopes, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, in.ID, in.ProviderID, in.Name, in.ClientID, sealedSecret, string(scopes), in.CreatedAt, in.UpdatedAt)
	return err
}

func integrationUpdate(ctx context.Context, tx *store.Tx, in Integration, sealedSecret []byte) error {
	scopes, _ := json.Marshal(in.Scopes)
	_, err := tx.Exec(ctx, "UPDATE integrations SET name = ?, client_id = ?, client_secret = ?, scopes = ?, updated_at = ? WHERE id = ?",
		in.Name, in.ClientID, sealedSecret, string(scopes), in.UpdatedAt, in.ID)
	return err
}

// integrationDelete deletes an integration and reports whether there was one.
func integrationDelete(ctx context.Context, tx *store.Tx, id string) (bool, error) {
	return store.Changed(tx.Exec(ctx, "DELETE FROM integrations WHERE id = ?", id))
}

// dataKeyInsert stores a wrapped data key unless one with its ID exists;
// tenantID is nil for the installation's.
func dataKeyInsert(ctx context.Context, tx *store.Tx, id string, tenantID *string, wrapped []byte) error {
	_, err := tx.Exec(ctx, `INSERT INTO data_keys (id, tenant_id, wrapped_key, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`, id, tenantID, wrapped, tx.Now(), tx.Now())
	return err
}

// dataKeyWrapped returns a data key as wrapped by the KEK; sql.ErrNoRows
// when there is none.
func dataKeyWrapped(ctx context.Context, q store.Querier, id string) ([]byte, error) {
	var wrapped []byte
	err := q.QueryRow(ctx, "SELECT wrapped_key FROM data_keys WHERE id = ?", id).Scan(&wrapped)
	return wrapped, err
}

// storedDefinition is a provider definition added through the API, as
// stored.
type storedDefinition struct{ id, definition string }

// providerDefinitionsAll returns every stored definition, ordered by ID.
func providerDefinitionsAll(ctx context.Context, q store.Querier) ([]storedDefinition, error) {
	rows, err := q.Query(ctx, "SELECT id, definition FROM provider_definitions ORDER BY id")
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, func(sc store.Scanner) (storedDefinition, error) {
		var d storedDefinition
		err := sc.Scan(&d.id, &d.definition)
		return d, err
	})
}

// providerDefinitionUpdate replaces a stored definition and reports whether
// there was one.
func providerDefinitionUpdate(ctx context.Context, tx *store.Tx, id, definition string) (bool, error) {
	return store.Changed(tx.Exec(ctx, "UPDATE provider_definitions SET definition = ?, updated_at = ? WHERE id = ?", definition, tx.Now(), id))
}

// providerDefinitionInsert stores a new definition; a concurrent insert of
// the same ID fails with a unique violation.
func providerDefinitionInsert(ctx context.Context, tx *store.Tx, id, definition string) error {
	_, err := tx.Exec(ctx, "INSERT INTO provider_definitions (id, definition, created_at, updated_at) VALUES (?, ?, ?, ?)",
		id, definition, tx.Now(), tx.Now())
	return err
}

// providerDefinitionDelete deletes a stored definition and reports whether
// there was one.
func providerDefinitionDelete(ctx context.Context, tx *store.Tx, id string) (bool, error) {
	return store.Changed(tx.Exec(ctx, "DELETE FROM provider_definitions WHERE id = ?", id))
}

// connectionsCountByStatus counts the connections in each status, on the
// connections_due index.
func connectionsCountByStatus(ctx context.Context, q store.Querier) (map[string]int64, error) {
	rows, err := q.Query(ctx, `SELECT status, COUNT(*) FROM connections GROUP BY status`)
	if err != nil {
		return nil, err
	}
	type count struct {
		status string
		n      int64
	}
	counts, err := store.Collect(rows, func(s store.Scanner) (count, error) {
		var c count
		return c, s.Scan(&c.status, &c.n)
	})
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, c := range counts {
		out[c.status] = c.n
	}
	return out, nil
}
