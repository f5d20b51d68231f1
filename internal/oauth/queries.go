package oauth

import (
	"context"
	"database/sql"
	"time"

	"github.com/patchbay/patchbay/internal/store"
)

// The queries of the OAuth provider's tables, as named functions (issue 13:
// one file per capability, noun first, as River's drivers name their
// operations). Service methods own the transactions and call these. The
// scope catalog, the resources, the initial access tokens and the
// registration queries are here so far; the apps, requests, codes, tokens
// and device codes still hold their SQL in their own files.

const scopeColumns = "name, description, created_at, updated_at"

func scanScope(sc store.Scanner) (Scope, error) {
	var v Scope
	err := sc.Scan(&v.Name, &v.Description, &v.CreatedAt, &v.UpdatedAt)
	return v, err
}

func scopeInsert(ctx context.Context, tx *store.Tx, sc Scope) error {
	_, err := tx.Exec(ctx, "INSERT INTO oauth_scopes (name, description, created_at, updated_at) VALUES (?, ?, ?, ?)",
		sc.Name, sc.Description, sc.CreatedAt, sc.UpdatedAt)
	return err
}

func scopeGet(ctx context.Context, q store.Querier, name string) (Scope, error) {
	return scanScope(q.QueryRow(ctx, "SELECT "+scopeColumns+" FROM oauth_scopes WHERE name = ?", name))
}

func scopesList(ctx context.Context, q *store.DB, after string, limit int) ([]Scope, error) {
	rows, err := q.Query(ctx, "SELECT "+scopeColumns+" FROM oauth_scopes WHERE name > ? ORDER BY name LIMIT ?", after, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanScope)
}

func scopeNamesAll(ctx context.Context, q *store.DB) ([]string, error) {
	rows, err := q.Query(ctx, "SELECT name FROM oauth_scopes ORDER BY name")
	if err != nil {
		return nil, err
	}
	return collect(rows, scanString)
}

// scopeUpdate reports whether the scope existed.
func scopeUpdate(ctx context.Context, tx *store.Tx, name, description string) (bool, error) {
	return changed(tx.Exec(ctx, "UPDATE oauth_scopes SET description = ?, updated_at = ? WHERE name = ?", description, tx.Now(), name))
}

// scopeDelete reports whether the scope existed.
func scopeDelete(ctx context.Context, q *store.DB, name string) (bool, error) {
	return changed(q.Exec(ctx, "DELETE FROM oauth_scopes WHERE name = ?", name))
}

const resourceColumns = "id, identifier, name, scopes, created_at, updated_at"

func scanResource(sc store.Scanner) (Resource, error) {
	var r Resource
	var scopes string
	if err := sc.Scan(&r.ID, &r.Identifier, &r.Name, &scopes, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return Resource{}, err
	}
	var err error
	r.Scopes, err = unmarshalList(scopes)
	return r, err
}

func resourceInsert(ctx context.Context, tx *store.Tx, r Resource) error {
	_, err := tx.Exec(ctx, "INSERT INTO oauth_resources ("+resourceColumns+") VALUES (?, ?, ?, ?, ?, ?)",
		r.ID, r.Identifier, r.Name, marshalList(r.Scopes), r.CreatedAt, r.UpdatedAt)
	return err
}

func resourceGetByID(ctx context.Context, q store.Querier, resourceID string) (Resource, error) {
	return resourceFromRow(q.QueryRow(ctx, "SELECT "+resourceColumns+" FROM oauth_resources WHERE id = ?", resourceID), resourceID)
}

func resourceGetByIdentifier(ctx context.Context, q store.Querier, identifier string) (Resource, error) {
	return resourceFromRow(q.QueryRow(ctx, "SELECT "+resourceColumns+" FROM oauth_resources WHERE identifier = ?", identifier), identifier)
}

func resourcesList(ctx context.Context, q *store.DB, after string, limit int) ([]Resource, error) {
	rows, err := q.Query(ctx, "SELECT "+resourceColumns+" FROM oauth_resources WHERE id > ? ORDER BY id LIMIT ?", after, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanResource)
}

func resourceIdentifiersAll(ctx context.Context, q *store.DB) ([]string, error) {
	rows, err := q.Query(ctx, "SELECT identifier FROM oauth_resources ORDER BY identifier")
	if err != nil {
		return nil, err
	}
	return collect(rows, scanString)
}

func resourceUpdate(ctx context.Context, tx *store.Tx, r Resource) error {
	_, err := tx.Exec(ctx, "UPDATE oauth_resources SET identifier = ?, name = ?, scopes = ?, updated_at = ? WHERE id = ?",
		r.Identifier, r.Name, marshalList(r.Scopes), r.UpdatedAt, r.ID)
	return err
}

// resourceDelete reports whether the resource existed.
func resourceDelete(ctx context.Context, q *store.DB, resourceID string) (bool, error) {
	return changed(q.Exec(ctx, "DELETE FROM oauth_resources WHERE id = ?", resourceID))
}

// appsCountSelfRegistered counts the apps that registered themselves, all
// of them or those counted against one source (registered_from).
func appsCountSelfRegistered(ctx context.Context, q store.Querier, from *string) (int, error) {
	query, args := "SELECT COUNT(*) FROM oauth_apps WHERE registration <> ?", []any{registrationAdmin}
	if from != nil {
		query, args = query+" AND registered_from = ?", append(args, *from)
	}
	var n int
	err := q.QueryRow(ctx, query, args...).Scan(&n)
	return n, err
}

// appReplaceRegistrationToken replaces an app's registration access token
// if it is still old; it reports whether it was.
func appReplaceRegistrationToken(ctx context.Context, db *store.DB, appID string, old, replacement []byte) (bool, error) {
	return changed(db.Exec(ctx, "UPDATE oauth_apps SET registration_token = ? WHERE id = ? AND registration_token = ?", replacement, appID, old))
}

// appUpdateRegistered stores what a client may change of its own
// registration (RFC 7592 §2.2).
func appUpdateRegistered(ctx context.Context, db *store.DB, app App) error {
	_, err := db.Exec(ctx, `UPDATE oauth_apps SET name = ?, redirect_uris = ?, scopes = ?, logo_url = ?, homepage_url = ?,
		token_endpoint_auth_method = ?, updated_at = ? WHERE id = ?`,
		app.Name, marshalList(app.RedirectURIs), marshalList(app.Scopes), app.LogoURL, app.HomepageURL, app.authMethod, app.UpdatedAt, app.ID)
	return err
}

func initialTokenInsert(ctx context.Context, db *store.DB, t InitialAccessToken, tokenHash []byte) error {
	_, err := db.Exec(ctx, "INSERT INTO oauth_initial_access_tokens (id, token, description, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
		t.ID, tokenHash, t.Description, t.CreatedAt, t.ExpiresAt)
	return err
}

// initialTokenGetByHash returns the ID and expiry of the initial access
// token whose hash is tokenHash.
func initialTokenGetByHash(ctx context.Context, q store.Querier, tokenHash []byte) (string, *time.Time, error) {
	var tokenID string
	var expiresAt *time.Time
	err := q.QueryRow(ctx, "SELECT id, expires_at FROM oauth_initial_access_tokens WHERE token = ?", tokenHash).Scan(&tokenID, &expiresAt)
	return tokenID, expiresAt, err
}

func initialTokensList(ctx context.Context, db *store.DB, after string, limit int) ([]InitialAccessToken, error) {
	rows, err := db.Query(ctx, "SELECT id, description, created_at, expires_at FROM oauth_initial_access_tokens WHERE id > ? ORDER BY id LIMIT ?",
		after, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(sc store.Scanner) (InitialAccessToken, error) {
		var t InitialAccessToken
		err := sc.Scan(&t.ID, &t.Description, &t.CreatedAt, &t.ExpiresAt)
		return t, err
	})
}

// initialTokenDelete reports whether the token existed.
func initialTokenDelete(ctx context.Context, db *store.DB, tokenID string) (bool, error) {
	return changed(db.Exec(ctx, "DELETE FROM oauth_initial_access_tokens WHERE id = ?", tokenID))
}

// collect scans every row with scan and closes the rows; the list is
// empty, not nil, when there are none.
func collect[T any](rows *sql.Rows, scan func(store.Scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	list := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	return list, rows.Err()
}

func scanString(sc store.Scanner) (string, error) {
	var v string
	err := sc.Scan(&v)
	return v, err
}

// changed reports whether a write touched a row.
func changed(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
