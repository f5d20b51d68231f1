package store

import "database/sql"

// Changed reports whether a statement changed any row, for the conditional
// updates and deletes whose callers act on whether they matched:
//
//	return store.Changed(tx.Exec(ctx, "DELETE FROM t WHERE id = ?", id))
func Changed(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
