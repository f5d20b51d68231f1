package oauth

import (
	"context"
	"database/sql"

	"github.com/patchbay/patchbay/internal/store"
)

// The queries of the OAuth provider's tables, as named functions (issue 13:
// one file per capability, noun first, as River's drivers name their
// operations). Service methods own the transactions and call these. The
// scope catalog and the resources are here so far; the apps, requests,
// codes, tokens and device codes still hold their SQL in their own files.

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
