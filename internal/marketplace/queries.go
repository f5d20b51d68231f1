package marketplace

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/store"
)

// The marketplace's queries: marketplace_listings and what hangs off them
// (revisions, transitions, installations and their day counters, reviews,
// live categories), the category catalog, apps' lifecycle webhooks, and the
// search index.

// listingRow is a listing as stored.
type listingRow struct {
	Listing
	revision int
	live     string // JSON Content, "" before the first publication
}

const listingColumns = `l.id, l.slug, l.kind, l.app_id, l.integration_id, l.team_id, l.developer_name, l.state, l.revision, l.version, l.live,
	l.install_count, l.rating_count, l.rating_avg, l.rating_dist, l.created_at, l.updated_at, l.published_at, COALESCE(r.state, ''), COALESCE(r.content, '')`

const listingFrom = ` FROM marketplace_listings l LEFT JOIN marketplace_revisions r ON r.listing_id = l.id AND r.number = l.revision`

func scanListing(sc store.Scanner) (listingRow, error) {
	var l listingRow
	var dist, revContent string
	err := sc.Scan(&l.ID, &l.Slug, &l.Kind, &l.AppID, &l.IntegrationID, &l.TeamID, &l.DeveloperName, &l.State, &l.revision, &l.Version, &l.live,
		&l.InstallCount, &l.Rating.Count, &l.Rating.Average, &dist, &l.CreatedAt, &l.UpdatedAt, &l.PublishedAt, &l.RevisionState, &revContent)
	if err != nil {
		return l, err
	}
	l.Rating.Distribution = map[string]int{}
	for i, f := range strings.Fields(dist) {
		n, _ := strconv.Atoi(f)
		l.Rating.Distribution[strconv.Itoa(i+1)] = n
	}
	src := l.live
	if l.Version == 0 {
		src = revContent
	}
	if src != "" {
		if err := json.Unmarshal([]byte(src), &l.Content); err != nil {
			return l, fmt.Errorf("listing %s content: %w", l.ID, err)
		}
	}
	if l.Version == 0 {
		l.RevisionState = "" // the listing's state is its revision's
	}
	return l, nil
}

func listingGet(ctx context.Context, q store.Querier, id string) (listingRow, error) {
	return scanListing(q.QueryRow(ctx, "SELECT "+listingColumns+listingFrom+" WHERE l.id = ?", id))
}

func listingGetBySlug(ctx context.Context, q store.Querier, slug string) (listingRow, error) {
	return scanListing(q.QueryRow(ctx, "SELECT "+listingColumns+listingFrom+" WHERE l.slug = ?", slug))
}

// listingsOfApp returns the listings of an app (of kind app).
func listingsOfApp(ctx context.Context, q store.Querier, appID string) ([]listingRow, error) {
	rows, err := q.Query(ctx, "SELECT "+listingColumns+listingFrom+" WHERE l.app_id = ? AND l.kind = 'app'", appID)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanListing)
}

// listingsOfIntegration returns the listings of an integration.
func listingsOfIntegration(ctx context.Context, q store.Querier, integrationID string) ([]listingRow, error) {
	rows, err := q.Query(ctx, "SELECT "+listingColumns+listingFrom+" WHERE l.integration_id = ? AND l.kind = 'integration'", integrationID)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanListing)
}

func listingInsert(ctx context.Context, tx *store.Tx, l Listing) error {
	_, err := tx.Exec(ctx, `INSERT INTO marketplace_listings (id, slug, kind, app_id, integration_id, team_id, developer_name, state,
		revision, version, live, live_name, search_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, 0, '', '', ?, ?, ?)`,
		l.ID, l.Slug, l.Kind, l.AppID, l.IntegrationID, l.TeamID, l.DeveloperName, StateDraft, searchKey(l.ID), tx.Now(), tx.Now())
	return err
}

// searchKey is a listing's key in the search index: 63 bits of the FNV-1a
// hash of its ID (unique by the column's constraint; a collision, about one
// in 10^11 among a million listings, fails the listing's creation).
func searchKey(listingID string) int64 {
	h := fnv.New64a()
	h.Write([]byte(listingID))
	return int64(h.Sum64() >> 1)
}

// listingSetState sets a listing's state and working revision.
func listingSetState(ctx context.Context, tx *store.Tx, id, state string, revision int) error {
	_, err := tx.Exec(ctx, "UPDATE marketplace_listings SET state = ?, revision = ?, updated_at = ? WHERE id = ?", state, revision, tx.Now(), id)
	return err
}

// listingPublish makes content the live version.
func listingPublish(ctx context.Context, tx *store.Tx, id, state string, version int, c Content) error {
	_, err := tx.Exec(ctx, `UPDATE marketplace_listings SET state = ?, revision = 0, version = ?, live = ?, live_name = ?, published_at = ?, updated_at = ?
		WHERE id = ?`, state, version, mustJSON(c), strings.ToLower(c.Name), tx.Now(), tx.Now(), id)
	return err
}

func listingSetDeveloperName(ctx context.Context, tx *store.Tx, id, name string) error {
	_, err := tx.Exec(ctx, "UPDATE marketplace_listings SET developer_name = ?, updated_at = ? WHERE id = ?", name, tx.Now(), id)
	return err
}

func listingDelete(ctx context.Context, tx *store.Tx, id string) (bool, error) {
	return store.Changed(tx.Exec(ctx, "DELETE FROM marketplace_listings WHERE id = ?", id))
}

// listingAddInstalls moves a listing's active install count by delta.
func listingAddInstalls(ctx context.Context, tx *store.Tx, id string, delta int) error {
	_, err := tx.Exec(ctx, "UPDATE marketplace_listings SET install_count = install_count + ? WHERE id = ?", delta, id)
	return err
}

// listingSetRating stores a listing's rating summary.
func listingSetRating(ctx context.Context, tx *store.Tx, id string, count int, avg float64, dist [5]int) error {
	_, err := tx.Exec(ctx, "UPDATE marketplace_listings SET rating_count = ?, rating_avg = ?, rating_dist = ? WHERE id = ?",
		count, avg, fmt.Sprintf("%d %d %d %d %d", dist[0], dist[1], dist[2], dist[3], dist[4]), id)
	return err
}

// listingCategoriesSet replaces a listing's live categories.
func listingCategoriesSet(ctx context.Context, tx *store.Tx, id string, categories []string) error {
	if _, err := tx.Exec(ctx, "DELETE FROM marketplace_listing_categories WHERE listing_id = ?", id); err != nil {
		return err
	}
	for _, c := range categories {
		if _, err := tx.Exec(ctx, "INSERT INTO marketplace_listing_categories (category, listing_id) VALUES (?, ?)", c, id); err != nil {
			return err
		}
	}
	return nil
}

// listingFilter selects listings for a list or the directory.
type listingFilter struct {
	Query       string   // full-text words
	Kind        string   // app, integration or ""
	Category    string   // a category slug or ""
	States      []string // any of these states (of the listing, or of its working revision when RevisionStates)
	RevisionToo bool     // States also match the working revision's state
	TeamID      *string  // only this team's
	Installed   *bool    // installed (or not) by InstalledBy
	InstalledBy string   // the tenant of Installed
	Sort        string   // relevance, popular, rating, newest
	After       string   // the cursor
	Limit       int
}

// listingsList returns a page of listings (Limit+1 rows) and the cursor key
// of each.
func listingsList(ctx context.Context, db *store.DB, f listingFilter) ([]listingRow, []string, error) {
	var where []string
	var args []any
	// The page's IDs are chosen first by a narrow query (sorting wide rows,
	// descriptions and all, costs more than the search), then read.
	from := " FROM marketplace_listings l"
	if f.RevisionToo && len(f.States) > 0 {
		from += " LEFT JOIN marketplace_revisions r ON r.listing_id = l.id AND r.number = l.revision"
	}
	if f.Query != "" {
		match, margs, ok := db.Match(searchIndex, f.Query)
		if !ok {
			return nil, nil, nil
		}
		from += " JOIN (" + match + ") m ON m.key = l.search_key"
		args = append(args, margs...)
	}
	if len(f.States) > 0 {
		cond := "l.state IN (" + store.Placeholders(len(f.States)) + ")"
		for _, s := range f.States {
			args = append(args, s)
		}
		if f.RevisionToo {
			cond = "(" + cond + " OR r.state IN (" + store.Placeholders(len(f.States)) + "))"
			for _, s := range f.States {
				args = append(args, s)
			}
		}
		where = append(where, cond)
	}
	if f.Kind != "" {
		where = append(where, "l.kind = ?")
		args = append(args, f.Kind)
	}
	if f.TeamID != nil {
		where = append(where, "l.team_id = ?")
		args = append(args, *f.TeamID)
	}
	if f.Category != "" {
		where = append(where, "l.id IN (SELECT listing_id FROM marketplace_listing_categories WHERE category = ?)")
		args = append(args, f.Category)
	}
	if f.Installed != nil {
		not := ""
		if !*f.Installed {
			not = "NOT "
		}
		where = append(where, not+"EXISTS (SELECT 1 FROM marketplace_installations i WHERE i.listing_id = l.id AND i.tenant_id = ? AND i.status = 'active')")
		args = append(args, f.InstalledBy)
	}
	order := ""
	offset := 0
	switch f.Sort {
	case "relevance":
		order = "m.rank, l.id"
		if f.After != "" {
			offset, _ = strconv.Atoi(strings.TrimPrefix(f.After, "o:"))
		}
	case "popular":
		order = "l.install_count DESC, l.id DESC"
		if n, id, ok := cursorPair(f.After, "p:"); ok {
			where = append(where, "(l.install_count < ? OR l.install_count = ? AND l.id < ?)")
			c, _ := strconv.Atoi(n)
			args = append(args, c, c, id)
		}
	case "rating":
		order = "l.rating_avg DESC, l.id DESC"
		if n, id, ok := cursorPair(f.After, "r:"); ok {
			where = append(where, "(l.rating_avg < ? OR l.rating_avg = ? AND l.id < ?)")
			avg, _ := strconv.ParseFloat(n, 64)
			args = append(args, avg, avg, id)
		}
	default: // newest
		order = "l.id DESC"
		if id, ok := strings.CutPrefix(f.After, "n:"); ok {
			where = append(where, "l.id < ?")
			args = append(args, id)
		}
	}
	query := "SELECT l.id, l.install_count, l.rating_avg" + from
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY " + order + " LIMIT ? OFFSET ?"
	args = append(args, f.Limit+1, offset)
	rows, err := db.Query(ctx, query, args...)
	if err != nil {
		return nil, nil, err
	}
	type pick struct {
		id    string
		count int
		avg   float64
	}
	picks, err := store.Collect(rows, func(sc store.Scanner) (pick, error) {
		var p pick
		err := sc.Scan(&p.id, &p.count, &p.avg)
		return p, err
	})
	if err != nil || len(picks) == 0 {
		return nil, nil, err
	}
	ids := make([]any, len(picks))
	for i, p := range picks {
		ids[i] = p.id
	}
	rows, err = db.Query(ctx, "SELECT "+listingColumns+listingFrom+" WHERE l.id IN ("+store.Placeholders(len(ids))+")", ids...)
	if err != nil {
		return nil, nil, err
	}
	got, err := store.Collect(rows, scanListing)
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[string]listingRow, len(got))
	for _, l := range got {
		byID[l.ID] = l
	}
	list := make([]listingRow, 0, len(picks))
	keys := make([]string, 0, len(picks))
	for i, p := range picks {
		l, ok := byID[p.id]
		if !ok {
			continue // deleted between the two reads
		}
		list = append(list, l)
		switch f.Sort {
		case "relevance":
			keys = append(keys, "o:"+strconv.Itoa(offset+i+1))
		case "popular":
			keys = append(keys, "p:"+strconv.Itoa(p.count)+":"+p.id)
		case "rating":
			keys = append(keys, "r:"+strconv.FormatFloat(p.avg, 'g', -1, 64)+":"+p.id)
		default:
			keys = append(keys, "n:"+p.id)
		}
	}
	return list, keys, nil
}

// cursorPair splits a cursor "prefix value:id".
func cursorPair(after, prefix string) (string, string, bool) {
	rest, ok := strings.CutPrefix(after, prefix)
	if !ok {
		return "", "", false
	}
	return strings.Cut(rest, ":")
}

// revisions

func revisionInsert(ctx context.Context, tx *store.Tx, listingID string, number int, c Content) error {
	_, err := tx.Exec(ctx, `INSERT INTO marketplace_revisions (listing_id, number, state, content, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)`, listingID, number, StateDraft, mustJSON(c), tx.Now(), tx.Now())
	return err
}

func revisionSetContent(ctx context.Context, tx *store.Tx, listingID string, number int, c Content) error {
	_, err := tx.Exec(ctx, "UPDATE marketplace_revisions SET content = ?, updated_at = ? WHERE listing_id = ? AND number = ?",
		mustJSON(c), tx.Now(), listingID, number)
	return err
}

// revisionSetState moves a revision, stamping submitted_at or decided_at as
// the new state says.
func revisionSetState(ctx context.Context, tx *store.Tx, listingID string, number int, state, note string) error {
	stamp := ""
	switch state {
	case StateSubmitted:
		stamp = ", submitted_at = ?"
	case StateChangesRequested, StateApproved:
		stamp = ", decided_at = ?"
	}
	args := []any{state, note, tx.Now()}
	if stamp != "" {
		args = append(args, tx.Now())
	}
	args = append(args, listingID, number)
	_, err := tx.Exec(ctx, "UPDATE marketplace_revisions SET state = ?, last_note = ?, updated_at = ?"+stamp+" WHERE listing_id = ? AND number = ?", args...)
	return err
}

// revisionsSupersede marks the listing's earlier published revisions.
func revisionsSupersede(ctx context.Context, tx *store.Tx, listingID string, before int) error {
	_, err := tx.Exec(ctx, "UPDATE marketplace_revisions SET state = 'superseded' WHERE listing_id = ? AND number < ? AND state = ?",
		listingID, before, StatePublished)
	return err
}

func revisionMax(ctx context.Context, q store.Querier, listingID string) (int, error) {
	var n int
	err := q.QueryRow(ctx, "SELECT COALESCE(MAX(number), 0) FROM marketplace_revisions WHERE listing_id = ?", listingID).Scan(&n)
	return n, err
}

const revisionColumns = "number, state, content, last_note, created_at, updated_at, submitted_at, decided_at"

func scanRevision(sc store.Scanner) (Revision, error) {
	var r Revision
	var content string
	if err := sc.Scan(&r.Number, &r.State, &content, &r.LastNote, &r.CreatedAt, &r.UpdatedAt, &r.SubmittedAt, &r.DecidedAt); err != nil {
		return r, err
	}
	err := json.Unmarshal([]byte(content), &r.Content)
	r.Content = r.Content.normalized()
	return r, err
}

func revisionGet(ctx context.Context, q store.Querier, listingID string, number int) (Revision, error) {
	return scanRevision(q.QueryRow(ctx, "SELECT "+revisionColumns+" FROM marketplace_revisions WHERE listing_id = ? AND number = ?", listingID, number))
}

func revisionsList(ctx context.Context, q store.Querier, listingID string, before, limit int) ([]Revision, error) {
	if before <= 0 {
		before = 1 << 30
	}
	rows, err := q.Query(ctx, "SELECT "+revisionColumns+" FROM marketplace_revisions WHERE listing_id = ? AND number < ? ORDER BY number DESC LIMIT ?",
		listingID, before, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanRevision)
}

// transitions

func transitionInsert(ctx context.Context, tx *store.Tx, t Transition) error {
	_, err := tx.Exec(ctx, `INSERT INTO marketplace_transitions (id, listing_id, revision, action, from_state, to_state, actor_type, actor_id,
		actor_name, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, t.ID, t.ListingID, t.Revision, t.Action, t.FromState, t.ToState,
		t.ActorType, t.ActorID, t.ActorName, t.Note, tx.Now())
	return err
}

func transitionsList(ctx context.Context, q store.Querier, listingID, after string, limit int) ([]Transition, error) {
	rows, err := q.Query(ctx, `SELECT id, listing_id, revision, action, from_state, to_state, actor_type, actor_id, actor_name, note, created_at
		FROM marketplace_transitions WHERE listing_id = ? AND id > ? ORDER BY id LIMIT ?`, listingID, after, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, func(sc store.Scanner) (Transition, error) {
		var t Transition
		err := sc.Scan(&t.ID, &t.ListingID, &t.Revision, &t.Action, &t.FromState, &t.ToState, &t.ActorType, &t.ActorID, &t.ActorName, &t.Note, &t.CreatedAt)
		return t, err
	})
}

// categories

func categoryUpsert(ctx context.Context, tx *store.Tx, c Category) (created bool, err error) {
	res, err := tx.Exec(ctx, "UPDATE marketplace_categories SET name = ?, description = ?, position = ? WHERE slug = ?", c.Name, c.Description, c.Position, c.Slug)
	if changed, err := store.Changed(res, err); err != nil || changed {
		return false, err
	}
	_, err = tx.Exec(ctx, "INSERT INTO marketplace_categories (slug, name, description, position, created_at) VALUES (?, ?, ?, ?, ?)",
		c.Slug, c.Name, c.Description, c.Position, tx.Now())
	return true, err
}

func categoryDelete(ctx context.Context, tx *store.Tx, slug string) (bool, error) {
	return store.Changed(tx.Exec(ctx, "DELETE FROM marketplace_categories WHERE slug = ?", slug))
}

func categoryInUse(ctx context.Context, q store.Querier, slug string) (bool, error) {
	var n int
	err := q.QueryRow(ctx, "SELECT COUNT(*) FROM marketplace_listing_categories WHERE category = ?", slug).Scan(&n)
	return n > 0, err
}

func categoriesList(ctx context.Context, q store.Querier) ([]Category, error) {
	rows, err := q.Query(ctx, `SELECT c.slug, c.name, c.description, c.position,
		(SELECT COUNT(*) FROM marketplace_listing_categories lc JOIN marketplace_listings l ON l.id = lc.listing_id
			WHERE lc.category = c.slug AND l.state = 'published')
		FROM marketplace_categories c ORDER BY c.position, c.slug LIMIT 500`)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, func(sc store.Scanner) (Category, error) {
		var c Category
		err := sc.Scan(&c.Slug, &c.Name, &c.Description, &c.Position, &c.ListingCount)
		return c, err
	})
}

// categoriesExisting returns which of slugs are in the catalog.
func categoriesExisting(ctx context.Context, q store.Querier, slugs []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(slugs) == 0 {
		return out, nil
	}
	args := make([]any, len(slugs))
	for i, s := range slugs {
		args[i] = s
	}
	rows, err := q.Query(ctx, "SELECT slug FROM marketplace_categories WHERE slug IN ("+store.Placeholders(len(slugs))+")", args...)
	if err != nil {
		return nil, err
	}
	found, err := store.Column[string](rows)
	for _, s := range found {
		out[s] = true
	}
	return out, err
}

// installations

const installationColumns = `i.id, i.listing_id, l.slug, l.live_name, i.kind, i.tenant_id, i.user_id, i.version, i.scopes, i.status, i.authorization_id,
	i.connection_id, i.installed_by, i.installed_at, i.uninstalled_at, i.uninstalled_by`

const installationFrom = " FROM marketplace_installations i JOIN marketplace_listings l ON l.id = i.listing_id"

func scanInstallation(sc store.Scanner) (Installation, error) {
	var in Installation
	var scopes string
	err := sc.Scan(&in.ID, &in.ListingID, &in.ListingSlug, &in.ListingName, &in.Kind, &in.TenantID, &in.UserID, &in.Version, &scopes, &in.Status,
		&in.AuthorizationID, &in.ConnectionID, &in.InstalledBy, &in.InstalledAt, &in.UninstalledAt, &in.UninstalledBy)
	in.Scopes = strings.Fields(scopes)
	return in, err
}

func installationInsert(ctx context.Context, tx *store.Tx, in Installation) error {
	_, err := tx.Exec(ctx, `INSERT INTO marketplace_installations (id, listing_id, kind, tenant_id, user_id, version, scopes, status,
		authorization_id, connection_id, installed_by, installed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.ID, in.ListingID, in.Kind, in.TenantID, in.UserID, in.Version, strings.Join(in.Scopes, " "), InstallActive,
		in.AuthorizationID, in.ConnectionID, in.InstalledBy, tx.Now())
	return err
}

func installationSetGrant(ctx context.Context, tx *store.Tx, id, authorizationID string, scopes []string) error {
	_, err := tx.Exec(ctx, "UPDATE marketplace_installations SET authorization_id = ?, scopes = ? WHERE id = ?", authorizationID, strings.Join(scopes, " "), id)
	return err
}

// installationEnd marks an active installation uninstalled and reports
// whether it was active.
func installationEnd(ctx context.Context, tx *store.Tx, id, by string) (bool, error) {
	return store.Changed(tx.Exec(ctx, "UPDATE marketplace_installations SET status = ?, uninstalled_at = ?, uninstalled_by = ? WHERE id = ? AND status = ?",
		InstallUninstalled, tx.Now(), by, id, InstallActive))
}

func installationGet(ctx context.Context, q store.Querier, id string) (Installation, error) {
	return scanInstallation(q.QueryRow(ctx, "SELECT "+installationColumns+installationFrom+" WHERE i.id = ?", id))
}

// installationsActiveWhere returns active installations that where (code,
// on i's columns) selects.
func installationsActiveWhere(ctx context.Context, q store.Querier, where string, args ...any) ([]Installation, error) {
	rows, err := q.Query(ctx, "SELECT "+installationColumns+installationFrom+" WHERE i.status = 'active' AND "+where, args...)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanInstallation)
}

// installationFilter selects installations for a list.
type installationFilter struct {
	TenantID, ListingID, Status, UserID string
	After                               string
	Limit                               int
}

func installationsList(ctx context.Context, q store.Querier, f installationFilter) ([]Installation, error) {
	where, args := []string{"i.id > ?"}, []any{f.After}
	for col, v := range map[string]string{"i.tenant_id": f.TenantID, "i.listing_id": f.ListingID, "i.status": f.Status, "i.user_id": f.UserID} {
		if v != "" {
			where = append(where, col+" = ?")
			args = append(args, v)
		}
	}
	args = append(args, f.Limit)
	rows, err := q.Query(ctx, "SELECT "+installationColumns+installationFrom+" WHERE "+strings.Join(where, " AND ")+" ORDER BY i.id LIMIT ?", args...)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanInstallation)
}

// installDayAdd counts an install or an uninstall on the transaction's day.
func installDayAdd(ctx context.Context, tx *store.Tx, listingID string, installs, uninstalls int) error {
	_, err := tx.Exec(ctx, `INSERT INTO marketplace_install_days (listing_id, day, installs, uninstalls) VALUES (?, ?, ?, ?)
		ON CONFLICT (listing_id, day) DO UPDATE SET installs = marketplace_install_days.installs + EXCLUDED.installs,
		uninstalls = marketplace_install_days.uninstalls + EXCLUDED.uninstalls`, listingID, tx.Now().UTC().Format(time.DateOnly), installs, uninstalls)
	return err
}

func installDaysList(ctx context.Context, q store.Querier, listingID, from string) ([]DayStats, error) {
	rows, err := q.Query(ctx, "SELECT day, installs, uninstalls FROM marketplace_install_days WHERE listing_id = ? AND day >= ? ORDER BY day", listingID, from)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, func(sc store.Scanner) (DayStats, error) {
		var d DayStats
		err := sc.Scan(&d.Date, &d.Installs, &d.Uninstalls)
		return d, err
	})
}

// reviews

const reviewColumns = `id, listing_id, tenant_id, user_id, user_name, rating, body, reply_body, replied_at, hidden, hidden_reason, created_at, updated_at`

func scanReview(sc store.Scanner) (Review, error) {
	var r Review
	var reply string
	var repliedAt *time.Time
	err := sc.Scan(&r.ID, &r.ListingID, &r.TenantID, &r.UserID, &r.UserName, &r.Rating, &r.Body, &reply, &repliedAt, &r.Hidden, &r.HiddenReason,
		&r.CreatedAt, &r.UpdatedAt)
	if repliedAt != nil {
		r.Reply = &Reply{Body: reply, CreatedAt: *repliedAt}
	}
	return r, err
}

func reviewGet(ctx context.Context, q store.Querier, id string) (Review, error) {
	return scanReview(q.QueryRow(ctx, "SELECT "+reviewColumns+" FROM marketplace_reviews WHERE id = ?", id))
}

func reviewGetByAuthor(ctx context.Context, q store.Querier, listingID, tenantID, userID string) (Review, error) {
	return scanReview(q.QueryRow(ctx, "SELECT "+reviewColumns+" FROM marketplace_reviews WHERE listing_id = ? AND tenant_id = ? AND user_id = ?",
		listingID, tenantID, userID))
}

func reviewInsert(ctx context.Context, tx *store.Tx, r Review) error {
	_, err := tx.Exec(ctx, `INSERT INTO marketplace_reviews (id, listing_id, tenant_id, user_id, user_name, rating, body, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.ListingID, r.TenantID, r.UserID, r.UserName, r.Rating, r.Body, tx.Now(), tx.Now())
	return err
}

func reviewUpdate(ctx context.Context, tx *store.Tx, id, userName string, rating int, body string) error {
	_, err := tx.Exec(ctx, "UPDATE marketplace_reviews SET user_name = ?, rating = ?, body = ?, updated_at = ? WHERE id = ?", userName, rating, body, tx.Now(), id)
	return err
}

// reviewReply stores the developer's reply unless there is one, and reports
// whether it did.
func reviewReply(ctx context.Context, tx *store.Tx, id, body string) (bool, error) {
	return store.Changed(tx.Exec(ctx, "UPDATE marketplace_reviews SET reply_body = ?, replied_at = ? WHERE id = ? AND replied_at IS NULL", body, tx.Now(), id))
}

func reviewSetHidden(ctx context.Context, tx *store.Tx, id string, hidden bool, reason string) error {
	_, err := tx.Exec(ctx, "UPDATE marketplace_reviews SET hidden = ?, hidden_reason = ?, updated_at = ? WHERE id = ?", hidden, reason, tx.Now(), id)
	return err
}

func reviewsList(ctx context.Context, q store.Querier, listingID string, withHidden bool, after string, limit int) ([]Review, error) {
	hidden := ""
	if !withHidden {
		hidden = " AND hidden = false"
	}
	rows, err := q.Query(ctx, "SELECT "+reviewColumns+" FROM marketplace_reviews WHERE listing_id = ? AND (? = '' OR id < ?)"+hidden+" ORDER BY id DESC LIMIT ?",
		listingID, after, after, limit)
	if err != nil {
		return nil, err
	}
	return store.Collect(rows, scanReview)
}

// reviewsTally counts a listing's visible reviews by rating.
func reviewsTally(ctx context.Context, q store.Querier, listingID string) ([5]int, error) {
	var dist [5]int
	rows, err := q.Query(ctx, "SELECT rating, COUNT(*) FROM marketplace_reviews WHERE listing_id = ? AND hidden = false GROUP BY rating", listingID)
	if err != nil {
		return dist, err
	}
	defer rows.Close()
	for rows.Next() {
		var rating, n int
		if err := rows.Scan(&rating, &n); err != nil {
			return dist, err
		}
		if rating >= 1 && rating <= 5 {
			dist[rating-1] = n
		}
	}
	return dist, rows.Err()
}

// app webhooks

func appWebhookGet(ctx context.Context, q store.Querier, appID string) (AppWebhook, string, error) {
	var w AppWebhook
	var endpointID string
	err := q.QueryRow(ctx, "SELECT app_id, url, endpoint_id, created_at FROM marketplace_app_webhooks WHERE app_id = ?", appID).
		Scan(&w.AppID, &w.URL, &endpointID, &w.CreatedAt)
	return w, endpointID, err
}

func appWebhookUpsert(ctx context.Context, tx *store.Tx, appID, endpointID, url string) error {
	_, err := tx.Exec(ctx, `INSERT INTO marketplace_app_webhooks (app_id, endpoint_id, url, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (app_id) DO UPDATE SET endpoint_id = EXCLUDED.endpoint_id, url = EXCLUDED.url`, appID, endpointID, url, tx.Now())
	return err
}

func appWebhookDelete(ctx context.Context, tx *store.Tx, appID string) error {
	_, err := tx.Exec(ctx, "DELETE FROM marketplace_app_webhooks WHERE app_id = ?", appID)
	return err
}
