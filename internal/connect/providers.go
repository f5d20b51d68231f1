package connect

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/connect/catalog"
	"github.com/patchbay/patchbay/internal/store"
)

// providerReload is how often a node reloads the API's provider definitions,
// so that one added or changed on another node takes effect here within it.
const providerReload = 5 * time.Second

// PutProvider adds or replaces a provider definition (YAML or JSON) through
// the API. It takes effect at once on this node and within providerReload on
// the others. created reports whether no API definition had the ID before.
func (s *Service) PutProvider(ctx context.Context, providerID string, definition []byte) (p *catalog.Provider, created bool, err error) {
	p, err = catalog.Parse("", definition)
	var derr *catalog.DefinitionError
	if errors.As(err, &derr) {
		return nil, false, definitionProblems(derr)
	} else if err != nil {
		return nil, false, err
	}
	if p.ID != providerID {
		return nil, false, apperr.InvalidFields(map[string]string{"/id": fmt.Sprintf("is %q, but the URL names %q", p.ID, providerID)})
	}
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE provider_definitions SET definition = ?, updated_at = ? WHERE id = ?", string(definition), tx.Now(), p.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		created = true
		_, err = tx.Exec(ctx, "INSERT INTO provider_definitions (id, definition, created_at, updated_at) VALUES (?, ?, ?, ?)",
			p.ID, string(definition), tx.Now(), tx.Now())
		if store.IsUniqueViolation(err) {
			return apperr.Errorf(apperr.Conflict, "provider %s is being added by another request at the same time; try again", p.ID)
		}
		return err
	})
	if err != nil {
		return nil, false, err
	}
	p.Source = catalog.SourceAPI
	return p, created, s.LoadProviders(ctx)
}

// definitionProblems names each bad field of a definition by its JSON
// pointer (and line), as a request's invalid fields.
func definitionProblems(derr *catalog.DefinitionError) error {
	fields := map[string]string{}
	for _, p := range derr.Problems {
		key, msg := p.Path, p.Message
		if key == "" {
			key = "definition"
		}
		if p.Line > 0 {
			msg = "line " + strconv.Itoa(p.Line) + ": " + msg
		}
		if prev, ok := fields[key]; ok {
			msg = prev + "; " + msg
		}
		fields[key] = msg
	}
	return apperr.InvalidFields(fields)
}

// DeleteProvider removes a definition added through the API. A file's
// definition with the same ID takes its place again; without one, the
// provider may not be removed while integrations use it.
func (s *Service) DeleteProvider(ctx context.Context, providerID string) error {
	_, fromFile := s.catalog.File(providerID)
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		if !fromFile {
			var integrationID string
			err := tx.QueryRow(ctx, "SELECT id FROM integrations WHERE provider_id = ? ORDER BY id LIMIT 1", providerID).Scan(&integrationID)
			if err == nil {
				return apperr.Errorf(apperr.Conflict, "integration %s uses provider %s: delete the provider's integrations first", integrationID, providerID)
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		res, err := tx.Exec(ctx, "DELETE FROM provider_definitions WHERE id = ?", providerID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if fromFile {
				return apperr.Errorf(apperr.Conflict, "provider %s is defined by a file, not through the API: change or remove the file", providerID)
			}
			return apperr.Errorf(apperr.NotFound, "no provider %s was added through the API", providerID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.LoadProviders(ctx)
}

// LoadProviders reads the API's provider definitions into the catalog. A
// stored definition that no longer parses (a newer schema dropped something
// it used) is logged and left out rather than stopping the node.
func (s *Service) LoadProviders(ctx context.Context) error {
	_, err := s.loadProviders(ctx, nil)
	return err
}

// loadProviders reads the definitions and, unless their digest equals last,
// parses them into the catalog. It returns their digest.
func (s *Service) loadProviders(ctx context.Context, last []byte) ([]byte, error) {
	rows, err := s.db.Query(ctx, "SELECT id, definition FROM provider_definitions ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type stored struct{ id, definition string }
	var all []stored
	digest := sha256.New()
	for rows.Next() {
		var d stored
		if err := rows.Scan(&d.id, &d.definition); err != nil {
			return nil, err
		}
		all = append(all, d)
		fmt.Fprintf(digest, "%d:%s%d:%s", len(d.id), d.id, len(d.definition), d.definition)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sum := digest.Sum(nil)
	if bytes.Equal(sum, last) {
		return sum, nil
	}
	var defs []*catalog.Provider
	for _, d := range all {
		p, err := catalog.Parse("", []byte(d.definition))
		if err != nil {
			s.logger.Error("a provider definition added through the API no longer parses; it is left out", "provider_id", d.id, "error", err)
			continue
		}
		defs = append(defs, p)
	}
	s.catalog.SetAPIDefinitions(defs)
	return sum, nil
}

// WatchProviders reloads the API's provider definitions every
// providerReload until ctx ends, so changes made on other nodes arrive. The
// table is small: it is read whole, and parsed again only when it changed.
func (s *Service) WatchProviders(ctx context.Context) {
	tick := time.NewTicker(providerReload)
	defer tick.Stop()
	var last []byte
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		sum, err := s.loadProviders(ctx, last)
		if err != nil {
			if ctx.Err() == nil {
				s.logger.Warn("reloading provider definitions failed", "error", err)
			}
			continue
		}
		last = sum
	}
}
