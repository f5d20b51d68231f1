package transform

import (
	"context"
	"database/sql"

	"github.com/patchbay/patchbay/internal/store"
)

// The queries of transformations, transformation_versions and
// transformation_attachments (docs/architecture.md, "Where queries live").

const transformationColumns = "id, name, language, latest_version, created_at, updated_at"

func scanTransformation(s store.Scanner) (Transformation, error) {
	var t Transformation
	err := s.Scan(&t.ID, &t.Name, &t.Language, &t.LatestVersion, &t.CreatedAt, &t.UpdatedAt)
	return t, err
}

func transformationGet(ctx context.Context, q store.Querier, id string) (Transformation, error) {
	return scanTransformation(q.QueryRow(ctx, "SELECT "+transformationColumns+" FROM transformations WHERE id = ?", id))
}

func transformationsList(ctx context.Context, q store.Querier, after string, limit int) ([]Transformation, error) {
	rows, err := q.Query(ctx, "SELECT "+transformationColumns+" FROM transformations WHERE id > ? ORDER BY id LIMIT ?", after, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanTransformation)
}

func transformationInsert(ctx context.Context, tx *store.Tx, t Transformation) error {
	_, err := tx.Exec(ctx, "INSERT INTO transformations ("+transformationColumns+") VALUES (?, ?, ?, ?, ?, ?)",
		t.ID, t.Name, t.Language, t.LatestVersion, t.CreatedAt, t.UpdatedAt)
	return err
}

func transformationUpdate(ctx context.Context, tx *store.Tx, t Transformation) error {
	_, err := tx.Exec(ctx, "UPDATE transformations SET name = ?, latest_version = ?, updated_at = ? WHERE id = ?",
		t.Name, t.LatestVersion, t.UpdatedAt, t.ID)
	return err
}

func transformationDelete(ctx context.Context, tx *store.Tx, id string) error {
	_, err := tx.Exec(ctx, "DELETE FROM transformations WHERE id = ?", id)
	return err
}

const versionColumns = "id, transformation_id, version, sha256, length(code), created_at"

func scanVersion(s store.Scanner) (Version, error) {
	var v Version
	err := s.Scan(&v.ID, &v.TransformationID, &v.Version, &v.SHA256, &v.Size, &v.CreatedAt)
	return v, err
}

func versionInsert(ctx context.Context, tx *store.Tx, v Version, code []byte) error {
	_, err := tx.Exec(ctx, "INSERT INTO transformation_versions (id, transformation_id, version, code, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		v.ID, v.TransformationID, v.Version, code, v.SHA256, v.CreatedAt)
	return err
}

// versionGet returns a transformation's version by number, and its code.
func versionGet(ctx context.Context, q store.Querier, transformationID string, version int) (Version, []byte, error) {
	var code []byte
	var v Version
	err := q.QueryRow(ctx, "SELECT "+versionColumns+", code FROM transformation_versions WHERE transformation_id = ? AND version = ?",
		transformationID, version).Scan(&v.ID, &v.TransformationID, &v.Version, &v.SHA256, &v.Size, &v.CreatedAt, &code)
	return v, code, err
}

// versionCode returns a version's code by its ID.
func versionCode(ctx context.Context, q store.Querier, versionID string) ([]byte, error) {
	var code []byte
	err := q.QueryRow(ctx, "SELECT code FROM transformation_versions WHERE id = ?", versionID).Scan(&code)
	return code, err
}

// versionsList returns a transformation's versions, newest first, below the
// number before (0: from the newest).
func versionsList(ctx context.Context, q store.Querier, transformationID string, before, limit int) ([]Version, error) {
	query, args := "SELECT "+versionColumns+" FROM transformation_versions WHERE transformation_id = ? ORDER BY version DESC LIMIT ?",
		[]any{transformationID, limit}
	if before > 0 {
		query, args = "SELECT "+versionColumns+" FROM transformation_versions WHERE transformation_id = ? AND version < ? ORDER BY version DESC LIMIT ?",
			[]any{transformationID, before, limit}
	}
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanVersion)
}

const attachmentColumns = "target_id, transformation_id, version, created_at, updated_at"

func scanAttachment(s store.Scanner) (Attachment, error) {
	var a Attachment
	var version sql.NullInt64
	if err := s.Scan(&a.TargetID, &a.TransformationID, &version, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return Attachment{}, err
	}
	if version.Valid {
		n := int(version.Int64)
		a.Version = &n
	}
	return a, nil
}

// attachmentUpsert attaches a transformation to a target, replacing any
// other; created_at is kept when the row exists.
func attachmentUpsert(ctx context.Context, tx *store.Tx, a Attachment) error {
	_, err := tx.Exec(ctx, `INSERT INTO transformation_attachments (`+attachmentColumns+`) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (target_id) DO UPDATE SET transformation_id = excluded.transformation_id, version = excluded.version,
		updated_at = excluded.updated_at`, a.TargetID, a.TransformationID, a.Version, a.CreatedAt, a.UpdatedAt)
	return err
}

func attachmentGet(ctx context.Context, q store.Querier, targetID string) (Attachment, error) {
	return scanAttachment(q.QueryRow(ctx, "SELECT "+attachmentColumns+" FROM transformation_attachments WHERE target_id = ?", targetID))
}

func attachmentDelete(ctx context.Context, tx *store.Tx, transformationID, targetID string) (bool, error) {
	return store.Changed(tx.Exec(ctx, "DELETE FROM transformation_attachments WHERE transformation_id = ? AND target_id = ?", transformationID, targetID))
}

func attachmentsOf(ctx context.Context, q store.Querier, transformationID string, limit int) ([]Attachment, error) {
	rows, err := q.Query(ctx, "SELECT "+attachmentColumns+" FROM transformation_attachments WHERE transformation_id = ? ORDER BY target_id LIMIT ?",
		transformationID, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanAttachment)
}

// resolvedRow is what runs for a target: the attached version, or the
// latest, with the transformation's language.
type resolvedRow struct {
	versionID string
	version   int
	language  string
	pinned    bool
}

// attachmentResolve finds what runs for targetID; sql.ErrNoRows when nothing
// is attached.
func attachmentResolve(ctx context.Context, q store.Querier, targetID string) (resolvedRow, error) {
	var r resolvedRow
	var pinned sql.NullInt64
	err := q.QueryRow(ctx, `SELECT v.id, v.version, t.language, a.version FROM transformation_attachments a
		JOIN transformations t ON t.id = a.transformation_id
		JOIN transformation_versions v ON v.transformation_id = a.transformation_id AND v.version = COALESCE(a.version, t.latest_version)
		WHERE a.target_id = ?`, targetID).Scan(&r.versionID, &r.version, &r.language, &pinned)
	r.pinned = pinned.Valid
	return r, err
}
